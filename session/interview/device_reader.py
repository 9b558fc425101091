"""Reads a camera or microphone for the engine and keeps trying when it stops.

A device that fails is reported once (to the recorder's timeline and to whoever listens)
and opened again every ``reopen_every_s``: the recording keeps the other stream, and fills
the gap, until this one delivers again.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Generic, TypeVar

from capture.types import Clock, DeviceError, Source
from session.recording.recorder import Recorder

T = TypeVar("T")

log = logging.getLogger(__name__)

REOPEN_EVERY_S = 2.0


class DeviceReader(Generic[T]):
    def __init__(
        self,
        source: Source[T],
        kind: str,  # "camera" | "microphone", as the recorder and the timeline name them
        clock: Clock,
        recorder: Recorder,
        stopped: threading.Event,
        on_lost: Callable[[str, DeviceError, float], None],
        on_back: Callable[[str, float], None],
        reopen_every_s: float = REOPEN_EVERY_S,
    ) -> None:
        self.source = source
        self.kind = kind
        self._clock = clock
        self._recorder = recorder
        self._stopped = stopped
        self._on_lost = on_lost
        self._on_back = on_back
        self._reopen_every_s = reopen_every_s
        self._reopen_at: float | None = None  # set while the device is lost

    def read(self) -> T | None:
        """One item, or None (nothing yet, or the device is lost)."""
        if self._reopen_at is not None and self._clock() >= self._reopen_at:
            self._reopen()
        try:
            item = self.source.read(0.2)
        except DeviceError as e:
            if self._reopen_at is None:
                self._reopen_at = self._clock() + self._reopen_every_s
                log.warning("%s lost: %s", self.kind, e)
                self._recorder.device_lost(self.kind, message=str(e), fix=e.fix)
                self._on_lost(self.kind, e, self._clock())
            self._stopped.wait(0.5)
            return None
        if item is not None and self._reopen_at is not None:
            self._reopen_at = None
            log.info("%s delivers again", self.kind)
            self._recorder.device_restored(self.kind)
            self._on_back(self.kind, self._clock())
        return item

    def _reopen(self) -> None:
        self._reopen_at = self._clock() + self._reopen_every_s
        try:
            self.source.close()
            self.source.open()
        except Exception as e:  # still gone: try again later
            log.info("%s cannot be opened yet: %s", self.kind, e)
