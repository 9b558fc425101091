"""The welcome page (retakes, practice badge, crash-recovery offer) and the finish page
(upload progress, receipt)."""

from __future__ import annotations

import zipfile

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from session.attempt.store import AttemptStore
from session.interview.config import load_interview
from tests.conftest import ROOT
from ui.desktop.finish_page import FinishPage
from ui.desktop.flow import FlowOptions
from ui.desktop.main_window import AppOptions, MainWindow

DEMO = ROOT / "assets" / "interviews"
OFFICIAL = DEMO / "demo-backend-engineer.yaml"
PRACTICE = DEMO / "demo-practice-support.yaml"


def make_window(qtbot, tmp_path, files, store):
    w = MainWindow(AppOptions(interviews=files, flow=FlowOptions(camera=None), store=store))
    qtbot.addWidget(w)
    w.show()
    qtbot.waitUntil(lambda: len(w.welcome.choices) == len(files), timeout=10000)
    return w


def test_retakes_left_and_practice_badge_are_shown(qtbot, tmp_path):
    store = AttemptStore(tmp_path / "a.sqlite3", tmp_path / "attempts")
    cfg = load_interview(OFFICIAL)
    for _ in range(2):
        a = store.start_attempt(cfg)
        store.finish(a.id)
    w = make_window(qtbot, tmp_path, [OFFICIAL, PRACTICE], store)
    try:
        official, practice = w.welcome.choices
        assert official.attempts_text() == "1 of 3 attempts left"
        assert practice.practice and "never shared" in practice.attempts_text()
        badges = [
            lbl
            for lbl in w.welcome.findChildren(type(w.welcome.message))
            if lbl.text() == "PRACTICE"
        ]
        qtbot.waitUntil(lambda: [b.isVisible() for b in badges] == [False, True], timeout=2000)
        assert w.welcome.continue_button.isEnabled()
    finally:
        w.shutdown()


def test_no_attempts_left_disables_continue_and_says_what_to_do(qtbot, tmp_path):
    store = AttemptStore(tmp_path / "a.sqlite3", tmp_path / "attempts")
    cfg = load_interview(OFFICIAL)
    for _ in range(3):
        store.finish(store.start_attempt(cfg).id)
    w = make_window(qtbot, tmp_path, [OFFICIAL], store)
    try:
        assert not w.welcome.continue_button.isEnabled()
        assert "used every attempt" in w.welcome.message.text()
    finally:
        w.shutdown()


def test_interrupted_attempt_offers_resume_from_its_next_question(qtbot, tmp_path):
    store = AttemptStore(tmp_path / "a.sqlite3", tmp_path / "attempts")
    cfg = load_interview(OFFICIAL)
    a = store.start_attempt(cfg)
    store.mark_answered(a.id, cfg.questions[0].id)
    store.mark_answered(a.id, cfg.questions[1].id)
    store.set_state(a.id, "interrupted")
    w = make_window(qtbot, tmp_path, [OFFICIAL], store)
    try:
        assert w.welcome.recovery.isVisible()
        assert w.welcome.resume_button.text().replace("&", "") == "Resume from question 3"
        assert "Finish and submit as it is" in w.welcome.finish_button.text().replace("&", "")
        w.welcome.resume_requested.disconnect(w.resume_choice)  # only the offer is tested here
        with qtbot.waitSignal(w.welcome.resume_requested, timeout=2000) as sig:
            QTest.mouseClick(w.welcome.resume_button, Qt.MouseButton.LeftButton)
        assert sig.args[0].interrupted.id == a.id and sig.args[0].resume_at == 2
    finally:
        w.shutdown()


def test_support_report_has_screenshot_and_logs_but_no_recording(qtbot, tmp_path, kiosk_home):
    from session.runtime import paths
    (paths.log_dir() / "kiosk.log").write_text("INFO kiosk.app: ready\n")
    (paths.log_dir() / "recording.mkv").write_bytes(b"not a log")
    store = AttemptStore(tmp_path / "a.sqlite3", tmp_path / "attempts")
    w = make_window(qtbot, tmp_path, [OFFICIAL], store)
    try:
        w.save_support_report()
        qtbot.waitUntil(lambda: w.status.text().startswith("Support report saved"), timeout=10000)
        path = w.status.text().split(": ", 1)[1]
        with zipfile.ZipFile(path) as z:
            names = z.namelist()
            shot = z.read("screenshot.png")
        assert shot.startswith(b"\x89PNG") and "report.json" in names
        assert any(n.startswith("logs/kiosk.log") for n in names)
        assert not any(n.endswith(".mkv") for n in names)
    finally:
        w.shutdown()


def test_finish_page_shows_bytes_rate_time_left_then_receipt(qtbot):
    page = FinishPage()
    qtbot.addWidget(page)
    page.show_summary({"answered": ["a", "b"], "count": 5, "duration_s": 754})
    assert page.summary.text() == "You answered 2 of 5 questions in 12 min 34 s."
    assert page.title.text() == "Thank you \u2014 the interview is complete"
    page.set_progress(12_300_000, 45_600_000, 1_250_000, 27)
    assert page.upload_detail.text() == "12.3 MB of 45.6 MB · 1.2 MB/s · about 27 s left"
    assert page.bar.value() == 269
    page.show_receipt(
        {
            "attempt_id": "att-7",
            "files": [{"path": "recording.mkv", "size": 45_600_000, "sha256": "ab"}],
        }
    )
    assert "att-7" in page.upload_detail.text()
    assert "recording.mkv (45.6 MB)" in page.receipt.text()


def test_finish_as_is_closes_the_interrupted_attempt_then_reviews_and_finishes(qtbot, tmp_path):
    store = AttemptStore(tmp_path / "a.sqlite3", tmp_path / "attempts")
    cfg = load_interview(OFFICIAL)
    a = store.start_attempt(cfg)
    store.mark_answered(a.id, cfg.questions[0].id)
    store.set_state(a.id, "interrupted")
    w = make_window(qtbot, tmp_path, [OFFICIAL], store)
    try:
        QTest.mouseClick(w.welcome.finish_button, Qt.MouseButton.LeftButton)
        review = w.flow.review_page
        qtbot.waitUntil(lambda: w.stack.currentWidget() is review, timeout=10000)
        qtbot.waitUntil(lambda: review.final_done, timeout=20000)
        assert store.get(a.id).state == "finished"
        QTest.mouseClick(review.submit_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: w.stack.currentWidget() is w.flow.finish_page, timeout=10000)
        assert "No server" in w.flow.finish_page.upload_detail.text()
    finally:
        w.shutdown()


def test_time_left_is_estimating_until_the_rate_is_known() -> None:
    from ui.desktop.finish_page import fmt_eta

    assert fmt_eta(float("inf")) == "estimating time left"
    assert fmt_eta(float("nan")) == "estimating time left"
    assert fmt_eta(None) == "estimating time left"
    assert fmt_eta(75) == "about 1 min 15 s left"


def test_finish_page_counts_questions_answered_with_words_and_says_what_is_missing(qtbot):
    page = FinishPage()
    qtbot.addWidget(page)
    gap = {"device": "camera", "error": "lost", "from": 40.0, "to": 52.0, "duration_s": 12.0}
    page.show_summary(
        {
            "answered": ["a", "b", "c", "d", "e"],
            "answered_with_words": 3,
            "count": 5,
            "duration_s": 600,
            "recording_gaps": [gap],
        }
    )
    assert page.summary.text() == (
        "You answered 3 of 5 questions in 10 min 00 s. 2 questions ended with nothing said. "
        "Part of the recording is missing: the camera recorded nothing for 12 s."
    )
    assert page.title.text() == "Thank you \u2014 your interview is saved"  # not "complete"
    page.show_receipt({"attempt_id": "att-8", "files": [], "recording_gaps": [gap]})
    assert "intact" not in page.upload_detail.text()
    assert "the camera recorded nothing for 12 s" in page.upload_detail.text()
