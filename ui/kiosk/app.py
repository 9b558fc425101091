"""The proctoring station app: one candidate after another in a locked full-screen window.

welcome/sign-in → checks → interview (keyboard grabbed) → finish → upload in the background
→ a fresh welcome page (every page of the previous candidate destroyed) → their attempt
deleted once the backend's receipt verifies it and the retention has passed.

A marker file in the data folder says "a kiosk session is running"; the next start that
finds it from a dead process offers crash recovery. Nothing persistent outside the process
is changed, so there is nothing else to restore (see docs/kiosk.md).
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, QObject, QTimer, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QWidget

from session import assemble
from session.interview.integrity import IntegritySignal
from session.runtime import applog
from session.station.cleanup import SessionMarker
from session.station.config import StationConfig, StationConfigError, load_station
from session.station.service import IdleOutcome, Recovery, StationService, attempt_name
from session.upload.queue import UploadQueue
from ui.kiosk.candidate import CandidateRun, RunRequest
from ui.kiosk.integrity import KioskIntegrity
from ui.kiosk.note import NoteOverlay
from ui.kiosk.pin import PinOverlay
from ui.kiosk.proctor_panel import ProctorPanel
from ui.kiosk.recovery import RecoveryPage
from ui.kiosk.signin import SignIn, SignInPage
from ui.kiosk.theme import KioskLook
from ui.kiosk.window import KioskWindow
from ui.qt.bootstrap import start_qt_app
from ui.qt.bridge import Bridge, TaskRunner
from ui.qt.error_dialog import ErrorReporter

log = logging.getLogger(__name__)
RunFactory = Callable[[RunRequest, StationConfig], CandidateRun]


@dataclass
class KioskOptions:
    candidates: list[str] = field(default_factory=list)  # sign these in unattended, in order
    unattended: dict[str, Any] = field(default_factory=dict)  # camera/answers for dry runs
    quit_when_idle: bool = False  # exit after the listed candidates and their uploads
    face_threshold_s: float | None = None  # None: the station config's
    focus_threshold_s: float = 1.0  # shorter focus blips (a notification) are not signals
    status_lines: bool = True  # "kiosk-status NAME {json}" on stdout for supervisor scripts


class KioskApp(QObject):
    status = Signal(str, dict)

    def __init__(
        self,
        cfg: StationConfig,
        options: KioskOptions | None = None,
        factory: RunFactory | None = None,
    ) -> None:
        super().__init__()
        self.cfg = cfg
        self.options = options or KioskOptions()
        self._factory: RunFactory = factory or (
            lambda req, c: default_factory(req, c, self.tasks, self.upload_queue)
        )
        self._pending_codes = list(self.options.candidates)
        self.station = StationService(
            cfg,
            self.options.status_lines,
            lambda name, data: self.status.emit(name, data),
            probe_devices=assemble.probe_station_devices,
        )
        self.marker = self.station.marker
        self.tasks = TaskRunner(self)
        self.window = KioskWindow(kiosk=cfg.kiosk, title=f"Interview Kiosk — {cfg.station_id}")
        self.errors = ErrorReporter(self.window)  # an unhandled error, said plainly
        self.guard = self.station.pin_guard()
        self.pin = PinOverlay(self.window, self.guard) if self.guard else None
        self.note = NoteOverlay(self.window)
        self.panel = ProctorPanel(cfg.station_id)
        self.look = KioskLook(cfg.high_contrast, cfg.text_scale)
        self.signin: SignInPage | None = None
        self.run: CandidateRun | None = None
        self.integrity = KioskIntegrity(self)
        self.integrity.raised.connect(self._show_signal)
        self._return_page: QWidget | None = None
        self._quitting = False
        self.exit_code = 0
        self._retired: list[CandidateRun] = []
        self._run_phase = ""
        self.upload_queue: UploadQueue | None = None
        self.upload_bridge = Bridge(self)
        self.upload_bridge.upload_progress.connect(
            lambda sent, total, _rate, _eta: self.panel.show_progress_total(sent, total)
        )
        self.upload_bridge.upload_result.connect(self._upload_result)
        self._sweeper = QTimer(self)
        self._sweeper.setInterval(30_000)
        self._sweeper.timeout.connect(self._sweep)

        self.window.proctor_requested.connect(self.open_pin)
        self.window.escape_pressed.connect(self._escape)
        self.window.activation_changed.connect(self._activation)
        if self.pin is not None:
            self.pin.accepted.connect(self._pin_ok)
            self.pin.rejected.connect(
                lambda r: self.station.emit(
                    "pin_rejected", tries_left=r.tries_left, locked_s=r.locked_for_s
                )
            )
        self.note.note_saved.connect(self._note_saved)
        self.panel.exit_requested.connect(self.exit_kiosk)
        self.panel.back_requested.connect(self._panel_back)
        self.panel.refresh_requested.connect(self.refresh_panel)
        self.panel.retry_requested.connect(self.retry_uploads)
        self.panel.report_requested.connect(self.save_support_report)
        app = QGuiApplication.instance()
        if app is not None:
            app.screenAdded.connect(lambda _s: self._monitors_changed())
            app.screenRemoved.connect(lambda _s: self._monitors_changed())

    # -- start ------------------------------------------------------------------------------
    def start(self) -> None:
        self.look.apply()
        self.upload_queue = self.station.open_upload_queue()
        if self.upload_queue is not None:
            self.upload_bridge.watch_uploads(self.upload_queue)
            self.upload_queue.start()
        self._sweeper.start()
        recovery = self.station.recovery()
        self.window.show_kiosk()
        if recovery is not None:
            self._offer_recovery(recovery)
        else:
            self.show_welcome()
        self.station.emit("ready", kiosk=self.cfg.kiosk, station=self.cfg.station_id)

    def _offer_recovery(self, rec: Recovery) -> None:
        page = RecoveryPage(rec.when)
        page.resume_button.setVisible(rec.resumable)
        page.resume.connect(lambda: self._resume(page, rec))
        page.fresh.connect(lambda: self._leave_recovery(page, rec))
        self.window.set_page(page)
        if rec.resumable:
            page.resume_button.setFocus()
        self.station.announce(rec)

    def _leave_recovery(self, page: QWidget, rec: Recovery) -> None:
        """Keeps what was recorded: the attempt is closed as it is and uploaded."""
        self.station.emit("recovery_declined")
        self.window.drop_page(page)
        attempt = rec.attempt
        if attempt is not None:
            self.tasks.run(
                lambda: self.station.close_interrupted(rec.stale, attempt),
                lambda a: self._upload(Path(a.dir)),
                lambda e: log.warning("could not close the interrupted attempt: %s", e),
            )
        self.show_welcome()

    def _resume(self, page: QWidget, rec: Recovery) -> None:
        self.window.drop_page(page)
        assert rec.attempt is not None  # only offered when there is one
        req = RunRequest(
            code="resumed",
            accommodations=self.station.resume_accommodations(rec),
            attempt_dir=Path(rec.attempt.dir),
            resume=True,
            attempt_id=rec.attempt.id,
            store_db=Path(rec.stale["store"]),
            unattended=dict(self.options.unattended),
        )
        self.station.emit("recovery_resumed", attempt=req.attempt_dir.name)
        self._start_run(req)

    # -- welcome / sign-in ------------------------------------------------------------------
    def show_welcome(self, notice: str = "") -> None:
        """A brand-new sign-in page: nothing typed before survives, and the look goes back
        to the station's (the previous candidate's choices were theirs)."""
        self.look.reset()
        old = self.signin
        self.signin = SignInPage(
            self.cfg.station_id,
            self.cfg.accommodations,
            high_contrast=self.look.high_contrast,
            larger_text=self.look.larger,
            notice=notice,
        )
        self.signin.signed_in.connect(self._signed_in)
        self.signin.proctor_clicked.connect(self.open_pin)
        self.signin.look_changed.connect(self.look.set)
        self.window.set_page(self.signin)
        if old is not None:
            self.window.drop_page(old)
        self.signin.focus_code()
        self.marker.write(state="welcome", station=self.cfg.station_id)
        self._sweep()
        self.station.emit("welcome")
        if self._pending_codes:
            code = self._pending_codes.pop(0)
            QTimer.singleShot(300, lambda: self.signin and self.signin.submit(code))
        elif self.options.quit_when_idle and self.options.candidates:
            self._quit_when_uploads_done()

    def _signed_in(self, s: SignIn) -> None:
        self.look.set(s.high_contrast, s.larger_text)
        attempt_dir = self.cfg.attempts_dir / attempt_name(self.cfg.station_id, s.code)
        req = RunRequest(
            code=s.code,
            accommodations=s.accommodations,
            attempt_dir=attempt_dir,
            unattended=dict(self.options.unattended),
        )
        self.station.emit(
            "signed_in",
            attempt=attempt_dir.name,
            extra_time_pct=s.accommodations.extra_time_pct,
            extra_silence_s=s.accommodations.extra_silence_s,
        )
        self._start_run(req)

    # -- one candidate's run ----------------------------------------------------------------
    def _start_run(self, req: RunRequest) -> None:
        self.station.run_starting(req.attempt_dir, req.accommodations)
        try:
            run = self._factory(req, self.cfg)
        except Exception as e:  # a broken interview file must not leave the station stuck
            log.exception("could not start the interview")
            self.show_welcome(
                notice=f"The interview could not start: {e}. Please call the proctor."
            )
            self.station.emit("run_failed", error=str(e))
            return
        self.run = run
        self.station.run_started(
            run.attempt_dir, run.recovery_info()
        )
        self.integrity.attach(
            run.events,
            run.clock,
            len(QGuiApplication.screens()),
            face_threshold_s=self.options.face_threshold_s or self.cfg.face_threshold_s,
            focus_threshold_s=self.options.focus_threshold_s,
        )
        run.phase.connect(self._phase)
        run.faces.connect(self.integrity.faces)
        run.device.connect(self._device)
        run.interview_over.connect(self._interview_over)
        run.recording.connect(lambda: self.station.emit("recording", attempt=req.attempt_dir.name))
        run.finished.connect(self._run_finished)
        self.window.set_page(run.widget)
        if self.signin is not None:
            self.window.drop_page(self.signin)
            self.signin = None
        run.start()

    def _phase(self, phase: str) -> None:
        self._run_phase = phase
        self.marker.update(state=phase)
        self.window.set_keyboard_grab(phase == "interview")
        self.station.emit("phase", phase=phase, grab=self.window.keyboard_grabbed)

    def _device(self, kind: str, problem: str, fix: str) -> None:
        """A camera or microphone stopped (or works again) mid-interview: a status line for
        the centre's monitoring and a line in the proctor panel."""
        self.station.device(kind, problem, fix)
        if self.window.stack.currentWidget() is self.panel:
            self.refresh_panel()

    def _show_signal(self, sig: IntegritySignal) -> None:
        if self.run is None:
            return
        self.note.show_signal(sig)
        self.station.emit(
            "integrity_signal", kind=sig.kind, signal_id=sig.signal_id, message=sig.message
        )

    def _note_saved(self, signal_id: str, text: str) -> None:
        if self.integrity.note(signal_id, text):
            self.station.emit("candidate_note", signal_id=signal_id)

    def _activation(self, active: bool) -> None:
        if self.run is not None:
            self.integrity.focus(active, self.run.clock())

    def _monitors_changed(self) -> None:
        n = len(QGuiApplication.screens())
        if self.run is not None:
            self.integrity.monitors(n, self.run.clock())
        self.station.emit("monitors", count=n)

    def _interview_over(self, _summary: Any = None) -> None:
        """Closes open integrity spans before the attempt folder is sealed for upload."""
        if self.run is not None:
            self.integrity.finish(self.run.clock())
        self.window.set_keyboard_grab(False)
        self.note.clear()
        self.marker.update(state="finish")

    def _run_finished(self, summary: dict[str, Any]) -> None:
        self._interview_over()
        run, self.run = self.run, None
        attempt_dir = Path(summary.get("attempt_dir") or (run.request.attempt_dir if run else ""))
        self.station.emit("finished", attempt=attempt_dir.name, ok=bool(summary.get("ok", True)))
        if run is not None:
            # Off screen at once; the objects live until the run has stopped, so no late
            # callback reaches a deleted widget.
            self.window.stack.removeWidget(run.widget)
            run.widget.hide()
            run.widget.setParent(None)  # out of the kiosk window entirely
            self._retired.append(run)

            if attempt_dir.name:
                self.station.session_attempts.append(attempt_dir)
            run.stop()
            # Deleted a moment later, once signals already queued for it were delivered.
            QTimer.singleShot(1000, lambda: self._retire(run))
            if attempt_dir.name and not summary.get("queued"):
                self._upload(attempt_dir)
        self.show_welcome()

    def _retire(self, run: CandidateRun) -> None:
        if run in self._retired:
            self._retired.remove(run)
            run.widget.deleteLater()
            run.deleteLater()

    # -- uploads and cleanup ------------------------------------------------------------------
    def _upload(self, attempt_dir: Path) -> None:
        """Queues an attempt (idempotent: the queue keys by folder); off the GUI thread."""
        if self.station.begin_upload(attempt_dir):
            self.tasks.run(
                lambda: self.station.enqueue(attempt_dir),
                None,
                lambda e: self.station.upload_failed(attempt_dir, e),
            )

    def _upload_result(self, result: Any) -> None:
        if self.station.upload_result(result):
            self._sweep()

    def _upload_pending(self) -> None:
        """Queues every finished attempt still on the station (off the GUI thread: it
        reads manifests and hashes recordings)."""
        running = self._run_name() if self.run is not None else None

        def done(dirs: list[Path]) -> None:
            for d in dirs:
                self._upload(d)

        self.tasks.run(lambda: self.station.waiting_attempts(running), done)

    def _run_name(self) -> str:
        return Path(getattr(self.run, "attempt_dir", self.run.request.attempt_dir)).name

    def retry_uploads(self) -> None:
        self.panel.set_message("Retrying uploads…")
        self._upload_pending()
        QTimer.singleShot(500, self.refresh_panel)

    def _sweep(self) -> None:
        """Deletes uploaded attempts past their retention, on a worker; a sweep asked for
        while one runs follows it."""
        if not self.station.start_sweep():
            return

        def done(result: Any) -> None:
            if self.station.sweep_done(result) and not self._quitting:
                self._sweep()

        self.tasks.run(self._cleanup_job(), done, lambda e: done(None))

    def _cleanup_job(self) -> Callable[[], Any]:
        running = self._run_name() if self.run is not None else None
        return lambda: self.station.sweep(running)

    def _quit_when_uploads_done(self) -> None:
        """Unattended runs: exit once every attempt of this session is confirmed by the
        backend (or refused, or after 15 minutes). Exit code 0 only if all were confirmed."""

        def done(outcome: IdleOutcome) -> None:
            if self.station.keep_waiting(outcome, bool(self._retired), 0.5):
                QTimer.singleShot(500, self._quit_when_uploads_done)
                return
            self.tasks.run(
                self._cleanup_job(),
                lambda result: self.shutdown(self.station.idle_exit_code(outcome, result)),
                lambda e: self.shutdown(self.station.idle_exit_code(outcome, None)),
            )

        self.tasks.run(self.station.upload_states, done, lambda e: done(IdleOutcome([None], 0)))

    # -- proctor ---------------------------------------------------------------------------
    def open_pin(self) -> None:
        if self.pin is None:  # kiosk off and no PIN: the panel is open to anyone at the desk
            self._pin_ok()
            return
        if self.pin.isVisible():
            return
        self.station.emit("pin_prompt")
        self.pin.open()

    def _escape(self) -> None:
        if self.pin is not None and self.pin.isVisible():
            self.pin.cancel()

    def _pin_ok(self) -> None:
        self.station.emit("pin_accepted")
        self._return_page = self.window.stack.currentWidget()
        self.window.set_keyboard_grab(False)
        self.window.set_page(self.panel)
        self.refresh_panel()

    def _panel_back(self) -> None:
        page = self._return_page
        self._return_page = None
        if page is not None and self.window.stack.indexOf(page) >= 0:
            self.window.set_page(page)
        else:
            self.show_welcome()
        if self.run is not None:
            self.window.set_keyboard_grab(self._run_phase == "interview")

    def refresh_panel(self) -> None:
        devices_free = self.run is None
        self.tasks.run(
            lambda: self.station.status(with_devices=devices_free),
            self.panel.show_status,
            lambda e: self.panel.set_message(f"Could not gather the station status: {e}"),
        )

    def save_support_report(self) -> None:
        self.tasks.run(
            self.station.save_support_report,
            lambda p: self.panel.set_message(f"Support report saved: {p}"),
            lambda e: self.panel.set_message(f"Could not save the support report: {e}"),
        )

    def exit_kiosk(self) -> None:
        self.station.emit("exit")
        self.shutdown()

    def shutdown(self, code: int = 0) -> None:
        if self._quitting:
            return
        self._quitting = True
        self.exit_code = code
        self._sweeper.stop()
        interrupted = self.run is not None and self._run_phase in ("checks", "interview", "review")
        if self.run is not None:
            self.run.stop()
        self.tasks.wait(10.0)
        self.integrity.shutdown()
        self.errors.close()
        # Left mid-interview (the proctor's Exit): the marker stays, so the next start
        # offers to resume or upload the attempt instead of forgetting it.
        self.station.close(interrupted)
        self.window.allow_close()
        self.window.close()
        app = QApplication.instance()
        if app is not None:
            app.quit()  # quit(), not exit(code): exit() outside a running loop breaks later ones


def default_factory(
    req: RunRequest, cfg: StationConfig, runner: TaskRunner, upload_queue: Any
) -> CandidateRun:
    from ui.kiosk.runs import make_run

    return make_run(req, cfg, runner, upload_queue)


def _parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="kiosk")
    p.add_argument("--station", required=True)
    p.add_argument("--candidate", action="append", default=[], help="sign in unattended")
    p.add_argument("--answers", help="folder of WAV answers for an unattended dry run")
    p.add_argument("--camera", help="camera index or video file for a dry run")
    p.add_argument("--quit-when-idle", action="store_true")
    return p.parse_args(argv)


def options_from_args(args: Any) -> KioskOptions:
    unattended = {k: v for k in ("answers", "camera") if (v := getattr(args, k, None)) is not None}
    return KioskOptions(
        candidates=list(getattr(args, "candidate", None) or []),
        unattended=unattended,
        quit_when_idle=bool(getattr(args, "quit_when_idle", False)),
    )


def run_kiosk(station_path: str | Path, args: Any = None) -> int:
    """Starts the station app. A bad config is reported (naming the field) before any
    window exists, so the station is never left locked by it. Returns the exit code."""
    applog.setup_logging(to_stderr=True)
    try:
        cfg = load_station(station_path)
    except StationConfigError as e:
        sys.stderr.write(f"station config: {e}\n")
        return 2
    marker = SessionMarker(cfg.data_dir)
    if marker.running_elsewhere():
        sys.stderr.write(f"a kiosk is already running on this station ({marker.path})\n")
        return 3
    qt = start_qt_app(style=None)  # the kiosk's look styles its window
    kiosk = KioskApp(cfg, options_from_args(args))
    # Qt's quit() asks each window to close, and the locked window refuses: the kiosk's
    # own shutdown unlocks it, stops the interview in order and then quits.
    qt.quit_on_signals(kiosk.shutdown)
    kiosk.start()
    rc = qt.app.exec()
    code = int(rc or kiosk.exit_code)
    dispose(kiosk)
    return code


def dispose(kiosk: KioskApp) -> None:
    """Tears the kiosk down in order while the QApplication still exists: Qt objects that
    outlive it (a thread pool, windows) can abort the process at interpreter exit."""
    kiosk.shutdown()
    kiosk.tasks.wait(10.0)
    for run in list(kiosk._retired):
        kiosk._retire(run)
    kiosk.window.deleteLater()
    kiosk.deleteLater()
    app = QApplication.instance()
    if app is not None:
        app.sendPostedEvents(None, int(QEvent.Type.DeferredDelete))  # run the deleteLater()s
        app.processEvents()


def main(argv: list[str] | None = None) -> int:
    args = _parse_args(list(sys.argv[1:] if argv is None else argv))
    return run_kiosk(args.station, args)


if __name__ == "__main__":
    sys.exit(main())
