"""The interview engine's settings (plain values) and the parts that may be injected.

``EngineOptions`` holds only values: tests, the kiosk's accommodations and a config file
set them. ``EngineParts`` holds the objects tests or other back ends put in place of the
real ones (a voice that speaks instantly, captions without Whisper, a screen from a file);
each part left None is built by the engine.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from capture.types import AudioBlock, Clock, Source, VideoFrame
from session.attempt.events import EventLog
from session.attempt.store import AttemptStore
from session.interview.brain.turn import Brain
from session.interview.driver import DriverOptions
from speech.captioner import CaptionUpdate
from speech.models import WhisperSettings, settings_for_language
from speech.tts import OnEnd, OnStart
from speech.vad import SpeechFrame


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
    # WebRTC AEC3 before the gate (speech.echo_canceller). Off by default: on a loaded
    # machine (the app with the local model) its 200 native calls a second make the
    # microphone fall behind and audio is lost; the gate alone then guards the microphone.
    echo_cancellation: bool = False
    tick_s: float = 0.1
    close_sources: bool = True  # the engine closes camera, mic and speaker at stop
    resume: bool | None = None  # None: resume when the attempt already has answers
    first_frame_timeout_s: float = 5.0
    # Who writes the follow-ups when EngineParts.brain is None: "scripted", "local" or a
    # server URL (session.interview.brain.choice). The apps default to "local".
    brain: str = "scripted"

    def whisper_settings(self, language: str | None = "en") -> WhisperSettings:
        """The Whisper model for captions and the final transcript of an interview in
        ``language``; raises LanguageNotSupportedError (with what to do) when none can."""
        return settings_for_language(language, self.whisper_model_dir)


class VoiceLike(Protocol):
    """Says interviewer lines (``speech.tts.VoicePlayer``)."""

    def say(
        self, text: str, on_start: OnStart | None = None, on_end: OnEnd | None = None
    ) -> None: ...
    def stop(self) -> None: ...
    def close(self, timeout: float = 2.0) -> bool: ...


class CaptionsLike(Protocol):
    """Turns microphone audio into caption updates (``speech.caption_worker.CaptionWorker``)."""

    def feed(self, block: AudioBlock, speech: list[SpeechFrame] | None = None) -> None: ...
    def flush(self) -> None: ...
    def stop(self, timeout: float = 2.0) -> bool: ...


class FaceDetectorLike(Protocol):
    def detect(self, image: np.ndarray) -> Sequence[Any]: ...


CaptionsFactory = Callable[[Callable[[CaptionUpdate], None]], CaptionsLike]
ScreenFactory = Callable[[Clock], Source[VideoFrame]]


@dataclass
class EngineParts:
    store: AttemptStore | None = None  # where answered questions and the end state go
    voice: VoiceLike | None = None  # None: Piper through the interview's speaker
    captions: CaptionsFactory | None = None  # None: Whisper tiny.en on its own thread
    screen: ScreenFactory | None = None  # None: the primary monitor
    face_detector: FaceDetectorLike | None = None  # None: BlazeFace, made on its own thread
    # The attempt's timeline when the station already writes to it (integrity signals from
    # the checks on): one writer per events.jsonl. None: the engine opens it.
    events: EventLog | None = None
    # Who writes the follow-ups. None: the interview's own (scripted); a model brain runs on
    # its own thread and the engine closes it at the end.
    brain: Brain | None = None
