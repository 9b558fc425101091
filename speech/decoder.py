"""One Whisper pass over a short window of audio, with word times.

faster-whisper's ``transcribe`` always encodes a 30 s window (Whisper pads to 30 s), which
costs ~0.3 s even for 1 s of audio. The encoder accepts fewer frames, and its cost falls
with them (10 s of frames encodes ~10x faster), so a streaming pass encodes only the audio
plus a short silent tail. Decoding is greedy at temperature 0 with a token budget
proportional to the audio, so a repetition loop cannot run away.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from faster_whisper import WhisperModel

RATE = 16_000
HOP = 160  # samples per mel frame
MAX_FRAMES = 3000  # Whisper's 30 s window


@dataclass(frozen=True, slots=True)
class RawWord:
    start: float  # seconds from the start of the window
    end: float
    text: str  # with Whisper's leading space
    probability: float


@dataclass(slots=True)
class DecodeResult:
    words: list[RawWord] = field(default_factory=list)
    text: str = ""
    no_speech_prob: float = 0.0
    avg_logprob: float = 0.0
    compression_ratio: float = 0.0


def compression_ratio(text: str) -> float:
    data = text.encode("utf-8")
    return len(data) / max(1, len(zlib.compress(data)))


class WindowDecoder:
    """Greedy Whisper decode of one window (≤ 30 s) with word timestamps."""

    def __init__(
        self,
        model: WhisperModel,
        *,
        beam_size: int = 1,
        tail_pad_s: float = 1.5,
        min_context_s: float = 10.0,
        short_context: bool = True,
        tokens_per_s: float = 8.0,
        language: str = "en",
    ) -> None:
        from faster_whisper.tokenizer import Tokenizer
        from faster_whisper.transcribe import get_suppressed_tokens

        self.model = model
        self.beam_size = beam_size
        self.tail_pad_s = tail_pad_s
        self.min_context_s = min_context_s
        self.short_context = short_context
        self.tokens_per_s = tokens_per_s
        self.tokenizer = Tokenizer(
            model.hf_tokenizer, model.model.is_multilingual, task="transcribe", language=language
        )
        self._suppress = list(get_suppressed_tokens(self.tokenizer, [-1]))

    def decode(
        self, audio: np.ndarray, prompt: str = "", beam_size: int | None = None
    ) -> DecodeResult:
        import ctranslate2

        audio = np.asarray(audio, dtype=np.float32)
        if len(audio) < HOP * 10:
            return DecodeResult()
        audio = audio[: MAX_FRAMES * HOP]
        content_frames = len(audio) // HOP
        frames = MAX_FRAMES
        if self.short_context:
            frames = content_frames + int(self.tail_pad_s * 100)
            frames = min(MAX_FRAMES, max(frames, int(self.min_context_s * 100)))
            frames += frames % 2  # the encoder's convolution halves the frame count
        features = self.model.feature_extractor(audio, padding=frames * HOP - len(audio) + HOP)
        features = features[:, :frames]
        if features.shape[1] < frames:
            features = np.pad(features, ((0, 0), (0, frames - features.shape[1])))
        encoder_output = self.model.model.encode(
            ctranslate2.StorageView.from_array(np.ascontiguousarray(features[None]))
        )

        tok = self.tokenizer
        previous = tok.encode(" " + prompt.strip()) if prompt.strip() else []
        prompt_tokens = self.model.get_prompt(tok, previous[-200:], without_timestamps=False)
        budget = int(10 + self.tokens_per_s * len(audio) / RATE) * 2  # text + timestamps
        result = self.model.model.generate(
            encoder_output,
            [prompt_tokens],
            beam_size=beam_size or self.beam_size,
            max_length=min(448, len(prompt_tokens) + budget),
            return_scores=True,
            return_no_speech_prob=True,
            suppress_blank=True,
            suppress_tokens=self._suppress,
            max_initial_timestamp_index=50,
        )[0]
        tokens = list(result.sequences_ids[0])
        avg_logprob = result.scores[0] * len(tokens) / (len(tokens) + 1)
        duration = len(audio) / RATE
        text_tokens = self._tokens_within(tokens, duration)
        out = DecodeResult(
            no_speech_prob=float(result.no_speech_prob), avg_logprob=float(avg_logprob)
        )
        if not text_tokens:
            return out
        words: list[RawWord] = []
        for alignment in self.model.find_alignment(
            tok, [text_tokens], encoder_output, content_frames
        ):
            for w in alignment:
                start = min(float(w["start"]), duration)
                end = min(max(float(w["end"]), start), duration)
                text, prob = w["word"], float(w["probability"])
                if words and (not text.startswith(" ") or not any(c.isalnum() for c in text)):
                    # punctuation, and pieces without a leading space ("-disposed"), belong
                    # to the word before them
                    last = words[-1]
                    words[-1] = RawWord(
                        last.start,
                        max(last.end, end),
                        last.text + text.strip(),
                        min(last.probability, prob),
                    )
                    continue
                words.append(RawWord(start, end, text, prob))
        out.words = cut_repetition(words)
        out.text = "".join(w.text for w in out.words).strip()
        out.compression_ratio = compression_ratio(out.text)
        return out

    def _tokens_within(self, tokens: list[int], duration: float) -> list[int]:
        """Text tokens of the segments that start inside the real audio.

        With a short encoder context Whisper sometimes "continues" into the silent tail by
        repeating the window from the start; those segments begin after the audio ends
        (or repeat the previous segment word for word) and are dropped here.
        """
        tok = self.tokenizer
        kept: list[int] = []
        current: list[int] = []
        start: float | None = None
        previous_text: list[int] | None = None
        for t in tokens:
            if t >= tok.timestamp_begin:
                stamp = (t - tok.timestamp_begin) * 0.02
                if current:  # closes a segment
                    if current == previous_text:
                        return kept
                    kept.extend(current)
                    previous_text, current, start = current, [], None
                else:
                    start = stamp
                    if start >= duration - 0.1:
                        return kept
            elif t < tok.eot:
                current.append(t)
        if current and current != previous_text and (start or 0.0) < duration - 0.1:
            kept.extend(current)
        return kept


def cut_repetition(words: list[RawWord]) -> list[RawWord]:
    """Ends the list where a phrase starts looping: a phrase of 3+ words said twice back
    to back, or a shorter one three times ("and so and so and so")."""
    keys = ["".join(c for c in w.text.lower() if c.isalnum()) for w in words]
    n = len(keys)
    for i in range(n):
        for k in range(1, (n - i) // 2 + 1):
            repeats = 2 if k >= 3 else 3
            if i + repeats * k > n:
                continue
            phrase = keys[i : i + k]
            if all(keys[i + r * k : i + (r + 1) * k] == phrase for r in range(1, repeats)):
                return words[: i + k]
    return words
