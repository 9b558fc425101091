"""The run a signed-in candidate gets: the interview flow (checks → interview → finish) on
the station's devices, or — for unattended dry runs — the same flow and engine with a file
camera and a scripted microphone that answers each question with the next WAV."""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Any

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QStackedWidget, QVBoxLayout, QWidget

from session import assemble
from session.interview.options import EngineOptions
from session.interview.simulated_candidate import SimulatedCandidate
from session.station.candidates import stamp_candidate, store_path
from session.station.config import StationConfig, StationConfigError
from ui.kiosk.candidate import CandidateRun, RunRequest
from ui.qt.bridge import TaskRunner

log = logging.getLogger(__name__)


class FlowRun(CandidateRun):
    """One candidate through ``ui.desktop.flow.InterviewFlow``; the kiosk owns the upload queue."""

    def __init__(
        self,
        req: RunRequest,
        cfg: StationConfig,
        runner: TaskRunner,
        upload_queue: Any = None,
        finish_hold_s: float = 45.0,
    ) -> None:
        super().__init__(req, cfg)
        from session.attempt.store import AttemptStore
        from session.interview.config import load_interview
        from session.runtime.clock import SessionClock
        from ui.desktop.flow import FlowOptions, InterviewFlow

        if cfg.interview is None:
            raise StationConfigError("interview", "is not set: no interview to run", cfg.source)
        self.config = load_interview(cfg.interview)
        self._clock = SessionClock()
        db = req.store_db if req.resume and req.store_db else store_path(cfg, req.code)
        self.store = AttemptStore(db, cfg.attempts_dir)
        if req.resume and req.attempt_id is not None:
            self.attempt = self.store.resume(req.attempt_id)
        else:
            self.attempt = self.store.start_attempt(self.config, req.attempt_dir)
            self.store.set_extra(self.attempt.id, candidate=req.code)
        self.code = str(self.attempt.extra.get("candidate") or req.code)
        # The flow is done with the upload queue: it queued the attempt, or nothing will be.
        self._queued = threading.Event()
        self.unattended = bool(req.unattended.get("answers"))
        code, station = self.code, cfg.station_id
        self.finish_hold_s = 2.0 if self.unattended else finish_hold_s
        self._candidate: SimulatedCandidate | None = None
        self._ended = False
        self._waited_s = 0.0
        self.pages = QStackedWidget()
        self.widget = QWidget()
        self.widget.setProperty("kioskPage", "true")
        self.widget.setAccessibleName("Interview")
        box = QVBoxLayout(self.widget)
        box.setContentsMargins(28, 20, 28, 20)
        box.addWidget(self.pages)
        options = FlowOptions(
            camera=str(req.unattended.get("camera") or cfg.camera),
            mic=cfg.microphone,
            speaker=cfg.speaker,
            backend_url=cfg.backend_url,
            data_dir=cfg.data_dir,
            clock=self._clock,
            engine_factory=self._make_engine,
            upload_queue=upload_queue,
            before_upload=lambda folder: stamp_candidate(folder, code, station),
            store=self.store,
            review=not self.unattended,  # nobody is there to review a simulated run
            # the final transcript's model (the engine's options are built per run)
            engine_options=EngineOptions(whisper_model_dir=cfg.whisper_model),
        )
        self.flow = InterviewFlow(self.pages, runner, options, parent=self)
        self.flow.page_changed.connect(self.phase.emit)
        self.flow.bridge.frame.connect(self._frame)
        self.flow.bridge.device.connect(self.device)
        self.flow.interview_finished.connect(self.interview_over)
        self.flow.finish_shown.connect(self._finish_shown)
        self.flow.done.connect(self._end)
        self.flow.upload_handoff.connect(lambda _queued: self._queued.set())
        self.flow.interview_started.connect(self._started)
        self._start_watch = QTimer(self)
        self._start_watch.setInterval(500)
        self._start_watch.timeout.connect(self._check_start)
        self._running = False
        self._hold = QTimer(self)
        self._hold.setSingleShot(True)
        self._hold.timeout.connect(self._end)

    @property
    def attempt_dir(self) -> Path:
        return Path(self.attempt.dir)

    def clock(self) -> float:
        return self._clock()

    def recovery_info(self) -> dict[str, Any]:
        return {"store": str(self.store.db_path), "attempt_id": self.attempt.id}

    def start(self) -> None:
        skip_checks = self.unattended or self.request.resume
        self.flow.begin(self.config, self.attempt, skip_checks=skip_checks)
        if skip_checks:
            self._start_watch.start()

    def _started(self) -> None:
        self._running = True
        self._start_watch.stop()
        self.recording.emit()

    def _check_start(self) -> None:
        """Without a checks page to go back to, an engine that could not start ends the run
        (the attempt stays on disk, interrupted, for the proctor)."""
        if not self._running and self.flow.engine is None:
            self._start_watch.stop()
            log.error("the interview could not start; the run ends")
            self._queued.set()
            self._ended = True
            self.finished.emit({"attempt_dir": str(self.attempt_dir), "ok": False, "queued": True})

    def _frame(self, frame: Any, faces: Any) -> None:
        if faces is not None:
            self.faces.emit(len(faces), float(getattr(frame, "t", self._clock())))

    def _finish_shown(self) -> None:
        # The finish page stays up a while (the candidate sees the upload start), then the
        # station goes back to a clean welcome screen on its own.
        self._hold.start(int(self.finish_hold_s * 1000))

    def _end(self) -> None:
        if self._ended:
            return
        if not self._queued.is_set() and self._waited_s < 60.0:
            # The flow queues the upload once the recording is closed; leaving before that
            # would tear the flow down under it.
            self._waited_s += 0.3
            self._hold.start(300)
            return
        self._ended = True
        self._hold.stop()
        self.finished.emit(
            {"attempt_dir": str(self.attempt_dir), "ok": True, "queued": self._queued.is_set()}
        )

    def stop(self) -> None:
        """GUI thread. Quick once the interview ended (the flow already stopped the engine);
        otherwise it stops the engine within 10 s."""
        self._hold.stop()
        self._start_watch.stop()
        self.flow.stop(10.0)
        self.flow.bridge.unwatch_uploads()  # the station's queue outlives this run
        # The stopped engine's last callbacks are still queued to the bridge; this run's
        # pages are about to be deleted, so nothing may reach them any more.
        self.flow.bridge.blockSignals(True)
        self.flow.blockSignals(True)

    def _make_engine(self, config: Any, attempt: Any, bridge: Any, options: Any) -> Any:
        from session.interview.driver import Accommodations, DriverOptions
        from session.interview.listener import EngineListener, Listeners
        from session.interview.options import EngineParts

        acc = self.request.accommodations
        own = config.silence.end_of_turn_s
        driver_acc = Accommodations(
            time_factor=1.0 + acc.extra_time_pct / 100.0,
            end_of_turn_s=own + acc.extra_silence_s if acc.extra_silence_s > 0 else None,
        )
        devices = self._devices(options)
        listener: EngineListener = bridge
        engine_ref: list[Any] = []
        if self._candidate is not None:
            self._candidate.end = lambda: engine_ref[0].end_interview()
            listener = Listeners(bridge, self._candidate)
        engine = assemble.build_engine(
            config,
            attempt,
            devices,
            self._clock,
            listener,
            EngineOptions(
                driver=DriverOptions(accommodations=driver_acc),
                brain=self.cfg.interviewer,
                whisper_model_dir=self.cfg.whisper_model,
            ),
            EngineParts(store=self.store, events=self.events),
        )
        engine_ref.append(engine)
        self.engine = engine
        return engine

    def _devices(self, options: Any) -> assemble.InterviewDevices:
        if self.unattended:
            devices = assemble.scripted_devices(options.camera, self._clock)
            clips = assemble.answer_clips(Path(str(self.request.unattended["answers"])))
            assert devices.scripted is not None
            self._candidate = SimulatedCandidate(devices.scripted, clips, delay_s=0.0)
            return devices
        return assemble.live_devices(
            options.camera, options.mic, options.speaker, self._clock, loop_camera=False
        )


def make_run(
    req: RunRequest, cfg: StationConfig, runner: TaskRunner, upload_queue: Any = None
) -> CandidateRun:
    return FlowRun(req, cfg, runner, upload_queue)
