"""The run a signed-in candidate gets: the interview flow (checks → interview → finish) on
the station's devices, or — for unattended dry runs — the same flow and engine with a file
camera and a scripted microphone that answers each question with the next WAV."""

from __future__ import annotations

import hashlib
import logging
import math
import threading
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QStackedWidget, QVBoxLayout, QWidget

from session import assemble
from session.station.config import StationConfig, StationConfigError
from ui.kiosk.candidate import CandidateRun, RunRequest
from ui.qt.bridge import TaskRunner

log = logging.getLogger(__name__)


def candidate_key(cfg: StationConfig, code: str) -> str:
    """A stable, non-reversible name for a candidate's attempt records on this station."""
    return hashlib.sha256(f"{cfg.station_id}\0{code}".encode()).hexdigest()[:20]


def store_path(cfg: StationConfig, code: str) -> Path:
    # One attempt store per candidate: the retake limit is per candidate, not per station.
    return cfg.data_dir / "candidates" / f"{candidate_key(cfg, code)}.sqlite"


class ScriptedCandidate:
    """Answers each prompt with the next clip once the interviewer finished the line; asks to
    end the interview when no clip is left."""

    def __init__(self, mic: Any, clips: list[np.ndarray]) -> None:
        self.mic = mic
        self.clips = clips
        self.used = 0
        self.end: Any = None
        self._ended = False
        self._lock = threading.Lock()

    def on_line(self, kind: str, _text: str, started: bool) -> None:
        from session.interview.engine import PROMPT_KINDS

        if started or kind not in PROMPT_KINDS:
            return
        with self._lock:
            if not self.mic.idle:
                return
            if self.used < len(self.clips):
                self.mic.play(self.clips[self.used])
                self.used += 1
            elif not self._ended and self.end is not None:
                self._ended = True
                self.end()


def stamp_candidate(attempt_dir: Path, code: str, station_id: str) -> None:
    """Adds who took the attempt, and where, to attempt.json (the backend keys the retake
    limit by candidate), keeping its state and every other field. The files are hashed
    again, so integrity flags closed after the engine's last manifest are covered too."""
    from session.attempt.manifest import read_manifest, update_manifest

    manifest = read_manifest(attempt_dir)
    if manifest is not None:
        update_manifest(attempt_dir, manifest["state"], candidate=code, station=station_id)


class SharedQueue:
    """The station's one upload queue, watched by several listeners at once: the station
    (always) and the flow of the candidate on screen. Setting ``progress``/``on_result``
    adds a listener instead of replacing the previous one."""

    def __init__(self, queue: Any) -> None:
        self.__dict__.update(_queue=queue, _progress=[], _result=[], _lock=threading.Lock())
        queue.progress = self._fan_progress
        queue.on_result = self._fan_result

    def _fan_progress(self, sent: int, total: int, rate: float, eta: float) -> None:
        # Rate and ETA are unknown (inf/nan) at the first chunk; pages show numbers.
        rate = rate if math.isfinite(rate) else 0.0
        eta = eta if math.isfinite(eta) else 0.0
        with self._lock:
            listeners = list(self._progress)
        for fn in listeners:
            fn(sent, total, rate, eta)

    def _fan_result(self, result: Any) -> None:
        with self._lock:
            listeners = list(self._result)
        for fn in listeners:
            fn(result)

    def remove(self, fn: Any) -> None:
        with self._lock:
            for lst in (self._progress, self._result):
                if fn in lst:
                    lst.remove(fn)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._queue, name)

    def __setattr__(self, name: str, value: Any) -> None:
        if name in ("progress", "on_result"):
            with self._lock:
                (self._progress if name == "progress" else self._result).append(value)
        else:
            setattr(self._queue, name, value)


class CandidateQueue:
    """The station's queue as one candidate's flow sees it: the attempt is stamped with the
    candidate code before it is queued, and the flow's listeners go away with the run."""

    def __init__(
        self, queue: SharedQueue, code: str, station_id: str, on_enqueued: Any = None
    ) -> None:
        self.__dict__.update(
            _queue=queue, _code=code, _station=station_id, _done=on_enqueued, _mine=[]
        )

    def enqueue(self, attempt_dir: Path) -> None:
        stamp_candidate(Path(attempt_dir), self._code, self._station)
        self._queue.enqueue(attempt_dir)
        if self._done is not None:
            self._done()

    def detach(self) -> None:
        for fn in self._mine:
            self._queue.remove(fn)
        self._mine.clear()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._queue, name)

    def __setattr__(self, name: str, value: Any) -> None:
        if name in ("progress", "on_result"):
            self._mine.append(value)
        setattr(self._queue, name, value)


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
        self._queued = threading.Event()  # the flow handed the attempt to the upload queue
        self.unattended = bool(req.unattended.get("answers"))
        # The flow's upload listeners are added through this queue, so `stop` can detach them.
        self.queue = (
            CandidateQueue(upload_queue, self.code, cfg.station_id, self._queued.set)
            if upload_queue is not None
            else None
        )
        self.finish_hold_s = 2.0 if self.unattended else finish_hold_s
        self._candidate: ScriptedCandidate | None = None
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
            upload_queue=self.queue,
        )
        self.flow = InterviewFlow(self.pages, runner, options, parent=self)
        self.flow.page_changed.connect(self.phase.emit)
        self.flow.bridge.frame.connect(self._frame)
        self.flow.bridge.device.connect(self.device)
        self.flow.interview_finished.connect(self._interview_finished)
        self.flow.done.connect(self._end)
        self.flow.upload_status.connect(self._upload_status)
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

    def _interview_finished(self, summary: Any) -> None:
        self.interview_over.emit(summary)
        # The finish page stays up a while (the candidate sees the upload start), then the
        # station goes back to a clean welcome screen on its own.
        self._hold.start(int(self.finish_hold_s * 1000))

    def _upload_status(self, text: str) -> None:
        if text.startswith(("Practice", "Upload: no server")):
            self._queued.set()  # nothing will be queued: no need to wait for it

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
        if self.queue is not None:
            self.queue.detach()
        # The stopped engine's last callbacks are still queued to the bridge; this run's
        # pages are about to be deleted, so nothing may reach them any more.
        self.flow.bridge.blockSignals(True)
        self.flow.blockSignals(True)

    def _make_engine(self, config: Any, attempt: Any, bridge: Any, options: Any) -> Any:
        from session.interview.driver import Accommodations, DriverOptions
        from session.interview.engine import EngineOptions

        acc = self.request.accommodations
        own = config.silence.end_of_turn_s
        driver_acc = Accommodations(
            time_factor=1.0 + acc.extra_time_pct / 100.0,
            end_of_turn_s=own + acc.extra_silence_s if acc.extra_silence_s > 0 else None,
        )
        devices = self._devices(options)
        callbacks = bridge.callbacks()
        engine_ref: list[Any] = []
        if self._candidate is not None:
            self._candidate.end = lambda: engine_ref[0].end_interview()
            callbacks["on_line"] = self._candidate.on_line
        engine = assemble.build_engine(
            config,
            attempt,
            devices,
            self._clock,
            EngineOptions(driver=DriverOptions(accommodations=driver_acc), store=self.store),
            callbacks,
        )
        engine_ref.append(engine)
        self.engine = engine
        return engine

    def _devices(self, options: Any) -> assemble.InterviewDevices:
        if self.unattended:
            devices = assemble.scripted_devices(options.camera, self._clock)
            clips = assemble.answer_clips(Path(str(self.request.unattended["answers"])))
            assert devices.scripted is not None
            self._candidate = ScriptedCandidate(devices.scripted, clips)
            return devices
        return assemble.live_devices(
            options.camera, options.mic, options.speaker, self._clock, loop_camera=False
        )


def make_run(
    req: RunRequest, cfg: StationConfig, runner: TaskRunner, upload_queue: Any = None
) -> CandidateRun:
    return FlowRun(req, cfg, runner, upload_queue)
