"""Logging for the whole app: a rotating file in the platform's log folder, stderr for the
command line, one place that catches unhandled errors (sys, threads, warnings)."""

from __future__ import annotations

import logging
import logging.handlers
import sys
import threading
from collections.abc import Callable
from pathlib import Path

from session.runtime import paths

log = logging.getLogger("kiosk")
LOG_FILE = "kiosk.log"
_error_listeners: list[Callable[[BaseException], None]] = []


def setup_logging(level: int = logging.INFO, to_stderr: bool = False) -> Path:
    """Idempotent. Returns the log file path."""
    path = paths.log_dir() / LOG_FILE
    root = logging.getLogger()
    if not any(getattr(h, "_kiosk", False) for h in root.handlers):
        fh = logging.handlers.RotatingFileHandler(
            path, maxBytes=2_000_000, backupCount=5, encoding="utf-8"
        )
        fh.setFormatter(
            logging.Formatter("%(asctime)s %(levelname)s %(threadName)s %(name)s: %(message)s")
        )
        fh._kiosk = True  # type: ignore[attr-defined]
        root.addHandler(fh)
        if to_stderr:
            sh = logging.StreamHandler(sys.stderr)
            sh.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
            sh.setLevel(logging.WARNING)
            sh._kiosk = True  # type: ignore[attr-defined]
            root.addHandler(sh)
        root.setLevel(level)
        logging.captureWarnings(True)
        install_error_hooks()
    return path


def on_unhandled_error(listener: Callable[[BaseException], None]) -> None:
    """Called (on the failing thread) after an unhandled error was logged; the UI turns it
    into a plain message for the candidate."""
    _error_listeners.append(listener)


def _report(exc_type, exc, tb, where: str) -> None:
    if issubclass(exc_type, KeyboardInterrupt):
        sys.__excepthook__(exc_type, exc, tb)
        return
    log.critical("Unhandled error in %s", where, exc_info=(exc_type, exc, tb))
    for listener in list(_error_listeners):
        try:
            listener(exc)
        except Exception:  # a failing listener must not hide the first error
            log.exception("error listener failed")


def install_error_hooks() -> None:
    sys.excepthook = lambda t, e, tb: _report(t, e, tb, "main thread")
    threading.excepthook = lambda a: _report(
        a.exc_type, a.exc_value, a.exc_traceback, f"thread {a.thread.name if a.thread else '?'}"
    )

