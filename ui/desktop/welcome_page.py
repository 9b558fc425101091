"""The first page: which interview, how many attempts are left, a practice badge, and — after
a crash — the offer to resume from the question the candidate was on or to finish and
submit what was recorded."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)


@dataclass(frozen=True)
class InterviewChoice:
    """One interview on offer. ``attempts_left`` is None for practice (no limit);
    ``interrupted`` is an attempt a crash cut short, ``resume_at`` its next question (0-based)."""

    config: Any
    attempts_left: int | None
    interrupted: Any = None
    resume_at: int | None = None

    @property
    def practice(self) -> bool:
        return bool(getattr(self.config, "practice", False))

    def attempts_text(self) -> str:
        if self.practice:
            return "Practice: as many times as you like, never shared"
        total = int(getattr(self.config, "max_attempts", 3))
        left = self.attempts_left if self.attempts_left is not None else total
        if left <= 0:
            return "No attempts left"
        used = total - left
        if used == 0:
            return f"{total} attempts in total (first attempt)"
        return f"{left} of {total} attempts left"


class WelcomePage(QWidget):
    """``start_requested(choice)``, ``resume_requested(choice)``,
    ``finish_as_is_requested(choice)``, ``help_requested``."""

    start_requested = Signal(object)
    resume_requested = Signal(object)
    finish_as_is_requested = Signal(object)
    help_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("welcomePage")
        self.choices: list[InterviewChoice] = []
        title = QLabel("Welcome", self)
        title.setObjectName("pageTitle")
        intro = QLabel(
            "Choose your interview. Next we check your camera, microphone and speakers; then "
            "the interviewer reads each question aloud and you answer in your own words. "
            "Captions show what is said.",
            self,
        )
        intro.setWordWrap(True)
        self._list = QVBoxLayout()
        self._group = QButtonGroup(self)
        self._group.buttonToggled.connect(lambda *_: self._sync())

        self.recovery = QFrame(self)
        self.recovery.setObjectName("recoveryBox")
        self.recovery_text = QLabel("", self.recovery)
        self.recovery_text.setWordWrap(True)
        self.resume_button = QPushButton("&Resume", self.recovery)
        self.finish_button = QPushButton("&Finish and submit as it is", self.recovery)
        self.finish_button.setAccessibleDescription(
            "Sends what was recorded before the interruption without answering the rest"
        )
        rl = QVBoxLayout(self.recovery)
        rl.addWidget(self.recovery_text)
        rb = QHBoxLayout()
        rb.addWidget(self.resume_button)
        rb.addWidget(self.finish_button)
        rb.addStretch(1)
        rl.addLayout(rb)
        self.recovery.hide()

        self.message = QLabel("", self)
        self.message.setWordWrap(True)
        self.message.setObjectName("statusLine")
        self.help_button = QPushButton("&Help", self)
        self.continue_button = QPushButton("&Continue to device checks", self)
        self.continue_button.setObjectName("primary")
        self.continue_button.setDefault(True)
        self.continue_button.setEnabled(False)
        buttons = QHBoxLayout()
        buttons.addWidget(self.help_button)
        buttons.addStretch(1)
        buttons.addWidget(self.continue_button)

        lay = QVBoxLayout(self)
        lay.setContentsMargins(48, 32, 48, 24)
        lay.setSpacing(12)
        lay.addWidget(title)
        lay.addWidget(intro)
        lay.addSpacing(8)
        lay.addLayout(self._list)
        lay.addWidget(self.recovery)
        lay.addStretch(1)
        lay.addWidget(self.message)
        lay.addLayout(buttons)

        self.help_button.clicked.connect(self.help_requested)
        self.continue_button.clicked.connect(self._continue)
        self.resume_button.clicked.connect(lambda: self._recover(self.resume_requested))
        self.finish_button.clicked.connect(lambda: self._recover(self.finish_as_is_requested))
        self._rows: list[QWidget] = []

    def set_choices(self, choices: list[InterviewChoice]) -> None:
        for w in self._rows:
            self._list.removeWidget(w)
            w.deleteLater()
        self._rows = []
        for b in self._group.buttons():
            self._group.removeButton(b)
        self.choices = list(choices)
        for i, c in enumerate(self.choices):
            row = QFrame(self)
            row.setObjectName("interviewRow")
            radio = QRadioButton(str(getattr(c.config, "title", "Interview")), row)
            radio.setObjectName("interviewTitle")
            self._group.addButton(radio, i)
            badge = QLabel("PRACTICE", row)
            badge.setObjectName("practiceBadge")
            badge.setVisible(c.practice)
            role = QLabel(str(getattr(c.config, "role", "")), row)
            role.setObjectName("hint")
            attempts = QLabel(c.attempts_text(), row)
            attempts.setObjectName("attempts")
            radio.setAccessibleDescription(
                ("Practice interview. " if c.practice else "") + c.attempts_text()
            )
            top = QHBoxLayout()
            top.addWidget(radio)
            top.addWidget(badge)
            top.addStretch(1)
            top.addWidget(attempts)
            rl = QVBoxLayout(row)
            rl.addLayout(top)
            if role.text():
                role.setContentsMargins(26, 0, 0, 0)
                rl.addWidget(role)
            self._list.addWidget(row)
            self._rows.append(row)
        if self.choices:
            first = next((i for i, c in enumerate(self.choices) if c.interrupted), 0)
            self._group.button(first).setChecked(True)
        self._sync()

    def selected(self) -> InterviewChoice | None:
        i = self._group.checkedId()
        return self.choices[i] if 0 <= i < len(self.choices) else None

    def _sync(self) -> None:
        c = self.selected()
        usable = c is not None and (c.practice or (c.attempts_left or 0) > 0 or c.interrupted)
        self.continue_button.setEnabled(bool(c) and (c.practice or (c.attempts_left or 0) > 0))
        if c is not None and c.interrupted is not None:
            k = (c.resume_at or 0) + 1
            self.recovery_text.setText(
                "Your last attempt at this interview was interrupted (the app closed "
                f"unexpectedly). What you recorded is safe. You can resume from question {k}, "
                "or finish and submit it as it is."
            )
            self.resume_button.setText(f"&Resume from question {k}")
            self.resume_button.setEnabled(c.resume_at is not None)
            self.recovery.show()
        else:
            self.recovery.hide()
        if c is not None and not usable:
            self.message.setText(
                "You have used every attempt for this interview. If something went wrong "
                "during an attempt, press Help to contact support."
            )
        else:
            self.message.setText("")

    def show_message(self, text: str) -> None:
        self.message.setText(text)

    def _continue(self) -> None:
        c = self.selected()
        if c is not None:
            self.start_requested.emit(c)

    def _recover(self, signal: Any) -> None:
        c = self.selected()
        if c is not None and c.interrupted is not None:
            signal.emit(c)
