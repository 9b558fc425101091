"""Kiosk widgets on the offscreen platform (fast): key swallowing, PIN overlay, sign-in,
integrity notices with notes, and a clean welcome page between candidates. The real window
manager and keyboard grab are covered in test_kiosk_x11.py."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractSpinBox,
    QApplication,
    QLabel,
    QLineEdit,
    QWidget,
)

from session.attempt import events as ev
from session.attempt.events import read_events
from session.station.config import parse_station
from session.station.pin import PinGuard, hash_pin
from ui.kiosk.app import KioskApp, KioskOptions
from ui.kiosk.candidate import CandidateRun, StatusPage
from ui.kiosk.pin import PinOverlay
from ui.kiosk.signin import SignInPage
from ui.kiosk.window import KioskWindow

PIN = hash_pin("2468", n=2**10)


def station(tmp_path, **over):
    (tmp_path / "token").write_text("t")
    data = {
        "station_id": "s1",
        "backend_url": "http://127.0.0.1:9",
        "token_file": "token",
        "data_dir": "data",
        "proctor_pin": PIN,
        "pin_max_tries": 2,
        **over,
    }
    return parse_station(data, tmp_path / "station.toml")


def test_leaving_keys_are_swallowed_and_close_is_refused_until_the_pin(qtbot):
    w = KioskWindow(kiosk=True)
    qtbot.addWidget(w)
    w.show_kiosk()
    edit = QLineEdit()
    w.set_page(edit)
    edit.setFocus()
    for key, mod in [
        (Qt.Key.Key_Escape, Qt.KeyboardModifier.NoModifier),
        (Qt.Key.Key_F4, Qt.KeyboardModifier.AltModifier),
        (Qt.Key.Key_Tab, Qt.KeyboardModifier.AltModifier),
        (Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier),
    ]:
        qtbot.keyClick(edit, key, mod)
    assert w.swallowed_keys == 4
    qtbot.keyClicks(edit, "ok")
    assert edit.text() == "ok"  # ordinary typing still works
    assert not w.close() and w.isVisible()
    assert w.windowFlags() & Qt.WindowType.FramelessWindowHint
    assert w.windowFlags() & Qt.WindowType.WindowStaysOnTopHint
    w.allow_close()
    assert w.close()


def test_pin_overlay_counts_wrong_tries_then_locks(qtbot, tmp_path):
    w = KioskWindow(kiosk=False)
    qtbot.addWidget(w)
    w.show_kiosk()
    guard = PinGuard(PIN, tmp_path / "pin.json", max_tries=2, lockout_s=60)
    pin = PinOverlay(w, guard)
    accepted = []
    pin.accepted.connect(lambda: accepted.append(True))
    pin.open()
    assert w.focusWidget() is pin.field  # the PIN field takes the keyboard
    qtbot.keyClicks(pin.field, "1111")
    qtbot.keyClick(pin.field, Qt.Key.Key_Return)
    assert pin.message.text() == "Wrong PIN. 1 tries left." and pin.isVisible()
    qtbot.keyClicks(pin.field, "1112")
    qtbot.keyClick(pin.field, Qt.Key.Key_Return)
    assert "Too many wrong PINs" in pin.message.text()
    qtbot.keyClicks(pin.field, "2468")
    qtbot.keyClick(pin.field, Qt.Key.Key_Return)
    assert accepted == [] and pin.isVisible()


def test_sign_in_needs_a_code_and_carries_the_accommodations(qtbot):
    from session.station.config import Accommodations

    page = SignInPage("s1", Accommodations(extra_silence_s=1.5, extra_time_pct=10))
    qtbot.addWidget(page)
    got = []
    page.signed_in.connect(got.append)
    page.submit("")
    assert got == [] and "code" in page.error.text()
    assert page.extra.minimum() == 10  # a station default cannot be lowered at sign-in
    page.extra.setValue(50)
    page.silence.setValue(3.0)
    page.larger.setChecked(True)
    page.submit("CAND-42")
    assert got[0].code == "CAND-42" and got[0].larger_text
    assert got[0].accommodations.extra_time_pct == 50
    assert got[0].accommodations.extra_silence_s == 3.0
    for w in page.findChildren(QWidget):
        interactive = isinstance(w, QLineEdit | QAbstractButton | QAbstractSpinBox)
        if interactive and not w.objectName().startswith("qt_"):
            assert w.accessibleName(), f"{w} has no accessible name"


class FaceRun(CandidateRun):
    """Stands in for the interview: the test drives its clock and face counts."""

    def __init__(self, req, cfg) -> None:
        super().__init__(req, cfg)
        self.widget = StatusPage("Question 1 of 2", f"Hello {req.code}, tell us about you.")
        self.t = 0.0

    def start(self) -> None:
        self.phase.emit("interview")

    def clock(self) -> float:
        return self.t

    def end(self) -> None:
        self.finished.emit({"attempt_dir": str(self.request.attempt_dir), "ok": True})


def visible_text(root) -> str:
    parts = []
    for w in [root, *root.findChildren(QLabel), *root.findChildren(QLineEdit)]:
        if w.isVisibleTo(root) or w is root:
            parts.append(w.text() if hasattr(w, "text") else "")
            parts.append(w.accessibleName() + " " + w.accessibleDescription())
    return " ".join(parts)


def test_integrity_notice_takes_a_note_and_the_next_candidate_sees_nothing(qtbot, tmp_path):
    cfg = station(tmp_path, kiosk=False)
    runs = []

    def factory(req, c):
        runs.append(FaceRun(req, c))
        return runs[-1]

    k = KioskApp(cfg, KioskOptions(status_lines=False), factory)
    qtbot.addWidget(k.window)
    k.start()
    k.signin.submit("ALICE-7781")
    run = runs[0]
    run.faces.emit(1, 0.0)
    run.faces.emit(0, 1.0)
    run.faces.emit(1, 13.0)
    qtbot.waitUntil(lambda: k.note.isVisible(), timeout=3000)
    assert k.note.title.text() == "Your face was not visible for 12 s — add a note?"
    qtbot.keyClicks(k.note.text, "My glasses fell off")
    k.note.save_button.click()
    assert not k.note.isVisible()
    path = run.request.attempt_dir / "events.jsonl"
    qtbot.waitUntil(lambda: any(e["type"] == ev.CANDIDATE_NOTE for e in read_events(path)))
    events = list(read_events(path))
    flag = next(e for e in events if e["type"] == ev.INTEGRITY_FLAG)
    assert flag["about"] == ev.FACE_LOST
    note = next(e for e in events if e["type"] == ev.CANDIDATE_NOTE)
    assert note["signal_id"] == flag["signal_id"] and note["text"] == "My glasses fell off"
    assert flag["duration_s"] == 12.0 and flag["shown"].startswith("Your face")

    run.end()
    qtbot.waitUntil(lambda: k.signin is not None and k.window.stack.currentWidget() is k.signin)
    QApplication.processEvents()
    text = visible_text(k.window)
    assert "ALICE" not in text and "tell us about you" not in text and "glasses" not in text
    assert k.signin.code.text() == ""
    assert k.window.stack.count() == 1  # only the fresh sign-in page is left
    k.shutdown()


def test_proctor_panel_opens_only_with_the_pin_and_shows_the_station(qtbot, tmp_path):
    k = KioskApp(station(tmp_path, kiosk=False), KioskOptions(status_lines=False))
    qtbot.addWidget(k.window)
    k.start()
    k.open_pin()
    assert k.pin.isVisible() and k.window.stack.currentWidget() is k.signin
    k.pin.field.setText("2468")
    k.pin.field.returnPressed.emit()
    assert k.window.stack.currentWidget() is k.panel
    qtbot.waitUntil(lambda: "backend" in visible_text(k.panel), timeout=10000)
    assert "not reachable" in visible_text(k.panel)
    k.panel.back.click()
    assert k.window.stack.currentWidget() is k.signin
    k.tasks.wait(5)
    k.shutdown()
    assert not (cfg_marker := tmp_path / "data" / "kiosk-session.json").exists(), cfg_marker


def test_a_device_that_stops_mid_interview_reaches_the_status_lines_and_the_proctor_panel(
    qtbot, tmp_path
):
    runs = []

    def factory(req, c):
        runs.append(FaceRun(req, c))
        return runs[-1]

    k = KioskApp(station(tmp_path, kiosk=False), KioskOptions(status_lines=False), factory)
    qtbot.addWidget(k.window)
    lines: list[tuple[str, dict]] = []
    k.status.connect(lambda name, data: lines.append((name, data)))
    k.start()
    k.signin.submit("BOB-1234")
    run = runs[0]
    run.device.emit("microphone", "Microphone USB stopped working", "Check that it is plugged in.")
    assert (
        "device_problem",
        {
            "device": "microphone",
            "problem": "Microphone USB stopped working",
            "fix": "Check that it is plugged in.",
        },
    ) in lines
    k.open_pin()
    k.pin.field.setText("2468")
    k.pin.field.returnPressed.emit()
    qtbot.waitUntil(
        lambda: "Microphone USB stopped working" in visible_text(k.panel), timeout=10000
    )
    assert "PROBLEM" in visible_text(k.panel)
    run.device.emit("microphone", "", "")
    assert ("device_back", {"device": "microphone"}) in lines
    qtbot.waitUntil(lambda: "in use by the interview" in visible_text(k.panel), timeout=10000)
    assert "Microphone USB stopped working" not in visible_text(k.panel)
    k.panel.back.click()
    run.end()
    k.tasks.wait(5)
    k.shutdown()
