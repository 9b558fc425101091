"""How every window of the app starts, the desktop app and the station kiosk alike: the log
file (and unhandled errors into it), Qt's own messages routed to that log, the one
QApplication, the style, garbage collection on the GUI thread, and Ctrl+C / SIGTERM ending
the app through its own shutdown rather than killing it mid-recording.

Each app then builds its window, gives it an ``ErrorReporter`` (``ui.qt.error_dialog``) so an
unhandled error reaches the candidate as a plain message, and runs ``app.exec()``.
"""

from __future__ import annotations

import logging
import signal
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from session.runtime import applog
from ui.qt.error_dialog import route_qt_messages
from ui.qt.gui_gc import GuiThreadCollector, collect_on_gui_thread
from ui.qt.style import apply_style

log = logging.getLogger(__name__)

APP_NAME = "Interview Kiosk"


@dataclass
class QtApp:
    app: QApplication
    log_path: Path | None
    collector: GuiThreadCollector
    waker: QTimer | None = None  # keeps Python's signal handlers running (see quit_on_signals)

    def quit_on_signals(self, quit_: Callable[[], None]) -> None:
        """Ctrl+C and SIGTERM call ``quit_`` on the GUI thread. Python runs signal handlers
        only when it has control, so a timer wakes the interpreter twice a second."""

        def handler(signum: int, _frame: object) -> None:
            log.info("signal %d: shutting down", signum)
            quit_()

        signal.signal(signal.SIGINT, handler)
        signal.signal(signal.SIGTERM, handler)
        self.waker = QTimer()
        self.waker.timeout.connect(lambda: None)
        self.waker.start(500)


def start_qt_app(style: str | None = "app.qss") -> QtApp:
    """Logging, Qt message routing, the QApplication and its style (None: the window styles
    itself, as the kiosk's look does). Call before any window exists."""
    log_path = applog.setup_logging(to_stderr=True)
    route_qt_messages()
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(sys.argv[:1])
    app.setApplicationName(APP_NAME)
    if style is not None and not apply_style(app, style):
        logging.getLogger(__name__).warning("style sheet %s not found: the app looks plain", style)
    return QtApp(app, log_path, collect_on_gui_thread(app))
