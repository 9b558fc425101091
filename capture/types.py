"""The shapes every source hands out, and the small protocol every device follows.

All timestamps are seconds on the session clock: a callable passed in by whoever opens
the device (``clock=time.monotonic`` by default), so tests can inject a simulated one.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

import numpy as np

Clock = Callable[[], float]
default_clock: Clock = time.monotonic


def sleep_until(due: float, timeout: float | None) -> bool:
    """Sleeps until ``time.monotonic()`` reaches ``due`` and returns True; when that is
    more than ``timeout`` away, sleeps only ``timeout`` and returns False (a paced
    source's ``read(timeout)`` then returns None)."""
    wait = due - time.monotonic()
    if wait > 0:
        if timeout is not None and wait > timeout:
            time.sleep(max(0.0, timeout))
            return False
        time.sleep(wait)
    return True


# Everything downstream (VAD, Whisper, the recorder) takes 16 kHz mono float32.
AUDIO_RATE = 16_000


@dataclass(frozen=True, slots=True)
class VideoFrame:
    image: np.ndarray  # H x W x 3, uint8, BGR (OpenCV order)
    t: float  # session-clock time the frame was captured
    index: int  # 0, 1, 2, ... per source; gaps mean dropped frames


@dataclass(frozen=True, slots=True)
class AudioBlock:
    samples: np.ndarray  # float32 mono in [-1, 1], shape (n,)
    t: float  # session-clock time of the first sample
    rate: int = AUDIO_RATE

    @property
    def duration(self) -> float:
        return len(self.samples) / self.rate

    @property
    def end(self) -> float:
        return self.t + self.duration


@dataclass(frozen=True, slots=True)
class DeviceInfo:
    kind: str  # "camera" | "microphone" | "speaker" | "screen"
    name: str
    source: str  # what the user asked for: index, path, device name
    details: dict[str, Any] = field(default_factory=dict)  # size, fps, rate, monitors ...


class DeviceError(Exception):
    """A device could not be opened or stopped working. ``fix`` tells the person what to do."""

    def __init__(self, message: str, fix: str = "") -> None:
        super().__init__(message)
        self.fix = fix


T_co = TypeVar("T_co", covariant=True)


class Source(Protocol[T_co]):
    """A device: open, pull items, close. Real and file-backed sources look the same."""

    def open(self) -> None: ...

    def read(self, timeout: float | None = None) -> T_co | None:
        """The next item, or None when nothing arrived within ``timeout``."""
        ...

    def close(self) -> None: ...

    def info(self) -> DeviceInfo: ...
