"""The check session's own workers, on the one worker base: a job always run on the newest
frame, and a one-shot job that reports its result or its error."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Generic, TypeVar

from session.runtime.worker import WorkerThread

log = logging.getLogger(__name__)

T = TypeVar("T")
R = TypeVar("R")


class LatestFrameWorker(WorkerThread, Generic[T]):
    """Runs a slow per-frame job (face detection) on its own thread, always on the newest
    frame: the preview stays smooth while detection takes what time it needs."""

    def __init__(self, job: Callable[[T], None], name: str = "face-check") -> None:
        super().__init__(name)
        self._job = job
        self._cond = threading.Condition()
        self._frame: T | None = None

    def offer(self, frame: T) -> None:
        with self._cond:
            self._frame = frame
            self._cond.notify()

    def _run(self) -> None:
        while not self._stop.is_set():
            with self._cond:
                if self._frame is None:
                    self._cond.wait(0.2)
                frame, self._frame = self._frame, None
            if frame is not None and not self._stop.is_set():
                self._job(frame)

    def request_stop(self) -> None:
        super().request_stop()
        with self._cond:
            self._cond.notify()


class TaskThread(WorkerThread, Generic[R]):
    """Runs ``job`` once (a disk, network or screen check, the chime): its result goes to
    ``done``, an exception to ``failed``, both on this thread. ``stop`` cannot cut the job
    short; it only waits for it."""

    def __init__(
        self,
        job: Callable[[], R],
        done: Callable[[R], None],
        failed: Callable[[Exception], None],
        name: str = "check-task",
    ) -> None:
        super().__init__(name)
        self._job, self._done, self._failed = job, done, failed

    def _run(self) -> None:
        try:
            result = self._job()
        except Exception as e:
            log.info("%s failed: %s", self._thread.name, e, exc_info=True)
            self._failed(e)
            return
        self._done(result)
