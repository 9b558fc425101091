"""A modal card drawn over the kiosk window (instead of a separate dialog window, which a
window manager could stack behind the always-on-top kiosk)."""

from __future__ import annotations

import contextlib

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QVBoxLayout, QWidget


class Overlay(QWidget):
    """Covers its parent; ``card`` holds the content. ``open()`` shows it on top and puts
    keyboard focus inside; ``close_overlay()`` hides it and gives focus back."""

    def __init__(self, parent: QWidget, name: str) -> None:
        super().__init__(parent)
        self.setProperty("role", "scrim")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setAccessibleName(name)
        self.card = QFrame(self)
        self.card.setProperty("role", "card")
        self.card.setAccessibleName(name)
        self.card.setMaximumWidth(640)
        self.body = QVBoxLayout(self.card)
        self.body.setContentsMargins(32, 28, 32, 28)
        self.body.setSpacing(14)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.card, 3)
        row.addStretch(1)
        outer = QVBoxLayout(self)
        outer.addStretch(1)
        outer.addLayout(row)
        outer.addStretch(1)
        self._restore_focus: QWidget | None = None
        parent.installEventFilter(self)
        self.hide()

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if obj is self.parent() and event.type() == QEvent.Type.Resize:
            self.setGeometry(self.parentWidget().rect())
        return False

    def first_focus(self) -> QWidget | None:
        return None

    def open(self) -> None:
        from PySide6.QtWidgets import QApplication

        self._restore_focus = QApplication.focusWidget()
        self.setGeometry(self.parentWidget().rect())
        self.show()
        self.raise_()
        target = self.first_focus()
        if target is not None:
            target.setFocus(Qt.FocusReason.OtherFocusReason)

    def close_overlay(self) -> None:
        self.hide()
        if self._restore_focus is not None:
            with contextlib.suppress(RuntimeError):  # the widget was deleted meanwhile
                self._restore_focus.setFocus()
        self._restore_focus = None
