"""The desktop app's window: welcome (interview choice, retakes, crash recovery) and then the
``InterviewFlow`` pages (checks -> interview -> finish), with Help, the support report, a
status line for uploads, and an orderly, time-bounded shutdown."""

from __future__ import annotations

import atexit
import contextlib
import logging
import weakref
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import QBuffer, QByteArray, QIODevice, qVersion
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QLabel, QMainWindow, QStackedWidget, QWidget

from session import assemble
from session.runtime import paths
from session.runtime.support_report import (
    build_support_report,
    default_report_name,
    system_versions,
)
from ui.desktop.flow import FlowOptions, InterviewFlow
from ui.desktop.help_dialog import HelpDialog
from ui.desktop.welcome_page import InterviewChoice, WelcomePage
from ui.qt.bridge import TaskRunner
from ui.qt.error_dialog import ErrorReporter

log = logging.getLogger(__name__)


@dataclass
class AppOptions:
    """What the window offers: interview files, the flow's devices and backend, where the
    attempt store lives (None: the platform data folder)."""

    interviews: list[Path] = field(default_factory=list)
    flow: FlowOptions = field(default_factory=FlowOptions)
    store: Any = None  # session.attempt.store.AttemptStore
    data_dir: Path | None = None


def png_bytes(widget: QWidget) -> bytes:
    """A screenshot of ``widget`` as PNG bytes (GUI thread)."""
    ba = QByteArray()
    buf = QBuffer(ba)
    buf.open(QIODevice.OpenModeFlag.WriteOnly)
    widget.grab().save(buf, "PNG")
    buf.close()
    return bytes(ba.data())


class MainWindow(QMainWindow):
    def __init__(self, options: AppOptions, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.options = options
        self.setWindowTitle("Interview Kiosk")
        self.resize(1180, 760)
        self.runner = TaskRunner(self)
        self.errors = ErrorReporter(self)
        self.stack = QStackedWidget(self)
        self.setCentralWidget(self.stack)
        self.welcome = WelcomePage()
        self.stack.addWidget(self.welcome)
        self.flow = InterviewFlow(self.stack, self.runner, options.flow, self)
        self.status = QLabel("", self)
        self.status.setAccessibleName("Upload status")
        self.statusBar().addPermanentWidget(self.status)
        self.store = options.store
        self._shut = False
        self._help: HelpDialog | None = None

        self.welcome.start_requested.connect(self.start_choice)
        self.welcome.resume_requested.connect(self.resume_choice)
        self.welcome.finish_as_is_requested.connect(self.finish_choice_as_is)
        self.welcome.help_requested.connect(self.show_help)
        self.flow.help_requested.connect(self.show_help)
        self.flow.report_requested.connect(self.save_support_report)
        self.flow.upload_status.connect(self.status.setText)
        self.flow.done.connect(self.back_to_start)
        self.flow.page_changed.connect(lambda name: log.info("page: %s", name))

        me = weakref.ref(self)
        atexit.register(lambda: (w := me()) is not None and w._atexit())
        self.refresh_choices()

    # --- welcome ----------------------------------------------------------------------------
    def refresh_choices(self) -> None:
        """Loads interviews and attempt counts on a worker, then fills the welcome page."""
        files = list(self.options.interviews)

        def load() -> list[InterviewChoice]:
            from session.interview.config import load_interview

            store = self._ensure_store()
            store.recover_crashed()
            choices = []
            for f in files:
                cfg = load_interview(f)
                interrupted = store.interrupted_attempts(cfg.id)
                last = interrupted[-1] if interrupted else None
                choices.append(
                    InterviewChoice(
                        cfg,
                        store.attempts_left(cfg),
                        last,
                        last.next_question_index(cfg) if last else None,
                    )
                )
            return choices

        def failed(e: BaseException) -> None:
            self.welcome.show_message(f"The interviews could not be loaded: {e}")

        self.runner.run(load, self.welcome.set_choices, failed)

    def _ensure_store(self) -> Any:
        if self.store is None:
            from session.attempt.store import AttemptStore

            self.store = AttemptStore()
        # The engine records answered questions and the end state in the same store.
        if self.options.flow.store is None:
            self.options.flow.store = self.store
        return self.store

    def start_choice(self, choice: InterviewChoice) -> None:
        def create() -> Any:
            return self._ensure_store().start_attempt(choice.config)

        def failed(e: BaseException) -> None:
            self.welcome.show_message(str(e))

        self.runner.run(create, lambda attempt: self.flow.begin(choice.config, attempt), failed)

    def resume_choice(self, choice: InterviewChoice) -> None:
        # The engine resumes by itself after the questions the attempt already answered.
        attempt_id = choice.interrupted.id

        def resume() -> Any:
            return self._ensure_store().resume(attempt_id)

        self.runner.run(
            resume,
            lambda attempt: self.flow.begin(choice.config, attempt),
            lambda e: self.welcome.show_message(f"The interview could not be resumed: {e}"),
        )

    def finish_choice_as_is(self, choice: InterviewChoice) -> None:
        attempt_id = choice.interrupted.id
        self.welcome.show_message("Closing the recording files\u2026")

        def finish() -> Any:
            return self._ensure_store().finish_as_is(attempt_id)

        def done(attempt: Any) -> None:
            self.flow.present_finished(choice.config, attempt, {"reason": "finished_as_is"})

        self.runner.run(finish, done, lambda e: self.welcome.show_message(str(e)))

    def back_to_start(self) -> None:
        self.stack.setCurrentWidget(self.welcome)
        self.refresh_choices()

    # --- help and support -------------------------------------------------------------------
    def show_help(self) -> None:
        if self._help is None:
            self._help = HelpDialog(self, self.save_support_report)
        self._help.show()
        self._help.raise_()

    def save_support_report(self) -> None:
        shot = png_bytes(self)
        page = self.flow.checks_page
        checks = page.results() if page is not None else []
        out = (self.options.data_dir or paths.data_dir()) / "support" / default_report_name()
        versions = system_versions({"qt": qVersion(), "pyside6": pyside_version})

        def build() -> Path:
            return build_support_report(
                out,
                log_dir=paths.log_dir(),
                versions=versions,
                devices=assemble.list_devices(),
                checks=checks,
                screenshot_png=shot,
            )

        def done(path: Path) -> None:
            self.status.setText(f"Support report saved: {path}")
            log.info("support report saved to %s", path)

        self.runner.run(
            build, done, lambda e: self.status.setText(f"The report could not be saved: {e}")
        )

    # --- shutdown ---------------------------------------------------------------------------
    def shutdown(self, timeout: float = 8.0) -> bool:
        """Stops workers in order (checks/engine, uploads, background jobs), each bounded.
        Idempotent; also called by an atexit fallback."""
        if self._shut:
            return True
        self._shut = True
        ok = self.flow.stop(timeout / 2)
        queue = self.options.flow.upload_queue
        if queue is not None:
            ok = queue.stop(timeout / 4) and ok
        ok = self.runner.wait(timeout / 4) and ok
        self.errors.close()
        log.info("shut down %s", "cleanly" if ok else "with workers still running")
        return ok

    def _atexit(self) -> None:
        # RuntimeError: the Qt objects are already gone, so nothing is left to stop.
        with contextlib.suppress(RuntimeError):
            self.shutdown(4.0)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.shutdown()
        super().closeEvent(event)
