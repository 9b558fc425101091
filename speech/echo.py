"""Half-duplex echo gating for the candidate's microphone.

The interviewer's voice comes out of the speakers and back into the microphone. Without
an echo canceller, the simplest safe rule is half duplex: while the interviewer speaks
(plus a short tail for the room's echo) the microphone is not captioned. If the candidate
talks over the interviewer (louder than the echo, for long enough), that is a barge-in:
the driver stops the voice and the gate opens again.
"""

from __future__ import annotations

from collections import deque

import numpy as np

from capture.types import AudioBlock


def rms_db(samples: np.ndarray) -> float:
    if len(samples) == 0:
        return -120.0
    power = float(np.mean(np.square(samples, dtype=np.float64)))
    return 10.0 * np.log10(max(power, 1e-12))


class EchoGate:
    """Decides, block by block, whether mic audio goes to the candidate's captioner.

    The echo level is learnt from the first ``learn_s`` of each playback (the candidate
    rarely starts talking within a few hundred milliseconds of a question starting).
    Audio at least ``margin_db`` above that level for ``barge_in_s`` (dips shorter than
    ``max_dip_s`` tolerated) is a barge-in. The blocks of that stretch are kept and can be
    fetched with ``take_held()`` so the candidate's first words are not lost.
    """

    def __init__(
        self,
        *,
        tail_s: float = 0.3,
        barge_in_s: float = 0.4,
        margin_db: float = 10.0,
        floor_db: float = -45.0,
        learn_s: float = 0.3,
        max_dip_s: float = 0.1,
    ) -> None:
        self.tail_s = tail_s
        self.barge_in_s = barge_in_s
        self.margin_db = margin_db
        self.floor_db = floor_db
        self.learn_s = learn_s
        self.max_dip_s = max_dip_s
        self._started: float | None = None
        self._stopped: float | None = None
        self._echo_levels: list[float] = []
        self._loud_since: float | None = None
        self._last_loud: float | None = None
        self._held: deque[AudioBlock] = deque()
        self._barged = False

    @property
    def interviewer_speaking(self) -> bool:
        return self._started is not None and self._stopped is None

    def interviewer_started(self, t: float) -> None:
        self._started, self._stopped = t, None
        self._echo_levels.clear()
        self._loud_since = self._last_loud = None
        self._held.clear()
        self._barged = False

    def interviewer_stopped(self, t: float) -> None:
        if self._started is not None and self._stopped is None:
            self._stopped = t

    def echo_level_db(self) -> float:
        if not self._echo_levels:
            return self.floor_db
        return max(self.floor_db, float(np.median(self._echo_levels)))

    def take_held(self) -> list[AudioBlock]:
        """The blocks of the barge-in stretch that were gated before it was recognised."""
        held = list(self._held)
        self._held.clear()
        return held

    def admit(self, block: AudioBlock) -> tuple[bool, bool]:
        """(pass this block to the captioner, the candidate just barged in)."""
        if self._started is None or block.end <= self._started:
            return True, False
        if self._stopped is not None and block.t >= self._stopped + self.tail_s:
            return True, False
        if self._barged:
            return True, False
        if self._stopped is not None:  # the echo tail: gated, no barge-in on echo decay
            return False, False

        level = rms_db(block.samples)
        if block.t < self._started + self.learn_s:
            self._echo_levels.append(level)
            return False, False
        if level >= self.echo_level_db() + self.margin_db:
            if self._loud_since is None:
                self._loud_since = block.t
            self._last_loud = block.end
            self._held.append(block)
        elif self._last_loud is not None and block.end - self._last_loud <= self.max_dip_s:
            self._held.append(block)
        else:
            self._loud_since = self._last_loud = None
            self._held.clear()
            return False, False
        if self._loud_since is not None and block.end - self._loud_since >= self.barge_in_s:
            self._barged = True
            self._held.pop()  # this block is passed on now; the earlier ones are held
            return True, True
        return False, False
