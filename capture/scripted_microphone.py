"""A microphone that hears silence until told to play a clip: the simulated candidate of
unattended runs (``main.py run``) and end-to-end tests.

Blocks are paced in real time like a real device (a block of ``block_s`` every ``block_s``
seconds), so everything downstream sees real timing: the VAD, the captioner, the recorder.
"""

from __future__ import annotations

import threading
import time
from collections import deque

import numpy as np

from capture.types import (
    AUDIO_RATE,
    AudioBlock,
    Clock,
    DeviceError,
    DeviceInfo,
    default_clock,
    sleep_until,
)


class ScriptedMicrophone:
    """Source of AudioBlock (16 kHz mono float32). ``play(samples)`` queues a clip; it is
    heard after any clip already queued, then silence again."""

    def __init__(self, clock: Clock = default_clock, block_s: float = 0.1) -> None:
        if block_s <= 0:
            raise ValueError("block_s must be positive")
        self._clock = clock
        self.block_n = max(1, round(block_s * AUDIO_RATE))
        self.block_s = self.block_n / AUDIO_RATE
        self._lock = threading.Lock()
        self._pending: deque[np.ndarray] = deque()
        self._offset = 0  # samples of _pending[0] already played
        self._opened = False
        self._closed = False
        self._k = 0
        self._start_mono = 0.0
        self._start_t = 0.0
        self.clips_played = 0
        self.last_clip_end_t: float | None = None  # session time the last clip's audio ended

    def open(self) -> None:
        if self._closed:
            raise DeviceError("the scripted microphone was closed", "create a new one")
        if self._opened:
            return
        self._opened = True
        self._start_mono = time.monotonic()
        self._start_t = self._clock()
        self._k = 0

    def play(self, samples: np.ndarray) -> None:
        """Queue a clip of 16 kHz mono samples (float in [-1, 1] or int16)."""
        a = np.asarray(samples)
        if a.dtype == np.int16:
            a = a.astype(np.float32) / 32768.0
        a = np.ascontiguousarray(a, dtype=np.float32).reshape(-1)
        if a.size == 0:
            return
        with self._lock:
            self._pending.append(a)

    @property
    def idle(self) -> bool:
        """Nothing queued or playing: the candidate is silent."""
        with self._lock:
            return not self._pending

    def read(self, timeout: float | None = None) -> AudioBlock | None:
        if not self._opened or self._closed:
            return None
        due = self._start_mono + (self._k + 1) * self.block_s  # a block is ready once recorded
        if not sleep_until(due, timeout):
            return None
        t = self._start_t + self._k * self.block_s
        self._k += 1
        return AudioBlock(self._next_samples(t), t, AUDIO_RATE)

    def _next_samples(self, t: float) -> np.ndarray:
        out = np.zeros(self.block_n, dtype=np.float32)
        filled = 0
        with self._lock:
            while filled < self.block_n and self._pending:
                clip = self._pending[0]
                take = min(self.block_n - filled, clip.size - self._offset)
                out[filled : filled + take] = clip[self._offset : self._offset + take]
                filled += take
                self._offset += take
                if self._offset >= clip.size:
                    self._pending.popleft()
                    self._offset = 0
                    self.clips_played += 1
                    self.last_clip_end_t = t + filled / AUDIO_RATE
        return out

    def close(self) -> None:
        self._closed = True

    def info(self) -> DeviceInfo:
        return DeviceInfo(
            kind="microphone",
            name="Scripted microphone",
            source="scripted",
            details={"rate": AUDIO_RATE, "block_s": self.block_s},
        )
