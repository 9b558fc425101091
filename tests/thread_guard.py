"""Fails a test that leaves a thread of its own running, and says where it was started.

Every ``threading.Thread.start`` in the test process records the stack that started the
thread. After each test, threads that were not there before it are given a short grace to
end (a clean test costs nothing); any still alive make the test fail with their names and
where they were started. A thread left running keeps a device, a file or a port busy for the
next test, and a non-daemon one keeps the app from exiting.
"""

from __future__ import annotations

import threading
import time
import traceback
import weakref

GRACE_S = 2.0
# Threads that outlive a test by design: pools of third-party code and of long-lived
# session-scoped helpers, named by their thread-name prefix.
ALLOWED_PREFIXES = (
    "ThreadPoolExecutor",  # concurrent.futures pools owned by libraries (httpx, anyio)
    "asyncio_",  # asyncio's default executor
    "AnyIO worker",
    "QThread",
    "pydevd",
    "tqdm_monitor",  # tqdm's process-wide monitor (faster-whisper's progress bars)
)

_started_at: weakref.WeakKeyDictionary[threading.Thread, str] = weakref.WeakKeyDictionary()
_original_start = threading.Thread.start


def _recording_start(self: threading.Thread) -> None:
    _started_at[self] = "".join(traceback.format_stack(limit=12)[:-1])
    _original_start(self)


def install() -> None:
    threading.Thread.start = _recording_start  # type: ignore[method-assign]


def _ours(t: threading.Thread) -> bool:
    if isinstance(t, threading._DummyThread) or t is threading.main_thread():
        return False
    return not t.name.startswith(ALLOWED_PREFIXES)


def leaked_since(before: set[threading.Thread], grace_s: float = GRACE_S) -> list[str]:
    """Threads started since ``before`` still alive after ``grace_s``, each with where it
    was started."""
    deadline = time.monotonic() + grace_s
    new = [t for t in threading.enumerate() if t not in before and _ours(t)]
    for t in new:
        t.join(max(0.0, deadline - time.monotonic()))
    left = [t for t in new if t.is_alive()]
    return [
        f"thread {t.name!r} (daemon={t.daemon}) started at:\n{_started_at.get(t, '  (unknown)')}"
        for t in left
    ]
