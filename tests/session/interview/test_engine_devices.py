"""The engine on real devices: the interviewer's voice goes to the PulseAudio virtual
speaker, which the virtual microphone hears (like laptop speakers and mic), and the
candidate's answer is played into the same room. The echo gate must keep the interviewer's
own voice out of the candidate's captions and must not take it for a barge-in."""

from __future__ import annotations

import json
import re
import threading
import time

import jiwer
import pytest

from capture.camera import CameraSource
from capture.microphone import MicrophoneSource
from capture.speaker import Speaker
from session.attempt.events import read_events
from session.interview.config import parse_interview
from session.interview.devices import InterviewDevices
from session.interview.engine import InterviewEngine
from session.interview.options import EngineOptions
from session.runtime.clock import SessionClock
from tests.conftest import FACES, SPEECH
from tests.heard import Heard

CONFIG = parse_interview(
    {
        "id": "device-test",
        "title": "Device test",
        "role": "Tester",
        "intro": "Hello, and welcome to this short interview.",
        "closing": "Goodbye.",
        "short_answer_words": 0,
        "silence": {"end_of_turn_s": 1.5, "long_pause_s": 30},
        "questions": [
            {"id": "one", "text": "Please tell me about the most interesting project you led."},
            {"id": "two", "text": "What would you like to ask us?"},
        ],
    }
)
CLIP = "cathy_arctic_a0022_1592748039.wav"


def normalise(text: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9']+", " ", text.lower()).split())


@pytest.mark.device
@pytest.mark.model
def test_interviewer_voice_heard_by_the_mic_is_not_captioned_but_the_answer_is(
    tmp_path, virtual_mic, virtual_speaker, play_to_mic, speech_refs
):
    clock = SessionClock()
    asked = threading.Event()
    second = threading.Event()

    def on_line(kind, text, started):
        if started and "like to ask us" in text:
            second.set()
        if not started and kind == "question" and "interesting project" in text:
            asked.set()

    engine = InterviewEngine(
        CONFIG,
        tmp_path / "attempt",
        InterviewDevices(
            CameraSource(FACES / "fr_obama_small.jpg", clock, fps=10),
            MicrophoneSource(virtual_mic, clock),
            Speaker("pulse"),
        ),
        Heard(on_line=on_line),
        EngineOptions(face_checks=False),
        clock=clock,
    )
    engine.start()
    try:
        assert asked.wait(30), "the first question was not spoken"
        time.sleep(0.8)
        play_to_mic(SPEECH / CLIP).wait(15)
        assert second.wait(20), "the answer's end of turn did not move the interview on"
    finally:
        engine.stop(10.0)

    transcript = json.loads((tmp_path / "attempt" / "transcript.json").read_text())
    said = " ".join(e["text"] for e in transcript if e["speaker"] == "candidate")
    reference = {r["file"]: r["reference_text"] for r in speech_refs}[CLIP]
    assert jiwer.wer(normalise(reference), normalise(said) or "<nothing>") <= 0.25, said
    assert "interesting project" not in normalise(said)  # the interviewer's echo
    types = [e["type"] for e in read_events(tmp_path / "attempt" / "events.jsonl")]
    assert "barge_in" not in types
