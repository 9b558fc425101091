"""The stream watch on a simulated clock: a stream that goes quiet or slow without an error
is a problem after a fixed time, and fine again when it delivers."""

from __future__ import annotations

from session.interview.stream_watch import StreamWatch


def feed(watch: StreamWatch, start: float, end: float, fps: float) -> list[tuple[float, str]]:
    """Frames at ``fps`` from ``start`` to ``end`` (none when fps is 0), the watch asked every
    0.1 s; returns each change of state with its time."""
    changes: list[tuple[float, str]] = []
    next_frame = start
    t = start
    while t < end - 1e-9:
        while fps and t >= next_frame - 1e-9:
            watch.delivered(t)
            next_frame += 1 / fps
        before = watch.state
        watch.problem(t)
        if watch.state != before:
            changes.append((round(t, 1), watch.state))
        t += 0.1
    return changes


def test_a_steady_stream_is_never_a_problem():
    w = StreamWatch("camera", 0.0, nominal_fps=15)
    assert feed(w, 0, 60, 15) == []


def test_a_stream_that_stops_is_stalled_after_3_s_and_fine_at_its_next_frame():
    w = StreamWatch("camera", 0.0, nominal_fps=15)
    assert feed(w, 0, 20, 15) == []
    changes = feed(w, 20, 30, 0)
    assert [s for _, s in changes] == ["stalled"] and 22.9 <= changes[0][0] <= 23.1
    assert w.problem(30.0) == "The camera has delivered nothing for 10 s"
    assert 19.9 <= w.began <= 20.0  # the last frame, not the moment it was noticed
    assert feed(w, 30, 45, 15) == [(30.0, "")]


def test_a_camera_that_never_delivers_is_stalled_3_s_after_the_start():
    w = StreamWatch("camera", 5.0, nominal_fps=30)
    changes = feed(w, 5, 10, 0)
    assert changes and changes[0][1] == "stalled" and 7.9 <= changes[0][0] <= 8.1


def test_a_stream_under_a_third_of_its_rate_for_10_s_is_slow():
    w = StreamWatch("camera", 0.0, nominal_fps=15)
    feed(w, 0, 20, 15)
    # 23 frames in 181 s was the real case; 2 a second is well under 15 / 3.
    changes = feed(w, 20, 40, 2)
    assert [s for _, s in changes] == ["slow"]
    assert 31.0 <= changes[0][0] <= 32.5  # 10 s after the 2-second rate fell under 5
    assert 21.0 <= w.began <= 22.5  # and the stretch is dated from then
    assert w.problem(40.0).startswith("The camera delivers only 2.0 frames a second")


def test_a_stream_at_half_its_rate_is_not_slow_and_a_slow_one_recovers_at_half():
    w = StreamWatch("camera", 0.0, nominal_fps=15)
    assert feed(w, 0, 30, 7) == []  # 7 of 15: above a third
    feed(w, 30, 45, 3)
    assert w.state == "slow"
    assert feed(w, 45, 60, 6) == []  # above a third, below half: still slow (no flapping)
    changes = feed(w, 60, 80, 10)
    assert [s for _, s in changes] == [""]


def test_without_a_nominal_rate_only_silence_counts():
    w = StreamWatch("microphone", 0.0)
    assert feed(w, 0, 30, 1) == []  # one block a second is slow for nothing
    assert [s for _, s in feed(w, 30, 40, 0)] == ["stalled"]
