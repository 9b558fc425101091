"""Where worker threads meet Qt. Core events (reported on any thread) become Qt signals
emitted on the GUI thread; one-shot background jobs run on a small thread pool and report
back on the GUI thread. Widgets are never handed to workers.
"""

from __future__ import annotations

import itertools
import logging
import threading
import weakref
from collections.abc import Callable
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, Signal, Slot

from capture.types import VideoFrame
from session.interview.captions import CaptionView
from session.interview.config import Question
from session.interview.listener import FaceBoxes

log = logging.getLogger(__name__)


class SignalPoster(QObject):
    """Emits a QObject's own signals on the GUI thread for callers on any thread: every
    public signal of the target is then emitted there, so plain functions and lambdas
    connected to it also run there (a direct emit from a worker would run them on the
    worker). Signals named in ``coalesced`` keep only the newest pending value: when the GUI
    falls behind, a slow repaint never builds a queue of stale frames or levels."""

    posted = Signal(str, object)

    def __init__(self, target: QObject, coalesced: frozenset[str]) -> None:
        super().__init__()  # no parent: it lives on the creating (GUI) thread with its target
        # A weak reference: a cycle of Qt objects could be collected by a garbage collection
        # that happens to run on a worker thread, and freeing Qt objects there crashes.
        self._target = weakref.ref(target)
        self._coalesced = coalesced
        self._lock = threading.Lock()
        self._latest: dict[str, tuple] = {}
        self.posted.connect(self._dispatch, Qt.ConnectionType.QueuedConnection)

    def post(self, name: str, *args: Any) -> None:
        """Safe from any thread: emits the target's signal ``name`` with ``args``."""
        if name in self._coalesced:
            with self._lock:
                pending = name in self._latest
                self._latest[name] = args
            if pending:
                return
            self.posted.emit(name, None)
        else:
            self.posted.emit(name, args)

    @Slot(str, object)
    def _dispatch(self, name: str, args: tuple | None) -> None:
        if args is None:
            with self._lock:
                args = self._latest.pop(name, None)
            if args is None:
                return
        target = self._target()
        if target is not None:
            getattr(target, name).emit(*args)


class Bridge(QObject):
    """Turns what the interview engine tells its listener, and the upload queue's news, into
    signals on the GUI thread: the Qt side of ``EngineListener``. Frames and levels
    are coalesced: when the GUI falls behind, only the newest one is delivered, so a slow
    repaint never builds a queue of stale video.
    """

    question = Signal(int, int, object)  # index, count, question
    prompt = Signal(str, str)  # a follow-up or clarification now answered: text, kind
    caption = Signal(object)  # session.interview.captions.CaptionView
    level = Signal(float)  # rms dBFS
    state = Signal(str)
    frame = Signal(object, object)  # VideoFrame, faces (list of boxes)
    finished = Signal(object)  # summary
    whiteboard = Signal(bool)  # the question just shown wants the whiteboard / no longer
    screen_share = Signal(bool)  # the screen is being recorded / no longer
    line = Signal(str, str, bool)  # interviewer line: kind, text, started (False: ended)
    device = Signal(str, str, str)  # camera/microphone stopped: kind, problem, fix ("" = back)
    notice = Signal(str)  # said once: e.g. the AI interviewer is not available
    error = Signal(object)  # exception or message
    upload_progress = Signal(int, int, float, float)  # sent, total, rate_bps, eta_s
    upload_result = Signal(object)  # session.upload.queue.UploadResult

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._poster = SignalPoster(self, frozenset({"frame", "level", "upload_progress"}))
        self._upload_watch: tuple[Any, Callable[[], None]] | None = None  # queue, unsubscribe

    def post(self, name: str, *args: Any) -> None:
        """Safe from any thread: emits signal ``name`` with ``args`` on the GUI thread."""
        self._poster.post(name, *args)

    # session.interview.listener.EngineListener, called on the engine's threads

    def on_question(self, index: int, count: int, question: Question) -> None:
        self.post("question", index, count, question)

    def on_prompt(self, text: str, kind: str) -> None:
        self.post("prompt", text, kind)

    def on_caption(self, view: CaptionView) -> None:
        self.post("caption", view)

    def on_level(self, rms_db: float) -> None:
        self.post("level", float(rms_db))

    def on_state(self, state: str) -> None:
        self.post("state", str(state))

    def on_frame(self, frame: VideoFrame, faces: FaceBoxes = None) -> None:
        self.post("frame", frame, faces)

    def on_finished(self, summary: dict[str, Any]) -> None:
        self.post("finished", summary)

    def on_whiteboard(self, visible: bool) -> None:
        self.post("whiteboard", bool(visible))

    def on_screen_share(self, sharing: bool) -> None:
        self.post("screen_share", bool(sharing))

    def on_line(self, kind: str, text: str, started: bool) -> None:
        self.post("line", kind, text, bool(started))

    def on_device(self, kind: str, problem: str, fix: str) -> None:
        self.post("device", kind, problem, fix)

    def on_notice(self, text: str) -> None:
        self.post("notice", str(text))

    def watch_uploads(self, queue: Any) -> Callable[[], None]:
        """Routes an ``UploadQueue``'s progress and results (worker thread) to signals, once
        per queue (watching another queue stops watching the first). Returns the function
        that stops watching; the bridge's end stops it too."""
        if self._upload_watch is not None:
            if self._upload_watch[0] is queue:
                return self._upload_watch[1]
            self.unwatch_uploads()
        unsubscribe = queue.subscribe(
            on_progress=lambda sent, total, rate, eta: self.post(
                "upload_progress", int(sent), int(total), float(rate), float(eta)
            ),
            on_result=lambda result: self.post("upload_result", result),
        )
        self.destroyed.connect(lambda *_: unsubscribe())  # idempotent
        self._upload_watch = (queue, unsubscribe)
        return unsubscribe

    def unwatch_uploads(self) -> None:
        watch, self._upload_watch = self._upload_watch, None
        if watch is not None:
            watch[1]()


class _Done(QObject):
    done = Signal(int, bool, object)


class _Job(QRunnable):
    def __init__(self, job_id: int, fn: Callable[[], Any], done: _Done) -> None:
        super().__init__()
        self.job_id, self.fn, self.sig = job_id, fn, done

    def run(self) -> None:
        try:
            result, ok = self.fn(), True
        except Exception as e:  # reported to on_error on the GUI thread
            log.warning("background job failed: %s", e, exc_info=True)
            result, ok = e, False
        self.sig.done.emit(self.job_id, ok, result)


# Pools live as long as the process: a pool freed by the garbage collector could be freed on
# one of its own threads (a finished job dropping the last reference), which aborts.
_POOLS: list[QThreadPool] = []


class TaskRunner(QObject):
    """One small runner for one-shot background jobs (disk, network, device probes).
    ``on_done(result)`` / ``on_error(exception)`` run on the GUI thread."""

    def __init__(self, parent: QObject | None = None, max_threads: int = 4) -> None:
        super().__init__(parent)
        self._pool = QThreadPool()
        self._pool.setMaxThreadCount(max_threads)
        self._pool.setExpiryTimeout(5000)
        _POOLS.append(self._pool)
        self._ids = itertools.count(1)
        self._pending: dict[int, tuple[Callable | None, Callable | None, QObject | None]] = {}
        self._sig = _Done()
        self._sig.done.connect(self._finish, Qt.ConnectionType.QueuedConnection)

    def run(
        self,
        fn: Callable[[], Any],
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[BaseException], None] | None = None,
        owner: QObject | None = None,
    ) -> int:
        """Runs ``fn`` on the pool. The callbacks are skipped when ``owner`` (the widget
        they update) was deleted in the meantime."""
        job_id = next(self._ids)
        self._pending[job_id] = (on_done, on_error, owner)
        self._pool.start(_Job(job_id, fn, self._sig))
        return job_id

    @Slot(int, bool, object)
    def _finish(self, job_id: int, ok: bool, result: object) -> None:
        on_done, on_error, owner = self._pending.pop(job_id, (None, None, None))
        if owner is not None and not shiboken6.isValid(owner):
            return
        if ok and on_done is not None:
            on_done(result)
        elif not ok and on_error is not None:
            on_error(result)  # type: ignore[arg-type]

    def busy(self) -> bool:
        return bool(self._pending)

    def wait(self, timeout_s: float) -> bool:
        """Waits for running jobs (at shutdown). True when all finished in time."""
        return self._pool.waitForDone(int(timeout_s * 1000))
