"""The proctor PIN overlay. Wrong tries count toward the lock-out in session.station.pin."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QPushButton, QWidget

from session.station.pin import PinGuard
from ui.kiosk.overlay import Overlay


class PinOverlay(Overlay):
    accepted = Signal()
    rejected = Signal(object)  # PinResult

    def __init__(self, parent: QWidget, guard: PinGuard) -> None:
        super().__init__(parent, "Proctor PIN")
        self.guard = guard
        title = QLabel("Proctor access")
        title.setProperty("role", "title")
        hint = QLabel("Enter the proctor PIN. Candidates: please call the proctor.")
        hint.setWordWrap(True)
        self.field = QLineEdit()
        self.field.setEchoMode(QLineEdit.EchoMode.Password)
        self.field.setMaxLength(12)
        self.field.setAccessibleName("Proctor PIN")
        self.field.setPlaceholderText("PIN")
        self.message = QLabel("")
        self.message.setProperty("role", "alert")
        self.message.setWordWrap(True)
        self.message.setAccessibleName("PIN message")
        ok = QPushButton("Unlock")
        ok.setProperty("role", "primary")
        ok.setAccessibleName("Unlock with PIN")
        cancel = QPushButton("Cancel")
        cancel.setAccessibleName("Cancel and return")
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(cancel)
        buttons.addWidget(ok)
        for w in (title, hint, self.field, self.message):
            self.body.addWidget(w)
        self.body.addLayout(buttons)
        ok.clicked.connect(self._try)
        self.field.returnPressed.connect(self._try)
        cancel.clicked.connect(self.cancel)

    def first_focus(self) -> QWidget:
        return self.field

    def open(self) -> None:
        self.field.clear()
        locked = self.guard.locked_for()
        self.message.setText(
            f"Too many wrong PINs. Try again in {int(locked + 0.99)} s." if locked else ""
        )
        super().open()

    def cancel(self) -> None:
        self.field.clear()
        self.close_overlay()

    def _try(self) -> None:
        pin = self.field.text()
        self.field.clear()
        if not pin:
            return
        result = self.guard.attempt(pin)
        if result.ok:
            self.message.clear()
            self.close_overlay()
            self.accepted.emit()
        else:
            self.message.setText(result.message)
            self.rejected.emit(result)
