"""The interview page driven by the real interview engine through a short interview: buttons
reach the engine, questions and captions show up, the whiteboard appears for its question
and autosaves, the review page and then the finish page follow."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QStackedWidget

from capture.scripted_microphone import ScriptedMicrophone
from session.attempt.events import read_events
from session.attempt.whiteboard import load_strokes
from session.interview.config import load_interview
from session.interview.devices import InterviewDevices
from session.interview.options import EngineOptions, EngineParts
from session.runtime.clock import SessionClock
from tests.ui.mouse import draw
from ui.desktop.flow import FlowOptions, InterviewFlow

CONFIG = """
id: ui-test
title: UI test interview
role: Tester
short_answer_words: 0
total_time_s: 300
silence: {end_of_turn_s: 2.0, long_pause_s: 30.0}
intro: Hello.
closing: Thank you.
questions:
  - id: motivation
    text: Why do you want this job?
    clarification: Tell me what attracts you.
    time_limit_s: 60
  - id: design
    text: Sketch the parts of a small web shop on the whiteboard.
    requires: whiteboard
    time_limit_s: 60
"""


class InstantVoice:
    """The interviewer's lines end as soon as they start (keeps the test short); the engine,
    driver, recorder and events are the real ones."""

    def __init__(self, clock):
        self.clock = clock
        self.lines: list[str] = []

    def say(self, text, started, ended):
        self.lines.append(text)
        t = self.clock()
        started(t)
        ended(t + 0.01, False)

    def stop(self):
        pass

    def close(self, timeout=None):
        pass


class NoCaptions:
    def __init__(self, callback):
        self.callback = callback

    def feed(self, block, speech=None):
        pass

    def flush(self):
        pass

    def stop(self, timeout=None):
        return True


@pytest.fixture
def interview(tmp_path: Path):
    path = tmp_path / "ui-test.yaml"
    path.write_text(CONFIG)
    return load_interview(path)


def test_interview_page_drives_real_engine_and_autosaves_whiteboard(
    qtbot, runner, interview, tmp_path
):
    from session.interview.engine import InterviewEngine

    attempt = tmp_path / "attempt"
    engines: list = []

    def factory(config, attempt_dir, bridge, options):
        clock = SessionClock()
        voice = InstantVoice(clock)
        engine = InterviewEngine(
            config,
            attempt_dir,
            InterviewDevices(None, ScriptedMicrophone(clock, 0.1), None),
            bridge,
            EngineOptions(tick_s=0.05),
            clock=clock,
            parts=EngineParts(voice=voice, captions=NoCaptions),
        )
        engines.append(engine)
        return engine

    stack = QStackedWidget()
    qtbot.addWidget(stack)
    stack.resize(1100, 760)
    flow = InterviewFlow(stack, runner, FlowOptions(camera=None, engine_factory=factory))
    stack.show()
    page = flow.interview_page
    try:
        flow.begin(interview, attempt, skip_checks=True)
        assert flow.current == "interview"
        qtbot.waitUntil(lambda: page.progress.text() == "Question 1 of 2", timeout=15000)
        assert "Why do you want this job?" in page.question.text()
        assert page.whiteboard is None or not page.whiteboard.isVisible()
        assert page.time_left.text().startswith("Time left: ")

        QTest.mouseClick(page.clarify_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(
            lambda: "Tell me what attracts you." in engines[0].voice.lines, timeout=5000
        )
        QTest.mouseClick(page.next_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: page.progress.text() == "Question 2 of 2", timeout=10000)
        # the engine's whiteboard event follows its question
        qtbot.waitUntil(lambda: page.whiteboard is not None and page.whiteboard.isVisible())
        board = page.whiteboard
        assert board.folder == attempt / "whiteboard"

        draw(board.canvas, [QPoint(30, 30), QPoint(80, 50), QPoint(140, 110)])
        board.set_tool("rect")
        draw(board.canvas, [QPoint(200, 40), QPoint(300, 140)])
        strokes_file = attempt / "whiteboard" / "strokes.json"

        def saved_tools() -> list[str]:
            if not strokes_file.exists():
                return []
            pages = json.loads(strokes_file.read_text())["pages"]
            return [s["tool"] for s in pages.get("1", [])]

        # The autosave timer (every 3 s) writes the strokes without any other trigger.
        qtbot.waitUntil(lambda: saved_tools() == ["pen", "rect"], timeout=8000)

        # Focus lost while the interview runs is noted in the timeline.
        page._on_app_state(Qt.ApplicationState.ApplicationInactive)
        page._on_app_state(Qt.ApplicationState.ApplicationActive)

        with qtbot.waitSignal(flow.interview_finished, timeout=20000):
            QTest.mouseClick(page.next_button, Qt.MouseButton.LeftButton)
        # The candidate reviews first; Submit shows the finish page.
        assert flow.current == "review"
        qtbot.waitUntil(lambda: flow.review_page.final_done, timeout=20000)
        with qtbot.waitSignal(flow.finish_shown, timeout=5000):
            QTest.mouseClick(flow.review_page.submit_button, Qt.MouseButton.LeftButton)
        assert flow.current == "finish"
        # Both questions were moved on from with Next and nothing said: the page says so.
        assert flow.finish_page.summary.text().startswith("You answered 0 of 2 questions")
        assert "2 questions ended with nothing said." in flow.finish_page.summary.text()
        qtbot.waitUntil(
            lambda: (attempt / "whiteboard" / "snapshot-2-1.png").exists(), timeout=5000
        )
        restored = load_strokes(attempt / "whiteboard")
        assert restored.page_strokes(1) == board.model.page_strokes(1)
        types = [e["type"] for e in read_events(attempt / "events.jsonl")]
        assert "focus_lost" in types and "focus_gained" in types
        assert types.count("question_asked") >= 2
    finally:
        flow.stop(5.0)
        assert all(not t.is_alive() for e in engines for t in e._threads)
    assert threading.active_count() < 20


def test_end_interview_asks_first_and_keep_going_does_not_end(qtbot, runner, interview, tmp_path):
    calls: list[str] = []

    class Recorder:
        """Records button presses (unit test of the page's wiring only)."""

        def __getattr__(self, name):
            return lambda *a: calls.append(name)

    from ui.desktop.interview_page import InterviewPage
    from ui.qt.bridge import Bridge

    page = InterviewPage(runner)
    qtbot.addWidget(page)
    page.show()
    page.attach(Recorder(), Bridge(), tmp_path)
    QTest.mouseClick(page.end_button, Qt.MouseButton.LeftButton)
    box = page.confirm_box
    assert box is not None and box.isVisible()
    box.button(box.StandardButton.No).click()
    assert "end_interview" not in calls and page.end_button.isEnabled()
    QTest.mouseClick(page.end_button, Qt.MouseButton.LeftButton)
    with qtbot.waitSignal(page.end_confirmed, timeout=2000):
        page.confirm_box.button(box.StandardButton.Yes).click()
    assert calls[-1] == "end_interview" and not page.end_button.isEnabled()
    page.detach()


def test_closing_the_window_mid_interview_stops_everything_in_time_and_keeps_the_recording(
    qtbot, interview, tmp_path
):
    import time

    from session.attempt.manifest import read_manifest
    from session.attempt.store import AttemptStore
    from ui.desktop.main_window import AppOptions, MainWindow

    engines: list = []

    def factory(config, attempt, bridge, options):
        clock = SessionClock()
        engine = InterviewEngine(
            config,
            attempt,
            InterviewDevices(None, ScriptedMicrophone(clock, 0.1), None),
            bridge,
            clock=clock,
            parts=EngineParts(store=options.store, voice=InstantVoice(clock), captions=NoCaptions),
        )
        engines.append(engine)
        return engine

    from session.interview.engine import InterviewEngine

    store = AttemptStore(tmp_path / "a.sqlite3", tmp_path / "attempts")
    opts = FlowOptions(camera=None, engine_factory=factory, store=store)
    w = MainWindow(AppOptions(interviews=[], flow=opts, store=store))
    w.show()
    attempt = store.start_attempt(interview)
    w.flow.begin(interview, attempt, skip_checks=True)
    qtbot.waitUntil(lambda: w.flow.interview_page.progress.text() != "", timeout=15000)
    t0 = time.monotonic()
    w.close()
    took = time.monotonic() - t0
    assert took < 8.0
    assert all(not t.is_alive() for t in engines[0]._threads)
    assert w.shutdown() is True  # idempotent: the second call does nothing
    assert read_manifest(attempt.dir)["state"] == "interrupted"
    assert store.get(attempt.id).state == "interrupted"
    assert any(p.name.startswith("recording") for p in attempt.dir.iterdir())


class StuckVoice(InstantVoice):
    """A voice whose closing line never ends (an audio device that stopped playing)."""

    def say(self, text, started, ended):
        self.lines.append(text)
        started(self.clock())
        if "Thank you." not in text:
            ended(self.clock() + 0.01, False)


def test_end_interview_never_hangs_on_a_stuck_closing_line(qtbot, runner, interview, tmp_path):
    from session.attempt.store import AttemptStore
    from session.interview.engine import InterviewEngine

    store = AttemptStore(tmp_path / "a.sqlite3", tmp_path / "attempts")
    attempt = store.start_attempt(interview)

    def factory(config, attempt_, bridge, options):
        clock = SessionClock()
        return InterviewEngine(
            config,
            attempt_,
            InterviewDevices(None, ScriptedMicrophone(clock, 0.1), None),
            bridge,
            clock=clock,
            parts=EngineParts(store=store, voice=StuckVoice(clock), captions=NoCaptions),
        )

    stack = QStackedWidget()
    qtbot.addWidget(stack)
    opts = FlowOptions(camera=None, engine_factory=factory, store=store)
    flow = InterviewFlow(stack, runner, opts)
    flow._end_watchdog.setInterval(1500)
    stack.show()
    page = flow.interview_page
    try:
        flow.begin(interview, attempt, skip_checks=True)
        qtbot.waitUntil(lambda: page.progress.text() == "Question 1 of 2", timeout=15000)
        QTest.mouseClick(page.end_button, Qt.MouseButton.LeftButton)
        with qtbot.waitSignal(flow.interview_finished, timeout=20000):
            page.confirm_box.button(page.confirm_box.StandardButton.Yes).click()
        assert flow.current == "review"
        qtbot.waitUntil(lambda: store.get(attempt.id).state == "finished", timeout=15000)
    finally:
        flow.stop(5.0)


def test_interview_page_mnemonics_are_unique_with_the_whiteboard_shown(qtbot, runner, tmp_path):
    import re

    from PySide6.QtWidgets import QAbstractButton

    from session.interview.config import Question
    from ui.desktop.interview_page import InterviewPage

    page = InterviewPage(runner)
    qtbot.addWidget(page)
    page._attempt_dir = tmp_path
    page.show_question(0, 1, Question("q", "Draw it.", requires="whiteboard"))
    page.show_whiteboard(True)  # the engine's word after the question
    keys = [
        m.group(1).lower()
        for b in page.findChildren(QAbstractButton)
        if (m := re.search(r"&(\w)", b.text()))
    ]
    assert len(keys) >= 11 and len(keys) == len(set(keys)), keys
    page.whiteboard.stop()


def attached_page(qtbot, runner, tmp_path):
    """An interview page shown and attached to a bridge (no engine behind it)."""
    from ui.desktop.interview_page import InterviewPage
    from ui.qt.bridge import Bridge

    page = InterviewPage(runner)
    qtbot.addWidget(page)
    bridge = Bridge()
    page.attach(object(), bridge, tmp_path)
    page.show()
    return page, bridge


def test_a_device_that_stops_is_explained_on_the_interview_page_until_it_is_back(
    qtbot, runner, tmp_path
):
    page, bridge = attached_page(qtbot, runner, tmp_path)
    assert not page.device_problem.isVisible()
    # The engine's callback, from its pump thread, through the bridge.
    threading.Thread(
        target=bridge.on_device,
        args=("microphone", "Microphone USB stopped working", "Check that it is plugged in."),
    ).start()
    qtbot.waitUntil(page.device_problem.isVisible, timeout=3000)
    text = page.device_problem.text()
    assert text.startswith("Microphone USB stopped working. Check that it is plugged in.")
    assert text.endswith("what you say is not recorded; the microphone reconnects by itself.")
    bridge.device.emit("camera", "Camera 0 stopped sending pictures", "Check the cable.")
    assert page.device_problem.text().count("\n") == 1  # both problems, one line each
    bridge.device.emit("microphone", "", "")
    assert page.device_problem.text().startswith("Camera 0 stopped sending pictures.")
    bridge.device.emit("camera", "", "")
    assert not page.device_problem.isVisible()
    bridge.device.emit("speaker", "The interviewer's voice did not play", "Check your speakers.")
    assert page.device_problem.text() == (
        "The interviewer's voice did not play. Check your speakers. "
        "Every question is also shown here."
    )
    page.detach()


def test_a_follow_up_from_the_engine_becomes_the_prompt_on_screen(qtbot, runner, tmp_path):
    import threading

    from session.interview.config import Question
    from ui.desktop.interview_page import InterviewPage
    from ui.qt.bridge import Bridge

    page = InterviewPage(runner)
    qtbot.addWidget(page)
    bridge = Bridge()
    for signal, slot in page._connections(bridge):
        signal.connect(slot)
    page.show_question(1, 4, Question("q", "Tell me about a system you built."))
    line = "How did you keep the billing pipeline on Kafka from charging twice?"
    worker = threading.Thread(target=bridge.on_prompt, args=(line, "follow_up"))
    worker.start()  # the engine calls its listener from its own threads
    worker.join()
    qtbot.waitUntil(lambda: page.question.text() == line, timeout=2000)
    assert page.progress.text() == "Question 2 of 4 · follow-up"
    bridge.on_prompt("Any system counts.", "clarification")
    qtbot.waitUntil(lambda: page.progress.text() == "Question 2 of 4 · clarification", timeout=2000)
    page.show_question(2, 4, Question("q2", "Next one."))
    assert (page.question.text(), page.progress.text()) == ("Next one.", "Question 3 of 4")


def test_an_interviewer_that_is_not_available_is_said_once_on_the_page(qtbot, runner, tmp_path):
    page, bridge = attached_page(qtbot, runner, tmp_path)
    assert not page.notice.isVisible()
    text = "The AI interviewer is not available (no model); the interview's own follow-up"
    threading.Thread(target=bridge.on_notice, args=(text,)).start()  # the engine's thread
    qtbot.waitUntil(page.notice.isVisible, timeout=3000)
    assert page.notice.text() == text and not page.device_problem.isVisible()
    page.attach(object(), type(bridge)(), tmp_path)  # the next interview starts without it
    assert not page.notice.isVisible()
    page.detach()
