"""The interview engine's settings, and the parts tests or other back ends may inject."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from capture.types import Clock
from session.attempt.store import AttemptStore
from session.interview.driver import DriverOptions


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
