"""Fixtures for the speech tests: the bundled Whisper model, clips and their references."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from capture.types import AUDIO_RATE, AudioBlock


@pytest.fixture(scope="session")
def whisper_model():
    from speech.models import WhisperSettings, load_whisper

    return load_whisper(WhisperSettings())


@pytest.fixture(scope="session")
def clip(testdata: Path) -> Callable[[str], np.ndarray]:
    from speech.offline import read_audio

    def read(name: str) -> np.ndarray:
        return read_audio(testdata / "speech" / name)

    return read


@pytest.fixture(scope="session")
def reference(speech_refs: list[dict[str, str]]) -> Callable[[str], str]:
    refs = {r["file"]: r["reference_text"] for r in speech_refs}
    return refs.__getitem__


def blocks(samples: np.ndarray, t0: float = 0.0, block_s: float = 0.1) -> list[AudioBlock]:
    """Audio cut into microphone-sized blocks stamped from ``t0``."""
    n = int(block_s * AUDIO_RATE)
    return [
        AudioBlock(samples[i : i + n].astype(np.float32), t0 + i / AUDIO_RATE)
        for i in range(0, len(samples), n)
    ]


def run_captioner(
    captioner, samples: np.ndarray, t0: float = 0.0, step_s: float = 0.5, vad=None
):
    """Drives a captioner as the worker does: insert 100 ms blocks, process every step.
    With ``vad`` (a ``VoiceActivityDetector``), each block comes with its speech frames, as
    in an interview, where the microphone's one VAD also serves the turn detector."""
    updates = []
    per_step = round(step_s / 0.1)
    for i, block in enumerate(blocks(samples, t0)):
        speech = vad.feed(block) if vad is not None else None
        captioner.insert_audio(block.samples, block.t, speech)
        if (i + 1) % per_step == 0:
            updates.append(captioner.process())
    updates.append(captioner.finish())
    return updates


def silence(seconds: float) -> np.ndarray:
    return np.zeros(int(seconds * AUDIO_RATE), dtype=np.float32)
