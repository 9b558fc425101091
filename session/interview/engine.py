"""The interview engine: the lifecycle of one interview around the interviewer driver.

Qt-free, used by the app (through ``ui.qt.bridge``) and by ``main.py run``. It opens the
devices and the recording, runs the threads below, carries out the driver's actions and
closes everything in order. Its parts: ``microphone_path`` (echo canceller, recorder, level,
echo gate, turns, captions), ``camera_path`` (recorder, self-view, face checks),
``conversation`` (the voice, transcript lines, captions view), ``screen_share``. The driver
thread is the only caller of the driver: an inbox of inputs and a tick every 0.1 s.
``stop(timeout)`` is idempotent, ordered and time-bounded; the attempt folder then holds a
finished (or, when stopped early, interrupted and resumable) attempt.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any, TypeVar

from capture.types import Clock, Source
from session.attempt import events as ev
from session.attempt.folder import AttemptPaths
from session.attempt.gaps import describe_gaps, recording_gaps
from session.attempt.manifest import now_iso, update_manifest, write_manifest
from session.attempt.store import Attempt, AttemptState, AttemptStore
from session.attempt.transcript import Transcript
from session.interview.camera_path import CameraPath, camera_fps, face_detector, first_frame
from session.interview.candidate_lines import CandidateLines
from session.interview.config import InterviewConfig
from session.interview.conversation import Conversation
from session.interview.device_reader import DeviceReader, watched_reader
from session.interview.devices import InterviewDevices
from session.interview.disk_space import recorder_callbacks
from session.interview.driver import (
    CancelThink,
    Finished,
    InterviewDriver,
    QuestionEnded,
    Say,
    ShowPrompt,
    ShowQuestion,
    ShowWhiteboard,
    SpeakerSilent,
    StartScreenShare,
    StopScreenShare,
    StopVoice,
    Think,
    WarmUp,
)
from session.interview.listener import EngineListener, QuietListener
from session.interview.microphone_path import MicrophonePath
from session.interview.options import CaptionsLike, EngineOptions, EngineParts, VoiceLike
from session.interview.outcome import candidate_state, summarise
from session.interview.screen_share import ScreenShare
from session.interview.thinking import InterviewBrain, set_up_brain
from session.recording.recorder import Recorder
from session.recording.segments import next_segment_path
from speech.captioner import CaptionUpdate
from speech.echo import EchoGate

log = logging.getLogger(__name__)

T = TypeVar("T")


class InterviewEngine:
    """``start()`` runs the interview on its threads; the listener hears what to show and
    ``on_finished(summary)`` at the end; ``stop(timeout)`` ends it early. Button methods
    only queue a request."""

    def __init__(
        self,
        config: InterviewConfig,
        attempt: Attempt | Path,
        devices: InterviewDevices,
        listener: EngineListener | None = None,
        options: EngineOptions | None = None,
        *,
        clock: Clock | None = None,
        parts: EngineParts | None = None,
    ) -> None:
        from session.runtime.clock import SessionClock

        self.config = config
        self.options = options or EngineOptions()
        self.parts = parts or EngineParts()
        self.attempt = attempt if isinstance(attempt, Attempt) else None
        self.dir = Path(attempt.dir if isinstance(attempt, Attempt) else attempt)
        self.paths = AttemptPaths(self.dir)
        self.camera = devices.camera
        self.mic = devices.microphone
        self.speaker = devices.speaker
        self.clock: Clock = clock or SessionClock()
        self.listener: EngineListener = listener or QuietListener()
        self.store = self.parts.store
        given = self.parts.events
        if given is not None and given.path.resolve() != self.paths.events.resolve():
            raise ValueError(f"the event log {given.path} is not this attempt's")
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
        opts = self.options
        self.echo = EchoGate(
            learn_s=opts.echo_learn_s, margin_db=opts.echo_margin_db, tail_s=opts.echo_tail_s,
            cancel_echo=opts.echo_cancellation,
        )
        self._start_wall = 0.0
        self.recorder: Recorder | None = None
        self.events: ev.EventLog | None = None
        self.driver: InterviewDriver | None = None
        self.voice: VoiceLike | None = None
        self.transcript: Transcript | None = None
        self.lines: CandidateLines | None = None
        self._captions: CaptionsLike | None = None
        self._mic_path: MicrophonePath | None = None
        self._conversation: Conversation | None = None
        self._screen: ScreenShare | None = None
        self.brain: InterviewBrain | None = None

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

        opts = self.options
        # Models and devices first: if one is missing, no attempt folder is left behind.
        self._captions = self._make_caption_worker()
        self.voice = self.parts.voice or self._make_voice_player()
        if self.speaker is not None:
            self.speaker.start()
        self.mic.open()
        first = None
        if self.camera is not None:
            self.camera.open()
            first = first_frame(self.camera, self.options.first_frame_timeout_s)

        self.paths.create()
        self.events = self.parts.events or ev.EventLog(self.paths.events, self.clock)
        self.brain = set_up_brain(self.parts.brain, opts.brain, self._post)
        if self.brain.notice:
            self.events.write(ev.BRAIN_UNAVAILABLE, wanted=opts.brain, message=self.brain.notice)
            self.listener.on_notice(self.brain.notice)
        driver_opts = replace(opts.driver, thinking=self.brain.thinker is not None)
        self.driver = InterviewDriver(self.config, self.clock, self.events, driver_opts)
        answered = list(self.attempt.answered) if self.attempt is not None else []
        resume = opts.resume if opts.resume is not None else bool(answered)
        if resume:
            nxt = self.attempt.next_question_index(self.config) if self.attempt else None
            self.driver.resume_from(nxt or 0, answered)
        from speech.vad import TurnDetector, VoiceActivityDetector

        turn = TurnDetector(self.driver.end_of_turn_s, self.driver.long_pause_s)
        segment_start = recorded_seconds(self.dir) if resume else 0.0
        height, width = first.image.shape[:2] if first is not None else (360, 640)
        fps = opts.fps or camera_fps(self.camera) or 30.0
        self.recorder = Recorder(
            next_segment_path(self.dir),
            self.clock,
            width,
            height,
            fps,
            events=self.events,
            **recorder_callbacks(self._post, self.listener, self.dir),
            **({"preset": opts.preset} if opts.preset else {}),
        )
        self.recorder.start()
        if first is not None:
            self.recorder.add_video(first)
        self.transcript = Transcript(
            self.dir, recording_t0=self.recorder.t0, segment_start=segment_start
        )
        transcript = self.transcript
        self.lines = CandidateLines(lambda s, e, text: transcript.add(s, e, "candidate", text))
        self._write_manifest("in_progress", resume)
        self._screen = ScreenShare(
            self.dir,
            self.clock,
            self.events,
            opts.screen_fps,
            self.parts.screen,
            self._guard,
        )
        self._mic_path = MicrophonePath(
            self._reader(self.mic, "microphone"),
            self.recorder,
            self.echo,
            VoiceActivityDetector(),
            turn,
            self._captions,
            self.lines,
            self._post,
            self.listener.on_level,
            self._pumps_stop,
        )
        self._conversation = Conversation(
            self.voice,
            self.echo,
            transcript,
            self.lines,
            self._post,
            self.listener,
            self._mic_path.reset_turn_at,
        )
        self._spawn(self._mic_path.pump, "mic-pump")
        if self.camera is not None:
            camera = CameraPath(
                self._reader(self.camera, "camera"),
                self.recorder,
                self.events,
                self._pumps_stop,
                self.listener.on_frame,
                opts.face_check_s,
                opts.face_lost_s,
            )
            self._spawn(camera.pump, "camera-pump")
            if opts.face_checks:
                injected, preset = self.parts.face_detector, opts.face_preset
                # Loaded on its own thread: a slow load delays neither the start nor a frame.
                self._spawn(
                    lambda: camera.check_faces(injected or face_detector(preset)), "face-checks"
                )

    def _reader(self, source: Source[T], kind: str) -> DeviceReader[T]:
        fps = camera_fps(source) if kind == "camera" else None  # audio: only the stall rule
        stop, listener = self._pumps_stop, self.listener
        rec, post = self.recorder, self._post
        return watched_reader(source, kind, self.clock, rec, stop, post, listener, fps)

    def _make_caption_worker(self) -> CaptionsLike:
        if self.parts.captions is not None:
            return self.parts.captions(self._on_caption_update)
        from speech.caption_worker import CaptionWorker
        from speech.captioner import StreamingCaptioner
        from speech.models import load_whisper

        settings = self.options.whisper_settings(self.config.language)
        model = load_whisper(settings)
        return CaptionWorker(
            StreamingCaptioner(model, language=settings.language),
            self._on_caption_update,
            min_chunk_s=self.options.caption_min_chunk_s,
        )

    def _make_voice_player(self) -> VoiceLike:
        from speech.tts import InterviewerVoice, VoicePlayer

        return VoicePlayer(
            InterviewerVoice(self.options.voice_model),
            self.speaker,
            self.clock,
            on_audio=self.echo.interviewer_audio, on_rendered=self.echo.interviewer_rendered,
        )

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

    def _on_caption_update(self, update: CaptionUpdate) -> None:
        if self._conversation is not None:  # updates follow audio, which follows _open
            self._conversation.caption_update(update)

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
        if self.driver is not None:
            actions = [*actions, *self.driver.take_ended()]
        for a in actions:
            if isinstance(a, Say) and self._conversation is not None:
                self._conversation.say(a)
            elif isinstance(a, StopVoice) and self.voice is not None:
                self.voice.stop()
            elif isinstance(a, ShowQuestion):
                self.listener.on_question(a.index, a.count, a.question)
            elif isinstance(a, ShowPrompt):
                self.listener.on_prompt(a.text, a.kind)
            elif isinstance(a, ShowWhiteboard):
                self.listener.on_whiteboard(a.visible)
            elif isinstance(a, StartScreenShare) and self._screen is not None:
                self._screen.start()
                self.listener.on_screen_share(self._screen.running)
            elif isinstance(a, StopScreenShare) and self._screen is not None:
                self._screen.stop(2.0)
                self.listener.on_screen_share(False)
            elif isinstance(a, Think | WarmUp | CancelThink):
                if self.brain is not None and self.brain.thinker is not None:
                    self.brain.thinker.handle(a)
            elif isinstance(a, QuestionEnded):
                self._question_ended(a.id)
            elif isinstance(a, SpeakerSilent):
                if self._conversation is not None:
                    self._conversation.speaker_silent()
            elif isinstance(a, Finished):
                log.info("interview finished: %s", a.reason)
        if self.driver is not None:
            self._set_state(candidate_state(self.driver))

    def _question_ended(self, question_id: str) -> None:
        """A resumed attempt continues after the questions already done."""
        if self.store is None or self.attempt is None:
            return
        try:
            self.store.mark_answered(self.attempt.id, question_id)
        except Exception:
            log.exception("could not record the answered question")

    def _set_state(self, state: str) -> None:
        if state != self._state:
            self._state = state
            self.listener.on_state(state)

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
        brain = self.brain
        if brain is not None:
            _quietly(lambda: brain.close(min(2.0, left())))
        voice = self.voice
        if voice is not None:
            _quietly(voice.stop)
            _quietly(lambda: voice.close(min(2.0, left())))
        captions = self._captions
        if captions is not None:
            _quietly(captions.flush)
            _quietly(lambda: captions.stop(min(3.0, left())))
        lines = self.lines
        if lines is not None:
            _quietly(lines.flush)
        screen = self._screen
        if screen is not None:
            _quietly(lambda: screen.stop(min(2.0, left())))
        stop_reason = None
        if self.recorder is not None:
            stop_reason = self.recorder.stop(left())
        if self.options.close_sources:
            for dev in (self.camera, self.mic, self.speaker):
                if dev is not None:
                    _quietly(dev.close)
        done = self.driver is not None and self.driver.finished
        state = "finished" if done else "interrupted"
        self.summary = summarise(
            state,
            self.driver,
            self.config,
            self.dir,
            self.lines,
            self._start_wall,
            stop_reason,
            self.error,
        )
        if self.paths.root.is_dir():  # what the manifest, finish page and receipt say
            gaps = self.summary["recording_gaps"] = recording_gaps(self.paths.events)
            self.summary.update(complete=done and not gaps, incomplete=describe_gaps(gaps))
        if self.brain is not None:
            self.summary["brain"] = self.brain.name
            if self.brain.notice:
                self.summary["brain_notice"] = self.brain.notice
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
                self.listener.on_finished(self.summary)
            except Exception:
                log.exception("on_finished callback failed")


def _quietly(fn: Callable[[], Any]) -> None:
    try:
        fn()
    except Exception:
        log.exception("while stopping the interview")
