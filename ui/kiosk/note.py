"""Tells the candidate about an integrity signal when it happens and lets them add a short
note; the note goes to events.jsonl beside the signal."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPlainTextEdit, QPushButton, QWidget

from session.interview.integrity import NOTE_MAX_CHARS, IntegritySignal
from ui.kiosk.overlay import Overlay


class NoteOverlay(Overlay):
    note_saved = Signal(str, str)  # signal_id, text

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent, "Integrity notice")
        self._queue: list[IntegritySignal] = []
        self._current: IntegritySignal | None = None
        self.title = QLabel("")
        self.title.setWordWrap(True)
        self.title.setProperty("role", "title")
        self.title.setAccessibleName("Integrity notice message")
        info = QLabel(
            "This is recorded with your interview. If there was a reason, you can explain it "
            "in a sentence; reviewers see your note beside the flag."
        )
        info.setWordWrap(True)
        self.text = QPlainTextEdit()
        self.text.setAccessibleName("Your note (optional)")
        self.text.setPlaceholderText("Your note (optional)")
        self.text.setFixedHeight(110)
        self.text.setTabChangesFocus(True)
        save = QPushButton("Save note")
        save.setProperty("role", "primary")
        save.setAccessibleName("Save note and continue")
        skip = QPushButton("Continue without a note")
        skip.setAccessibleName("Continue without a note")
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(skip)
        row.addWidget(save)
        for w in (self.title, info, self.text):
            self.body.addWidget(w)
        self.body.addLayout(row)
        save.clicked.connect(self._save)
        skip.clicked.connect(self._skip)
        self.save_button, self.skip_button = save, skip

    def first_focus(self) -> QWidget:
        return self.text

    @property
    def current(self) -> IntegritySignal | None:
        return self._current

    def show_signal(self, sig: IntegritySignal) -> None:
        if self._current is not None:
            self._queue.append(sig)
            return
        self._current = sig
        self.title.setText(sig.message)
        self.text.clear()
        self.open()

    def _next(self) -> None:
        self._current = None
        self.close_overlay()
        if self._queue:
            self.show_signal(self._queue.pop(0))

    def _save(self) -> None:
        if self._current is not None:
            text = self.text.toPlainText().strip()[:NOTE_MAX_CHARS]
            if text:
                self.note_saved.emit(self._current.signal_id, text)
        self._next()

    def _skip(self) -> None:
        self._next()

    def clear(self) -> None:
        """Drops anything pending (the candidate's session ended)."""
        self._queue.clear()
        self._current = None
        self.text.clear()
        self.title.clear()
        self.close_overlay()
