"""The engine-to-captions-bar contract: what the candidate said stays on screen.

The real engine (fake voice, camera and captioner only) runs an interview; caption updates
are pushed through its caption path, the real Bridge and the real InterviewPage into the
real CaptionsBar. A committed sentence used to vanish from the bar the moment it was
written to transcript.json, and again after every pause."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from speech.captioner import CaptionUpdate, Word
from tests.session.interview.test_engine import make_engine
from ui.desktop.interview_page import InterviewPage
from ui.qt.bridge import Bridge, TaskRunner

SENTENCE = "I build web shops."


def words(text: str, start: float) -> list[Word]:
    return [Word(start + i * 0.3, start + i * 0.3 + 0.25, w) for i, w in enumerate(text.split())]


def shown(page: InterviewPage) -> str:
    return " ".join(page.captions.visible_lines())


def candidate_lines(folder: Path) -> list[str]:
    path = folder / "transcript.json"
    if not path.exists():
        return []
    return [e["text"] for e in json.loads(path.read_text()) if e["speaker"] == "candidate"]


@pytest.mark.model
def test_a_committed_sentence_stays_in_the_captions_bar_after_commit_and_pause(
    qtbot, tmp_path
):
    runner = TaskRunner()
    page = InterviewPage(runner)
    qtbot.addWidget(page)
    bridge = Bridge()
    updates: list = []

    def captions(on_update):  # the engine's caption worker: we push its updates by hand
        updates.append(on_update)
        from tests.session.interview.test_engine import FakeCaptions

        return FakeCaptions(lambda _u: None)

    engine, _mic, _voice, _camera = make_engine(
        tmp_path / "attempt", listener=bridge, captions=captions
    )
    page.attach(engine, bridge, tmp_path / "attempt")
    engine.start()
    try:
        qtbot.waitUntil(lambda: engine.state == "listening", timeout=10_000)
        push = updates[0]
        t = engine.clock()
        push(CaptionUpdate(committed=[], tentative=words("I build web", t), start=t, end=t))
        qtbot.waitUntil(lambda: "I build web" in shown(page), timeout=3_000)

        # The sentence is committed: it ends with a full stop, so it goes to the transcript.
        push(CaptionUpdate(committed=words(SENTENCE, t), tentative=[], start=t, end=t + 2))
        qtbot.waitUntil(lambda: SENTENCE in candidate_lines(tmp_path / "attempt"), timeout=3_000)
        qtbot.wait(300)  # every queued signal has reached the bar
        assert SENTENCE in shown(page), shown(page)

        # A pause: the captioner reports nothing new; the sentence is still what was said.
        push(CaptionUpdate(committed=[], tentative=[], start=t + 2, end=t + 4))
        qtbot.wait(300)
        assert SENTENCE in shown(page), shown(page)
        assert "You:" in page.captions.plain_text()
    finally:
        page.detach()
        engine.stop(5.0)
