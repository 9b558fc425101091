from __future__ import annotations

import time
import wave

import numpy as np
import pytest

from capture.microphone import (
    LinearResampler,
    MicrophoneSource,
    WavFileSource,
    open_microphone,
    read_wav,
    resample,
)
from capture.types import AUDIO_RATE, DeviceError
from session.runtime.clock import SimulatedClock
from tests.conftest import SPEECH


def test_wav_file_blocks_are_released_in_real_time(testdata) -> None:
    with WavFileSource(SPEECH / "jfk.wav", block_s=0.1) as src:
        t0 = time.monotonic()
        blocks = [src.read(timeout=1.0) for _ in range(6)]
        took = time.monotonic() - t0
    assert all(b is not None and len(b.samples) == 1600 for b in blocks)
    assert 0.5 <= took < 1.2
    assert blocks[0].samples.dtype == np.float32 and blocks[0].rate == AUDIO_RATE


def test_wav_block_times_follow_the_session_clock_and_source_ends(testdata) -> None:
    clock = SimulatedClock(50.0)
    src = WavFileSource(SPEECH / "cathy_arctic_a0001_1592748574.wav", clock, realtime=False)
    src.open()
    blocks = []
    while (b := src.read(timeout=0.01)) is not None:
        blocks.append(b)
    assert src.exhausted
    assert src.read(timeout=0.01) is None and src.read() is None
    assert blocks[0].t == 50.0 and blocks[1].t == pytest.approx(50.1)
    total = sum(len(b.samples) for b in blocks) / AUDIO_RATE
    assert total == pytest.approx(3.30, abs=0.05)


def test_8khz_file_is_resampled_to_16khz_keeping_its_duration(testdata) -> None:
    x, rate = read_wav(SPEECH / "OSR_us_000_0034_8k.wav")
    src = WavFileSource(SPEECH / "OSR_us_000_0034_8k.wav", realtime=False)
    src.open()
    assert src.duration == pytest.approx(len(x) / rate, abs=0.01)
    if rate != AUDIO_RATE:
        assert src.duration == pytest.approx(35.55, abs=0.05)


def test_stereo_24bit_44k_wav_becomes_16k_mono(tmp_path) -> None:
    t = np.arange(44100) / 44100
    tone = (0.5 * np.sin(2 * np.pi * 440 * t) * (2**23 - 1)).astype(np.int32)
    frames = np.repeat(tone, 2)  # two identical channels
    raw = b"".join(int(v).to_bytes(3, "little", signed=True) for v in frames)
    path = tmp_path / "tone.wav"
    with wave.open(str(path), "wb") as w:
        w.setnchannels(2)
        w.setsampwidth(3)
        w.setframerate(44100)
        w.writeframes(raw)
    src = WavFileSource(path, realtime=False)
    src.open()
    assert src.duration == pytest.approx(1.0, abs=0.01)
    b = src.read()
    assert b is not None and 0.45 < float(np.max(np.abs(b.samples))) < 0.55


def test_float_wav_is_read_through_pyav(tmp_path) -> None:
    import struct

    x = (0.25 * np.sin(2 * np.pi * 220 * np.arange(22050) / 22050)).astype("<f4")
    data = x.tobytes()
    fmt = struct.pack("<HHIIHH", 3, 1, 22050, 22050 * 4, 4, 32)  # IEEE float, mono
    riff = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt
    riff += b"data" + struct.pack("<I", len(data)) + data
    path = tmp_path / "float.wav"
    path.write_bytes(b"RIFF" + struct.pack("<I", len(riff)) + riff)
    src = WavFileSource(path, realtime=False)
    src.open()
    assert src.duration == pytest.approx(1.0, abs=0.02)
    b = src.read()
    assert b is not None and 0.2 < float(np.max(np.abs(b.samples))) < 0.3


def test_streaming_resampler_matches_whole_signal_resampling() -> None:
    x = np.sin(2 * np.pi * 300 * np.arange(48000) / 48000).astype(np.float32)
    r = LinearResampler(48000)
    streamed = np.concatenate([r(x[i : i + 4800]) for i in range(0, len(x), 4800)])
    whole = resample(x, 48000)
    assert abs(len(streamed) - len(whole)) <= 2
    n = min(len(streamed), len(whole)) - 2
    assert (
        np.max(np.abs(streamed[1:n] - whole[: n - 1])) < 0.05
        or np.max(np.abs(streamed[:n] - whole[:n])) < 0.05
    )


def test_open_microphone_picks_a_file_or_a_device(testdata) -> None:
    assert isinstance(open_microphone(str(SPEECH / "jfk.wav")), WavFileSource)
    assert isinstance(open_microphone("pulse"), MicrophoneSource)
    assert open_microphone("3").device == 3


def test_missing_wav_and_missing_device_raise_device_error(tmp_path) -> None:
    with pytest.raises(DeviceError) as e:
        WavFileSource(tmp_path / "none.wav").open()
    assert e.value.fix
    bad = tmp_path / "bad.wav"
    bad.write_bytes(b"RIFF junk")
    with pytest.raises(DeviceError):
        WavFileSource(bad).open()
    with pytest.raises(DeviceError) as e:
        MicrophoneSource("no such microphone anywhere").open()
    assert "No microphone" in str(e.value) and e.value.fix


@pytest.mark.device
@pytest.mark.parametrize("device_rate", [None, 48000], ids=["16k", "48k-resampled"])
def test_real_microphone_hears_what_the_virtual_speaker_plays(
    virtual_mic: str, play_to_mic, testdata, device_rate
) -> None:
    with MicrophoneSource(virtual_mic, device_rate=device_rate) as mic:
        first = mic.read(timeout=5.0)  # the first block takes ~1.5 s
        assert first is not None
        # Stamped on the session clock: the first sample was captured just now.
        assert -1.0 < time.monotonic() - first.t < 1.0
        if device_rate:
            assert mic.device_rate == device_rate
            assert abs(len(first.samples) - 1600) <= 2  # 0.1 s at 16 kHz after resampling
        play_to_mic(SPEECH / "jfk.wav")
        peak = 0.0
        deadline = time.monotonic() + 4.0
        while time.monotonic() < deadline:
            b = mic.read(timeout=1.0)
            if b is not None:
                assert b.rate == AUDIO_RATE and b.samples.dtype == np.float32
                peak = max(peak, float(np.max(np.abs(b.samples))))
                if peak > 0.1:
                    break
        assert mic.info().details["rate"] == AUDIO_RATE
    assert peak > 0.1
