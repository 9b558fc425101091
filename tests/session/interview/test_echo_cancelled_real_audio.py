"""The echo canceller on the real PulseAudio path: the interviewer's real Piper voice plays on
the virtual speaker, which the virtual microphone hears (a laptop's speakers and mic, no
headphones). With the canceller, the recorded microphone holds far less of that voice than
without it. Barge-in latency, the candidate's WER while talking over a question and false
barge-ins over 20 lines are measured by bench/barge_in.py (not yet within their goals)."""

from __future__ import annotations

import json
import threading

import numpy as np
import pytest

from session.attempt.events import read_events
from session.interview.config import parse_interview
from session.interview.options import EngineOptions
from session.runtime.clock import SessionClock
from speech.echo import rms_db
from speech.offline import read_audio
from tests.heard import Heard

pytestmark = [pytest.mark.device, pytest.mark.model]

QUESTION = (
    "Please tell me about the most interesting project you led in the last few years, what "
    "the team set out to build, which parts of it you designed yourself, and how you measured "
    "whether it worked."
)
CONFIG = parse_interview(
    {
        "id": "echo-test",
        "title": "Echo test",
        "role": "Tester",
        "intro": "Hello, and welcome to this short interview about your work.",
        "closing": "Goodbye.",
        "short_answer_words": 0,
        "silence": {"end_of_turn_s": 1.5, "long_pause_s": 30},
        "questions": [
            {"id": "one", "text": QUESTION},
            {"id": "two", "text": "What would you like to ask us?"},
        ],
    }
)


def engine_in_the_room(folder, virtual_mic, listener, clock, cancel: bool):
    from capture.camera import CameraSource
    from capture.microphone import MicrophoneSource
    from capture.speaker import Speaker
    from session.interview.devices import InterviewDevices
    from session.interview.engine import InterviewEngine
    from tests.conftest import FACES

    return InterviewEngine(
        CONFIG,
        folder,
        InterviewDevices(
            CameraSource(FACES / "fr_obama_small.jpg", clock, fps=10),
            MicrophoneSource(virtual_mic, clock),
            Speaker("pulse"),
        ),
        listener,
        EngineOptions(face_checks=False, echo_cancellation=cancel),
        clock=clock,
    )


def question_level_db(folder) -> float:
    """The median 100 ms level of the recorded microphone over the question's second half
    (the canceller has had the intro and half a line to settle)."""
    events = list(read_events(folder / "events.jsonl"))
    t0 = next(e["t"] for e in events if e["type"] == "recording_started")
    line = next(
        e for e in json.loads((folder / "transcript.json").read_text())
        if e["text"] == QUESTION
    )
    audio = read_audio(folder / "recording.mkv")
    assert t0 >= 0
    a, b = (line["start"] + line["end"]) / 2, line["end"]
    n = 1600
    levels = [rms_db(audio[i : i + n]) for i in range(int(a * 16000), int(b * 16000) - n, n)]
    return float(np.median(levels))


def run_the_question(folder, virtual_mic, cancel: bool) -> float:
    clock = SessionClock()
    asked = threading.Event()

    def on_line(kind, text, started):
        if not started and kind == "question":
            asked.set()

    engine = engine_in_the_room(folder, virtual_mic, Heard(on_line=on_line), clock, cancel)
    engine.start()
    try:
        assert asked.wait(60), "the question was not spoken"
    finally:
        engine.stop(10.0)
    return question_level_db(folder)


def test_the_interviewers_voice_is_taken_out_of_the_microphone(tmp_path, virtual_mic):
    """The same room, the same line: with the canceller the recorded microphone holds the
    interviewer's voice at least 10 dB lower than without it (measured in clean CI: 14.9 dB,
    -40.2 against -25.3 dB; more on a quiet machine)."""
    without = run_the_question(tmp_path / "without", virtual_mic, False)
    with_canceller = run_the_question(tmp_path / "with", virtual_mic, True)
    assert without >= -35.0, f"the room did not carry the voice ({without:.1f} dB)"
    assert with_canceller <= without - 10.0, (with_canceller, without)
