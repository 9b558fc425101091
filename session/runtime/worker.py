"""The one worker-thread base: a non-daemon thread that can be told to stop and joined with a
time bound, and a pump that opens a source, pulls items and hands each to a callback."""

from __future__ import annotations

import contextlib
import logging
import threading
import weakref
from collections.abc import Callable
from typing import Any, Self

log = logging.getLogger(__name__)

# Worker threads are not daemons: a daemon thread still inside native code (OpenCV, Whisper)
# when the interpreter shuts down is killed mid-call, which aborts the process. Instead, at
# shutdown every live worker is told to stop (before the interpreter joins the threads).
_live: weakref.WeakSet[Any] = weakref.WeakSet()


def register(worker: Any) -> None:
    """``worker.request_stop()`` will be called at interpreter shutdown."""
    _live.add(worker)


def _stop_all() -> None:
    for w in list(_live):
        # Shutting down: nothing useful to do with an error here.
        with contextlib.suppress(Exception):
            w.request_stop()


threading._register_atexit(_stop_all)  # type: ignore[attr-defined]  # runs before the joins


class WorkerThread:
    """A non-daemon thread running ``_run`` until ``request_stop()``; registered for the
    shutdown stop. Subclasses check ``self._stop`` often so ``stop`` takes effect quickly."""

    def __init__(self, name: str) -> None:
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=False)

    def start(self) -> Self:
        register(self)
        self._thread.start()
        return self

    def request_stop(self) -> None:
        self._stop.set()

    def _run(self) -> None:
        raise NotImplementedError

    def stop(self, timeout: float = 2.0) -> bool:
        """Idempotent. True when the thread ended within ``timeout``."""
        self.request_stop()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(timeout)
        alive = self._thread.is_alive()
        if alive:
            log.warning("%s did not stop within %.1f s", self._thread.name, timeout)
        return not alive

    @property
    def running(self) -> bool:
        return self._thread.is_alive()


class SourcePump(WorkerThread):
    """Opens ``source`` on its own thread, then calls ``on_item(item)`` for every item read
    until ``stop()``. An error while opening or reading goes to ``on_error(exc)`` once and
    ends the pump. The read timeout is short so ``stop`` takes effect quickly."""

    def __init__(
        self,
        source: Any,
        on_item: Callable[[Any], None],
        on_error: Callable[[BaseException], None],
        name: str = "source-pump",
        read_timeout: float = 0.2,
    ) -> None:
        super().__init__(name)
        self.source = source
        self._on_item = on_item
        self._on_error = on_error
        self._timeout = read_timeout

    def _run(self) -> None:
        try:
            self.source.open()
        except Exception as e:
            self._on_error(e)
            return
        try:
            while not self._stop.is_set():
                item = self.source.read(self._timeout)
                if item is not None:
                    self._on_item(item)
        except Exception as e:
            if not self._stop.is_set():
                self._on_error(e)
        finally:
            try:
                self.source.close()
            except Exception:  # closing a broken device must not mask the first error
                log.warning("closing %s failed", self._thread.name, exc_info=True)
