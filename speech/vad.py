"""Voice activity (Silero, the ONNX model bundled in faster-whisper) and turn-taking.

Both run on block timestamps only, never on wall time, so a simulated clock drives them
deterministically in tests and a WAV file behaves exactly like a live microphone.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Literal

import numpy as np

from capture.types import AUDIO_RATE, AudioBlock

FRAME = 512  # Silero's window at 16 kHz (32 ms)
CONTEXT = 64  # samples of the previous window Silero sees with each one
FRAME_S = FRAME / AUDIO_RATE

_session_lock = threading.Lock()
_session = None


def _silero_session():
    """One ONNX session for the process; it is stateless (state is passed in and out)."""
    global _session
    with _session_lock:
        if _session is None:
            from faster_whisper.vad import get_vad_model

            _session = get_vad_model().session
        return _session


@dataclass(frozen=True, slots=True)
class SpeechFrame:
    t: float  # session time of the frame's first sample
    end: float
    prob: float  # Silero's speech probability
    is_speech: bool  # after hysteresis


class VoiceActivityDetector:
    """Streaming Silero VAD: feed blocks of any size, get one ``SpeechFrame`` per 32 ms.

    ``is_speech`` turns on at ``threshold`` and off only below ``neg_threshold`` (Silero's
    own hysteresis), so short dips between words do not flicker.
    """

    def __init__(self, threshold: float = 0.5, neg_threshold: float | None = None) -> None:
        self.threshold = threshold
        self.neg_threshold = max(threshold - 0.15, 0.01) if neg_threshold is None else neg_threshold
        self._session = _silero_session()
        self.reset()

    def reset(self) -> None:
        self._h = np.zeros((1, 1, 128), dtype=np.float32)
        self._c = np.zeros((1, 1, 128), dtype=np.float32)
        self._context = np.zeros(CONTEXT, dtype=np.float32)
        self._pending = np.zeros(0, dtype=np.float32)
        self._pending_t: float | None = None
        self._speaking = False

    def probabilities(self, samples: np.ndarray) -> np.ndarray:
        """Speech probability of each whole 512-sample frame; the remainder waits for more."""
        samples = np.asarray(samples, dtype=np.float32).reshape(-1)
        data = np.concatenate([self._pending, samples]) if len(self._pending) else samples
        n = len(data) // FRAME
        self._pending = data[n * FRAME :].copy()
        if n == 0:
            return np.zeros(0, dtype=np.float32)
        frames = data[: n * FRAME].reshape(n, FRAME)
        contexts = np.empty((n, CONTEXT), dtype=np.float32)
        contexts[0] = self._context
        contexts[1:] = frames[:-1, -CONTEXT:]
        self._context = frames[-1, -CONTEXT:].copy()
        batch = np.ascontiguousarray(np.concatenate([contexts, frames], axis=1))
        probs, self._h, self._c = self._session.run(
            None, {"input": batch, "h": self._h, "c": self._c}
        )
        return np.asarray(probs, dtype=np.float32).reshape(-1)

    @property
    def speaking(self) -> bool:
        """Whether the last frame seen was speech (after the hysteresis)."""
        return self._speaking

    def step(self, prob: float) -> bool:
        """Applies one frame's speech probability to the hysteresis; True while speech goes on."""
        if prob >= self.threshold:
            self._speaking = True
        elif prob < self.neg_threshold:
            self._speaking = False
        return self._speaking

    def feed(self, block: AudioBlock) -> list[SpeechFrame]:
        if block.rate != AUDIO_RATE:
            raise ValueError(f"VAD needs {AUDIO_RATE} Hz audio, got {block.rate} Hz")
        # Time of the first pending sample: continues the pending run, or this block.
        start_t = block.t - len(self._pending) / AUDIO_RATE
        probs = self.probabilities(block.samples)
        out = []
        for i, p in enumerate(probs):
            t = start_t + i * FRAME_S
            out.append(SpeechFrame(t, t + FRAME_S, float(p), self.step(p)))
        return out


TurnKind = Literal["speech_start", "speech_end", "end_of_turn", "long_pause"]


@dataclass(frozen=True, slots=True)
class TurnEvent:
    kind: TurnKind
    t: float  # session time the event happened (speech_start/_end: when speech began/ended)
    silence_s: float  # silence before speech_start; silence so far for the others


class TurnDetector:
    """Turns a stream of (time, is_speech) observations into turn-taking events.

    - ``speech_start``: speech lasted ``min_speech_s`` (coughs and clicks do not count).
    - ``speech_end``: ``speech_end_s`` of silence after speech.
    - ``end_of_turn``: ``end_of_turn_s`` of silence after speech; once per turn.
    - ``long_pause``: ``long_pause_s`` without speech since the last speech or since
      ``reset(t)`` (e.g. the moment the interviewer finished asking); once per stretch,
      re-armed by speech.

    The thresholds are plain attributes and may be changed at any time (accommodations
    give some candidates longer).
    """

    def __init__(
        self,
        end_of_turn_s: float = 2.5,
        long_pause_s: float = 8.0,
        *,
        min_speech_s: float = 0.15,
        speech_end_s: float = 0.4,
        vad: VoiceActivityDetector | None = None,
    ) -> None:
        self.end_of_turn_s = end_of_turn_s
        self.long_pause_s = long_pause_s
        self.min_speech_s = min_speech_s
        self.speech_end_s = speech_end_s
        self._vad = vad
        self.reset()

    def reset(self, t: float | None = None) -> None:
        """Starts a new silent stretch at ``t`` (None: at the next observation)."""
        self._stretch_start = t
        self._last_speech: float | None = None
        self._run_start: float | None = None
        self._speaking = False
        self._turn_open = False
        self._long_pause_sent = False

    @property
    def speaking(self) -> bool:
        return self._speaking

    def update(self, t: float, is_speech: bool) -> list[TurnEvent]:
        """One observation; ``t`` is the time at its end (speech, or not, up to ``t``)."""
        if self._stretch_start is None:
            self._stretch_start = t
        events: list[TurnEvent] = []
        if is_speech:
            if self._run_start is None:
                self._run_start = t
            if self._speaking:
                self._last_speech = t
            elif t - self._run_start >= self.min_speech_s:
                quiet_since = (
                    self._last_speech if self._last_speech is not None else self._stretch_start
                )
                events.append(
                    TurnEvent(
                        "speech_start", self._run_start, max(0.0, self._run_start - quiet_since)
                    )
                )
                self._speaking = True
                self._turn_open = True
                self._long_pause_sent = False
                self._last_speech = t
            return events

        self._run_start = None
        quiet_since = self._last_speech if self._last_speech is not None else self._stretch_start
        if self._stretch_start > quiet_since:
            quiet_since = self._stretch_start
        silence = t - quiet_since
        if self._speaking and self._last_speech is not None and silence >= self.speech_end_s:
            self._speaking = False
            events.append(TurnEvent("speech_end", self._last_speech, silence))
        if self._speaking:
            return events
        if self._turn_open and silence >= self.end_of_turn_s:
            self._turn_open = False
            events.append(TurnEvent("end_of_turn", t, silence))
        if not self._long_pause_sent and silence >= self.long_pause_s:
            self._long_pause_sent = True
            events.append(TurnEvent("long_pause", t, silence))
        return events

    def feed_frames(self, frames: list[SpeechFrame]) -> list[TurnEvent]:
        events: list[TurnEvent] = []
        for f in frames:
            events.extend(self.update(f.end, f.is_speech))
        return events

    def feed(self, block: AudioBlock) -> list[TurnEvent]:
        """Runs the VAD on a block (creating one on first use) and updates the turn state."""
        if self._vad is None:
            self._vad = VoiceActivityDetector()
        return self.feed_frames(self._vad.feed(block))
