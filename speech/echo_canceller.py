"""Acoustic echo cancellation for the candidate's microphone: the WebRTC audio processing
module (AEC3, the canceller in Chrome and WebRTC calls), through the ``livekit`` wheel's
bindings. It is fed what the speaker actually played, on the session clock, and takes the
interviewer's voice out of the microphone, so that the candidate is heard over it on laptop
speakers, without headphones.

Why this library: it is the maintained WebRTC module, ships as a manylinux wheel (no
compiler at install), and runs at ~3 % of one core for 16 kHz mono. ``aec-audio-processing``
ships no Linux binary; speexdsp's canceller converges slowly on speech.

The canceller works on 10 ms frames. For every microphone frame, the played audio of the
same moment (silence when nothing plays) goes in first as the far end; the remaining delay
of the devices (tens of ms) is found by AEC3's own delay estimator.
"""

from __future__ import annotations

import logging
import threading
from collections import deque

import numpy as np

from capture.microphone import resample
from capture.types import AUDIO_RATE, AudioBlock

log = logging.getLogger(__name__)

FRAME = AUDIO_RATE // 100  # 10 ms, the only frame length the module takes
KEEP_S = 10.0  # played audio older than this cannot be in the microphone any more
# Each 10 ms frame is two calls into the native module, and each call gives the GIL up and
# waits up to the interpreter's switch interval to get it back: at the default 5 ms, one
# busy Python thread (the GUI, a caption pass) makes 100 ms of audio take 100 ms or more
# and the microphone falls behind (measured: 5 s of audio in 5.75 s). At 0.5 ms: 0.85 s.
SWITCH_INTERVAL_S = 0.0005


def _pcm16(x: np.ndarray) -> bytes:
    return (np.clip(x, -1.0, 1.0) * 32767.0).astype(np.int16).tobytes()


class EchoCanceller:
    """``played(samples, rate, t)`` from the voice's thread, ``stopped(t)`` when the
    speaker drops what was queued, ``clean(block)`` from the microphone's thread."""

    def __init__(self) -> None:
        import sys

        from livekit import rtc

        sys.setswitchinterval(min(sys.getswitchinterval(), SWITCH_INTERVAL_S))
        self._rtc = rtc
        self._apm = rtc.AudioProcessingModule(
            echo_cancellation=True, noise_suppression=False, high_pass_filter=True
        )
        self._apm.set_stream_delay_ms(0)  # our timeline is aligned; AEC3 finds the rest
        self._lock = threading.Lock()
        self._far: deque[tuple[float, np.ndarray]] = deque()  # (session time, 16 kHz audio)
        self._far_end = float("-inf")
        self._from_device = False  # the speaker reports what it plays (``rendered``)
        self._rest = np.zeros(0, np.float32)  # microphone samples short of a whole frame
        self._rest_t = 0.0
        self.frames = 0

    # -- the far end: what the speaker played ------------------------------------------------
    def rendered(self, samples: np.ndarray, rate: int, t: float) -> None:
        """A block the device plays (silence included), heard at session time ``t``. Once
        the device reports these, they are the only reference: they hold the underruns and
        delays that the audio handed over does not."""
        x = resample(np.asarray(samples, np.float32).reshape(-1), rate, AUDIO_RATE)
        with self._lock:
            if not self._from_device:
                self._from_device = True
                self._far.clear()
            self._far.append((t, x))
            self._far_end = t + len(x) / AUDIO_RATE
            while self._far and self._far[0][0] < t - KEEP_S:
                self._far.popleft()

    def played(self, samples: np.ndarray, rate: int, t: float) -> None:
        """Audio handed to the speaker at session time ``t``; it plays after what was
        handed over before it (the reference for a speaker that does not report what it
        plays)."""
        if self._from_device:
            return
        x = resample(np.asarray(samples, np.float32).reshape(-1), rate, AUDIO_RATE)
        with self._lock:
            start = max(t, self._far_end)
            self._far.append((start, x))
            self._far_end = start + len(x) / AUDIO_RATE
            while self._far and self._far[0][0] + len(self._far[0][1]) / AUDIO_RATE < t - KEEP_S:
                self._far.popleft()

    def stopped(self, t: float) -> None:
        """The speaker dropped its queue at ``t``: nothing after it was played."""
        if self._from_device:
            return  # the device's own report already says what was played
        with self._lock:
            kept: deque[tuple[float, np.ndarray]] = deque()
            for start, x in self._far:
                if start >= t:
                    continue
                keep = int((t - start) * AUDIO_RATE)
                kept.append((start, x[:keep]))
            self._far = kept
            self._far_end = min(self._far_end, t)

    def _far_at(self, t0: float, n: int) -> np.ndarray:
        out = np.zeros(n, np.float32)
        t1 = t0 + n / AUDIO_RATE
        with self._lock:
            for start, x in reversed(self._far):  # in time order: the newest are wanted
                end = start + len(x) / AUDIO_RATE
                if end <= t0 - 1.0:
                    break  # everything before ended earlier still (blocks jitter < 1 s)
                if end <= t0 or start >= t1:
                    continue
                a = max(0, round((t0 - start) * AUDIO_RATE))
                b = min(len(x), round((t1 - start) * AUDIO_RATE))
                at = max(0, round((start - t0) * AUDIO_RATE))
                part = x[a:b][: n - at]
                out[at : at + len(part)] += part
        return out

    # -- the near end: the microphone ----------------------------------------------------------
    def clean(self, block: AudioBlock) -> AudioBlock:
        """The block with the interviewer's echo taken out (same time, same length; the
        last few ms of a block that is not a whole number of frames wait for the next)."""
        if block.rate != AUDIO_RATE:  # a source that ignored the 16 kHz convention
            return block
        samples = np.asarray(block.samples, np.float32).reshape(-1)
        if len(self._rest):
            samples = np.concatenate([self._rest, samples])
            t = self._rest_t
        else:
            t = block.t
        whole = len(samples) // FRAME * FRAME
        self._rest, self._rest_t = samples[whole:].copy(), t + whole / AUDIO_RATE
        out = np.empty(whole, np.float32)
        far = self._far_at(t, whole)  # the block's played audio, fetched once
        rtc = self._rtc
        for i in range(0, whole, FRAME):
            frame = rtc.AudioFrame(_pcm16(far[i : i + FRAME]), AUDIO_RATE, 1, FRAME)
            self._apm.process_reverse_stream(frame)
            near = rtc.AudioFrame(_pcm16(samples[i : i + FRAME]), AUDIO_RATE, 1, FRAME)
            self._apm.process_stream(near)
            out[i : i + FRAME] = np.frombuffer(bytes(near.data), np.int16) / 32767.0
            self.frames += 1
        return AudioBlock(out, t)


def make_echo_canceller() -> EchoCanceller | None:
    """The canceller, or None (the echo gate alone then keeps the interviewer's voice out)
    when the module cannot be loaded; the log says why."""
    try:
        return EchoCanceller()
    except Exception as e:  # a missing wheel or a broken native library
        log.warning("no echo cancellation (%s): the echo gate alone guards the microphone", e)
        return None
