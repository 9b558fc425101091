"""The kiosk window: frameless, full screen on the primary screen, always on top.

The candidate cannot close, minimise or switch away through the app: close requests are
ignored until the proctor's PIN unlocks them, Escape/Alt+F4/Alt+Tab/Super are swallowed,
and while an interview runs the keyboard is grabbed (an X grab belongs to the process, so
it disappears with it — a crash or ``kill -9`` never leaves the keyboard grabbed). When the
window loses activation it takes it back.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QGuiApplication, QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import QApplication, QStackedWidget, QVBoxLayout, QWidget

log = logging.getLogger(__name__)

_SWALLOWED_KEYS = {
    Qt.Key.Key_Escape,
    Qt.Key.Key_Super_L,
    Qt.Key.Key_Super_R,
    Qt.Key.Key_Meta,
    Qt.Key.Key_Menu,
}
_SWALLOWED_WITH_ALT = {Qt.Key.Key_F4, Qt.Key.Key_Tab, Qt.Key.Key_Backtab, Qt.Key.Key_Escape}
_SWALLOWED_WITH_CTRL = {Qt.Key.Key_Q, Qt.Key.Key_W, Qt.Key.Key_Escape}


def is_escape_key(event: QKeyEvent) -> bool:
    """Keys that would close, minimise or switch away from the app."""
    key = Qt.Key(event.key())
    mods = event.modifiers()
    if key in _SWALLOWED_KEYS:
        return True
    if mods & Qt.KeyboardModifier.AltModifier and key in _SWALLOWED_WITH_ALT:
        return True
    if mods & Qt.KeyboardModifier.ControlModifier and key in _SWALLOWED_WITH_CTRL:
        return True
    return bool(mods & Qt.KeyboardModifier.MetaModifier)


class KioskWindow(QWidget):
    """One top-level window holding every kiosk page in a stack (dialogs are overlays
    inside it, so no second top-level window can fall behind or steal the front)."""

    proctor_requested = Signal()  # Ctrl+Alt+P or the corner button
    escape_pressed = Signal()  # swallowed Escape: an open overlay may use it to cancel
    activation_changed = Signal(bool)  # True when the window is active again

    def __init__(self, kiosk: bool = True, title: str = "Interview Kiosk") -> None:
        super().__init__()
        self.kiosk = kiosk
        self._may_close = not kiosk
        self._grab = False
        self._swallowed = 0
        self.setObjectName("KioskRoot")
        self.setWindowTitle(title)
        self.setAccessibleName(title)
        if kiosk:
            self.setWindowFlags(
                Qt.WindowType.Window
                | Qt.WindowType.FramelessWindowHint
                | Qt.WindowType.WindowStaysOnTopHint
            )
        self.stack = QStackedWidget(self)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.stack)
        sc = QShortcut(QKeySequence("Ctrl+Alt+P"), self)
        sc.setContext(Qt.ShortcutContext.ApplicationShortcut)
        sc.activated.connect(self.proctor_requested.emit)
        self._reassert_timer = QTimer(self)
        self._reassert_timer.setSingleShot(True)
        self._reassert_timer.setInterval(150)
        self._reassert_timer.timeout.connect(self._reassert)
        if kiosk:
            app = QApplication.instance()
            if app is not None:
                app.installEventFilter(self)

    # -- showing ---------------------------------------------------------------------
    def show_kiosk(self) -> None:
        if not self.kiosk:
            self.resize(1100, 760)
            self.show()
            return
        screen = QGuiApplication.primaryScreen()
        if screen is not None:
            self.setScreen(screen)
            self.setGeometry(screen.geometry())
        self.showFullScreen()
        self.raise_()
        self.activateWindow()

    def set_page(self, page: QWidget) -> None:
        if self.stack.indexOf(page) < 0:
            self.stack.addWidget(page)
        self.stack.setCurrentWidget(page)

    def drop_page(self, page: QWidget) -> None:
        """Removes and destroys a page (a finished candidate's pages leave no trace)."""
        if self.stack.indexOf(page) >= 0:
            self.stack.removeWidget(page)
        page.hide()
        page.deleteLater()

    # -- keyboard grab while an interview runs ---------------------------------------------
    def set_keyboard_grab(self, on: bool) -> None:
        if not self.kiosk or on == self._grab:
            return
        self._grab = on
        self._apply_grab()
        log.info("keyboard grab %s", "on" if on else "off")

    def _apply_grab(self) -> None:
        # The window-level grab (an X keyboard grab on xcb) keeps key events flowing to the
        # focused widget; QWidget.grabKeyboard would send every key to this widget instead.
        handle = self.windowHandle()
        if handle is not None:
            ok = handle.setKeyboardGrabEnabled(self._grab)
            if self._grab and not ok:
                log.info("no keyboard grab (the platform has none, or another client holds it)")

    @property
    def keyboard_grabbed(self) -> bool:
        return self._grab

    @property
    def swallowed_keys(self) -> int:
        return self._swallowed

    # -- leaving -------------------------------------------------------------------------
    def allow_close(self) -> None:
        """Called after the proctor's PIN: the next close really closes."""
        self._may_close = True
        self.set_keyboard_grab(False)

    def closeEvent(self, event: QCloseEvent) -> None:
        if self._may_close:
            self.set_keyboard_grab(False)
            app = QApplication.instance()
            if app is not None:
                app.removeEventFilter(self)  # the keys are the rest of the app's again
            event.accept()
            return
        log.info("close request ignored (kiosk is locked)")
        event.ignore()
        self._reassert_timer.start()

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        keys = (QEvent.Type.KeyPress, QEvent.Type.ShortcutOverride)
        if event.type() in keys and isinstance(event, QKeyEvent) and is_escape_key(event):
            if event.type() == QEvent.Type.KeyPress:
                self._swallowed += 1
                if event.key() == Qt.Key.Key_Escape and not event.modifiers():
                    self.escape_pressed.emit()
            event.accept()
            return True
        return False

    def changeEvent(self, event: QEvent) -> None:
        state = self.windowState()
        if (
            self.kiosk
            and event.type() == QEvent.Type.WindowStateChange
            and not self._may_close
            and (
                state & Qt.WindowState.WindowMinimized
                or not state & Qt.WindowState.WindowFullScreen
            )
        ):
            self._reassert_timer.start()
        if event.type() == QEvent.Type.ActivationChange:
            active = self.isActiveWindow()
            self.activation_changed.emit(active)
            if self.kiosk and not active and not self._may_close:
                self._reassert_timer.start()
        super().changeEvent(event)

    def _reassert(self) -> None:
        if self._may_close or not self.isVisible():
            return
        if not self.windowState() & Qt.WindowState.WindowFullScreen:
            self.showFullScreen()
        self.raise_()
        self.activateWindow()
        if self._grab:
            self._apply_grab()  # some window managers break a grab on a focus change
