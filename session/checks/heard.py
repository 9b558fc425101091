"""What the microphone heard, as text ("We heard: ..."): the live captioner on its own thread,
so the level meter never waits for Whisper."""

from __future__ import annotations

import contextlib
import logging
import queue
import time
from collections.abc import Callable

from capture.types import AudioBlock
from session.runtime.worker import WorkerThread

log = logging.getLogger(__name__)


class HeardWorker(WorkerThread):
    """Turns microphone blocks into text with the streaming captioner and calls ``on_text``
    with everything heard so far whenever it changed (about every ``every_s``). Without the
    speech models it quietly does nothing: the microphone's level result still shows."""

    def __init__(self, on_text: Callable[[str], None], every_s: float = 1.0) -> None:
        super().__init__("heard-worker")
        self._on_text = on_text
        self._every = every_s
        self._q: queue.Queue[AudioBlock] = queue.Queue(maxsize=400)

    def feed(self, block: AudioBlock) -> None:
        # When the captioner falls behind, drop audio rather than block the microphone.
        with contextlib.suppress(queue.Full):
            self._q.put_nowait(block)

    def _run(self) -> None:
        try:
            from speech.captioner import StreamingCaptioner
            from speech.models import load_whisper

            captioner = StreamingCaptioner(load_whisper())
        except Exception as e:  # no models in this build: the level result is enough
            log.info("no transcript of what the microphone heard: %s", e)
            return
        last, shown = time.monotonic(), ""
        while not self._stop.is_set():
            try:
                block = self._q.get(timeout=0.2)
            except queue.Empty:
                continue
            captioner.insert_audio(block.samples, block.t)
            if time.monotonic() - last < self._every:
                continue
            last = time.monotonic()
            update = captioner.process()
            text = " ".join(t for t in (captioner.committed_text, update.tentative_text) if t)
            if text and text != shown:
                shown = text
                self._on_text(text)
