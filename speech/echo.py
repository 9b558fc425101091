"""Half-duplex echo gating for the candidate's microphone.

The interviewer's voice comes out of the speakers and back into the microphone. Without
an echo canceller, the simplest safe rule is half duplex: while the interviewer speaks
(plus a short tail for the room's echo) the microphone is not captioned. If the candidate
talks over the interviewer (louder than the echo, for long enough), that is a barge-in:
the driver stops the voice and the gate opens again.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from typing import TYPE_CHECKING

import numpy as np

from capture.types import AudioBlock

if TYPE_CHECKING:
    from speech.echo_canceller import EchoCanceller

log = logging.getLogger(__name__)

REF_BLOCK_S = 0.1  # the played audio's level is kept per this much audio
# With the canceller: a block it takes less than TALK_REDUCTION_DB out of, while the
# interviewer plays, holds a voice that is not the echo (double talk), once the canceller
# has shown it works (it took CONVERGED_DB or more out of the recent echo).
TALK_REDUCTION_DB = 10.0
TALK_BELOW_ECHO_DB = 6.0  # double talk is at most this much quieter than the echo heard
ONSET_GUARD_S = 1.5  # after a line starts, the canceller needs this long to lock on again
CONVERGED_DB = 15.0
TALK_BLOCKS = 3  # this many blocks of double talk in a row (0.3 s) are the candidate


def rms_db(samples: np.ndarray) -> float:
    if len(samples) == 0:
        return -120.0
    power = float(np.mean(np.square(samples, dtype=np.float64)))
    return 10.0 * np.log10(max(power, 1e-12))


class EchoGate:
    """Decides, block by block, whether mic audio goes to the candidate's captioner.

    When the gate is told what the speaker plays (``interviewer_audio``), the echo a mic
    block can contain is bounded by the loudest audio played within ``max_delay_s`` before
    it (the output and input delays are unknown and vary with load), times the echo path's
    gain. The gain is learnt continuously from the audible blocks that were not taken for
    the candidate, starting at 0 dB (the mic hears the speaker no louder than it plays).
    So a late start of the speaker, or a loud passage after a quiet opening, is not
    mistaken for the candidate.

    Without that reference (a stand-in voice), the echo level is learnt from the first
    ``learn_s`` of each playback.

    Either way, audio at least ``margin_db`` above the expected echo for ``barge_in_s``
    (dips shorter than ``max_dip_s`` tolerated) is a barge-in. The blocks of that stretch
    are kept and can be fetched with ``take_held()`` so the candidate's first words are
    not lost.
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
        max_delay_s: float = 1.5,
        cancel_echo: bool = False,
    ) -> None:
        self.tail_s = tail_s
        self.barge_in_s = barge_in_s
        self.margin_db = margin_db
        self.floor_db = floor_db
        self.learn_s = learn_s
        self.max_dip_s = max_dip_s
        self.max_delay_s = max_delay_s
        self._started: float | None = None
        self._stopped: float | None = None
        self._echo_levels: list[float] = []
        self._loud_since: float | None = None
        self._last_loud: float | None = None
        self._held: deque[AudioBlock] = deque()
        self._barged = False
        # What the speaker plays: (session time, level) per REF_BLOCK_S, and when the
        # audio handed over so far will have been played.
        self._ref_lock = threading.Lock()  # the voice's thread adds, the mic's thread reads
        self._ref: deque[tuple[float, float]] = deque()
        self._ref_end = float("-inf")
        self._gains: deque[float] = deque(maxlen=200)  # mic level minus played level
        # The echo canceller (speech.echo_canceller) runs before the gate: the gate then
        # learns the small residual echo, so the candidate is heard at a normal level.
        self._cancel_echo = cancel_echo
        self._canceller: EchoCanceller | None = None
        self._talk_run = 0  # blocks of double talk in a row
        self._reduction = (float("nan"), 0.0)  # (block time, dB the canceller took out)
        self._reductions: deque[float] = deque(maxlen=30)  # of blocks with sound in them
        self._echo_heard: deque[float] = deque(maxlen=50)  # mic level of echo-only blocks

    def prepare(self) -> None:
        """Loads the canceller (the native module takes a while): call it once, before the
        audio threads start and off the GUI thread. Not called: no cancelling."""
        if self._canceller is None and self._cancel_echo:
            from speech.echo_canceller import make_echo_canceller

            self._canceller = make_echo_canceller()

    @property
    def cancelling(self) -> bool:
        """True while the echo canceller is in use."""
        return self._canceller is not None

    def clean(self, block: AudioBlock) -> AudioBlock:
        """The microphone block with the interviewer's echo cancelled (as it is without a
        canceller)."""
        canceller = self._canceller
        if canceller is None:
            return block
        cleaned = canceller.clean(block)
        raw_db, clean_db = rms_db(block.samples), rms_db(cleaned.samples)
        self._reduction = (cleaned.t, raw_db - clean_db)
        if raw_db > self.floor_db:  # the microphone heard something: echo, voice or both
            self._reductions.append(raw_db - clean_db)
            if raw_db - clean_db >= CONVERGED_DB:  # the echo alone: how loud the mic hears it
                self._echo_heard.append(raw_db)
        return cleaned

    def _double_talk(self, t: float, level: float, played: float | None) -> bool:
        """The canceller, once converged, left most of this block in: someone other than
        the interviewer is speaking (only while the interviewer plays)."""
        if not self.cancelling or played is None or played <= self.floor_db:
            return False
        if self._started is None or t < self._started + ONSET_GUARD_S:
            return False  # the canceller lets a line's first moments through: level rule only
        at, reduction = self._reduction
        if abs(at - t) > 1e-6 or len(self._reductions) < 10:
            return False
        converged = float(np.median(self._reductions)) >= CONVERGED_DB
        loud = level >= self.floor_db + self.margin_db
        if self._echo_heard:  # as loud as the echo nearly: a leak of it is far quieter
            loud = loud and level >= float(np.median(self._echo_heard)) - TALK_BELOW_ECHO_DB
        return converged and loud and reduction < TALK_REDUCTION_DB

    def interviewer_started(self, t: float) -> None:
        self._started, self._stopped = t, None
        self._echo_levels.clear()
        self._loud_since = self._last_loud = None
        self._held.clear()
        self._barged = False
        self._talk_run = 0

    def interviewer_stopped(self, t: float) -> None:
        if self._started is not None and self._stopped is None:
            self._stopped = t
        with self._ref_lock:  # a stopped speaker drops what was queued
            while self._ref and self._ref[-1][0] > t:
                self._ref.pop()
            self._ref_end = min(self._ref_end, t)
        if self._canceller is not None:
            self._canceller.stopped(t)

    def interviewer_rendered(self, samples: np.ndarray, rate: int, t: float) -> None:
        """What the speaker device plays (silence too), heard at session time ``t``: the
        canceller's reference, exact even when the device falls behind."""
        canceller = self._canceller
        if canceller is not None:
            canceller.rendered(samples, rate, t)

    def interviewer_audio(self, samples: np.ndarray, rate: int, t: float) -> None:
        """Audio handed to the speaker at session time ``t``; it plays after what was
        handed over before it."""
        samples = np.asarray(samples, dtype=np.float32).reshape(-1)
        canceller = self._canceller
        if canceller is not None:
            canceller.played(samples, rate, t)
        n = max(1, int(REF_BLOCK_S * rate))
        levels = [rms_db(samples[i : i + n]) for i in range(0, len(samples), n)]
        with self._ref_lock:
            start = max(t, self._ref_end)
            self._ref.extend((start + k * REF_BLOCK_S, lv) for k, lv in enumerate(levels))
            self._ref_end = start + len(samples) / rate
            while self._ref and self._ref[0][0] < t - 60.0:
                self._ref.popleft()

    def _played_db(self, t0: float, t1: float) -> tuple[float, float] | None:
        """(loudest, quietest) audio played that may be heard in [t0, t1]; None without
        a reference for the current line."""
        lo = t0 - self.max_delay_s
        with self._ref_lock:
            if not self._ref or self._started is None or self._ref_end < self._started:
                return None
            levels = [lv for t, lv in self._ref if lo <= t + REF_BLOCK_S and t <= t1]
            if self._ref_end < t1:  # nothing more was played: silence
                levels.append(-120.0)
        return max(levels, default=-120.0), min(levels, default=-120.0)

    def echo_level_db(self) -> float:
        if not self._echo_levels:
            return self.floor_db
        return max(self.floor_db, float(np.median(self._echo_levels)))

    def echo_gain_db(self) -> float:
        """How much louder the mic hears the echo than it is played (learnt, ≥ -60)."""
        if len(self._gains) < 5:
            return 0.0
        return max(-60.0, float(np.percentile(self._gains, 90)))

    def _learn_gain(self, t: float, level: float, loudest: float, quietest: float) -> None:
        """An echo block: how much louder the mic hears the voice than it is played."""
        if level > self.floor_db:
            if loudest > self.floor_db:
                # The delay is unknown, so the loudest audio that may be heard now need
                # not have arrived yet: an audible echo only ever raises the gain above
                # 0 dB (a mic's automatic gain), it does not prove a quiet echo path.
                self._gains.append(max(0.0, level - loudest))
        elif (
            quietest > self.floor_db
            and self._started is not None
            and t >= self._started + self.max_delay_s
        ):
            # A quiet mic while everything that can be heard now was played loudly: there
            # is (almost) no echo path, e.g. headphones. Then the candidate needs to be
            # only the margin above the floor.
            self._gains.append(level - quietest)

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
        played_range = self._played_db(block.t, block.end)
        played = None if played_range is None else played_range[0]
        learning = block.t < self._started + self.learn_s
        if played is None:
            if learning:
                self._echo_levels.append(level)
                return False, False
            expected = self.echo_level_db()
        else:
            expected = max(self.floor_db, played + self.echo_gain_db())
        talk = self._double_talk(block.t, level, played)
        if (not learning and level >= expected + self.margin_db) or talk:
            if self._loud_since is None:
                self._loud_since = block.t
            self._last_loud = block.end
            self._held.append(block)
        elif (
            not learning
            and self._last_loud is not None
            and block.end - self._last_loud <= self.max_dip_s
        ):
            self._held.append(block)
        else:
            if played_range is not None:
                self._learn_gain(block.t, level, *played_range)
            self._loud_since = self._last_loud = None
            self._held.clear()
            return False, False
        # Double talk counts only without a break: a leak of the echo is a block or two.
        self._talk_run = self._talk_run + 1 if talk else 0
        long_loud = self._loud_since is not None and block.end - self._loud_since >= self.barge_in_s
        if self._talk_run >= TALK_BLOCKS or long_loud:
            self._barged = True
            log.info(
                "barge-in: %.1f dB heard, %.1f dB of echo expected (played %s dB, gain %.1f)",
                level,
                expected,
                "-" if played is None else f"{played:.1f}",
                self.echo_gain_db(),
            )
            self._held.pop()  # this block is passed on now; the earlier ones are held
            return True, True
        return False, False
