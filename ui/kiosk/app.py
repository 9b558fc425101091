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
import contextlib
import hashlib
import json
import logging
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QHBoxLayout, QPushButton, QWidget

from session.attempt.events import EventLog
from session.interview.integrity import IntegrityMonitor, IntegritySignal
from session.runtime import applog
from session.station.cleanup import SessionMarker, cleanup_attempts
from session.station.config import StationConfig, StationConfigError, load_station
from session.station.pin import PinGuard
from ui.kiosk.candidate import CandidateRun, RunRequest, StatusPage
from ui.kiosk.note import NoteOverlay
from ui.kiosk.pin import PinOverlay
from ui.kiosk.proctor_panel import ProctorPanel
from ui.kiosk.signin import SignIn, SignInPage
from ui.kiosk.status import gather_status
from ui.kiosk.theme import apply_theme
from ui.kiosk.window import KioskWindow
from ui.qt.bridge import Bridge, TaskRunner
from ui.qt.gui_gc import collect_on_gui_thread

log = logging.getLogger(__name__)
PIN_STATE = "pin-state.json"
RunFactory = Callable[[RunRequest, StationConfig], CandidateRun]


@dataclass
class KioskOptions:
    candidates: list[str] = field(default_factory=list)  # sign these in unattended, in order
    unattended: dict[str, Any] = field(default_factory=dict)  # camera/answers for dry runs
    quit_when_idle: bool = False  # exit after the listed candidates and their uploads
    face_threshold_s: float | None = None  # None: the station config's
    focus_threshold_s: float = 1.0  # shorter focus blips (a notification) are not signals
    status_lines: bool = True  # "kiosk-status NAME {json}" on stdout for supervisor scripts


def attempt_name(station_id: str, code: str) -> str:
    """A folder name that does not contain the candidate's code (it may be personal)."""
    digest = hashlib.sha256(f"{station_id}:{code}:{time.time_ns()}".encode()).hexdigest()[:10]
    return f"{time.strftime('%Y%m%d-%H%M%S')}-{digest}"


class RecoveryPage(StatusPage):
    resume = Signal()
    fresh = Signal()

    def __init__(self, when: str) -> None:
        super().__init__(
            "The last interview was interrupted",
            f"The app stopped unexpectedly{when}. What was recorded is kept. The candidate "
            "can resume where they left off, or the station can go back to the welcome screen "
            "(the recording is still uploaded).",
        )
        self.setAccessibleName("Crash recovery")
        row = QHBoxLayout()
        row.addStretch(1)
        self.resume_button = QPushButton("Resume the interview")
        self.resume_button.setProperty("role", "primary")
        self.resume_button.setAccessibleName("Resume the interrupted interview")
        fresh = QPushButton("Go to the welcome screen")
        fresh.setAccessibleName("Keep the recording and go to the welcome screen")
        row.addWidget(fresh)
        row.addWidget(self.resume_button)
        row.addStretch(1)
        self.layout().insertLayout(3, row)
        self.resume_button.clicked.connect(self.resume.emit)
        fresh.clicked.connect(self.fresh.emit)


class KioskApp(QObject):
    status = Signal(str, dict)
    _raised = Signal(object)  # an IntegritySignal, from the integrity thread

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
        cfg.data_dir.mkdir(parents=True, exist_ok=True)
        cfg.attempts_dir.mkdir(parents=True, exist_ok=True)
        self.marker = SessionMarker(cfg.data_dir)
        self.tasks = TaskRunner(self)
        self.window = KioskWindow(kiosk=cfg.kiosk, title=f"Interview Kiosk — {cfg.station_id}")
        self.guard = (
            PinGuard(
                cfg.proctor_pin,
                cfg.data_dir / PIN_STATE,
                max_tries=cfg.pin_max_tries,
                lockout_s=cfg.pin_lockout_s,
            )
            if cfg.proctor_pin
            else None
        )
        self.pin = PinOverlay(self.window, self.guard) if self.guard else None
        self.note = NoteOverlay(self.window)
        self.panel = ProctorPanel(cfg.station_id)
        self._high_contrast = cfg.high_contrast
        self._larger = cfg.text_scale > 1.0
        self.signin: SignInPage | None = None
        self.run: CandidateRun | None = None
        self.integrity: IntegrityMonitor | None = None
        # Integrity bookkeeping writes events.jsonl (fsync): one thread, so order is kept
        # and the GUI thread never waits on the disk.
        self._integrity_thread = ThreadPoolExecutor(1, thread_name_prefix="integrity")
        self._last_faces: int | None = None
        self._device_problems: dict[str, str] = {}  # kind -> what the candidate was told
        self._raised.connect(self._show_signal, Qt.ConnectionType.QueuedConnection)
        self._return_page: QWidget | None = None
        self._uploading: set[str] = set()
        self._recovery: dict[str, Any] | None = None
        self._quitting = False
        self.exit_code = 0
        self._retired: list[CandidateRun] = []
        self._session_attempts: list[Path] = []  # finished in this session (for idle exit)
        self._idle_waited_s = 0.0
        self._run_phase = ""
        self.upload_queue: Any = None
        self.upload_bridge = Bridge(self)
        self.upload_bridge.upload_progress.connect(self._upload_progress)
        self.upload_bridge.upload_result.connect(self._upload_result)
        self._sweeping = self._sweep_again = False
        self._sweeper = QTimer(self)
        self._sweeper.setInterval(30_000)
        self._sweeper.timeout.connect(self._sweep)

        self.window.proctor_requested.connect(self.open_pin)
        self.window.escape_pressed.connect(self._escape)
        self.window.activation_changed.connect(self._activation)
        if self.pin is not None:
            self.pin.accepted.connect(self._pin_ok)
            self.pin.rejected.connect(
                lambda r: self._emit(
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

    # -- status lines -----------------------------------------------------------------------
    def _emit(self, name: str, **data: Any) -> None:
        log.info("kiosk %s %s", name, data)
        if self.options.status_lines:
            print(f"kiosk-status {name} {json.dumps(data, default=str)}", flush=True)
        self.status.emit(name, data)

    # -- start ------------------------------------------------------------------------------
    def _open_upload_queue(self) -> None:
        from session.upload.queue import UploadQueue

        try:
            token = self.cfg.read_token()
        except StationConfigError as e:
            self._emit("upload_unavailable", error=str(e))
            return
        self.upload_queue = UploadQueue(
            self.cfg.data_dir / "upload-queue.sqlite",
            self.cfg.backend_url,
            token,
            retention_s=self.cfg.retention_s,
        )
        self.upload_bridge.watch_uploads(self.upload_queue)
        self.upload_queue.start()

    def start(self) -> None:
        self._apply_look()
        self._open_upload_queue()
        self._sweeper.start()
        stale = self.marker.stale()
        self.marker.write(state="welcome", station=self.cfg.station_id)
        self.window.show_kiosk()
        if stale is not None:
            self._offer_recovery(stale)
        else:
            self.show_welcome()
        self._emit("ready", kiosk=self.cfg.kiosk, station=self.cfg.station_id)

    def _interrupted(self, stale: dict[str, Any]) -> Any:
        """The crashed session's attempt, from its attempt store, if it can be resumed."""
        store_db, attempt_id = stale.get("store"), stale.get("attempt_id")
        if not store_db or attempt_id is None or not Path(store_db).exists():
            return None
        try:
            from session.attempt.store import AttemptStore

            store = AttemptStore(Path(store_db), self.cfg.attempts_dir)
            return next((a for a in store.interrupted_attempts() if a.id == attempt_id), None)
        except Exception:
            log.exception("could not read the attempt store %s", store_db)
            return None

    def _offer_recovery(self, stale: dict[str, Any]) -> None:
        self._recovery = stale
        started = stale.get("started")
        when = (
            f" (session started {time.strftime('%H:%M', time.localtime(started))})"
            if isinstance(started, int | float)
            else ""
        )
        attempt = self._interrupted(stale)
        page = RecoveryPage(when)
        can_resume = attempt is not None and stale.get("state") in ("interview", "checks")
        page.resume_button.setVisible(can_resume)
        page.resume.connect(lambda: self._resume(page, attempt))
        page.fresh.connect(lambda: self._leave_recovery(page, attempt))
        self.window.set_page(page)
        if can_resume:
            page.resume_button.setFocus()
        self._emit(
            "recovery_offered",
            attempt=stale.get("attempt"),
            state=stale.get("state"),
            resumable=can_resume,
        )

    def _leave_recovery(self, page: QWidget, attempt: Any) -> None:
        """Keeps what was recorded: the attempt is closed as it is and uploaded."""
        self._emit("recovery_declined")
        self.window.drop_page(page)
        stale, self._recovery = self._recovery or {}, None
        if attempt is not None:
            from session.attempt.store import AttemptStore

            store = AttemptStore(Path(stale["store"]), self.cfg.attempts_dir)
            station = self.cfg.station_id

            def close_attempt() -> Any:
                from session.station.candidates import stamp_candidate

                a = store.finish_as_is(attempt.id)
                if a.extra.get("candidate"):
                    stamp_candidate(Path(a.dir), str(a.extra["candidate"]), station)
                return a

            self.tasks.run(
                close_attempt,
                lambda a: self._upload(Path(a.dir)),
                lambda e: log.warning("could not close the interrupted attempt: %s", e),
            )
        self.show_welcome()

    def _resume(self, page: QWidget, attempt: Any) -> None:
        stale, self._recovery = self._recovery or {}, None
        self.window.drop_page(page)
        acc = self.cfg.accommodations.merged(**(stale.get("accommodations") or {}))
        req = RunRequest(
            code="resumed",
            accommodations=acc,
            attempt_dir=Path(attempt.dir),
            resume=True,
            attempt_id=attempt.id,
            store_db=Path(stale["store"]),
            unattended=dict(self.options.unattended),
        )
        self._emit("recovery_resumed", attempt=Path(attempt.dir).name)
        self._start_run(req)

    # -- welcome / sign-in ------------------------------------------------------------------
    def show_welcome(self, notice: str = "") -> None:
        """A brand-new sign-in page: nothing typed before survives, and the look goes back
        to the station's (the previous candidate's choices were theirs)."""
        self._high_contrast, self._larger = self.cfg.high_contrast, self.cfg.text_scale > 1.0
        self._apply_look()
        old = self.signin
        self.signin = SignInPage(
            self.cfg.station_id,
            self.cfg.accommodations,
            high_contrast=self._high_contrast,
            larger_text=self._larger,
            notice=notice,
        )
        self.signin.signed_in.connect(self._signed_in)
        self.signin.proctor_clicked.connect(self.open_pin)
        self.signin.look_changed.connect(self._look_changed)
        self.window.set_page(self.signin)
        if old is not None:
            self.window.drop_page(old)
        self.signin.focus_code()
        self.marker.write(state="welcome", station=self.cfg.station_id)
        self._sweep()
        self._emit("welcome")
        if self._pending_codes:
            code = self._pending_codes.pop(0)
            QTimer.singleShot(300, lambda: self.signin and self.signin.submit(code))
        elif self.options.quit_when_idle and self.options.candidates:
            self._quit_when_uploads_done()

    def _look_changed(self, high_contrast: bool, larger: bool) -> None:
        self._high_contrast, self._larger = high_contrast, larger
        self._apply_look()

    def _apply_look(self) -> None:
        app = QApplication.instance()
        if isinstance(app, QApplication):
            scale = max(self.cfg.text_scale, 1.35) if self._larger else self.cfg.text_scale
            apply_theme(app, self._high_contrast, scale)

    def _signed_in(self, s: SignIn) -> None:
        self._high_contrast, self._larger = s.high_contrast, s.larger_text
        self._apply_look()
        attempt_dir = self.cfg.attempts_dir / attempt_name(self.cfg.station_id, s.code)
        req = RunRequest(
            code=s.code,
            accommodations=s.accommodations,
            attempt_dir=attempt_dir,
            unattended=dict(self.options.unattended),
        )
        self._emit(
            "signed_in",
            attempt=attempt_dir.name,
            extra_time_pct=s.accommodations.extra_time_pct,
            extra_silence_s=s.accommodations.extra_silence_s,
        )
        self._start_run(req)

    # -- one candidate's run ----------------------------------------------------------------
    def _start_run(self, req: RunRequest) -> None:
        req.attempt_dir.mkdir(parents=True, exist_ok=True)
        self.marker.update(
            state="checks",
            attempt=str(req.attempt_dir),
            accommodations={
                "extra_time_pct": req.accommodations.extra_time_pct,
                "extra_silence_s": req.accommodations.extra_silence_s,
            },
        )
        try:
            run = self._factory(req, self.cfg)
        except Exception as e:  # a broken interview file must not leave the station stuck
            log.exception("could not start the interview")
            self.show_welcome(
                notice=f"The interview could not start: {e}. Please call the proctor."
            )
            self._emit("run_failed", error=str(e))
            return
        self.run = run
        self.marker.update(
            attempt=str(getattr(run, "attempt_dir", req.attempt_dir)), **run.recovery_info()
        )
        self.integrity = IntegrityMonitor(
            EventLog(req.attempt_dir / "events.jsonl", run.clock),
            self._signal_from_any_thread,
            run.clock,
            face_threshold_s=self.options.face_threshold_s or self.cfg.face_threshold_s,
            focus_threshold_s=self.options.focus_threshold_s,
        )
        self._last_faces = None
        self._device_problems.clear()
        self._integrity(IntegrityMonitor.monitors, len(QGuiApplication.screens()))
        run.phase.connect(self._phase)
        run.faces.connect(self._faces)
        run.device.connect(self._device)
        run.interview_over.connect(self._interview_over)
        run.recording.connect(lambda: self._emit("recording", attempt=req.attempt_dir.name))
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
        self._emit("phase", phase=phase, grab=self.window.keyboard_grabbed)

    def _integrity(self, method: Any, *args: Any) -> Any:
        """Runs ``method(monitor, *args)`` on the integrity thread; returns its future."""
        monitor = self.integrity
        if monitor is None:
            return None
        return self._integrity_thread.submit(method, monitor, *args)

    def _faces(self, count: int, t: float) -> None:
        if count != self._last_faces:  # only changes matter (frames come at camera rate)
            self._last_faces = count
            self._integrity(IntegrityMonitor.faces, count, t)

    def _device(self, kind: str, problem: str, fix: str) -> None:
        """A camera or microphone stopped (or works again) mid-interview: a status line for
        the centre's monitoring and a line in the proctor panel."""
        if problem:
            self._device_problems[kind] = f"{problem}. {fix}".strip()
            self._emit("device_problem", device=kind, problem=problem, fix=fix)
        elif self._device_problems.pop(kind, None) is not None:
            self._emit("device_back", device=kind)
        if self.window.stack.currentWidget() is self.panel:
            self.refresh_panel()

    def _signal_from_any_thread(self, sig: IntegritySignal) -> None:
        self._raised.emit(sig)  # queued to the GUI thread

    def _show_signal(self, sig: IntegritySignal) -> None:
        if self.run is None or self.integrity is None:
            # Closed by the end of the interview: recorded, but a note could no longer be
            # added to the sealed attempt, so no prompt.
            return
        self.note.show_signal(sig)
        self._emit("integrity_signal", kind=sig.kind, signal_id=sig.signal_id, message=sig.message)

    def _note_saved(self, signal_id: str, text: str) -> None:
        if self.integrity is not None:
            self._integrity(IntegrityMonitor.add_note, signal_id, text)
            self._emit("candidate_note", signal_id=signal_id)

    def _activation(self, active: bool) -> None:
        if self.run is None or self.integrity is None:
            return
        if active:
            self._integrity(IntegrityMonitor.focus_gained, self.run.clock())
        else:
            self._integrity(IntegrityMonitor.focus_lost, self.run.clock())

    def _monitors_changed(self) -> None:
        n = len(QGuiApplication.screens())
        if self.integrity is not None and self.run is not None:
            self._integrity(IntegrityMonitor.monitors, n, self.run.clock())
        self._emit("monitors", count=n)

    def _interview_over(self, _summary: Any = None) -> None:
        """Closes open integrity spans before the attempt folder is sealed for upload."""
        if self.integrity is not None and self.run is not None:
            done = self._integrity(IntegrityMonitor.finish, self.run.clock())
            # The attempt is sealed for upload next: the last flags must be on disk first
            # (a few small appends, so this wait is milliseconds).
            with contextlib.suppress(Exception):
                done.result(timeout=2.0)
        self.integrity = None
        self.window.set_keyboard_grab(False)
        self.note.clear()
        self.marker.update(state="finish")

    def _run_finished(self, summary: dict[str, Any]) -> None:
        self._interview_over()
        run, self.run = self.run, None
        attempt_dir = Path(summary.get("attempt_dir") or (run.request.attempt_dir if run else ""))
        self._emit("finished", attempt=attempt_dir.name, ok=bool(summary.get("ok", True)))
        if run is not None:
            # Off screen at once; the objects live until the run has stopped, so no late
            # callback reaches a deleted widget.
            self.window.stack.removeWidget(run.widget)
            run.widget.hide()
            run.widget.setParent(None)  # out of the kiosk window entirely
            self._retired.append(run)

            if attempt_dir.name:
                self._session_attempts.append(attempt_dir)
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
        queue = self.upload_queue
        if queue is None:
            self._emit("upload_unavailable", attempt=attempt_dir.name)
            return
        name = attempt_dir.name
        self._uploading.add(name)

        def job() -> None:
            queue.enqueue(attempt_dir)
            queue.start()

        def failed(e: BaseException) -> None:
            self._uploading.discard(name)
            self._emit("upload_failed", attempt=name, error=str(e))

        self._emit("upload_queued", attempt=name)
        self.tasks.run(job, None, failed)

    def _upload_progress(self, sent: int, total: int, _rate: float, _eta: float) -> None:
        self.panel.show_progress_total(sent, total)

    def _upload_result(self, result: Any) -> None:
        name = Path(result.attempt_dir).name if result.attempt_dir else ""
        if result.state == "submitted":
            self._uploading.discard(name)
            self._emit("uploaded", attempt=name)
            self._sweep()
        elif result.state == "refused":
            self._uploading.discard(name)
            self._emit("upload_refused", attempt=name, reason=result.reason)
        elif result.state == "retry":
            self._emit("upload_retry", attempt=name, reason=result.reason)

    def _upload_pending(self) -> None:
        """Queues every finished attempt still on the station (off the GUI thread: it
        reads manifests and hashes recordings)."""
        from ui.kiosk.status import queue_items

        root = self.cfg.attempts_dir
        running = self._run_name() if self.run is not None else None

        def job() -> list[str]:
            return [i.attempt for i in queue_items(root) if i.state == "waiting"]

        def done(names: list[str]) -> None:
            for name in names:
                if name != running:
                    self._upload(root / name)

        self.tasks.run(job, done)

    def _run_name(self) -> str:
        return Path(getattr(self.run, "attempt_dir", self.run.request.attempt_dir)).name

    def retry_uploads(self) -> None:
        self.panel.set_message("Retrying uploads…")
        self._upload_pending()
        QTimer.singleShot(500, self.refresh_panel)

    def _sweep(self) -> None:
        """Deletes uploaded attempts past their retention, on a worker: checking a receipt
        hashes the attempt's recordings again. One sweep at a time; a sweep asked for while
        one runs follows it."""
        if self._sweeping:
            self._sweep_again = True
            return
        self._sweeping, self._sweep_again = True, False

        def done(result: Any) -> None:
            self._sweeping = False
            self._report_deleted(result)
            if self._sweep_again and not self._quitting:
                self._sweep()

        self.tasks.run(self._cleanup_job(), done, lambda e: done(None))

    def _cleanup_job(self) -> Callable[[], Any]:
        root, retention = self.cfg.attempts_dir, self.cfg.retention_s
        keep = {root / self._run_name()} if self.run else set()
        return lambda: cleanup_attempts(root, retention, keep=keep)

    def _report_deleted(self, result: Any) -> None:
        if result is None:
            log.warning("the clean-up of uploaded attempts failed (see the log above)")
            return
        for d in result.deleted:
            self._emit("attempt_deleted", attempt=d.name)

    def _quit_when_uploads_done(self) -> None:
        """Unattended runs: exit once every attempt of this session is confirmed by the
        backend (or refused, or after 15 minutes). Exit code 0 only if all were confirmed."""
        queue = self.upload_queue
        dirs = list(self._session_attempts)

        def job() -> list[str | None]:
            return [(queue.status(d) or {}).get("state") for d in dirs] if queue else []

        def done(states: list[str | None]) -> None:
            pending = [s for s in states if s not in ("submitted", "refused")]
            if (pending or self._retired) and self._idle_waited_s < 900:
                self._idle_waited_s += 0.5
                QTimer.singleShot(500, self._quit_when_uploads_done)
                return
            self.tasks.run(
                self._cleanup_job(),
                lambda result: leave(states, result),
                lambda e: leave(states, None),
            )

        def leave(states: list[str | None], cleanup: Any) -> None:
            self._report_deleted(cleanup)
            ok = queue is not None and all(s == "submitted" for s in states)
            self._emit("idle", uploaded=sum(s == "submitted" for s in states), total=len(dirs))
            self.shutdown(0 if ok else 1)

        self.tasks.run(job, done, lambda e: done([None]))

    # -- proctor ---------------------------------------------------------------------------
    def open_pin(self) -> None:
        if self.pin is None:  # kiosk off and no PIN: the panel is open to anyone at the desk
            self._pin_ok()
            return
        if self.pin.isVisible():
            return
        self._emit("pin_prompt")
        self.pin.open()

    def _escape(self) -> None:
        if self.pin is not None and self.pin.isVisible():
            self.pin.cancel()

    def _pin_ok(self) -> None:
        self._emit("pin_accepted")
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
        problems = dict(self._device_problems)
        self.tasks.run(
            lambda: gather_status(self.cfg, with_devices=devices_free, device_problems=problems),
            self.panel.show_status,
            lambda e: self.panel.set_message(f"Could not gather the station status: {e}"),
        )

    def save_support_report(self) -> None:
        from session.runtime.support_report import build_support_report

        out = self.cfg.data_dir / f"support-{time.strftime('%Y%m%d-%H%M%S')}.zip"

        def job() -> Path:
            from session.runtime import paths
            return build_support_report(out, log_dir=paths.log_dir())

        self.tasks.run(
            job,
            lambda p: self.panel.set_message(f"Support report saved: {p}"),
            lambda e: self.panel.set_message(f"Could not save the support report: {e}"),
        )

    def exit_kiosk(self) -> None:
        self._emit("exit")
        self.shutdown()

    def shutdown(self, code: int = 0) -> None:
        if self._quitting:
            return
        self._quitting = True
        self.exit_code = code
        self._sweeper.stop()
        interrupted = self.run is not None and self._run_phase in ("checks", "interview")
        if self.run is not None:
            self.run.stop()
        self.tasks.wait(10.0)
        self._integrity_thread.shutdown(wait=True)
        if self.upload_queue is not None:
            self.upload_queue.stop(5.0)
        if interrupted:
            # Left mid-interview (the proctor's Exit): the marker stays, so the next start
            # offers to resume or upload the attempt instead of forgetting it.
            self._emit("left_mid_interview")
        else:
            self.marker.clear()
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
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("Interview Kiosk")
    collect_on_gui_thread(app)
    kiosk = KioskApp(cfg, options_from_args(args))
    kiosk.start()
    rc = app.exec()
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
