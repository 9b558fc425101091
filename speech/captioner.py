"""Streaming captions: re-decode a sliding window, commit the words two passes agree on.

A pure class (no thread, clock or socket): feed it audio with ``insert_audio``, call
``process()`` whenever there is something new, ``finish()`` at the end. A WAV file drives
it in tests exactly as a microphone does live.

How it keeps text honest:
- Silero VAD runs on everything inserted. A window without speech is never decoded, and
  stretches without speech are dropped from the window, so Whisper is not asked to
  transcribe silence (the source of "Thank you." hallucinations).
- Words must lie over detected speech, and passes that look like silence or a loop
  (no-speech probability, average log-probability, compression ratio) are ignored.
- The prompt (recent committed text) is forgotten after a long silence, so an old phrase
  cannot be repeated into a new answer.

How it keeps lag low:
- LocalAgreement-2: a word is committed once two consecutive passes agree on it.
- When speech stops (a short VAD silence) one last pass commits everything at once.
- The window is trimmed at committed sentence ends and capped, so passes stay short.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from capture.types import AUDIO_RATE
from speech.decoder import DecodeResult, WindowDecoder
from speech.vad import FRAME, SpeechFrame, VoiceActivityDetector

if TYPE_CHECKING:
    from faster_whisper import WhisperModel


@dataclass(frozen=True, slots=True)
class Word:
    start: float  # session time
    end: float
    text: str  # the word as Whisper wrote it, without the leading space
    probability: float = field(default=1.0, compare=False)  # Whisper's confidence


@dataclass(slots=True)
class CaptionUpdate:
    committed: list[Word] = field(default_factory=list)  # newly committed in this update
    tentative: list[Word] = field(default_factory=list)  # the current unstable tail
    start: float = 0.0  # session time of the window's start
    end: float = 0.0  # session time of the end of the audio seen

    @property
    def committed_text(self) -> str:
        return join_words(self.committed)

    @property
    def tentative_text(self) -> str:
        return join_words(self.tentative)


def join_words(words: list[Word]) -> str:
    return " ".join(w.text for w in words)


@dataclass(slots=True)
class CaptionerSettings:
    beam_size: int = 1  # passes while speech goes on
    final_beam_size: int = 5  # the pass that commits the tail when speech stops
    min_commit_probability: float = 0.3  # both passes this unsure: do not commit yet
    short_context: bool = True  # encode only the window, not Whisper's full 30 s
    end_of_speech_s: float = 0.5  # this much VAD silence after speech commits the tail
    prompt_reset_s: float = 3.0  # after this much silence the prompt is forgotten
    keep_context_on_pause: bool = True  # shorter pauses keep the words before them in the window
    pre_roll_s: float = 0.4  # audio kept before speech starts (VAD reacts late)
    trim_at_sentence_s: float = 6.0  # windows longer than this are cut at a sentence end
    max_buffer_s: float = 15.0  # hard cap of the window
    vad_threshold: float = 0.5
    speech_pad_s: float = 0.25  # words may stick out of VAD speech by this much
    no_speech_threshold: float = 0.6
    logprob_threshold: float = -1.0
    compression_threshold: float = 2.4
    max_gap_fill_s: float = 1.0  # a gap in the input becomes at most this much silence
    prompt_chars: int = 200
    rehear_tolerance_s: float = 0.5  # a committed word heard again lies this close to it


_STRIP = re.compile(r"[^\w']+")


def _norm(text: str) -> str:
    return _STRIP.sub("", text.lower())


class StreamingCaptioner:
    def __init__(
        self,
        model: WhisperModel,
        settings: CaptionerSettings | None = None,
        *,
        decoder: WindowDecoder | None = None,
        language: str = "en",
    ) -> None:
        self.settings = settings or CaptionerSettings()
        self._decoder = decoder or WindowDecoder(
            model,
            beam_size=self.settings.beam_size,
            short_context=self.settings.short_context,
            language=language,
        )
        self._vad = VoiceActivityDetector(threshold=self.settings.vad_threshold)
        self.reset()

    # -- state ----------------------------------------------------------------------

    def reset(self) -> None:
        """Forgets all audio, text and prompt (a new session)."""
        self._vad.reset()
        self._speaking = False  # the newest VAD frame was speech
        self._audio = np.zeros(0, dtype=np.float32)
        self._buf_pos = 0  # stream position (samples) of self._audio[0]
        self._pos = 0  # stream position after the last inserted sample
        self._anchors: list[tuple[int, float]] = []  # (stream position, session time)
        self._vad_pos = 0  # stream position the VAD has reached
        self._spans: list[list[int]] = []  # speech spans [start, end) in stream positions
        self._last_speech_t: float | None = None  # session time speech was last heard
        self._processed_pos = 0  # stream position seen by the last process()
        self._hypothesis: list[Word] = []  # the previous pass's uncommitted words
        self._committed: list[Word] = []
        self._window_committed: list[Word] = []  # committed words whose audio is in the window
        self._prompt: list[str] = []  # committed words that left the window
        self._prompted_until = float("-inf")

    @property
    def committed_text(self) -> str:
        return join_words(self._committed)

    @property
    def committed_words(self) -> list[Word]:
        return list(self._committed)

    # -- input ----------------------------------------------------------------------

    def _time_at(self, pos: int) -> float:
        if not self._anchors:  # no audio yet (a turn that ends before it began)
            return pos / AUDIO_RATE
        anchor_pos, anchor_t = self._anchors[0]
        for p, t in reversed(self._anchors):
            if p <= pos:
                anchor_pos, anchor_t = p, t
                break
        return anchor_t + (pos - anchor_pos) / AUDIO_RATE

    def insert_audio(
        self,
        samples: np.ndarray,
        t: float | None = None,
        speech: Sequence[SpeechFrame] | None = None,
    ) -> None:
        """16 kHz mono float32; ``t`` is the session time of the first sample (None: right
        after the previous audio). A jump forward counts as silence. ``speech``: the VAD
        frames the microphone's own detector found in these samples (the interview runs one
        VAD per microphone); None runs the captioner's own VAD."""
        samples = np.asarray(samples, dtype=np.float32).reshape(-1)
        own_vad = speech is None
        if not self._anchors:
            self._anchors.append((self._pos, 0.0 if t is None else float(t)))
        elif t is not None:
            expected = self._time_at(self._pos)
            gap = float(t) - expected
            if gap > 0.05:
                fill = int(min(gap, self.settings.max_gap_fill_s) * AUDIO_RATE)
                self._append(np.zeros(fill, dtype=np.float32), None if own_vad else ())
                self._anchors.append((self._pos, float(t)))
            elif gap < -0.5:  # the clock was reset; start a new timeline here
                self._anchors.append((self._pos, float(t)))
        self._append(samples, speech)

    def _append(self, samples: np.ndarray, speech: Sequence[SpeechFrame] | None) -> None:
        if len(samples) == 0:
            return
        start_pos = self._pos
        self._audio = np.concatenate([self._audio, samples])
        self._pos += len(samples)
        if speech is not None:
            self._take_speech(start_pos, speech)
            return
        for p in self._vad.probabilities(samples):
            start = self._vad_pos
            self._vad_pos += FRAME
            self._speaking = self._vad.step(p)
            if self._speaking:
                self._add_span(start, self._vad_pos)

    def _take_speech(self, start_pos: int, speech: Sequence[SpeechFrame]) -> None:
        """Speech spans from frames stamped in session time. A frame may begin a little
        before these samples (the VAD's leftover from the previous block)."""
        t0 = self._time_at(start_pos)
        for f in speech:
            self._speaking = f.is_speech
            if f.is_speech:
                start = start_pos + round((f.t - t0) * AUDIO_RATE)
                end = min(self._pos, start_pos + round((f.end - t0) * AUDIO_RATE))
                self._add_span(max(self._buf_pos, start), end)

    def _add_span(self, start: int, end: int) -> None:
        self._last_speech_t = self._time_at(end)
        # frames from another detector need not line up to the sample: a few samples apart
        # is one span
        if self._spans and start <= self._spans[-1][1] + FRAME // 4:
            self._spans[-1][1] = max(self._spans[-1][1], end)
        else:
            self._spans.append([start, end])

    # -- helpers --------------------------------------------------------------------

    def _speech_after(self, pos: int) -> bool:
        return any(end > pos for _, end in self._spans)

    def _silence_s(self) -> float:
        """Session seconds since speech was last heard (inf if never)."""
        if self._speaking:
            return 0.0
        if self._last_speech_t is None:
            return float("inf")
        return self._time_at(self._pos) - self._last_speech_t

    def _over_speech(self, start_pos: int, end_pos: int) -> bool:
        pad = int(self.settings.speech_pad_s * AUDIO_RATE)
        return any(s - pad < end_pos and start_pos < e + pad for s, e in self._spans)

    def _snap_to_speech(self, pos: int) -> int:
        """Whisper often starts a window's first word at the window's start, inside the
        pre-roll; the VAD knows better when the speech began."""
        lead = int(0.1 * AUDIO_RATE)
        for start, end in self._spans:
            if end > pos:
                return max(pos, start - lead)
        return pos

    def _drop_audio_before(self, pos: int) -> None:
        pos = max(self._buf_pos, min(pos, self._pos))
        self._audio = self._audio[pos - self._buf_pos :]
        self._buf_pos = pos
        self._spans = [sp for sp in self._spans if sp[1] > pos]
        # keep the anchor in force at ``pos`` and all later ones
        keep = [i for i, (p, _) in enumerate(self._anchors) if p <= pos]
        if keep:
            self._anchors = self._anchors[keep[-1] :]
        t_cut = self._time_at(pos)
        self._hypothesis = [w for w in self._hypothesis if w.end > t_cut]

    def _update(self, committed: list[Word]) -> CaptionUpdate:
        return CaptionUpdate(
            committed=committed,
            tentative=list(self._hypothesis),
            start=self._time_at(self._buf_pos),
            end=self._time_at(self._pos),
        )

    # -- decoding -------------------------------------------------------------------

    def _decode_window(self, final: bool = False) -> list[Word]:
        """One pass over the window: plausible words after the committed text."""
        cfg = self.settings
        result: DecodeResult = self._decoder.decode(
            self._audio,
            " ".join(self._prompt),
            beam_size=cfg.final_beam_size if final else cfg.beam_size,
        )
        if result.compression_ratio > cfg.compression_threshold:
            return []
        if (
            result.no_speech_prob > cfg.no_speech_threshold
            and result.avg_logprob < cfg.logprob_threshold
        ):
            return []
        words: list[Word] = []
        for w in result.words:
            text = w.text.strip()
            if not text:
                continue
            start_pos = self._buf_pos + int(w.start * AUDIO_RATE)
            end_pos = self._buf_pos + int(w.end * AUDIO_RATE)
            if not self._over_speech(start_pos, max(end_pos, start_pos + 1)):
                continue
            start_pos = min(self._snap_to_speech(start_pos), end_pos)
            words.append(
                Word(self._time_at(start_pos), self._time_at(end_pos), text, w.probability)
            )
        return self._after_committed(words)

    def _after_committed(self, words: list[Word]) -> list[Word]:
        """Drops the words of a pass that repeat what is already committed.

        The window still holds the audio of words committed earlier, so each pass starts
        by saying them again. They are matched by text (word times shift between passes
        by a few hundred milliseconds); times decide only when the texts do not match.
        """
        done = self._window_committed
        if not done or not words:
            return words  # a fresh window: everything in it is new
        old = [_norm(w.text) for w in done]
        new = [_norm(w.text) for w in words]
        matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
        # A word of this pass that starts after the committed audio and would skip more
        # than two new words past the previous match is new speech with the same text
        # ("you" of "for you" after a committed "you are"): taking it for the committed
        # word would swallow every word between. (Either sign alone is not enough: times
        # of committed words at a window's edge can be early by a second or more.)
        heard_until = max(w.end for w in done) + self.settings.rehear_tolerance_s
        pairs: list[tuple[int, int]] = []
        for b in matcher.get_matching_blocks():
            for k in range(b.size):
                i, j = b.a + k, b.b + k
                pi, pj = pairs[-1] if pairs else (-1, -1)
                if words[j].start >= heard_until and (j - pj) - (i - pi) > 2:
                    continue
                pairs.append((i, j))
        if pairs:
            last_a, last_b = pairs[-1]
            unmatched_old = len(old) - (last_a + 1)
            cut = last_b + 1 + unmatched_old
            if unmatched_old <= 2:
                rest = words[cut:]
                # "coldhearted" committed, now heard as "cold hearted": skip "hearted"
                if rest and cut > 0 and old[-1] != new[cut - 1] and old[-1].endswith(new[cut]):
                    rest = rest[1:]
                return rest
        end = done[-1].end
        return [w for w in words if (w.start + w.end) / 2 > end]

    def _commit(self, words: list[Word]) -> list[Word]:
        self._committed.extend(words)
        self._window_committed.extend(words)
        return words

    def _forget_prompt_if_quiet(self) -> None:
        if self._silence_s() >= self.settings.prompt_reset_s:
            self._prompt.clear()

    def _move_to_prompt(self, words: list[Word]) -> None:
        words = [w for w in words if w.end > self._prompted_until]
        if not words:
            return
        self._prompted_until = words[-1].end
        self._prompt.extend(w.text for w in words)
        while len(" ".join(self._prompt)) > self.settings.prompt_chars and self._prompt:
            self._prompt.pop(0)

    def _clear_window(self) -> None:
        """After the tail was committed: keep only a short pre-roll of (silent) audio."""
        keep_from = self._pos - int(self.settings.pre_roll_s * AUDIO_RATE)
        self._move_to_prompt(self._window_committed)
        self._drop_audio_before(keep_from)
        self._hypothesis = []
        self._window_committed = []

    def _trim(self) -> None:
        """Cuts the window after a committed sentence end, or at the cap."""
        cfg = self.settings
        length = (self._pos - self._buf_pos) / AUDIO_RATE
        if length <= cfg.trim_at_sentence_s:
            return
        in_window = self._window_committed
        cut: Word | None = None
        for w in in_window:
            if w.text[-1:] in ".?!":
                cut = w
        if cut is None and length > cfg.max_buffer_s and in_window:
            cut = in_window[-1]
        if cut is None:
            return
        moved = in_window[: in_window.index(cut) + 1]
        self._move_to_prompt(moved)
        self._window_committed = self._window_committed[len(moved) :]
        self._drop_audio_before(self._pos_at(cut.end))

    def _keep_context(self) -> bool:
        cfg = self.settings
        return (
            cfg.keep_context_on_pause
            and bool(self._window_committed)
            and self._silence_s() < cfg.prompt_reset_s
            and (self._pos - self._buf_pos) / AUDIO_RATE < cfg.trim_at_sentence_s
        )

    def _uncommitted_from(self) -> int:
        if not self._window_committed:
            return self._buf_pos
        return max(self._buf_pos, self._pos_at(self._window_committed[-1].end))

    def _pos_at(self, t: float) -> int:
        anchor_pos, anchor_t = self._anchors[0]
        for p, at in self._anchors:
            if at <= t:
                anchor_pos, anchor_t = p, at
        return anchor_pos + round((t - anchor_t) * AUDIO_RATE)

    # -- the public steps -----------------------------------------------------------

    def process(self) -> CaptionUpdate:
        """Decodes the window if there is new audio with speech; returns what changed."""
        if not self._anchors or self._pos == self._processed_pos:
            return self._update([])
        self._processed_pos = self._pos
        cfg = self.settings
        uncommitted_from = self._uncommitted_from()
        if not self._speech_after(uncommitted_from):
            # nothing new to say. A short pause keeps the words before it as context for
            # the next ones; after a long one only a pre-roll is kept and the prompt goes.
            self._forget_prompt_if_quiet()
            if not self._keep_context():
                self._clear_window()
            return self._update([])

        if self._silence_s() >= cfg.end_of_speech_s:
            # speech stopped: one last pass commits the tail at once
            committed = self._commit(self._decode_window(final=True))
            self._hypothesis = []
            if self._keep_context():
                self._trim()
            else:
                self._clear_window()
            self._forget_prompt_if_quiet()
            return self._update(committed)

        words = self._decode_window()
        agreed = 0
        for old, new in zip(self._hypothesis, words, strict=False):
            if _norm(old.text) != _norm(new.text):
                break
            if max(old.probability, new.probability) < cfg.min_commit_probability:
                break  # agreed but unsure: leave it to a later pass or the tail pass
            agreed += 1
        committed = self._commit(words[:agreed])
        self._hypothesis = words[agreed:]
        self._trim()
        if (self._pos - self._buf_pos) / AUDIO_RATE > cfg.max_buffer_s:
            # no agreement for a whole window: take the older half of the hypothesis
            cut_t = self._time_at(self._pos) - cfg.max_buffer_s / 2
            forced = [w for w in self._hypothesis if w.end <= cut_t]
            committed += self._commit(forced)
            self._hypothesis = self._hypothesis[len(forced) :]
            self._move_to_prompt(self._window_committed)
            self._window_committed = []
            self._drop_audio_before(self._pos_at(cut_t))
        return self._update(committed)

    def finish(self) -> CaptionUpdate:
        """Commits whatever speech is still pending (end of a turn or of the input)."""
        committed: list[Word] = []
        if self._anchors:
            uncommitted_from = self._uncommitted_from()
            if self._speech_after(uncommitted_from):
                committed = self._commit(self._decode_window(final=True))
            self._processed_pos = self._pos
            self._clear_window()
        return self._update(committed)
