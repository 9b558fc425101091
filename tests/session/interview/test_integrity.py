from session.attempt import events as ev
from session.attempt.events import EventLog, read_events
from session.interview.integrity import IntegrityMonitor
from session.runtime.clock import SimulatedClock


def make(tmp_path, threshold=5.0):
    clock = SimulatedClock()
    log = EventLog(tmp_path / "events.jsonl", clock)
    shown = []
    mon = IntegrityMonitor(log, shown.append, clock, face_threshold_s=threshold)
    return mon, shown, tmp_path / "events.jsonl"


def test_face_hidden_longer_than_threshold_is_shown_and_recorded_with_note(tmp_path):
    mon, shown, path = make(tmp_path)
    for t in [0, 1, 2]:
        mon.faces(1, t)
    for t in range(3, 15):
        mon.faces(0, t)
    mon.faces(1, 15.0)
    assert len(shown) == 1
    sig = shown[0]
    assert sig.kind == ev.FACE_LOST and sig.t == 3 and sig.duration_s == 12
    assert sig.message == "Your face was not visible for 12 s — add a note?"
    mon.add_note(sig.signal_id, "  I bent down to pick up   my pen ")
    events = list(read_events(path))
    assert [e["type"] for e in events] == [ev.INTEGRITY_FLAG, ev.CANDIDATE_NOTE]
    assert events[0]["about"] == ev.FACE_LOST and events[0]["t"] == 3
    assert events[0]["signal_id"] == sig.signal_id and events[0]["duration_s"] == 12
    assert events[1] == {
        "t": 0.0,
        "type": ev.CANDIDATE_NOTE,
        "signal_id": sig.signal_id,
        "about": ev.FACE_LOST,
        "text": "I bent down to pick up my pen",
    }


def test_short_blips_are_not_signals(tmp_path):
    mon, shown, path = make(tmp_path)
    mon.faces(0, 1.0)
    mon.faces(1, 5.9)  # 4.9 s < 5 s
    mon.faces(2, 6.0)
    mon.faces(1, 7.0)
    assert shown == [] and list(read_events(path)) == []


def test_more_than_one_face_and_second_monitor_and_focus_are_signals(tmp_path):
    mon, shown, path = make(tmp_path, threshold=2)
    mon.faces(2, 10)
    mon.faces(3, 11)
    mon.faces(1, 13)
    mon.monitors(1, 14)
    mon.monitors(2, 15)
    mon.focus_lost(20)
    mon.focus_gained(27)
    kinds = [s.kind for s in shown]
    assert kinds == [ev.MULTIPLE_FACES, ev.MONITOR_ADDED, ev.FOCUS_LOST]
    assert shown[2].message.startswith("The interview window lost focus for 7 s")
    assert len({s.signal_id for s in shown}) == 3
    events = list(read_events(path))  # one flag per signal, nothing else
    assert [(e["type"], e["about"]) for e in events] == [(ev.INTEGRITY_FLAG, k) for k in kinds]
    assert events[0]["faces"] == 3 and events[1]["monitors"] == 2


def test_open_spans_are_closed_at_finish_and_empty_notes_are_dropped(tmp_path):
    mon, shown, _path = make(tmp_path)
    mon.faces(0, 0)
    mon.finish(30)
    assert shown[0].duration_s == 30
    assert mon.add_note(shown[0].signal_id, "   ") is None
    assert mon.add_note("sig-99", "x") is None
