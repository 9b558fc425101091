from __future__ import annotations

import time

import numpy as np
import pytest

from capture.speaker import NullSpeaker, Speaker, chime, play_test_sound


@pytest.fixture
def null_speaker():
    """A started 16 kHz NullSpeaker, closed after the test."""
    spk = NullSpeaker(rate=16000)
    spk.start()
    yield spk
    spk.close()


def test_null_speaker_plays_at_real_time_pace(null_speaker: NullSpeaker) -> None:
    spk = null_speaker
    spk.write(np.full(8000, 0.1, np.float32))  # 0.5 s
    assert spk.playing
    t0 = time.monotonic()
    assert spk.wait(timeout=3.0)
    took = time.monotonic() - t0
    assert 0.4 < took < 1.5
    assert spk.played == 8000
    assert not spk.playing


def test_stop_drops_everything_queued_at_once(null_speaker: NullSpeaker) -> None:
    spk = null_speaker
    spk.write(np.zeros(16000 * 10, np.float32))
    time.sleep(0.1)
    spk.stop()
    t0 = time.monotonic()
    assert spk.wait(timeout=1.0)
    assert time.monotonic() - t0 < 0.5
    assert spk.played < 16000 * 2


def test_wait_times_out_while_audio_is_still_queued(null_speaker: NullSpeaker) -> None:
    null_speaker.write(np.zeros(16000 * 5, np.float32))
    assert null_speaker.wait(timeout=0.2) is False


def test_chime_is_short_soft_and_clickless() -> None:
    c = chime(22050)
    assert c.dtype == np.float32 and 0.5 < len(c) / 22050 <= 1.5
    assert 0.1 < float(np.max(np.abs(c))) < 0.9
    assert abs(float(c[0])) < 0.01 and abs(float(c[-1])) < 0.02


@pytest.mark.device
def test_real_speaker_plays_the_test_sound_through_portaudio(virtual_speaker: str) -> None:
    spk = Speaker(rate=22050)
    try:
        seconds = play_test_sound(spk)  # starts the stream on the default (virtual) sink
        assert spk.playing
        t0 = time.monotonic()
        # A new PortAudio stream on PulseAudio takes ~1.5 s to start consuming (more on a
        # loaded machine): the bound is generous, the point is that it drains and ends.
        assert spk.wait(timeout=seconds + 12.0)
        assert time.monotonic() - t0 >= seconds * 0.5
    finally:
        spk.close()
