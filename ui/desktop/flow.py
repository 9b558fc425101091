"""One attempt through the pages: checks -> interview -> review -> finish (upload, receipt).

``InterviewFlow`` owns the three pages and puts them into a ``QStackedWidget`` it is given,
so the desktop window and the kiosk (one flow per candidate) drive attempts the same way.
It needs no MainWindow. The parts it talks to (engine, attempt store, uploader) are built by
factories in ``FlowOptions``; the defaults use the real session modules.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QStackedWidget, QWidget

from session.attempt.store import AttemptStore
from session.interview.options import EngineOptions, EngineParts
from ui.desktop.check_runner import CheckRunner, CheckSettings
from ui.desktop.checks_page import ChecksPage
from ui.desktop.finish_page import FinishPage
from ui.desktop.interview_page import InterviewPage
from ui.desktop.review_page import ReviewPage
from ui.qt.bridge import Bridge, TaskRunner

log = logging.getLogger(__name__)

EngineFactory = Callable[[Any, Any, Bridge, "FlowOptions"], Any]


@dataclass
class FlowOptions:
    """Devices, backend and the factories for the parts of one attempt."""

    camera: str | int | None = 0
    mic: str | int | None = None
    speaker: str | int | None = None
    backend_url: str | None = None
    token: str | None = None
    data_dir: Path | None = None
    clock: Callable[[], float] | None = None
    # (config, attempt, bridge, options) -> engine with start/stop/repeat/... methods
    engine_factory: EngineFactory | None = None
    # session.upload.queue.UploadQueue, started by whoever owns it; None: no upload
    upload_queue: Any = None
    # Called on a worker with the attempt folder just before it is queued (the kiosk
    # stamps the candidate into attempt.json).
    before_upload: Callable[[Path], None] | None = None
    engine_options: EngineOptions | None = None  # None: the defaults
    # Where the engine records answered questions and the flow the end state and the
    # receipt; None: nowhere (a bare folder, as in ``main.py run``).
    store: AttemptStore | None = None
    # The candidate reviews the transcript (and flags lines) before Submit; off for
    # unattended runs, where the final transcript is made before the upload all the same.
    review: bool = True

    def check_settings(self, config: Any) -> CheckSettings:
        needs_screen = any(
            getattr(q, "requires", "none") == "screen_share"
            for q in getattr(config, "questions", ())
        )
        return CheckSettings(
            camera=self.camera,
            mic=self.mic,
            speaker=self.speaker,
            need_screen=needs_screen,
            backend_url=self.backend_url,
            data_dir=self.data_dir,
            clock=self.clock,
        )


def attempt_dir_of(attempt: Any) -> Path | None:
    """The folder of an attempt: a ``session.attempt.store.Attempt`` or a path."""
    if isinstance(attempt, (str, Path)):
        return Path(attempt)
    d = getattr(attempt, "dir", None)
    return Path(d) if isinstance(d, (str, Path)) else None


class InterviewFlow(QObject):
    """Drives one attempt: ``begin(config, attempt)`` shows the checks; Start opens the
    interview; the engine's ``on_finished`` shows the finish page and starts the upload.

    Signals: ``page_changed(str)`` ("checks" | "interview" | "review" | "finish"),
    ``interview_started``, ``interview_finished(summary)``, ``finish_shown`` (the review
    submitted, or none to do), ``upload_status(str)`` (one line for a status bar),
    ``uploaded(receipt)``, ``done`` (candidate pressed Done), ``help_requested``,
    ``report_requested``."""

    END_GRACE_S = 45.0  # the closing line after "End interview" must finish within this

    page_changed = Signal(str)
    interview_started = Signal()
    interview_finished = Signal(object)
    finish_shown = Signal()
    upload_status = Signal(str)
    # True: the attempt is in the upload queue; False: nothing will be queued (practice,
    # no server). Decisions follow this, never the wording of upload_status.
    upload_handoff = Signal(bool)
    uploaded = Signal(object)
    done = Signal()
    help_requested = Signal()
    report_requested = Signal()

    def __init__(
        self,
        stack: QStackedWidget,
        runner: TaskRunner,
        options: FlowOptions,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.stack = stack
        self.runner = runner
        self.options = options
        self.bridge = Bridge(self)
        self.config: Any = None
        self.attempt: Any = None
        self.engine: Any = None
        self.checks_page: ChecksPage | None = None
        self.interview_page = InterviewPage(runner)
        self.review_page = ReviewPage(runner)
        self.finish_page = FinishPage()
        self._stopped = False
        stack.addWidget(self.interview_page)
        stack.addWidget(self.review_page)
        stack.addWidget(self.finish_page)
        self.review_page.submit_requested.connect(self._on_submit)
        self.interview_page.help_requested.connect(self.help_requested)
        self.interview_page.end_confirmed.connect(self._on_end_confirmed)
        # If the interviewer's closing line never finishes (a stuck audio device), the
        # candidate who pressed "End interview" must not wait forever.
        self._end_watchdog = QTimer(self)
        self._end_watchdog.setSingleShot(True)
        self._end_watchdog.setInterval(int(self.END_GRACE_S * 1000))
        self._end_watchdog.timeout.connect(self._force_end)
        self._forced_end = False
        self.finish_page.done_requested.connect(self.done)
        self.bridge.finished.connect(self._on_finished)
        self.bridge.upload_progress.connect(self._on_progress)
        self.bridge.upload_result.connect(self._on_upload_result)

    # --- pages ------------------------------------------------------------------------------
    def _show(self, page: QWidget, name: str) -> None:
        self.stack.setCurrentWidget(page)
        self.page_changed.emit(name)

    @property
    def current(self) -> str:
        w = self.stack.currentWidget()
        if w is self.checks_page:
            return "checks"
        if w is self.interview_page:
            return "interview"
        if w is self.review_page:
            return "review"
        if w is self.finish_page:
            return "finish"
        return ""

    def begin(self, config: Any, attempt: Any, skip_checks: bool = False) -> ChecksPage | None:
        """Shows the checks for ``config`` and starts them; returns the checks page. With
        ``skip_checks`` (unattended station dry runs) the interview starts at once."""
        self.config, self.attempt = config, attempt
        self._stopped = False
        self._forced_end = False
        self.engine = None
        if skip_checks:
            self.start_interview()
            return None
        if self.checks_page is not None:
            old = self.checks_page
            self.stack.removeWidget(old)
            # Its workers stop on a worker thread; the widget goes once they have.
            self.runner.run(lambda: old.stop(2.0), lambda _r: old.deleteLater(), None)
        runner = CheckRunner(self.options.check_settings(config), self.runner)
        page = ChecksPage(runner)
        runner.setParent(page)
        page.start_requested.connect(self.start_interview)
        page.help_requested.connect(self.help_requested)
        page.report_requested.connect(self.report_requested)
        self.checks_page = page
        self.stack.addWidget(page)
        self._show(page, "checks")
        page.start()
        return page

    def start_interview(self) -> None:
        """From the checks page (Start), or directly when resuming an interrupted attempt.
        The checks release camera and microphone on a worker first; then the engine starts
        (opening devices and loading models on a worker too)."""
        page = self.checks_page
        if page is None or not page.runner_active():
            self._launch()
            return
        page.start_button.setEnabled(False)
        self.runner.run(lambda: page.stop(2.0), lambda _r: self._launch(), self._launch, self)

    def _launch(self, _error: object = None) -> None:
        if self._stopped or self.engine is not None:
            return
        factory = self.options.engine_factory or default_engine_factory
        try:
            self.engine = factory(self.config, self.attempt, self.bridge, self.options)
        except Exception as e:  # bad device description: say so on the interview page
            self._show(self.interview_page, "interview")
            self._start_failed(e)
            return
        self.interview_page.attach(self.engine, self.bridge, attempt_dir_of(self.attempt))
        self._show(self.interview_page, "interview")
        engine = self.engine
        self.runner.run(
            engine.start, lambda _r: self.interview_started.emit(), self._start_failed, self
        )

    def _start_failed(self, e: BaseException) -> None:
        """The engine could not start (a device vanished, a model is missing): back to the
        checks with the reason and the fix, so the candidate can put it right and retry."""
        log.error("the interview could not start: %s", e)
        self.engine = None
        self.interview_page.detach()
        fix = getattr(e, "fix", "") or "Check your devices, then press Start again."
        text = f"The interview could not start: {e}. What to do: {fix}"
        page = self.checks_page
        if page is None:
            self.interview_page.show_state("stopped")
            self.interview_page.state_label.setText(text)
            return
        self._show(page, "checks")
        page.start()
        page.show_problem(text)

    # --- finish and upload ------------------------------------------------------------------
    def _on_end_confirmed(self) -> None:
        self.upload_status.emit("Ending\u2026")
        self._end_watchdog.start()

    def _force_end(self) -> None:
        engine = self.engine
        if engine is None or self.current != "interview":
            return
        log.warning("the interview did not end %.0f s after End; stopping it", self.END_GRACE_S)
        self._forced_end = True
        self.runner.run(lambda: engine.stop(10.0))  # on_finished follows from the engine

    def _on_finished(self, summary: Any) -> None:
        self._end_watchdog.stop()
        if self.current in ("review", "finish"):
            return
        forced = self._forced_end
        self.interview_page.detach()
        self.finish_page.show_summary(summary)
        folder = attempt_dir_of(self.attempt)
        review = self.options.review and folder is not None
        if review:
            self.review_page.status.setText("Saving your recording\u2026")
            self.review_page.submit_button.setEnabled(False)
            self._show(self.review_page, "review")
            self.upload_status.emit("Review your interview, then submit it")
        else:
            self._show_finish()
        self.interview_finished.emit(summary)
        engine = self.engine

        def stop() -> None:
            if engine is not None:
                engine.stop(10.0)
            if forced:
                self._mark_finished()

        def after_stop(_result: Any = None) -> None:
            # The engine closes the recording and writes the manifest in stop(): only then
            # can the final transcript be made and the attempt folder be sent.
            if self._stopped or folder is None:
                if not review:
                    self._submit_after_final_pass(None)
                return
            if review:
                self.review_page.begin(folder, self._practice, self._final_pass, self._player())
            else:
                self.finish_page.upload_detail.setText("Preparing the final transcript\u2026")
                self.runner.run(
                    lambda: self._final_pass(folder, None),
                    self._submit_after_final_pass,
                    self._submit_after_final_pass,
                    self,
                )

        self.runner.run(stop, after_stop, after_stop, self)

    def present_finished(self, config: Any, attempt: Any, summary: Any) -> None:
        """An attempt that ended earlier (finished as it is after a crash): the review and
        the finish page, as after an interview."""
        self.config, self.attempt, self.engine = config, attempt, None
        self._stopped = self._forced_end = False
        self._on_finished(summary)

    @property
    def _practice(self) -> bool:
        return bool(getattr(self.config, "practice", False))

    def _final_pass(self, folder: Path, progress: Callable[[float], None] | None) -> Any:
        from session.attempt.final_transcript import run_final_pass

        options = self.options.engine_options or EngineOptions()
        return run_final_pass(
            folder, options.whisper_settings(getattr(self.config, "language", "en")), progress
        )

    def _player(self) -> Any:
        """Plays the candidate's answers on the interview's speaker; None without one."""
        from session import assemble

        folder = attempt_dir_of(self.attempt)
        if folder is None:
            return None
        try:
            return assemble.answer_player(folder, self.options.speaker)
        except Exception as e:  # no playback is no reason to lose the review
            log.warning("no playback on the review page: %s", e)
            return None

    def _on_submit(self) -> None:
        self.review_page.close_player()
        self._show_finish()
        self._submit_after_final_pass(None)

    def _show_finish(self) -> None:
        if self._practice:
            self.finish_page.show_practice()
        self._show(self.finish_page, "finish")
        self.finish_shown.emit()

    def _submit_after_final_pass(self, _result: Any) -> None:
        if self._practice:
            self.upload_status.emit("Practice interview: kept on this computer")
            self.upload_handoff.emit(False)
            return
        self.start_upload()

    def _mark_finished(self) -> None:
        """The candidate ended the interview; a forced stop leaves it "interrupted", but it
        is what they chose to submit."""
        store = self.options.store
        attempt_id = getattr(self.attempt, "id", None)
        if store is None or attempt_id is None:
            return
        try:
            store.finish(attempt_id)
        except Exception:  # the recording is safe either way; the log says why
            log.exception("could not mark attempt %s finished", attempt_id)

    def _mark_submitted(self) -> None:
        """The backend's receipt verified: the attempt store says so too (off this thread)."""
        store = self.options.store
        attempt_id = getattr(self.attempt, "id", None)
        if store is None or attempt_id is None:
            return

        def failed(e: BaseException) -> None:
            log.warning("could not mark attempt %s submitted: %s", attempt_id, e)

        self.runner.run(lambda: store.mark_submitted(attempt_id), on_error=failed, owner=self)

    def start_upload(self) -> None:
        queue = self.options.upload_queue
        folder = attempt_dir_of(self.attempt)
        if queue is None or folder is None:
            self.finish_page.show_upload_problem("No server is set up for this interview.")
            self.upload_status.emit("Upload: no server set up")
            self.upload_handoff.emit(False)
            return
        self.upload_status.emit("Uploading\u2026")
        self.bridge.watch_uploads(queue)
        prepare = self.options.before_upload

        def enqueue() -> None:
            if prepare is not None:
                prepare(folder)
            queue.enqueue(folder)
            queue.start()

        self.runner.run(
            enqueue,
            lambda _r: self.upload_handoff.emit(True),
            self._on_upload_failed,
            owner=self,
        )

    def _on_progress(self, sent: int, total: int, rate: float, eta: float) -> None:
        self.finish_page.set_progress(sent, total, rate, eta)
        pct = 100 * sent / total if total else 0
        self.upload_status.emit(f"Uploading: {pct:.0f}%")

    def _on_upload_result(self, result: Any) -> None:
        folder = attempt_dir_of(self.attempt)
        mine = folder is not None and Path(result.attempt_dir or "") == folder.resolve()
        if result.state == "submitted":
            self.upload_status.emit("Upload complete and confirmed")
            if mine:
                self.finish_page.show_receipt(result.receipt or {})
                self.uploaded.emit(result.receipt)
                self._mark_submitted()
        elif result.state == "retry":
            self.upload_status.emit("Upload paused: will retry")
            if mine:
                self.finish_page.show_upload_problem("The upload paused (no connection?).")
        elif result.state == "refused" and mine:
            self.finish_page.show_upload_problem(f"It could not be sent: {result.reason}.")
            self.upload_status.emit("Upload refused")

    def _on_upload_failed(self, e: BaseException) -> None:
        self.finish_page.show_upload_problem(f"The upload could not start ({e}).")
        self.upload_status.emit("Upload paused: will retry")

    # --- shutdown ---------------------------------------------------------------------------
    def stop(self, timeout: float = 5.0) -> bool:
        """Stops checks and engine, in that order, each within ``timeout``. Idempotent."""
        if self._stopped:
            return True
        self._stopped = True
        ok = True
        if self.checks_page is not None:
            ok = self.checks_page.stop(min(timeout, 2.0)) and ok
        self.interview_page.detach()
        self.review_page.close_player()
        if self.engine is not None:
            try:
                r = self.engine.stop(timeout)
                ok = (r is not False) and ok
            except Exception:
                log.exception("stopping the interview engine failed")
                ok = False
        return ok


def default_engine_factory(config: Any, attempt: Any, bridge: Bridge, options: FlowOptions) -> Any:
    """The real engine on the real devices named in ``options``, all on one session clock."""
    from session import assemble
    from session.runtime.clock import SessionClock

    clock = options.clock or SessionClock()
    devices = assemble.live_devices(options.camera, options.mic, options.speaker, clock)
    parts = EngineParts(store=options.store)
    return assemble.build_engine(
        config, attempt, devices, clock, bridge, options.engine_options, parts
    )
