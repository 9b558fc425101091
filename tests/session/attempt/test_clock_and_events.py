import json

from session.attempt.events import EventLog, read_events
from session.runtime.clock import SessionClock, SimulatedClock


def test_simulated_clock_moves_only_when_advanced():
    c = SimulatedClock(1.0)
    assert c() == 1.0
    c.advance(2.5)
    assert c() == 3.5


def test_session_clock_starts_near_zero_and_grows():
    c = SessionClock()
    a = c()
    assert 0 <= a < 1
    assert c() >= a


def test_event_log_appends_lines_with_session_time_and_skips_torn_tail(tmp_path):
    clock = SimulatedClock(4.25)
    log = EventLog(tmp_path / "events.jsonl", clock)
    log.write("question_asked", question_id="q1")
    clock.advance(1)
    written = log.write("face_lost")
    with open(tmp_path / "events.jsonl", "a") as f:
        f.write('{"t": 9, "type": "tor')  # a crash mid-write
    events = list(read_events(tmp_path / "events.jsonl"))
    assert [e["type"] for e in events] == ["question_asked", "face_lost"]
    assert events[0] == {"t": 4.25, "type": "question_asked", "question_id": "q1"}
    assert written["t"] == 5.25
    assert (
        json.loads((tmp_path / "events.jsonl").read_text().splitlines()[1])["type"] == "face_lost"
    )
