"""Captions line up with the recorded audio: a speech clip fed to the recorder 3 s into the
recording is transcribed back from recording.mkv with word timestamps and lands where it was
played, and where captions.vtt says it was said."""

from __future__ import annotations

import wave
from pathlib import Path

import av
import numpy as np
import pytest

from capture.types import AUDIO_RATE, AudioBlock, VideoFrame
from session.attempt.transcript import Transcript, load_transcript
from session.recording.recorder import Recorder
from session.runtime.clock import SimulatedClock
from tests.session.recording._recording_helpers import picture

CLIP = "cathy_arctic_a0022_1592748039.wav"  # "Hardly were our plans made public ..."
T0 = 7.3  # session time the recording starts: captions must subtract it
SPEECH_AT = 3.0  # recording time the clip is played
AUDIO_LATE = 1.5  # a real input stream takes ~1.5 s to deliver its first block


@pytest.fixture(scope="module")
def whisper():
    from speech.models import load_whisper

    return load_whisper()  # the bundled tiny.en, int8, 2 threads


def _read_wav(path: Path) -> np.ndarray:
    with wave.open(str(path)) as w:
        assert (w.getframerate(), w.getnchannels(), w.getsampwidth()) == (AUDIO_RATE, 1, 2)
        return np.frombuffer(w.readframes(w.getnframes()), np.int16).astype(np.float32) / 32768


def _decode_audio(path: Path) -> np.ndarray:
    """The recording's audio as 16 kHz mono float32, sample 0 = recording time 0."""
    out = []
    resampler = av.AudioResampler(format="flt", layout="mono", rate=AUDIO_RATE)
    with av.open(str(path)) as c:
        first = None
        for frame in c.decode(audio=0):
            if first is None:
                first = frame.time or 0.0
            for f in resampler.resample(frame):
                out.append(f.to_ndarray().reshape(-1))
    audio = np.concatenate(out)
    return np.concatenate([np.zeros(round(first * AUDIO_RATE), np.float32), audio])


def _words(model, audio: np.ndarray) -> list[tuple[str, float]]:
    segments, _ = model.transcribe(audio, language="en", word_timestamps=True, beam_size=1)
    return [
        ("".join(ch for ch in w.word.lower() if ch.isalpha()), w.start)
        for s in segments
        for w in s.words
    ]


@pytest.mark.model
def test_recorded_speech_and_its_captions_land_where_the_clip_was_played(
    tmp_path, whisper, testdata
):
    clip = _read_wav(testdata / "speech" / CLIP)
    clip_words = _words(whisper, clip)
    assert len(clip_words) >= 5

    clock = SimulatedClock(T0)
    rec = Recorder(tmp_path / "recording.mkv", clock, 320, 240, fps=15, min_free_bytes=0)
    rec.start()
    total = SPEECH_AT + len(clip) / AUDIO_RATE + 1.0
    audio = np.concatenate(
        [
            np.zeros(round((SPEECH_AT - AUDIO_LATE) * AUDIO_RATE), np.float32),
            clip,
            np.zeros(AUDIO_RATE, np.float32),
        ]
    )
    block = AUDIO_RATE // 10
    a = 0
    for i in range(round(total * 15)):
        t = T0 + i / 15
        while a < len(audio) and T0 + AUDIO_LATE + a / AUDIO_RATE <= t:
            rec.add_audio(AudioBlock(audio[a : a + block], T0 + AUDIO_LATE + a / AUDIO_RATE))
            a += block
        while rec.backlog[0] >= 8:
            rec.wait_stopped(0.002)
        rec.add_video(VideoFrame(picture(i, 320, 240), t, i))
    assert rec.stop() == "ok"

    # The live captioner hears the clip at session time T0 + SPEECH_AT.
    tr = Transcript(tmp_path, recording_t0=rec.t0)
    segments, _ = whisper.transcribe(clip, language="en", beam_size=1)
    for s in segments:
        tr.add(T0 + SPEECH_AT + s.start, T0 + SPEECH_AT + s.end, "candidate", s.text)

    recorded_words = _words(whisper, _decode_audio(tmp_path / "recording.mkv"))
    assert recorded_words[0][0] == clip_words[0][0] == "hardly"
    heard_at = recorded_words[0][1]
    assert abs(heard_at - (SPEECH_AT + clip_words[0][1])) <= 0.5, (heard_at, clip_words[0])
    # Every word recognised the same way both times sits SPEECH_AT later in the recording.
    same = [r - c for (rw, r), (cw, c) in zip(recorded_words, clip_words, strict=False) if rw == cw]
    assert len(same) >= 5
    assert abs(np.median(same) - SPEECH_AT) <= 0.5, same

    caption = load_transcript(tmp_path)[0]
    assert abs(caption["start"] - heard_at) <= 0.5, (caption, heard_at)
    assert "-->" in (tmp_path / "captions.vtt").read_text()
