"""The page a station shows after a crash: resume the interrupted interview, or keep the
recording (it is uploaded) and go back to the welcome screen."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QPushButton

from ui.kiosk.candidate import StatusPage


class RecoveryPage(StatusPage):
    resume = Signal()
    fresh = Signal()

    def __init__(self, when: str) -> None:
        super().__init__(
            "The last interview was interrupted",
            f"The app stopped unexpectedly{when}. What was recorded is kept. The candidate "
            "can resume where they left off, or the station can go back to the welcome screen "
            "(the recording is still uploaded).",
        )
        self.setAccessibleName("Crash recovery")
        row = QHBoxLayout()
        row.addStretch(1)
        self.resume_button = QPushButton("Resume the interview")
        self.resume_button.setProperty("role", "primary")
        self.resume_button.setAccessibleName("Resume the interrupted interview")
        fresh = QPushButton("Go to the welcome screen")
        fresh.setAccessibleName("Keep the recording and go to the welcome screen")
        row.addWidget(fresh)
        row.addWidget(self.resume_button)
        row.addStretch(1)
        self.layout().insertLayout(3, row)
        self.resume_button.clicked.connect(self.resume.emit)
        fresh.clicked.connect(self.fresh.emit)
