"""The interview engine: wires devices, speech and recorder around the interviewer driver.

Qt-free, used by the app (through ``ui.qt.bridge``) and by ``main.py run``. It owns its worker
threads and nothing else touches the driver:

- camera pump: frame -> recorder, -> face check every ~0.5 s (face_lost/face_found), -> UI
- mic pump: block -> recorder, -> level, -> echo gate -> turn detector + caption worker
- caption worker (speech.caption_worker): committed words -> transcript, -> driver
- voice player (speech.tts): the interviewer's lines on the speaker
- driver thread: the only caller of the driver; an inbox of inputs, a tick every 0.1 s,
  carries out the driver's actions
- recorder / screen recorder threads (session.recording.recorder)

``stop(timeout)`` is idempotent, ordered and time-bounded; the attempt folder then holds a
finished (or, when stopped early, interrupted and resumable) attempt.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from capture.types import Clock, DeviceError, VideoFrame
from session.attempt import events as ev
from session.attempt.folder import AttemptPaths
from session.attempt.manifest import now_iso, update_manifest, write_manifest
from session.attempt.store import Attempt, AttemptState, AttemptStore
from session.attempt.transcript import Transcript
from session.interview.candidate_lines import CandidateLines, looks_like_echo
from session.interview.captions import CaptionTurn, CaptionView
from session.interview.config import InterviewConfig
from session.interview.driver import (
    DriverOptions,
    Finished,
    InterviewDriver,
    Phase,
    Say,
    ShowQuestion,
    ShowWhiteboard,
    StartScreenShare,
    StopScreenShare,
    StopVoice,
)
from session.interview.face_watch import FaceWatch
from session.recording.segments import next_segment_path
from speech.echo import EchoGate, rms_db

log = logging.getLogger(__name__)

# Lines after which the candidate is expected to answer (the run command's cue, too).
PROMPT_KINDS = frozenset({"question", "follow_up", "repeat", "clarification", "resume"})
REOPEN_EVERY_S = 2.0  # a lost camera or microphone is opened again this often
BARGE_IN_CONFIRM_S = 1.5  # after a barge-in, the VAD should have heard speech by then
ECHO_WINDOW_S = 3.0  # captions this soon after a line that repeat it are its echo


@dataclass
class EngineOptions:
    driver: DriverOptions = field(default_factory=DriverOptions)
    whisper_model_dir: Path | None = None  # None: the bundled tiny.en
    voice_model: Path | None = None  # None: the bundled Piper voice
    fps: float | None = None  # None: the camera's own rate (30 if it does not say)
    preset: str | None = None  # x264 preset; None: the recorder's default
    face_checks: bool = True
    face_check_s: float = 0.5  # a BlazeFace check costs ~10 ms of CPU at 640x480
    face_preset: str = "accurate"  # "fast" misses faces under ~20% of the frame
    face_lost_s: float = 2.0
    screen_fps: float = 2.0
    caption_min_chunk_s: float = 0.5
    # Echo gate: the echo level is learnt over the first echo_learn_s of each line. Output
    # latency and Piper's leading silence make the first ~0.3 s quiet, so a short window
    # learns silence and the interviewer's own voice then looks like a barge-in.
    echo_learn_s: float = 1.0
    echo_margin_db: float = 10.0
    echo_tail_s: float = 0.3
    tick_s: float = 0.1
    store: AttemptStore | None = None  # where answered questions and the end state go
    close_sources: bool = True  # the engine closes camera, mic and speaker at stop
    resume: bool | None = None  # None: resume when the attempt already has answers
    first_frame_timeout_s: float = 5.0
    # Injected parts (tests, alternative back ends); None builds the real ones.
    voice_player: Any = None
    caption_worker_factory: Callable[[Callable[[Any], None]], Any] | None = None
    screen_source_factory: Callable[[Clock], Any] | None = None
    face_detector: Any = None  # None: capture.faces.FaceDetector, made on its own thread

    @classmethod
    def from_any(cls, value: EngineOptions | dict | None) -> EngineOptions:
        if value is None:
            return cls()
        if isinstance(value, cls):
            return value
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(value) - known)
        if unknown:
            raise ValueError(f"unknown engine option {unknown[0]!r}")
        return cls(**value)


def _noop(*_args: Any, **_kw: Any) -> None:
    return None


class InterviewEngine:
    """``start()`` runs the interview on its threads; ``on_finished(summary)`` fires at the
    end; ``stop(timeout)`` ends it early. Button methods only queue a request."""

    def __init__(
        self,
        config: InterviewConfig,
        attempt: Attempt | Path | str,
        camera_source: Any,
        mic_source: Any,
        speaker: Any,
        clock: Clock | None = None,
        options: EngineOptions | dict | None = None,
        *,
        on_question: Callable[[int, int, Any], None] | None = None,
        on_caption: Callable[[CaptionView], None] | None = None,
        on_level: Callable[[float], None] | None = None,
        on_state: Callable[[str], None] | None = None,
        on_frame: Callable[..., None] | None = None,
        on_finished: Callable[[dict], None] | None = None,
        on_whiteboard: Callable[[bool], None] | None = None,
        on_line: Callable[[str, str, bool], None] | None = None,
        on_device: Callable[[str, str, str], None] | None = None,
    ) -> None:
        from session.runtime.clock import SessionClock

        self.config = config
        self.options = EngineOptions.from_any(options)
        self.attempt = attempt if isinstance(attempt, Attempt) else None
        self.dir = Path(attempt.dir if isinstance(attempt, Attempt) else attempt)
        self.paths = AttemptPaths(self.dir)
        self.camera = camera_source
        self.mic = mic_source
        self.speaker = speaker
        self.clock: Clock = clock or SessionClock()
        self.on_question = on_question or _noop
        self.on_caption = on_caption or _noop
        self.on_level = on_level or _noop
        self.on_state = on_state or _noop
        self.on_frame = on_frame or _noop
        self.on_finished = on_finished or _noop
        self.on_whiteboard = on_whiteboard or _noop
        # (kind, text, started): an interviewer line started (True) or ended (False)
        self.on_line = on_line or _noop
        # (kind, problem, fix): a camera or microphone stopped; problem "" when it is back
        self.on_device = on_device or _noop
        self.store = self.options.store
        if self.store is None and self.attempt is not None:
            self.store = AttemptStore()
        self.summary: dict[str, Any] | None = None
        self.error: BaseException | None = None
        self.finished = threading.Event()
        self._inbox: queue.Queue[Callable[[], list]] = queue.Queue()
        self._stop = threading.Event()
        self._pumps_stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._driver_thread: threading.Thread | None = None
        self._teardown_lock = threading.Lock()
        self._torn_down = False
        self._started = False
        self._state = ""
        self._faces: list = []
        self._reopen_at: dict[str, float] = {}  # lost camera/microphone -> next open try
        self._speaker_silent = False  # a line never finished playing; cleared by one that does
        self._turn_reset_at: float | None = None
        self._barge_check_at: float | None = None
        self._last_line: tuple[str, float] = ("", float("-inf"))  # interviewer text, end
        self._caption_turn = CaptionTurn()
        self._screen: tuple[Any, Any, threading.Thread, threading.Event] | None = None
        self._start_wall = 0.0
        self.recorder: Any = None
        self.events: ev.EventLog | None = None
        self.driver: InterviewDriver | None = None

    # ------------------------------------------------------------ control

    def start(self) -> None:
        """Opens devices, loads the models, starts recording and the threads. Raises
        RecordingError / DeviceError / ModelMissingError with a message for the candidate;
        whatever was opened is closed again."""
        if self._started:
            return
        self._started = True
        self._start_wall = time.monotonic()
        self._set_state("starting")
        try:
            self._open()
        except BaseException:
            self._stop.set()
            self._teardown(time.monotonic() + 5.0, notify=False)
            raise
        self._driver_thread = threading.Thread(
            target=self._driver_loop, name="interview-driver", daemon=True
        )
        self._driver_thread.start()

    def stop(self, timeout: float = 5.0) -> bool:
        """Ends the interview (if still running) and releases everything, in order, within
        about ``timeout``. Idempotent. True when every thread stopped in time."""
        deadline = time.monotonic() + timeout
        self._stop.set()
        if not self._started:  # nothing was opened: nothing to close or record
            self._torn_down = True
            self.finished.set()
            return True
        t = self._driver_thread
        if t is not None and t is not threading.current_thread():
            t.join(max(0.0, deadline - time.monotonic()))
            if t.is_alive():
                log.error("interview engine did not stop within %.1f s", timeout)
                return False
        else:
            self._teardown(deadline)
        return all(not th.is_alive() for th in self._threads)

    def wait(self, timeout: float | None = None) -> bool:
        """True once the interview finished (or was stopped) and everything is written."""
        return self.finished.wait(timeout)

    # Buttons: queued for the driver thread, never blocking the caller.

    def repeat(self) -> None:
        self._post(lambda d: d.repeat(self.clock()))

    def clarify(self) -> None:
        self._post(lambda d: d.clarify(self.clock()))

    def not_finished(self) -> None:
        self._post(lambda d: d.not_finished(self.clock()))

    def next_question(self) -> None:
        self._post(lambda d: d.next_question(self.clock()))

    def end_interview(self) -> None:
        self._post(lambda d: d.end_interview(self.clock()))

    def note_focus_lost(self) -> None:
        if self.events is not None:
            self.events.write(ev.FOCUS_LOST)

    def note_focus_gained(self) -> None:
        if self.events is not None:
            self.events.write(ev.FOCUS_GAINED)

    @property
    def state(self) -> str:
        return self._state

    def time_left(self) -> tuple[float, float]:
        """(seconds left for the current question, seconds left overall), for a countdown."""
        d = self.driver
        if d is None:
            return (0.0, self.config.total_time_s)
        t = self.clock()
        return (d.question_time_left(t), d.total_time_left(t))

    # ------------------------------------------------------------ setup

    def _open(self) -> None:
        from session.attempt.finalize import recorded_seconds
        from session.recording.recorder import Recorder

        opts = self.options
        # Models and devices first: if one is missing, no attempt folder is left behind.
        self._captions = self._make_caption_worker()
        self.voice = opts.voice_player or self._make_voice_player()
        if self.speaker is not None and hasattr(self.speaker, "start"):
            self.speaker.start()
        self.mic.open()
        first = None
        if self.camera is not None:
            self.camera.open()
            first = self._first_frame()

        self.paths.create()
        self.events = ev.EventLog(self.paths.events, self.clock)
        self.events.subscribe(self._on_event)
        self.driver = InterviewDriver(self.config, self.clock, self.events, opts.driver)
        answered = list(self.attempt.answered) if self.attempt is not None else []
        resume = opts.resume if opts.resume is not None else bool(answered)
        if resume:
            nxt = self.attempt.next_question_index(self.config) if self.attempt else None
            self.driver.resume_from(nxt or 0, answered)
        self.echo = EchoGate(
            learn_s=opts.echo_learn_s, margin_db=opts.echo_margin_db, tail_s=opts.echo_tail_s
        )
        from speech.vad import TurnDetector

        self.turn = TurnDetector(self.driver.end_of_turn_s, self.driver.long_pause_s)
        segment_start = recorded_seconds(self.dir) if resume else 0.0
        height, width = first.image.shape[:2] if first is not None else (360, 640)
        fps = opts.fps or _camera_fps(self.camera) or 30.0
        self.recorder = Recorder(
            next_segment_path(self.dir),
            self.clock,
            width,
            height,
            fps,
            events=self.events,
            **({"preset": opts.preset} if opts.preset else {}),
        )
        self.recorder.start()
        if first is not None:
            self.recorder.add_video(first)
        self.transcript = Transcript(
            self.dir, recording_t0=self.recorder.t0, segment_start=segment_start
        )
        self.lines = CandidateLines(lambda s, e, text: self.transcript.add(s, e, "candidate", text))
        self._write_manifest("in_progress", resume)
        self._faces_watch = FaceWatch(lost_after_s=opts.face_lost_s)
        self._face_slot: VideoFrame | None = None
        self._face_ready = threading.Event()
        self._spawn(self._mic_pump, "mic-pump")
        if self.camera is not None:
            self._spawn(self._camera_pump, "camera-pump")
            if opts.face_checks:
                self._spawn(self._face_checks, "face-checks")

    def _make_caption_worker(self) -> Any:
        if self.options.caption_worker_factory is not None:
            return self.options.caption_worker_factory(self._on_caption_update)
        from speech.caption_worker import CaptionWorker
        from speech.captioner import StreamingCaptioner
        from speech.models import WhisperSettings, load_whisper

        model = load_whisper(WhisperSettings(model_dir=self.options.whisper_model_dir))
        return CaptionWorker(
            StreamingCaptioner(model),
            self._on_caption_update,
            min_chunk_s=self.options.caption_min_chunk_s,
        )

    def _make_voice_player(self) -> Any:
        from speech.tts import InterviewerVoice, VoicePlayer

        def played(samples: Any, rate: int, t: float) -> None:
            echo = getattr(self, "echo", None)
            if echo is not None:
                echo.interviewer_audio(samples, rate, t)

        return VoicePlayer(
            InterviewerVoice(self.options.voice_model), self.speaker, self.clock, on_audio=played
        )

    def _first_frame(self) -> VideoFrame | None:
        end = time.monotonic() + self.options.first_frame_timeout_s
        while time.monotonic() < end:
            frame = self.camera.read(0.2)
            if frame is not None:
                return frame
        log.warning("camera delivered no frame within %.1f s", self.options.first_frame_timeout_s)
        return None

    def _write_manifest(self, state: str, resume: bool) -> None:
        extra = {"title": self.config.title, "role": self.config.role}
        if resume and self.paths.manifest.exists():
            update_manifest(self.dir, state, **extra)
            return
        a = self.attempt
        write_manifest(
            self.dir,
            self.config.id,
            a.number if a else 1,
            a.practice if a else self.config.practice,
            state,
            now_iso(),
            None,
            extra,
        )

    def _spawn(self, target: Callable[[], None], name: str) -> None:
        th = threading.Thread(target=self._guard(target, name), name=name, daemon=True)
        self._threads.append(th)
        th.start()

    def _guard(self, target: Callable[[], None], name: str) -> Callable[[], None]:
        def run() -> None:
            try:
                target()
            except Exception as e:  # a dead pump must end the interview, not hang it
                log.exception("%s failed", name)
                self.error = e
                if self.events is not None:
                    self.events.write(ev.DEVICE_ERROR, source=name, message=str(e))
                self._stop.set()

        return run

    # ------------------------------------------------------------ pumps

    def _read(self, source: Any, kind: str) -> Any:
        """One item, or None. A device that fails is reported once (to the timeline and the
        candidate) and opened again every few seconds: the recording keeps the other stream
        (and fills the gap) until it delivers again."""
        reopen_at = self._reopen_at.get(kind)
        if reopen_at is not None and self.clock() >= reopen_at:
            self._reopen(source, kind)
        try:
            item = source.read(0.2)
        except DeviceError as e:
            if kind not in self._reopen_at:
                self._reopen_at[kind] = self.clock() + REOPEN_EVERY_S
                log.warning("%s lost: %s", kind, e)
                self.recorder.device_lost(kind, message=str(e), fix=e.fix)  # the timeline's entry
                if kind == "microphone":
                    at = self.clock()
                    self._post(lambda d: d.microphone_lost(at))
                self.on_device(kind, str(e), e.fix)
            self._pumps_stop.wait(0.5)
            return None
        if item is not None and self._reopen_at.pop(kind, None) is not None:
            log.info("%s delivers again", kind)
            self.recorder.device_restored(kind)
            if kind == "microphone":
                at = self.clock()
                self._post(lambda d: d.microphone_back(at))
            self.on_device(kind, "", "")
        return item

    def _reopen(self, source: Any, kind: str) -> None:
        self._reopen_at[kind] = self.clock() + REOPEN_EVERY_S
        try:
            source.close()
            source.open()
        except Exception as e:  # still gone: try again later
            log.info("%s cannot be opened yet: %s", kind, e)

    def _mic_pump(self) -> None:
        while not self._pumps_stop.is_set():
            block = self._read(self.mic, "microphone")
            if block is None:
                continue
            self.recorder.add_audio(block)
            self.on_level(rms_db(block.samples))
            if self._turn_reset_at is not None:
                self.turn.reset(self._turn_reset_at)
                self._turn_reset_at = None
            passed, barged = self.echo.admit(block)
            if barged:
                held = self.echo.take_held()
                t = held[0].t if held else block.t
                self.lines.floor = t  # they started talking over the interviewer here
                self._post(lambda d, t=t: d.on_speech_start(t))
                self._barge_check_at = block.end + BARGE_IN_CONFIRM_S
                for b in held:
                    self._listen(b)
            if passed:
                self._listen(block)
            if self._barge_check_at is not None and block.end >= self._barge_check_at:
                # The gate heard someone, but the VAD never did (or lost it): end that
                # "speech" so the turn can end instead of waiting for a speech_end forever.
                self._barge_check_at = None
                if not self.turn.speaking:
                    end = block.end
                    self._post(lambda d, end=end: d.on_speech_end(end))

    def _listen(self, block: Any) -> None:
        for event in self.turn.feed(block):
            self._post(lambda d, e=event: d.on_turn_event(e))
        self._captions.feed(block)

    def _camera_pump(self) -> None:
        last_check = -1e9
        while not self._pumps_stop.is_set():
            frame = self._read(self.camera, "camera")
            if frame is None:
                continue
            self.recorder.add_video(frame)
            if frame.t - last_check >= self.options.face_check_s:
                last_check = frame.t
                self._face_slot = frame  # the checker takes the newest; never waits here
                self._face_ready.set()
            self.on_frame(frame, self._faces)

    def _face_checks(self) -> None:
        """Face detection on its own thread: a slow check never delays a frame."""
        detector = self.options.face_detector or _face_detector(self.options.face_preset)
        if detector is None:
            return
        while not self._pumps_stop.is_set():
            if not self._face_ready.wait(0.2):
                continue
            self._face_ready.clear()
            frame, self._face_slot = self._face_slot, None
            if frame is None:
                continue
            self._faces = list(detector.detect(frame.image))
            for type_, data in self._faces_watch.update(frame.t, len(self._faces)):
                self.events.write(type_, t=frame.t, **data)

    # ------------------------------------------------------------ speech callbacks

    def _on_caption_update(self, update: Any) -> None:
        """From the caption worker's thread."""
        committed = ""
        if update.committed:
            text = " ".join(w.text for w in update.committed)
            t = update.committed[-1].end
            line, line_end = self._last_line
            if t <= line_end + ECHO_WINDOW_S and looks_like_echo(text, line):
                log.info("dropped the interviewer's echo from the captions: %r", text)
            else:
                self.lines.add(update.committed)
                self._post(lambda d: d.on_caption(text, t))
                committed = text
        tentative = " ".join(w.text for w in update.tentative)
        self.on_caption(self._caption_turn.candidate(committed, tentative))

    def _say(self, say: Say) -> None:
        start: float | None = None

        def started(*args: Any) -> None:
            nonlocal start
            t = float(args[0]) if args else self.clock()
            self.echo.interviewer_started(t)
            self.lines.flush()  # the candidate's line ends where the interviewer starts
            start = t
            self.on_caption(self._caption_turn.interviewer(say.text))
            self.on_line(say.kind, say.text, True)

        def ended(*args: Any) -> None:
            t = float(args[0]) if args else self.clock()
            interrupted = bool(args[1]) if len(args) > 1 else False
            self.echo.interviewer_stopped(t)
            if not interrupted:  # (a barge-in's turn is in progress: keep it)
                self._turn_reset_at = t  # long pauses count from the end of the prompt
                self.lines.floor = t
                if self._speaker_silent:
                    self._speaker_silent = False
                    self.on_device("speaker", "", "")
            self._last_line = (say.text, t)
            self.transcript.add(t if start is None else start, t, "interviewer", say.text)
            self._post(lambda d: d.on_voice_finished(t, interrupted, say.id))
            self.on_line(say.kind, say.text, False)

        self.voice.say(say.text, started, ended)

    # ------------------------------------------------------------ the driver thread

    def _post(self, call: Callable[[InterviewDriver], list]) -> None:
        self._inbox.put(lambda: call(self.driver) if self.driver is not None else [])

    def _driver_loop(self) -> None:
        try:
            driver = self.driver
            assert driver is not None
            self._dispatch(driver.start(self.clock()))
            while not self._stop.is_set() and not driver.finished:
                try:
                    item = self._inbox.get(timeout=self.options.tick_s)
                except queue.Empty:
                    item = None
                if item is not None:
                    self._dispatch(item())
                self._dispatch(driver.tick(self.clock()))
        except Exception as e:
            log.exception("interview driver failed")
            self.error = e
        finally:
            self._teardown(time.monotonic() + 10.0)

    def _dispatch(self, actions: list) -> None:
        for a in actions:
            if isinstance(a, Say):
                self._say(a)
            elif isinstance(a, StopVoice):
                self.voice.stop()
            elif isinstance(a, ShowQuestion):
                self.on_question(a.index, a.count, a.question)
            elif isinstance(a, ShowWhiteboard):
                self.on_whiteboard(a.visible)
            elif isinstance(a, StartScreenShare):
                self._start_screen_share()
            elif isinstance(a, StopScreenShare):
                self._stop_screen_share(2.0)
            elif isinstance(a, Finished):
                log.info("interview finished: %s", a.reason)
        if self.driver is not None:
            self._set_state(_state_of(self.driver))

    def _on_event(self, event: dict) -> None:
        if event["type"] == ev.DEVICE_ERROR and event.get("source") == "speaker":
            # The driver gave up waiting for a line: the candidate may not hear questions.
            if not self._speaker_silent:
                self._speaker_silent = True
                self.on_device(
                    "speaker",
                    "The interviewer's voice did not play",
                    "Check that your speakers or headphones are on and turned up.",
                )
            return
        if event["type"] == ev.QUESTION_ENDED and self.store is not None and self.attempt:
            try:
                self.store.mark_answered(self.attempt.id, event["id"])
            except Exception:
                log.exception("could not record the answered question")

    def _set_state(self, state: str) -> None:
        if state != self._state:
            self._state = state
            self.on_state(state)

    # ------------------------------------------------------------ screen share

    def _start_screen_share(self) -> None:
        if self._screen is not None:
            return
        from session.recording.screen_recorder import ScreenRecorder

        try:
            factory = self.options.screen_source_factory
            if factory is None:
                from capture.screen import ScreenSource

                def factory(clock: Clock) -> Any:
                    return ScreenSource(clock, fps=self.options.screen_fps)

            source = factory(self.clock)
            source.open()
            rec = ScreenRecorder(
                next_segment_path(self.dir, "screen"),
                self.clock,
                fps=self.options.screen_fps,
                events=self.events,
            )
            rec.start()
        except Exception as e:
            log.warning("screen share could not start: %s", e)
            self.events.write(ev.DEVICE_ERROR, source="screen", message=str(e))
            return
        stop = threading.Event()

        def pump() -> None:
            while not stop.is_set() and not self._pumps_stop.is_set():
                frame = source.read(0.2)
                if frame is not None:
                    rec.add_video(frame)

        th = threading.Thread(target=self._guard(pump, "screen-pump"), name="screen-pump")
        th.daemon = True
        th.start()
        self._screen = (source, rec, th, stop)
        self.events.write(ev.SCREEN_SHARE_STARTED, file=rec.path.name)

    def _stop_screen_share(self, timeout: float) -> None:
        if self._screen is None:
            return
        source, rec, th, stop = self._screen
        self._screen = None
        stop.set()
        th.join(timeout)
        rec.stop(timeout)
        _quietly(source.close)
        self.events.write(ev.SCREEN_SHARE_STOPPED, file=rec.path.name)

    # ------------------------------------------------------------ teardown

    def _teardown(self, deadline: float, notify: bool = True) -> None:
        with self._teardown_lock:
            if self._torn_down:
                return
            self._torn_down = True

        def left() -> float:
            return max(0.1, deadline - time.monotonic())

        self._pumps_stop.set()
        for th in self._threads:
            th.join(min(1.0, left()))
        voice = getattr(self, "voice", None)
        if voice is not None:
            _quietly(voice.stop)
            if hasattr(voice, "close"):
                _quietly(lambda: voice.close(min(2.0, left())))
        captions = getattr(self, "_captions", None)
        if captions is not None:
            _quietly(captions.flush)
            _quietly(lambda: captions.stop(min(3.0, left())))
        lines = getattr(self, "lines", None)
        if lines is not None:
            _quietly(lines.flush)
        if self.events is not None:
            _quietly(lambda: self._stop_screen_share(min(2.0, left())))
        stop_reason = None
        if self.recorder is not None:
            stop_reason = self.recorder.stop(left())
        if self.options.close_sources:
            for dev in (self.camera, self.mic, self.speaker):
                if dev is not None and hasattr(dev, "close"):
                    _quietly(dev.close)
        done = self.driver is not None and self.driver.finished
        state = "finished" if done else "interrupted"
        self.summary = self._summary(state, stop_reason)
        if self.events is not None and self.paths.root.is_dir():
            if not done:
                self.events.write(
                    ev.INTERVIEW_FINISHED, reason="stopped", answered=self.summary["answered"]
                )
            _quietly(
                lambda: update_manifest(
                    self.dir,
                    state,
                    finished_at=now_iso() if done else None,
                    summary={k: v for k, v in self.summary.items() if k != "attempt_dir"},
                )
            )
        if self.store is not None and self.attempt is not None:
            _quietly(
                lambda: self.store.set_state(
                    self.attempt.id, AttemptState.FINISHED if done else AttemptState.INTERRUPTED
                )
            )
        self._set_state("finished" if done else "stopped")
        self.finished.set()
        if notify:
            try:
                self.on_finished(self.summary)
            except Exception:
                log.exception("on_finished callback failed")

    def _summary(self, state: str, stop_reason: Any) -> dict[str, Any]:
        d = self.driver
        stats = dict(d.stats) if d else {}
        lines = getattr(self, "lines", None)
        return {
            "attempt_dir": str(self.dir),
            "state": state,
            "reason": (d.finish_reason if d else None) or "stopped",
            "answered": list(d.answered) if d else [],
            "count": len(self.config.questions),
            **stats,
            "transcript_words": lines.words_written if lines else 0,
            "duration_s": round(time.monotonic() - self._start_wall, 2),
            "recording": str(stop_reason) if stop_reason is not None else None,
            "error": str(self.error) if self.error else None,
        }


def _state_of(driver: InterviewDriver) -> str:
    """What the candidate is told: intro | speaking | listening | thinking | closing."""
    if driver.phase is Phase.FINISHED:
        return "closing"
    said = driver.speaking
    if driver.phase is Phase.SPEAKING and said is not None:
        return said.kind if said.kind in ("intro", "closing") else "speaking"
    if driver.deciding:
        return "thinking"
    return str(driver.phase)


def _camera_fps(camera: Any) -> float | None:
    try:
        fps = camera.info().details.get("fps")
    except Exception:
        return None
    return float(fps) if fps else None


def _face_detector(preset: str) -> Any:
    try:
        from capture.faces import FaceDetector

        return FaceDetector(preset)
    except Exception as e:  # no detector in this build: record without face checks
        log.warning("face checks disabled: %s", e)
        return None


def _quietly(fn: Callable[[], Any]) -> None:
    try:
        fn()
    except Exception:
        log.exception("while stopping the interview")
