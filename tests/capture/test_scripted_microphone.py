"""The simulated candidate's microphone: real-time pacing, silence until a clip is played."""

from __future__ import annotations

import time

import numpy as np

from capture.scripted_microphone import ScriptedMicrophone
from session.runtime.clock import SessionClock


def test_blocks_are_paced_in_real_time_and_silent_until_a_clip_is_played():
    mic = ScriptedMicrophone(SessionClock(), block_s=0.05)
    mic.open()
    t0 = time.monotonic()
    blocks = [mic.read(timeout=1.0) for _ in range(10)]
    elapsed = time.monotonic() - t0
    assert 0.45 <= elapsed < 0.9
    assert all(b is not None and not b.samples.any() for b in blocks)
    assert [round(b.t, 3) for b in blocks[:3]] == [
        round(blocks[0].t + i * 0.05, 3) for i in range(3)
    ]
    assert mic.idle


def test_clips_play_in_order_then_silence_returns():
    mic = ScriptedMicrophone(block_s=0.01)
    mic.open()
    mic.play(np.full(250, 0.5, dtype=np.float32))
    mic.play(np.full(100, -3000, dtype=np.int16))
    assert not mic.idle
    audio = np.concatenate([mic.read(timeout=1.0).samples for _ in range(5)])
    assert np.allclose(audio[:250], 0.5)
    assert np.allclose(audio[250:350], -3000 / 32768)
    assert not audio[350:].any()
    assert mic.idle and mic.clips_played == 2 and mic.last_clip_end_t is not None


def test_read_times_out_instead_of_blocking_and_closed_mic_reads_nothing():
    mic = ScriptedMicrophone(block_s=0.5)
    mic.open()
    t0 = time.monotonic()
    assert mic.read(timeout=0.05) is None
    assert time.monotonic() - t0 < 0.3
    mic.close()
    assert mic.read(timeout=0.05) is None
    assert mic.info().kind == "microphone"
