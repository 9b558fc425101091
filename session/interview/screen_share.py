"""The screen share of a question that asks for it: a screen source pumped into
``screen.mkv`` (the next segment after a resume) on its own thread, with its start and
stop on the timeline. A share that cannot start is a device error, not a failed interview."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path

from capture.types import Clock, Source, VideoFrame
from session.attempt import events as ev
from session.interview.stream_watch import StreamWatch
from session.recording.screen_recorder import ScreenRecorder
from session.recording.segments import next_segment_path

log = logging.getLogger(__name__)

# the source, its recorder, the pump thread and its stop flag
_Running = tuple[Source[VideoFrame], ScreenRecorder, threading.Thread, threading.Event]


class ScreenShare:
    def __init__(
        self,
        folder: Path,
        clock: Clock,
        events: ev.EventLog,
        fps: float,
        source_factory: Callable[[Clock], Source[VideoFrame]] | None,
        guard: Callable[[Callable[[], None], str], Callable[[], None]],
    ) -> None:
        self._folder = folder
        self._clock = clock
        self._events = events
        self._fps = fps
        self._source_factory = source_factory
        self._guard = guard  # wraps the pump so a failure ends the interview cleanly
        self._running: _Running | None = None

    @property
    def running(self) -> bool:
        """The screen is being recorded (a share that could not start is not)."""
        return self._running is not None

    def start(self) -> None:
        if self._running is not None:
            return
        try:
            source = self._make_source()
            source.open()
            rec = ScreenRecorder(
                next_segment_path(self._folder, "screen"),
                self._clock,
                fps=self._fps,
                events=self._events,
            )
            rec.start()
        except Exception as e:
            log.warning("screen share could not start: %s", e)
            self._events.write(ev.DEVICE_ERROR, source="screen", message=str(e))
            return
        stop = threading.Event()
        watch = StreamWatch("screen share", self._clock(), self._fps)

        def pump() -> None:
            while not stop.is_set():
                frame = source.read(0.2)
                if frame is not None:
                    rec.add_video(frame)
                self._follow(watch, frame is not None)

        th = threading.Thread(target=self._guard(pump, "screen-pump"), name="screen-pump")
        th.daemon = True
        th.start()
        self._running = (source, rec, th, stop)
        self._events.write(ev.SCREEN_SHARE_STARTED, file=rec.path.name)

    def _follow(self, watch: StreamWatch, delivered: bool) -> None:
        """A screen capture that goes quiet or slow is on the timeline (a recording gap)."""
        problem = watch.observe(self._clock(), delivered)
        if problem is None:
            return
        if not problem:
            self._events.write(ev.DEVICE_RESTORED, device="screen")
            return
        log.warning("screen share: %s", problem)
        error = "lost" if watch.state == "stalled" else "slow"
        self._events.write(ev.DEVICE_ERROR, device="screen", error=error, message=problem,
                           since=round(watch.began, 3))  # fmt: skip

    def stop(self, timeout: float) -> None:
        """Idempotent; the recording is closed within about ``timeout``."""
        if self._running is None:
            return
        source, rec, th, stop = self._running
        self._running = None
        stop.set()
        th.join(timeout)
        rec.stop(timeout)
        try:
            source.close()
        except Exception:
            log.exception("closing the screen source failed")
        self._events.write(ev.SCREEN_SHARE_STOPPED, file=rec.path.name)

    def _make_source(self) -> Source[VideoFrame]:
        if self._source_factory is not None:
            return self._source_factory(self._clock)
        from capture.screen import ScreenSource

        return ScreenSource(self._clock, fps=self._fps)
