"""A simulated candidate for unattended runs (``main.py run``, station dry runs) and tests:
it answers each prompt with the next recorded clip and, when no clip is left for a new
prompt, asks to end the interview."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from capture.scripted_microphone import ScriptedMicrophone
from session.interview.listener import QuietListener

# Lines after which the candidate is expected to answer.
PROMPT_KINDS = frozenset({"question", "follow_up", "repeat", "clarification", "resume"})


class SimulatedCandidate(QuietListener):
    """Listens to the interviewer's lines (``on_line``). A clip starts ``delay_s`` after a
    prompt ends: people do not answer within a millisecond, and the echo gate's tail would
    swallow the first syllable. A prompt that comes while a clip still plays gets none."""

    def __init__(
        self,
        mic: ScriptedMicrophone,
        clips: Sequence[np.ndarray],
        end: Callable[[], Any] | None = None,
        delay_s: float = 0.6,
    ) -> None:
        self.mic = mic
        self.clips = list(clips)
        self.used = 0
        self.delay_s = delay_s
        self.end = end  # called once when no answer is left for a new prompt
        self._ended = False
        self._busy_until = 0.0  # a clip scheduled but not yet queued
        self._lock = threading.Lock()
        self._timers: list[threading.Timer] = []

    def on_line(self, kind: str, text: str, started: bool) -> None:
        if started or kind not in PROMPT_KINDS:
            return
        with self._lock:
            if not self.mic.idle or time.monotonic() < self._busy_until:
                return
            if self.used < len(self.clips):
                clip = self.clips[self.used]
                self.used += 1
                if self.delay_s <= 0:
                    self.mic.play(clip)
                    return
                self._busy_until = time.monotonic() + self.delay_s + 0.2
                timer = threading.Timer(self.delay_s, self.mic.play, args=(clip,))
                timer.daemon = True
                self._timers.append(timer)
                timer.start()
            elif not self._ended and self.end is not None:
                self._ended = True
                self.end()

    def cancel(self) -> None:
        """Drops answers scheduled but not yet played (the run is over)."""
        with self._lock:
            timers, self._timers = self._timers, []
        for timer in timers:
            timer.cancel()
