"""An unhandled error on a worker thread becomes a plain message on the GUI thread; the
traceback stays in the log."""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from PySide6.QtWidgets import QWidget

from session.runtime import applog
from ui.qt.error_dialog import ErrorReporter


def test_worker_crash_shows_plain_message_without_traceback(qtbot, kiosk_home):
    applog.setup_logging()
    # setup_logging is once per process: the file is wherever the first call put it.
    (log_path,) = [
        Path(h.baseFilename)
        for h in logging.getLogger().handlers
        if getattr(h, "_kiosk", False) and hasattr(h, "baseFilename")
    ]
    applog.install_error_hooks()  # pytest swaps threading.excepthook per test
    window = QWidget()
    qtbot.addWidget(window)
    window.show()
    reporter = ErrorReporter(window)
    try:

        def work():
            raise RuntimeError("secret internal detail 0xDEAD")

        t = threading.Thread(target=work, name="encoder")
        t.start()
        t.join()
        qtbot.waitUntil(lambda: reporter.box is not None and reporter.box.isVisible(), timeout=3000)
        text = reporter.box.text() + "\n" + reporter.box.informativeText()
        assert "recording so far is saved" in text
        assert "What to do" in text
        assert "Traceback" not in text and "0xDEAD" not in text and "RuntimeError" not in text
        for h in logging.getLogger().handlers:
            h.flush()
        logged = log_path.read_text(encoding="utf-8")
        assert "Traceback" in logged and "0xDEAD" in logged
    finally:
        reporter.close()
        if reporter.box is not None:
            reporter.box.close()
