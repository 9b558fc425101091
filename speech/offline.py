"""One offline pass over a whole recording: ``main.py transcribe`` and the attempt's final
transcript both use it, with the same settings, so their text is the same."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from capture.types import AUDIO_RATE
from speech.models import WhisperSettings, load_whisper

BEAM_SIZE = 5
SEED = 1


@dataclass(slots=True)
class TimedWord:
    start: float
    end: float
    text: str


@dataclass(slots=True)
class Segment:
    start: float
    end: float
    text: str
    words: list[TimedWord] = field(default_factory=list)


@dataclass(slots=True)
class Transcript:
    text: str
    segments: list[Segment] = field(default_factory=list)


class AudioReadError(Exception):
    pass


def read_audio(path: str | Path) -> np.ndarray:
    """Any file FFmpeg reads, as 16 kHz mono float32."""
    from faster_whisper import decode_audio

    path = Path(path)
    if not path.is_file():
        raise AudioReadError(f"no such file: {path}")
    try:
        audio = decode_audio(str(path), sampling_rate=AUDIO_RATE)
    except Exception as exc:  # PyAV raises many kinds; all mean "cannot read this"
        raise AudioReadError(f"cannot read audio from {path}: {exc}") from exc
    return np.asarray(audio, dtype=np.float32)


def transcribe_audio(
    audio: np.ndarray,
    settings: WhisperSettings | None = None,
    *,
    beam_size: int = BEAM_SIZE,
    progress: Callable[[float], None] | None = None,
) -> Transcript:
    """Beam search with word times; silence skipped by the VAD. ``progress`` gets the
    share of the audio done (0..1) after each segment, from the decoding thread."""
    import ctranslate2

    settings = settings or WhisperSettings()
    model = load_whisper(settings)
    # A pass that fails Whisper's quality checks is decoded again with sampling; a fixed
    # seed makes that repeatable, so the same recording always gives the same transcript.
    ctranslate2.set_random_seed(SEED)
    segments, _info = model.transcribe(
        audio,
        language=settings.language,
        beam_size=beam_size,
        vad_filter=True,
        condition_on_previous_text=False,
        word_timestamps=True,
    )
    total = len(audio) / AUDIO_RATE
    out = []
    for s in segments:  # a generator: decoding happens as it is consumed
        words = [
            TimedWord(round(w.start, 2), round(w.end, 2), w.word.strip())
            for w in s.words or ()
            if w.word.strip()
        ]
        out.append(Segment(round(s.start, 2), round(s.end, 2), s.text.strip(), words))
        if progress is not None and total > 0:
            progress(min(1.0, s.end / total))
    if progress is not None:
        progress(1.0)
    return Transcript(" ".join(s.text for s in out if s.text), out)
