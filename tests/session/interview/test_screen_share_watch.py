"""A screen capture that goes quiet without an error is on the timeline, and a gap."""

from __future__ import annotations

import time

import numpy as np

from capture.types import VideoFrame
from session.attempt.events import EventLog, read_events
from session.attempt.gaps import recording_gaps
from session.interview.screen_share import ScreenShare
from session.runtime.clock import SessionClock


class HangingScreen:
    """Two frames a second; nothing at all from 1 s to 5 s (a hung compositor)."""

    def __init__(self, clock) -> None:
        self.clock, self.k = clock, 0

    def open(self) -> None:
        self.t0 = time.monotonic()

    def read(self, timeout=None):
        time.sleep(0.5)
        if 1.0 <= time.monotonic() - self.t0 < 5.0:
            return None
        self.k += 1
        return VideoFrame(np.zeros((120, 160, 3), np.uint8), self.clock(), self.k)

    def close(self) -> None:
        pass


def test_a_screen_that_hangs_is_a_device_error_and_a_gap(tmp_path):
    clock = SessionClock()
    events = EventLog(tmp_path / "events.jsonl", clock)
    share = ScreenShare(tmp_path, clock, events, 2.0, HangingScreen, lambda fn, _name: fn)
    share.start()
    time.sleep(6.5)
    share.stop(5.0)
    kinds = [(e["type"], e.get("device")) for e in read_events(events.path)]
    assert ("device_error", "screen") in kinds and ("device_restored", "screen") in kinds
    (gap,) = recording_gaps(events.path)
    assert gap["device"] == "screen" and gap["error"] == "lost" and 3.0 <= gap["duration_s"] <= 5
