"""One offline pass over a whole recording, with the live captioner's model."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from capture.types import AUDIO_RATE
from speech.models import WhisperSettings, load_whisper


@dataclass(slots=True)
class Segment:
    start: float
    end: float
    text: str


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
    audio: np.ndarray, settings: WhisperSettings | None = None, *, beam_size: int = 5
) -> Transcript:
    settings = settings or WhisperSettings()
    model = load_whisper(settings)
    segments, _info = model.transcribe(
        audio,
        language=settings.language,
        beam_size=beam_size,
        vad_filter=True,
        condition_on_previous_text=False,
    )
    out = [Segment(round(s.start, 2), round(s.end, 2), s.text.strip()) for s in segments]
    return Transcript(" ".join(s.text for s in out if s.text), out)
