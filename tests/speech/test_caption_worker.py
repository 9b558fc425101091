"""The caption worker thread: non-blocking feed, updates, flush, bounded stop."""

import threading
import time

import numpy as np
import pytest

from speech.caption_worker import CaptionWorker
from speech.captioner import CaptionUpdate, StreamingCaptioner, Word
from tools.wer import normalize

from .conftest import blocks, silence


class Collected:
    def __init__(self) -> None:
        self.updates: list[CaptionUpdate] = []
        self.changed = threading.Condition()

    def __call__(self, update: CaptionUpdate) -> None:
        with self.changed:
            self.updates.append(update)
            self.changed.notify_all()

    def text(self) -> str:
        return " ".join(w.text for u in self.updates for w in u.committed)


class RecordingCaptioner:
    """Fake for the queue logic only: records the calls the worker makes."""

    def __init__(self) -> None:
        self.calls: list[str] = []
        self.audio_s = 0.0

    def insert_audio(self, samples, t=None, speech=None):
        self.calls.append("insert")
        self.audio_s += len(samples) / 16000

    def process(self):
        self.calls.append("process")
        return CaptionUpdate([], [Word(0, 1, f"{self.audio_s:.1f}")])

    def finish(self):
        self.calls.append("finish")
        return CaptionUpdate([Word(0, 1, "done")], [])

    def reset(self):
        self.calls.append("reset")


def test_flush_runs_after_the_audio_fed_before_it_and_stop_joins():
    fake = RecordingCaptioner()
    got = Collected()
    worker = CaptionWorker(fake, got, min_chunk_s=0.5)
    for b in blocks(silence(1.0)):
        worker.feed(b)
    worker.flush()
    deadline = time.monotonic() + 5
    while "finish" not in fake.calls and time.monotonic() < deadline:
        time.sleep(0.01)
    assert worker.stop(2.0)
    assert not worker.running
    assert fake.calls.count("insert") == 10
    assert fake.calls.index("finish") > max(i for i, c in enumerate(fake.calls) if c == "insert")
    assert got.updates[-1].committed[0].text == "done"


def test_feed_never_blocks_when_the_queue_is_full():
    fake = RecordingCaptioner()
    worker = CaptionWorker(fake, lambda u: None, autostart=False, max_queue_s=1.0)
    start = time.monotonic()
    for b in blocks(silence(10.0)):
        worker.feed(b)
    assert time.monotonic() - start < 0.5
    assert worker.overflows > 0


@pytest.mark.model
def test_live_captions_arrive_while_audio_is_fed(whisper_model, clip):
    got = Collected()
    worker = CaptionWorker(StreamingCaptioner(whisper_model), got, min_chunk_s=0.5)
    audio = np.concatenate([clip("pocketsphinx_sense_and_sensibility_0890.wav"), silence(0.5)])
    try:
        for b in blocks(audio):
            worker.feed(b)
            time.sleep(0.02)  # faster than real time, but spread out
        worker.flush()
        with got.changed:
            got.changed.wait_for(lambda: any(u.committed for u in got.updates[-1:]), 20)
        with got.changed:
            got.changed.wait_for(lambda: "disposed" in got.text(), 20)
    finally:
        assert worker.stop(5.0)
    assert any(u.tentative for u in got.updates)  # live (tentative) text was shown
    assert "rather selfish is to be" in normalize(got.text())
