"""Half-duplex gating and barge-in, on synthetic blocks with simulated timestamps."""

import numpy as np

from capture.types import AudioBlock
from speech.echo import EchoGate

RATE = 16000


def tone(t: float, level: float, seconds: float = 0.1) -> AudioBlock:
    n = int(seconds * RATE)
    x = level * np.sin(2 * np.pi * 220 * np.arange(n) / RATE)
    return AudioBlock(x.astype(np.float32), t)


def run(gate: EchoGate, levels: list[float], t0: float = 0.0):
    return [gate.admit(tone(t0 + i * 0.1, lv)) for i, lv in enumerate(levels)]


def test_mic_passes_when_the_interviewer_is_silent():
    gate = EchoGate()
    assert run(gate, [0.3] * 5) == [(True, False)] * 5


def test_echo_is_gated_while_speaking_and_for_the_tail_after():
    gate = EchoGate(tail_s=0.3)
    gate.interviewer_started(0.0)
    during = run(gate, [0.02] * 20)  # 2 s of echo at a steady level
    assert during == [(False, False)] * 20
    gate.interviewer_stopped(2.0)
    after = run(gate, [0.02] * 6, t0=2.0)
    assert [p for p, _ in after] == [False, False, False, True, True, True]
    assert not any(b for _, b in after)


def test_candidate_louder_than_the_echo_for_long_enough_is_a_barge_in():
    gate = EchoGate(barge_in_s=0.4)
    gate.interviewer_started(0.0)
    results = run(gate, [0.02] * 10 + [0.3] * 6)
    barge = [i for i, (_, b) in enumerate(results) if b]
    assert barge == [13]  # 10 echo blocks, then 4 loud blocks = 0.4 s
    assert results[13] == (True, True)
    held = gate.take_held()
    assert [round(b.t, 1) for b in held] == [1.0, 1.1, 1.2]
    # after the barge-in the candidate is heard until the voice stops
    assert run(gate, [0.3], t0=1.6) == [(True, False)]


def test_a_short_loud_burst_is_not_a_barge_in():
    gate = EchoGate(barge_in_s=0.4)
    gate.interviewer_started(0.0)
    results = run(gate, [0.02] * 10 + [0.3] * 2 + [0.02] * 10)
    assert not any(b for _, b in results)
    assert not any(p for p, _ in results)


def test_a_loud_echo_from_the_start_is_learnt_not_taken_for_a_barge_in():
    gate = EchoGate()
    gate.interviewer_started(0.0)
    results = run(gate, [0.3] * 30)
    assert not any(b for _, b in results)


def play(gate: EchoGate, levels: list[float], t0: float = 0.0) -> None:
    """The speaker is handed 100 ms blocks of a tone at these amplitudes from t0."""
    x = np.concatenate([tone(0.0, lv).samples for lv in levels])
    gate.interviewer_audio(x, RATE, t0)


def test_a_speaker_that_starts_late_and_gets_louder_is_echo_not_a_barge_in():
    """A perfect loopback: the mic hears exactly what is played, but 1.2 s late (a busy
    machine's output start-up), and the line opens quietly. Learning the first second
    alone would take the loud part for the candidate talking over it."""
    played = [0.01] * 10 + [0.3] * 30
    gate = EchoGate(learn_s=1.0)
    play(gate, played)
    gate.interviewer_started(0.0)
    results = run(gate, [0.0] * 12 + played)
    assert not any(b for _, b in results)
    assert not any(p for p, _ in results)
    # the same mic audio without knowing what was played: the old rule barges in
    blind = EchoGate(learn_s=1.0)
    blind.interviewer_started(0.0)
    assert any(b for _, b in run(blind, [0.0] * 12 + played))


def test_the_candidate_over_a_known_echo_is_a_barge_in():
    gate = EchoGate()
    play(gate, [0.05] * 40)
    gate.interviewer_started(0.0)
    echo = run(gate, [0.05] * 15)  # a loopback heard at once
    assert not any(b for _, b in echo)
    results = run(gate, [0.5] * 6, t0=1.5)  # the candidate, close to the mic
    assert [b for _, b in results] == [False, False, False, True, False, False]


def test_without_any_echo_the_candidate_needs_only_the_margin_above_the_floor():
    gate = EchoGate()
    play(gate, [0.3] * 60)
    gate.interviewer_started(0.0)
    assert not any(b for _, b in run(gate, [0.0] * 20))  # headphones: nothing heard
    results = run(gate, [0.1] * 6, t0=2.0)  # quieter than the voice is played
    assert any(b for _, b in results)
