"""Playing back the candidate's own answer from the recording, for the review before submit.

The recording's audio is decoded once (on first use, on a worker thread) and kept; a line
plays from its start to its end, through a speaker from ``session.assemble``.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Protocol

import numpy as np

from capture.microphone import resample
from capture.types import AUDIO_RATE
from session.attempt.final_transcript import recorded_audio

LEAD_S = 0.3  # a little before the line, so its first word is not clipped
TAIL_S = 0.5


class PlaysAudio(Protocol):
    rate: int

    def start(self) -> None: ...
    def write(self, samples: np.ndarray) -> None: ...
    def stop(self) -> None: ...


class AnswerPlayer:
    """``play(start, end)`` plays that stretch of the recording (seconds on the recording's
    clock); ``stop()`` stops at once. Thread-safe; decoding happens in ``play``, so call it
    off the GUI thread."""

    def __init__(self, attempt_dir: Path, speaker: PlaysAudio) -> None:
        self.dir = Path(attempt_dir)
        self.speaker = speaker
        self._lock = threading.Lock()
        self._parts: list[tuple[float, np.ndarray]] | None = None
        self._started = False

    def audio_between(self, start: float, end: float) -> np.ndarray:
        """The recorded audio from ``start`` to ``end`` (16 kHz), across segments."""
        with self._lock:
            if self._parts is None:
                self._parts = recorded_audio(self.dir)
            parts = self._parts
        out = []
        for offset, audio in parts:
            a = max(0, int((start - offset) * AUDIO_RATE))
            b = min(len(audio), int((end - offset) * AUDIO_RATE))
            if b > a:
                out.append(audio[a:b])
        return np.concatenate(out) if out else np.zeros(0, np.float32)

    def play(self, start: float, end: float) -> float:
        """Plays the line; returns its length in seconds (0 when nothing was recorded)."""
        audio = self.audio_between(max(0.0, start - LEAD_S), end + TAIL_S)
        if len(audio) == 0:
            return 0.0
        self.speaker.stop()
        if not self._started:
            self.speaker.start()
            self._started = True
        self.speaker.write(resample(audio, AUDIO_RATE, self.speaker.rate))
        return len(audio) / AUDIO_RATE

    def stop(self) -> None:
        self.speaker.stop()

    def close(self) -> None:
        self.speaker.stop()
        close = getattr(self.speaker, "close", None)
        if callable(close):
            close()
