"""The one place an unhandled error reaches the candidate: a plain message on the GUI thread
saying what happened and what to do. The log keeps the traceback (session.runtime.applog)."""

from __future__ import annotations

import logging
import weakref

from PySide6.QtCore import QObject, Qt, QtMsgType, Signal, Slot, qInstallMessageHandler
from PySide6.QtWidgets import QMessageBox, QWidget

from session.runtime import applog

log = logging.getLogger(__name__)
qt_log = logging.getLogger("qt")

TITLE = "Something went wrong"
MESSAGE = (
    "Something went wrong inside the app. Your recording so far is saved on this computer.\n\n"
    "What to do: close this message and carry on. If the problem comes back, close the app "
    "and open it again: you will be offered to resume where you stopped. If it still does "
    "not work, press Help and then \u201cSave support report\u201d and send the file to us."
)


class ErrorReporter(QObject):
    """Listens for unhandled errors on any thread and shows one plain message at a time on
    the GUI thread. ``parent_widget`` is the window the message sits over."""

    raised = Signal(str)
    shown = Signal(QMessageBox)  # for tests and the kiosk: the dialog that is now visible

    def __init__(self, parent_widget: QWidget | None = None) -> None:
        super().__init__()
        self._parent = parent_widget
        self._box: QMessageBox | None = None
        self.count = 0
        self.raised.connect(self._show, Qt.ConnectionType.QueuedConnection)
        self._closed = False
        ref = weakref.ref(self)

        def listener(exc: BaseException) -> None:
            me = ref()
            if me is not None and not me._closed:
                me._on_error(exc)

        applog.on_unhandled_error(listener)

    def close(self) -> None:
        """Stops listening (applog keeps listeners for the life of the process)."""
        self._closed = True

    def _on_error(self, exc: BaseException) -> None:
        # Called on the failing thread: only a queued signal crosses to the GUI thread.
        self.raised.emit(type(exc).__name__)

    @Slot(str)
    def _show(self, _kind: str) -> None:
        self.count += 1
        if self._box is not None and self._box.isVisible():
            return  # one message is enough; the log has every error
        box = QMessageBox(self._parent)
        box.setIcon(QMessageBox.Icon.Warning)
        box.setWindowTitle(TITLE)
        box.setText(TITLE)
        box.setInformativeText(MESSAGE)
        box.setStandardButtons(QMessageBox.StandardButton.Ok)
        box.setAccessibleName(TITLE)
        box.setWindowModality(Qt.WindowModality.WindowModal)
        self._box = box
        box.open()
        self.shown.emit(box)

    @property
    def box(self) -> QMessageBox | None:
        return self._box


_LEVELS = {
    QtMsgType.QtDebugMsg: logging.DEBUG,
    QtMsgType.QtInfoMsg: logging.INFO,
    QtMsgType.QtWarningMsg: logging.WARNING,
    QtMsgType.QtCriticalMsg: logging.ERROR,
    QtMsgType.QtFatalMsg: logging.CRITICAL,
}


def _qt_message(mode: QtMsgType, context, message: str) -> None:
    qt_log.log(_LEVELS.get(mode, logging.WARNING), "%s", message)


def route_qt_messages() -> None:
    """Qt's own warnings go to our log instead of stderr."""
    qInstallMessageHandler(_qt_message)
