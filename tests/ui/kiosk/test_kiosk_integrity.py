"""The kiosk's integrity watch after the station shut it down."""

from __future__ import annotations

from session.attempt.events import EventLog, read_events
from ui.kiosk.integrity import KioskIntegrity


def test_focus_changes_after_shutdown_are_ignored_not_raised(qtbot, tmp_path):
    """Closing the kiosk window moves the focus after the integrity thread has stopped."""
    watch = KioskIntegrity()
    log = EventLog(tmp_path / "events.jsonl", lambda: 1.0)
    watch.attach(log, lambda: 1.0, 1, face_threshold_s=5.0, focus_threshold_s=0.0)
    watch.shutdown()
    watch.focus(False, 2.0)  # would raise "cannot schedule new futures after shutdown"
    watch.monitors(2, 2.0)
    assert not watch.note("sig-1", "too late")
    assert all(e["type"] != "focus_lost" for e in read_events(tmp_path / "events.jsonl"))
