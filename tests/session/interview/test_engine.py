"""The engine's wiring and lifecycle: real recorder, VAD, turn detector, echo gate, event log,
attempt store and scripted microphone; the voice and captioner are small stand-ins here
(the real ones are exercised end to end by tests/cli/test_run.py)."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from capture.microphone import read_wav_16k
from capture.scripted_microphone import ScriptedMicrophone
from capture.types import DeviceInfo, VideoFrame
from session.attempt.events import read_events
from session.attempt.store import AttemptState, AttemptStore
from session.interview.config import parse_interview
from session.interview.devices import InterviewDevices
from session.interview.engine import InterviewEngine
from session.interview.options import EngineOptions, EngineParts
from session.interview.simulated_candidate import PROMPT_KINDS
from session.runtime.clock import SessionClock
from speech.captioner import Word
from tests.conftest import SPEECH
from tests.heard import Heard

CONFIG = parse_interview(
    {
        "id": "engine-test",
        "title": "Engine test",
        "role": "Tester",
        "intro": "Hello.",
        "closing": "Goodbye.",
        "short_answer_words": 0,
        "silence": {"end_of_turn_s": 0.8, "long_pause_s": 6.0},
        "questions": [
            {"id": "one", "text": "First question?"},
            {"id": "two", "text": "Second question?", "requires": "screen_share"},
        ],
    }
)
CLIP = SPEECH / "cathy_arctic_a0024_1592747999.wav"
CLIP_TEXT = "It was my reports from the north which chiefly induced people to buy."


class FakeCamera:
    def __init__(self, clock, fps: float = 10.0) -> None:
        self.clock, self.period, self.k, self.closed = clock, 1.0 / fps, 0, False

    def open(self) -> None:
        self.t0 = time.monotonic()

    def read(self, timeout=None):
        due = self.t0 + self.k * self.period
        wait = due - time.monotonic()
        if timeout is not None and wait > timeout:
            time.sleep(timeout)
            return None
        time.sleep(max(0.0, wait))
        self.k += 1
        return VideoFrame(np.full((48, 64, 3), 80, np.uint8), self.clock(), self.k - 1)

    def close(self) -> None:
        self.closed = True

    def info(self) -> DeviceInfo:
        return DeviceInfo("camera", "fake", "fake", {"fps": 10.0})


class FakeVoice:
    """Speaks for `seconds` per line on its own thread; stop() cuts the line short."""

    def __init__(self, clock, seconds: float = 0.3) -> None:
        self.clock, self.seconds = clock, seconds
        self.said: list[str] = []
        self.stops = 0
        self._cut = threading.Event()

    def say(self, text, on_start, on_end) -> None:
        self.said.append(text)
        self._cut = cut = threading.Event()

        def speak() -> None:
            on_start(self.clock())
            interrupted = cut.wait(self.seconds)
            on_end(self.clock(), interrupted)

        threading.Thread(target=speak, daemon=True).start()

    def stop(self) -> None:
        self.stops += 1
        self._cut.set()


class FakeCaptions:
    """Commits the clip's known words when the speech it was fed ends: speech as the
    microphone's VAD marked it in the frames that come with each block."""

    def __init__(self, on_update) -> None:
        self.on_update, self.loud_at, self.stopped = on_update, None, False

    def feed(self, block, speech) -> None:
        if any(f.is_speech for f in speech):
            self.loud_at = block.t
        elif self.loud_at is not None and block.t - self.loud_at > 0.5:
            self.loud_at = None
            start = block.t - 3.0
            words = [
                Word(start + i * 0.2, start + i * 0.2 + 0.15, w)
                for i, w in enumerate(CLIP_TEXT.split())
            ]
            self.on_update(type("U", (), {"committed": words, "tentative": []})())

    def flush(self) -> None:
        pass

    def stop(self, timeout=None) -> None:
        self.stopped = True


class FakeScreen:
    def __init__(self, clock) -> None:
        self.clock, self.k = clock, 0

    def open(self) -> None:
        pass

    def read(self, timeout=None):
        time.sleep(0.25)
        self.k += 1
        return VideoFrame(np.zeros((120, 160, 3), np.uint8), self.clock(), self.k)

    def close(self) -> None:
        pass


def make_engine(
    attempt,
    voice_s: float = 0.3,
    store=None,
    listener=None,
    captions=None,
    brain: str = "scripted",
    **handlers,
):
    """The engine on fakes; ``listener`` or the ``on_*`` ``handlers`` hear it."""
    clock = SessionClock()
    mic = ScriptedMicrophone(clock, block_s=0.05)
    voice = FakeVoice(clock, voice_s)
    opts = EngineOptions(face_lost_s=1.0, preset="ultrafast", brain=brain)
    parts = EngineParts(
        store=store, voice=voice, captions=captions or FakeCaptions, screen=FakeScreen
    )
    camera = FakeCamera(clock)
    devices = InterviewDevices(camera, mic, None)
    engine = InterviewEngine(
        CONFIG, attempt, devices, listener or Heard(**handlers), opts, clock=clock, parts=parts
    )
    return engine, mic, voice, camera


@pytest.mark.model
def test_a_whole_interview_writes_a_finished_attempt_folder(tmp_path):
    store = AttemptStore()
    attempt = store.start_attempt(CONFIG, tmp_path / "attempt")
    clip = read_wav_16k(CLIP)
    seen: dict[str, list] = {
        "questions": [],
        "states": [],
        "frames": [],
        "finished": [],
        "sharing": [],
    }
    holder: list = []

    def on_line(kind, text, started):
        if not started and kind in PROMPT_KINDS:
            holder[0].play(clip)

    engine, mic, voice, camera = make_engine(
        attempt,
        store=store,
        on_line=on_line,
        on_question=lambda i, n, q: seen["questions"].append((i, n, q.id)),
        on_state=seen["states"].append,
        on_frame=lambda f, faces=None: seen["frames"].append(f.index),
        on_finished=seen["finished"].append,
        on_screen_share=seen["sharing"].append,
    )
    holder.append(mic)
    engine.start()
    assert engine.wait(40), "the interview did not finish"
    assert engine.stop(5.0) and engine.stop(5.0)  # idempotent

    summary = seen["finished"][0]
    assert summary["state"] == "finished" and summary["answered"] == ["one", "two"]
    assert summary["questions_asked"] == 2 and summary["transcript_words"] == 2 * 13
    assert seen["questions"] == [(0, 2, "one"), (1, 2, "two")]
    assert seen["sharing"] == [True, False]  # recorded for question two, closed at the end
    assert seen["states"][:2] == ["starting", "intro"] and "listening" in seen["states"]
    assert seen["states"][-2:] == ["closing", "finished"]
    assert {"speaking", "closing"} <= set(seen["states"])
    assert len(seen["frames"]) > 10 and camera.closed
    assert voice.said == ["Hello.", "First question?", "Thank you. Second question?", "Goodbye."]

    folder = tmp_path / "attempt"
    manifest = json.loads((folder / "attempt.json").read_text())
    assert manifest["state"] == "finished" and manifest["finished_at"]
    files = {f["path"] for f in manifest["files"]}
    assert {"recording.mkv", "screen.mkv", "transcript.json", "events.jsonl"} <= files
    transcript = json.loads((folder / "transcript.json").read_text())
    speakers = [e["speaker"] for e in transcript]
    # intro, question 1, answer, question 2, answer, closing
    expected = ["interviewer", "interviewer", "candidate", "interviewer", "candidate"]
    assert speakers == [*expected, "interviewer"]
    assert all(e["end"] >= e["start"] for e in transcript)
    types = [e["type"] for e in read_events(folder / "events.jsonl")]
    for t in (
        "face_lost",  # the stand-in camera shows a grey wall
        "interview_started",
        "recording_started",
        "question_asked",
        "question_ended",
        "screen_share_started",
        "screen_share_stopped",
        "interview_finished",
    ):
        assert t in types, t
    row = store.get(attempt.id)
    assert row.state is AttemptState.FINISHED and row.answered == ("one", "two")


@pytest.mark.model
def test_stopping_mid_interview_leaves_a_resumable_interrupted_attempt(tmp_path):
    store = AttemptStore()
    attempt = store.start_attempt(CONFIG, tmp_path / "attempt")
    finished = []
    engine, *_ = make_engine(attempt, store=store, on_finished=finished.append)
    engine.start()
    time.sleep(1.5)  # first question asked, nobody answers
    t0 = time.monotonic()
    assert engine.stop(5.0)
    assert time.monotonic() - t0 < 5.0
    assert finished[0]["state"] == "interrupted" and finished[0]["answered"] == []
    manifest = json.loads((tmp_path / "attempt" / "attempt.json").read_text())
    assert manifest["state"] == "interrupted"
    assert store.get(attempt.id).state is AttemptState.INTERRUPTED
    assert engine.summary["recording"] == "ok"


@pytest.mark.model
def test_a_model_that_cannot_be_had_is_logged_and_the_interview_goes_on_scripted(
    tmp_path, monkeypatch
):
    monkeypatch.setenv("INTERVIEW_KIOSK_MODELS", str(tmp_path / "no-models"))
    attempt = AttemptStore().start_attempt(CONFIG, tmp_path / "attempt")
    notices: list[str] = []
    engine, *_ = make_engine(attempt, brain="local", on_notice=notices.append)
    engine.start()
    time.sleep(1.0)
    assert engine.stop(5.0)
    (notice,) = [
        e
        for e in read_events(tmp_path / "attempt" / "events.jsonl")
        if e["type"] == "brain_unavailable"
    ]
    assert notice["wanted"] == "local" and "make setup" in notice["message"]
    assert notices == [notice["message"]]  # said once, to whoever shows the interview
    assert (
        engine.summary["brain"] == "scripted" and "not available" in engine.summary["brain_notice"]
    )


@pytest.mark.model
def test_talking_over_the_interviewer_stops_the_voice(tmp_path):
    engine, mic, voice, _ = make_engine(tmp_path / "attempt", voice_s=6.0)
    engine.start()
    time.sleep(0.8)  # the intro is being spoken
    mic.play(read_wav_16k(CLIP))
    deadline = time.monotonic() + 5
    while voice.stops == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    engine.stop(5.0)
    assert voice.stops >= 1
    events = [e["type"] for e in read_events(Path(tmp_path / "attempt" / "events.jsonl"))]
    assert "barge_in" in events


@pytest.mark.model
def test_an_interrupted_attempt_resumes_at_the_next_question_in_a_new_segment(tmp_path):
    store = AttemptStore()
    attempt = store.start_attempt(CONFIG, tmp_path / "attempt")
    clip = read_wav_16k(CLIP)
    mics: list = []

    def answer_first_only(kind, text, started):
        if not started and kind == "question" and "First" in text:
            mics[-1].play(clip)

    engine, mic, *_ = make_engine(attempt, store=store, on_line=answer_first_only)
    mics.append(mic)
    engine.start()
    deadline = time.monotonic() + 30
    while store.get(attempt.id).answered != ("one",) and time.monotonic() < deadline:
        time.sleep(0.1)
    engine.stop(5.0)
    assert store.get(attempt.id).state is AttemptState.INTERRUPTED

    resumed = store.resume(attempt.id)
    questions: list = []
    engine2, mic2, voice2, _ = make_engine(
        resumed, store=store, on_question=lambda i, n, q: questions.append(q.id)
    )
    mics.append(mic2)
    engine2.start()
    time.sleep(1.5)
    engine2.stop(5.0)
    assert voice2.said[0].startswith("Welcome back") and questions[0] == "two"
    folder = tmp_path / "attempt"
    assert (folder / "recording.mkv").is_file() and (folder / "recording-2.mkv").is_file()
    types = [e["type"] for e in read_events(folder / "events.jsonl")]
    assert types.count("interview_started") == 1 and "resumed" in types
    transcript = json.loads((folder / "transcript.json").read_text())
    assert [e["speaker"] for e in transcript].count("candidate") == 1  # kept from before
    assert json.loads((folder / "attempt.json").read_text())["recordings"] == [
        "recording.mkv",
        "recording-2.mkv",
    ]


@pytest.mark.model
def test_a_noise_that_cut_the_interviewer_off_does_not_stall_the_interview(tmp_path):
    questions: list = []
    engine, mic, voice, _ = make_engine(
        tmp_path / "attempt", voice_s=6.0, on_question=lambda i, n, q: questions.append(i)
    )
    engine.start()
    time.sleep(1.5)  # the intro is being spoken; the echo level has been learnt
    rng = np.random.default_rng(0)
    mic.play((rng.standard_normal(16000) * 0.3).astype(np.float32))  # a door slams
    deadline = time.monotonic() + 10
    while not questions and time.monotonic() < deadline:
        time.sleep(0.05)
    engine.stop(5.0)
    assert voice.stops >= 1  # taken for a barge-in: the intro stopped
    assert questions == [0]  # ...and the interview went on to the first question


def test_stop_before_start_touches_nothing(tmp_path):
    store = AttemptStore()
    attempt = store.start_attempt(CONFIG, tmp_path / "attempt")
    engine, *_ = make_engine(attempt, store=store)
    assert engine.stop(1.0) and engine.wait(0)
    assert store.get(attempt.id).state is AttemptState.IN_PROGRESS
    assert not (tmp_path / "attempt" / "events.jsonl").exists()


def test_an_event_log_of_another_folder_is_refused(tmp_path):
    from session.attempt.events import EventLog

    clock = SessionClock()
    devices = InterviewDevices(FakeCamera(clock), ScriptedMicrophone(clock, block_s=0.05), None)
    other = EventLog(tmp_path / "other" / "events.jsonl", clock)
    with pytest.raises(ValueError, match="not this attempt's"):
        InterviewEngine(
            CONFIG, tmp_path / "attempt", devices, clock=clock, parts=EngineParts(events=other)
        )
