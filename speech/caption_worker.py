"""Runs a StreamingCaptioner on its own thread, fed audio blocks from any thread."""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable

from capture.types import AudioBlock
from speech.captioner import CaptionUpdate, StreamingCaptioner
from speech.vad import SpeechFrame

log = logging.getLogger(__name__)

_FLUSH = object()
_RESET = object()
_STOP = object()


class CaptionWorker:
    """``feed`` never blocks (a full queue drops the block and counts it). The thread
    inserts everything queued, then decodes once at least ``min_chunk_s`` of new audio
    is there, and reports each update that changed something to ``on_update`` (on the
    worker thread: the UI bridges it to a signal). ``flush`` commits the pending tail,
    e.g. at the end of the candidate's turn."""

    def __init__(
        self,
        captioner: StreamingCaptioner,
        on_update: Callable[[CaptionUpdate], None],
        min_chunk_s: float = 0.5,
        *,
        on_error: Callable[[BaseException], None] | None = None,
        max_queue_s: float = 60.0,
        autostart: bool = True,
    ) -> None:
        self.captioner = captioner
        self.on_update = on_update
        self.on_error = on_error
        self.min_chunk_s = min_chunk_s
        self._queue: queue.Queue[object] = queue.Queue(maxsize=max(10, int(max_queue_s * 20)))
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self.overflows = 0
        self._last_tentative: list = []
        if autostart:
            self.start()

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="captions", daemon=True)
                self._thread.start()

    def feed(self, block: AudioBlock, speech: list[SpeechFrame] | None = None) -> None:
        """``speech``: the microphone VAD's frames for this block (None: the captioner runs
        its own VAD)."""
        try:
            self._queue.put_nowait((block, speech))
        except queue.Full:
            self.overflows += 1

    def flush(self) -> None:
        """Commit whatever is pending (after the audio already fed)."""
        self._put_control(_FLUSH)

    def reset(self) -> None:
        """Forget audio, text and prompt (after the audio already fed)."""
        self._put_control(_RESET)

    def _put_control(self, item: object) -> None:
        while True:
            try:
                self._queue.put(item, timeout=0.5)
                return
            except queue.Full:
                try:  # make room: the newest audio is the least valuable to keep
                    self._queue.get_nowait()
                    self.overflows += 1
                except queue.Empty:
                    pass

    def stop(self, timeout: float = 2.0) -> bool:
        """Stops the thread (pending audio is dropped); True if it ended within ``timeout``."""
        thread = self._thread
        if thread is None:
            return True
        self._put_control(_STOP)
        thread.join(timeout)
        return not thread.is_alive()

    def _emit(self, update: CaptionUpdate) -> None:
        if not update.committed and update.tentative == self._last_tentative:
            return
        self._last_tentative = list(update.tentative)
        try:
            self.on_update(update)
        except Exception:
            log.exception("caption update handler failed")

    def _run(self) -> None:
        new_audio_s = 0.0
        while True:
            try:
                item = self._queue.get(timeout=0.2)
            except queue.Empty:
                continue
            items = [item]
            while True:  # take everything queued so the window catches up in one pass
                try:
                    items.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            try:
                for it in items:
                    if it is _STOP:
                        return
                    if it is _FLUSH:
                        self._emit(self.captioner.finish())
                        new_audio_s = 0.0
                    elif it is _RESET:
                        self.captioner.reset()
                        self._last_tentative = []
                        new_audio_s = 0.0
                    elif isinstance(it, tuple):
                        block, speech = it
                        self.captioner.insert_audio(block.samples, block.t, speech)
                        new_audio_s += block.duration
                if new_audio_s >= self.min_chunk_s:
                    new_audio_s = 0.0
                    self._emit(self.captioner.process())
            except Exception as exc:
                log.exception("captioning failed")
                if self.on_error is not None:
                    self.on_error(exc)
