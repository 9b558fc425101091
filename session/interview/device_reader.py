"""Reads a camera or microphone for the engine and keeps trying when it stops.

A device that fails is reported once (to the recorder's timeline and to whoever listens)
and opened again every ``reopen_every_s``: the recording keeps the other stream, and fills
the gap, until this one delivers again. A device that goes quiet or slow without an error
is caught by its :class:`StreamWatch` and reported the same way.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from capture.types import Clock, DeviceError, Source
from session.interview.stream_watch import StreamWatch
from session.recording.recorder import Recorder

T = TypeVar("T")

log = logging.getLogger(__name__)

REOPEN_EVERY_S = 2.0
QUIET_FIX = {  # the page adds what goes on meanwhile
    "camera": "Check the camera's cable and close other apps that use it.",
    "microphone": "Check the microphone's cable and that it is not muted.",
}


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
        watch: StreamWatch | None = None,
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
        self._watch = watch

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
        if self._watch is not None and self._reopen_at is None:
            self._follow_watch(item is not None)
        return item

    def _follow_watch(self, delivered: bool) -> None:
        """Reports the watch's verdict when it changes: quiet or slow, and fine again."""
        watch, now = self._watch, self._clock()
        problem = watch.observe(now, delivered)
        if problem is None:
            return
        if not problem:
            log.info("%s delivers again", self.kind)
            self._recorder.device_restored(self.kind)
            self._on_back(self.kind, now)
            return
        log.warning("%s: %s", self.kind, problem)
        fix = QUIET_FIX.get(self.kind, "")
        since = round(watch.began, 3)  # the gap began before it could be seen
        if watch.state == "stalled":  # the recording holds the last frame / silence
            self._recorder.device_lost(self.kind, message=problem, fix=fix, since=since)
        else:
            self._recorder.device_slow(self.kind, message=problem, fix=fix, since=since)
        self._on_lost(self.kind, DeviceError(problem, fix), now)

    def _reopen(self) -> None:
        self._reopen_at = self._clock() + self._reopen_every_s
        try:
            self.source.close()
            self.source.open()
        except Exception as e:  # still gone: try again later
            log.info("%s cannot be opened yet: %s", self.kind, e)


def watched_reader(
    source: Source[T],
    kind: str,
    clock: Clock,
    recorder: Recorder,
    stopped: threading.Event,
    post: Callable[[Callable[[Any], Any]], None],  # into the driver's inbox
    listener: Any,  # an EngineListener: told of every loss and return (the banner)
    nominal_fps: float | None,
) -> DeviceReader[T]:
    """The engine's reader of one device: a loss reaches the candidate and, for the
    microphone, the interviewer (no check-ins for a silence nobody could hear)."""

    def lost(kind: str, e: DeviceError, at: float) -> None:
        if kind == "microphone":
            post(lambda d: d.microphone_lost(at))
        listener.on_device(kind, str(e), e.fix)

    def back(kind: str, at: float) -> None:
        if kind == "microphone":
            post(lambda d: d.microphone_back(at))
        listener.on_device(kind, "", "")

    watch = StreamWatch(kind, clock(), nominal_fps)
    return DeviceReader(source, kind, clock, recorder, stopped, lost, back, watch=watch)
