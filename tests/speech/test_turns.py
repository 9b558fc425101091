"""Turn-taking on a simulated clock: events come from block timestamps, never wall time."""

import numpy as np
import pytest

from speech.vad import TurnDetector, VoiceActivityDetector

from .conftest import blocks, silence


def drive(
    detector: TurnDetector,
    pattern: list[tuple[float, bool]],
    step: float = 0.05,
    t0: float = 0.0,
):
    """pattern: (duration, is_speech) stretches from ``t0``; returns all events."""
    events, t = [], t0
    for duration, speech in pattern:
        for _ in range(round(duration / step)):
            t = round(t + step, 6)
            events += detector.update(t, speech)
    return events


def test_end_of_turn_fires_once_after_the_configured_silence():
    d = TurnDetector(end_of_turn_s=2.5, long_pause_s=100)
    events = drive(d, [(1.0, False), (3.0, True), (6.0, False)])
    kinds = [e.kind for e in events]
    assert kinds == ["speech_start", "speech_end", "end_of_turn"]
    start, end, eot = events
    assert start.t == pytest.approx(1.05, abs=0.06)
    assert end.t == pytest.approx(4.0, abs=0.06)
    assert eot.t == pytest.approx(4.0 + 2.5, abs=0.06)
    assert eot.silence_s == pytest.approx(2.5, abs=0.06)


def test_a_pause_shorter_than_the_threshold_is_not_an_end_of_turn():
    d = TurnDetector(end_of_turn_s=2.5, long_pause_s=100)
    events = drive(d, [(2.0, True), (2.0, False), (2.0, True), (1.0, False)])
    assert "end_of_turn" not in [e.kind for e in events]


def test_long_pause_fires_once_per_stretch_and_rearms_on_speech():
    d = TurnDetector(end_of_turn_s=2.5, long_pause_s=8.0)
    d.reset(0.0)  # the interviewer finished asking at t=0
    events = drive(d, [(20.0, False), (1.0, True), (20.0, False)])
    longs = [e for e in events if e.kind == "long_pause"]
    assert [round(e.t, 2) for e in longs] == [8.0, 29.0]
    assert longs[0].silence_s == pytest.approx(8.0)


def test_thresholds_can_be_raised_while_running():
    d = TurnDetector(end_of_turn_s=2.5, long_pause_s=8.0)
    events = drive(d, [(1.0, True), (1.0, False)])
    d.end_of_turn_s, d.long_pause_s = 5.0, 12.0
    events += drive(d, [(20.0, False)], t0=2.0)
    eot = [e for e in events if e.kind == "end_of_turn"]
    longs = [e for e in events if e.kind == "long_pause"]
    assert eot[0].t == pytest.approx(1.0 + 5.0, abs=0.06)
    assert longs[0].t == pytest.approx(1.0 + 12.0, abs=0.06)


def test_a_click_shorter_than_min_speech_does_not_start_speech():
    d = TurnDetector(min_speech_s=0.15)
    events = drive(d, [(1.0, False), (0.1, True), (1.0, False)])
    assert events == []


@pytest.mark.model
def test_silero_hears_speech_and_not_silence_or_noise(clip):
    vad = VoiceActivityDetector()
    speech = [f for b in blocks(clip("jfk.wav")[: 16000 * 3]) for f in vad.feed(b)]
    assert np.mean([f.is_speech for f in speech]) > 0.5
    vad.reset()
    rng = np.random.default_rng(1)
    noise = (0.05 * rng.standard_normal(16000 * 3)).astype(np.float32)
    quiet = [f for b in blocks(np.concatenate([silence(2), noise])) for f in vad.feed(b)]
    assert not any(f.is_speech for f in quiet)
    assert quiet[0].t == 0.0 and quiet[1].t == pytest.approx(0.032)


@pytest.mark.model
def test_end_of_turn_and_long_pause_on_real_audio_follow_block_timestamps(clip):
    """A clip then silence, stamped from t=100 s on a simulated clock."""
    audio = np.concatenate([silence(1.0), clip("pocketsphinx_goforward.wav"), silence(12.0)])
    d = TurnDetector(end_of_turn_s=2.5, long_pause_s=8.0)
    events = [e for b in blocks(audio, t0=100.0) for e in d.feed(b)]
    kinds = [e.kind for e in events]
    assert kinds == ["speech_start", "speech_end", "end_of_turn", "long_pause"]
    speech_end = events[1].t
    assert 101.0 < events[0].t < speech_end < 100.0 + 1.0 + 2.79
    assert events[2].t == pytest.approx(speech_end + 2.5, abs=0.1)
    assert events[3].t == pytest.approx(speech_end + 8.0, abs=0.1)
