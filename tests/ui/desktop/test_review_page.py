"""The candidate's review before submitting, through the real engine, recorder, final
transcript pass, upload queue and backend: lines shown by question, the candidate's own
answer played back from the recording, a flag saved and uploaded, Submit starts the upload,
and the reviewer's page shows the flag beside its line."""

from __future__ import annotations

import json

import httpx
import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QStackedWidget

from capture.scripted_microphone import ScriptedMicrophone
from capture.speaker import NullSpeaker
from session.attempt import folder as af
from session.attempt.flags import load_flags
from session.attempt.manifest import read_manifest
from session.interview.config import load_interview
from session.interview.devices import InterviewDevices
from session.interview.options import EngineOptions, EngineParts
from session.runtime.clock import SessionClock
from session.upload.queue import UploadQueue
from speech.offline import read_audio
from tests.backend.server import backend_process
from tests.ui.desktop.test_interview_flow import CONFIG, InstantVoice, NoCaptions
from ui.desktop.flow import FlowOptions, InterviewFlow

pytestmark = pytest.mark.server


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    s = backend_process(tmp_path_factory.mktemp("review-backend") / "data").start()
    yield s
    s.stop()


def group_titles(page) -> list[str]:
    return [page.tree.topLevelItem(i).text(0) for i in range(page.tree.topLevelItemCount())]


def lines_under(page, title: str) -> list[dict]:
    for i in range(page.tree.topLevelItemCount()):
        head = page.tree.topLevelItem(i)
        if head.text(0) == title:
            kids = range(head.childCount())
            return [head.child(j).data(0, Qt.ItemDataRole.UserRole) for j in kids]
    return []


def test_review_by_question_play_flag_and_submit_uploads_the_flag(
    qtbot, runner, tmp_path, testdata, server
):
    from session.interview.engine import InterviewEngine

    path = tmp_path / "ui-test.yaml"
    path.write_text(CONFIG)
    interview = load_interview(path)
    attempt = tmp_path / "attempt"
    answer = read_audio(testdata / "speech" / "jfk.wav")
    mics: list[ScriptedMicrophone] = []
    speaker = NullSpeaker(22050)

    def factory(config, attempt_dir, bridge, options):
        clock = SessionClock()
        mic = ScriptedMicrophone(clock, 0.1)
        mics.append(mic)
        return InterviewEngine(
            config,
            attempt_dir,
            InterviewDevices(None, mic, None),
            bridge,
            EngineOptions(tick_s=0.05),
            clock=clock,
            parts=EngineParts(voice=InstantVoice(clock), captions=NoCaptions),
        )

    queue = UploadQueue(tmp_path / "q.sqlite", server.url, server.token("station", "st-review"))
    stack = QStackedWidget()
    qtbot.addWidget(stack)
    stack.resize(1100, 760)
    options = FlowOptions(
        camera=None, speaker=speaker, engine_factory=factory, upload_queue=queue
    )
    flow = InterviewFlow(stack, runner, options)
    stack.show()
    page = flow.interview_page
    review = flow.review_page
    try:
        flow.begin(interview, attempt, skip_checks=True)
        qtbot.waitUntil(lambda: page.progress.text() == "Question 1 of 2", timeout=15000)
        qtbot.wait(500)
        mics[0].play(answer)  # the candidate answers (no live captions in this test)
        qtbot.waitUntil(lambda: page.progress.text() == "Question 2 of 2", timeout=30000)
        with qtbot.waitSignal(flow.interview_finished, timeout=20000):
            QTest.mouseClick(page.next_button, Qt.MouseButton.LeftButton)
        assert flow.current == "review"
        qtbot.waitUntil(lambda: review.final_done, timeout=30000)

        # The final pass heard the answer the live captions never showed, under its question.
        assert group_titles(review) == ["Introduction", "Question 1", "Question 2"]
        mine = [x for x in lines_under(review, "Question 1") if x["speaker"] == "candidate"]
        assert mine and "country" in " ".join(x["text"] for x in mine).lower()
        assert lines_under(review, "Question 2")[0]["speaker"] == "interviewer"
        assert read_manifest(attempt)["transcript_source"] == "final"

        # Interviewer lines can be neither played nor flagged.
        review.select_line(lambda x: x["speaker"] == "interviewer")
        assert not review.flag_button.isEnabled() and not review.play_button.isEnabled()

        # Play back the candidate's own line: real audio from the recording reaches the speaker.
        line = review.select_line(lambda x: "country" in x["text"].lower())
        assert line is not None and review.play_button.isEnabled()
        QTest.mouseClick(review.play_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: speaker.queued_seconds > 0 or speaker.playing, timeout=10000)
        assert speaker.queued_seconds <= line["end"] - line["start"] + 1.0

        # Flag it with a note.
        QTest.keyClicks(review.note, "I said ask what you can do")
        QTest.mouseClick(review.flag_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: bool(load_flags(attempt)), timeout=5000)
        flag = load_flags(attempt)[0]
        assert (flag["text"], flag["note"]) == (line["text"], "I said ask what you can do")
        qtbot.waitUntil(lambda: "flagged" in review.tree.currentItem().text(0), timeout=5000)
        transcript = json.loads((attempt / af.TRANSCRIPT).read_text())
        assert line in transcript  # the transcript itself is unchanged

        # Submit: the finish page, and the upload with the flag in it.
        with qtbot.waitSignal(flow.uploaded, timeout=60000) as sent:
            QTest.mouseClick(review.submit_button, Qt.MouseButton.LeftButton)
            qtbot.waitUntil(lambda: flow.current == "finish", timeout=5000)
        receipt = sent.args[0]
        assert af.FLAGS in [f["path"] for f in receipt["files"]]
        stored = server.data_dir / "attempts" / receipt["attempt_id"]
        assert json.loads((stored / af.FLAGS).read_text())[0]["note"] == flag["note"]
        token = server.token("reviewer", "rita")
        html = httpx.get(
            f"{server.url}/review/attempts/{receipt['attempt_id']}",
            headers={"Authorization": f"Bearer {token}"},
        ).text
        assert "flagged this line as not what they said" in html
        assert "I said ask what you can do" in html
    finally:
        flow.stop(5.0)
        queue.stop()


def test_submit_pressed_before_the_final_pass_ends_waits_for_it(qtbot, runner, tmp_path):
    """Submit during the pass: nothing is sent until the final transcript is in place."""
    import threading

    from ui.desktop.review_page import ReviewPage

    (tmp_path / af.TRANSCRIPT).write_text("[]")
    release = threading.Event()
    page = ReviewPage(runner)
    qtbot.addWidget(page)
    page.show()
    page.begin(tmp_path, False, lambda folder, progress: release.wait(10) and None)
    submitted: list[bool] = []
    page.submit_requested.connect(lambda: submitted.append(True))
    QTest.mouseClick(page.submit_button, Qt.MouseButton.LeftButton)
    assert not submitted and not page.submit_button.isEnabled()
    assert "when the transcript is ready" in page.submit_button.text()
    release.set()
    qtbot.waitUntil(lambda: bool(submitted), timeout=5000)
    assert "Nothing was heard" in page.tree.topLevelItem(0).text(0)


def test_a_failed_final_pass_says_the_live_transcript_is_shown(qtbot, runner, tmp_path):
    from ui.desktop.review_page import ReviewPage

    (tmp_path / af.TRANSCRIPT).write_text(
        json.dumps([{"start": 1, "end": 2, "speaker": "candidate", "text": "live words"}])
    )
    page = ReviewPage(runner)
    qtbot.addWidget(page)

    def broken(folder, progress):
        raise RuntimeError("disk unreadable")

    page.begin(tmp_path, True, broken)
    qtbot.waitUntil(lambda: page.final_done, timeout=5000)
    assert "live transcript" in page.status.text() and "disk unreadable" in page.status.text()
    assert page.submit_button.text().replace("&", "") == "Finish practice"
    assert page.select_line(lambda x: x["text"] == "live words") is not None
    assert np.isfinite(page.bar.value())
