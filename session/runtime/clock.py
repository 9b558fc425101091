"""The one session clock. Every frame, audio block and event carries a time on it."""

from __future__ import annotations

import threading
import time


class SessionClock:
    """Seconds since the session started, from the monotonic clock."""

    def __init__(self, start: float | None = None) -> None:
        self.start = time.monotonic() if start is None else start

    def __call__(self) -> float:
        return time.monotonic() - self.start


class SimulatedClock:
    """A clock that moves only when told to, so timing logic is testable and deterministic."""

    def __init__(self, t: float = 0.0) -> None:
        self._t = t
        self._lock = threading.Lock()

    def __call__(self) -> float:
        with self._lock:
            return self._t

    def advance(self, seconds: float) -> float:
        with self._lock:
            self._t += seconds
            return self._t

    def set(self, t: float) -> None:
        with self._lock:
            self._t = t
