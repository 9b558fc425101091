"""Barge-in without headphones on the real PulseAudio path (run under scripts/test-env):
the interviewer's Piper voice plays on the virtual speaker, which the virtual microphone
hears, and a real candidate clip (jfk.wav) is played into the same room over a long question,
the echo 0 dB and 10 dB below the candidate. Then 20 interviewer lines with nobody talking.

    scripts/test-env .venv/bin/python bench/barge_in.py [--trials 3]

Prints one JSON object: per trial the barge-in latency (the interviewer stopped, minus the
candidate's first word in the recorded microphone), the candidate's WER in transcript.json
and the barge-ins counted; for the quiet run the false barge-ins. Goals: latency <= 0.5 s,
WER <= 0.25, 0 false barge-ins over 20 lines.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
import wave
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
TESTDATA = ROOT.parent / "shared" / "testdata"
SPEECH = TESTDATA / "speech"
FACES = TESTDATA / "faces"

import jiwer  # noqa: E402
import numpy as np  # noqa: E402

from capture.camera import CameraSource  # noqa: E402
from capture.microphone import MicrophoneSource  # noqa: E402
from capture.speaker import Speaker  # noqa: E402
from session.attempt.events import read_events  # noqa: E402
from session.interview.config import parse_interview  # noqa: E402
from session.interview.devices import InterviewDevices  # noqa: E402
from session.interview.engine import InterviewEngine  # noqa: E402
from session.interview.options import EngineOptions  # noqa: E402
from session.runtime.clock import SessionClock  # noqa: E402
from speech.echo import rms_db  # noqa: E402
from speech.offline import read_audio  # noqa: E402
from speech.tts import InterviewerVoice  # noqa: E402
from tools.wer import normalize  # noqa: E402


class Heard:
    def __init__(self, on_line):
        self._on_line = on_line

    def on_line(self, kind, text, started):
        self._on_line(kind, text, started)

    def __getattr__(self, name):
        return lambda *a, **k: None


LONG_QUESTION = (
    "Please tell me about the most interesting project you led in the last few years, what "
    "the team set out to build, which parts of it you designed yourself, how you measured "
    "whether it worked, and what you would do differently if you started it again today."
)
CLIP = "jfk.wav"


def normalise(text: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9']+", " ", text.lower()).split())


def active_db(x: np.ndarray, rate: int) -> float:
    """The level of the speech in ``x``: the mean power of its louder half of 50 ms blocks."""
    n = rate // 20
    levels = sorted(rms_db(x[i : i + n]) for i in range(0, len(x) - n, n))
    return float(np.mean(levels[len(levels) // 2 :]))


def onset_s(x: np.ndarray, rate: int) -> float:
    """When speech starts in ``x``: the first 50 ms block within 20 dB of its level."""
    n = rate // 20
    level = active_db(x, rate)
    for i in range(0, len(x) - n, n):
        if rms_db(x[i : i + n]) > level - 20:
            return i / rate
    return 0.0


def voice_db() -> float:
    voice = InterviewerVoice()
    audio = np.concatenate(list(voice.stream(LONG_QUESTION)))
    return active_db(audio, voice.rate)


def candidate_wav(tmp_path: Path, level_db: float) -> tuple[Path, float]:
    """The clip scaled to ``level_db`` of speech level, as 16-bit WAV; and its speech onset."""
    clip = read_audio(SPEECH / CLIP)
    gain = 10 ** ((level_db - active_db(clip, 16000)) / 20)
    scaled = np.clip(clip * gain, -1, 1)
    path = tmp_path / f"candidate{level_db:+.0f}.wav"
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(16000)
        w.writeframes((scaled * 32767).astype(np.int16).tobytes())
    return path, onset_s(clip, 16000)


def engine_on_the_room(folder: Path, config, listener, clock) -> InterviewEngine:
    return InterviewEngine(
        config,
        folder,
        InterviewDevices(
            CameraSource(FACES / "fr_obama_small.jpg", clock, fps=10),
            MicrophoneSource(os.environ["KIOSK_TEST_MIC"], clock),
            Speaker("pulse"),
        ),
        listener,
        EngineOptions(face_checks=False),
        clock=clock,
    )




def reference(name: str) -> str:
    lines = (TESTDATA / "speech.tsv").read_text(encoding="utf-8").splitlines()
    head = lines[0].split("\t")
    for line in lines[1:]:
        row = dict(zip(head, line.split("\t"), strict=False))
        if row["file"] == name:
            return row["reference_text"]
    raise SystemExit(f"barge_in bench: {name} is not in speech.tsv")


def talk_over(tmp: Path, level_db: float, voice: float) -> dict:
    config = parse_interview(
        {
            "id": "barge-bench", "title": "Barge-in", "role": "Tester", "intro": "Hello.",
            "closing": "Goodbye.", "short_answer_words": 0,
            "silence": {"end_of_turn_s": 1.5, "long_pause_s": 30},
            "questions": [
                {"id": "one", "text": LONG_QUESTION},
                {"id": "two", "text": "What would you like to ask us?"},
            ],
        }
    )
    clock = SessionClock()
    asking, second = threading.Event(), threading.Event()

    def on_line(kind, text, started):
        if started and kind == "question" and "interesting project" in text:
            asking.set()
        if started and "like to ask us" in text:
            second.set()

    wav, onset = candidate_wav(tmp, voice + level_db)
    folder = tmp / f"attempt{level_db:+.0f}-{time.monotonic_ns()}"
    engine = engine_on_the_room(folder, config, Heard(on_line), clock)
    engine.start()
    try:
        if not asking.wait(30):
            return {"error": "the question was not spoken"}
        time.sleep(2.0)
        started_at = clock()
        subprocess.run(["paplay", f"--device={os.environ['KIOSK_TEST_SINK']}", str(wav)])
        second.wait(25)
    finally:
        engine.stop(10.0)
    events = list(read_events(folder / "events.jsonl"))
    barges = [e for e in events if e["type"] == "barge_in"]
    rec_t0 = next(e["t"] for e in events if e["type"] == "recording_started")
    heard = read_audio(folder / "recording.mkv")
    begin = int((started_at + onset - rec_t0) * 16000)
    began = started_at + onset + onset_s(heard[begin : begin + 16000 * 8], 16000)
    transcript = json.loads((folder / "transcript.json").read_text())
    said = " ".join(e["text"] for e in transcript if e["speaker"] == "candidate")
    wer = jiwer.wer(normalize(reference(CLIP)), normalize(said) or "<nothing>")
    return {
        "echo_below_candidate_db": level_db,
        "barge_ins": len(barges),
        "latency_s": round(barges[0]["t"] - began, 3) if barges else None,
        "wer": round(wer, 3),
        "interviewer_echo_in_captions": "interesting project" in normalize(said),
    }


QUIET_LINES = [
    "Tell me about a tool you like.", "How do you test your own code?",
    "What makes a code review useful to you?", "Describe a bug that took you long to find.",
    "How do you decide when a design is good enough?", "What do you do about a deadline?",
    "How would you explain a database index?", "What did you learn from your last project?",
    "How do you keep a long running service healthy?", "Which part of your work is best?",
    "How do you approach code you have never seen?", "When did you change your mind?",
    "What does a good handover look like?", "How do you split a large task?",
    "What would you automate first?", "How do you learn a new language?",
    "What is a trade off you made recently?", "How do you make a release safe?",
    "What would you ask your manager in the first week?",
]


def quiet_room(tmp: Path) -> dict:
    config = parse_interview(
        {
            "id": "quiet-bench", "title": "No candidate", "role": "Tester",
            "intro": "Hello, and welcome to this short interview about your work.",
            "closing": "Goodbye.", "short_answer_words": 0,
            "silence": {"end_of_turn_s": 1.5, "long_pause_s": 60},
            "questions": [{"id": f"q{i}", "text": t} for i, t in enumerate(QUIET_LINES)],
        }
    )
    clock = SessionClock()
    ref: list[InterviewEngine] = []
    done = threading.Event()
    spoken = [0]

    def on_line(kind, text, started):
        if not started:
            spoken[0] += 1
            if kind == "question":
                ref[0].next_question()
            if kind == "closing":
                done.set()

    folder = tmp / f"quiet-{time.monotonic_ns()}"
    engine = engine_on_the_room(folder, config, Heard(on_line), clock)
    ref.append(engine)
    engine.start()
    try:
        done.wait(240)
    finally:
        engine.stop(10.0)
    types = [e["type"] for e in read_events(folder / "events.jsonl")]
    return {"lines": spoken[0], "false_barge_ins": types.count("barge_in")}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--trials", type=int, default=3, help="talk-over trials per level")
    args = p.parse_args(argv)
    for var in ("KIOSK_TEST_MIC", "KIOSK_TEST_SINK"):
        if var not in os.environ:
            print(f"barge_in bench: {var} is not set; run under scripts/test-env", file=sys.stderr)
            return 1
    voice = voice_db()
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        trials = [talk_over(tmp, lv, voice) for lv in (0.0, 10.0) for _ in range(args.trials)]
        quiet = [quiet_room(tmp) for _ in range(max(1, args.trials // 2))]
    lat = [t["latency_s"] for t in trials if t.get("latency_s") is not None]
    result = {
        "trials": trials,
        "quiet_runs": quiet,
        "barged_in": sum(1 for t in trials if t.get("barge_ins")),
        "latency_p50_s": round(float(np.median(lat)), 3) if lat else None,
        "latency_max_s": max(lat) if lat else None,
        "within_0_5_s": sum(1 for x in lat if x <= 0.5),
        "wer_max": max(t.get("wer", 1.0) for t in trials),
        "false_barge_ins_per_20_lines": sum(q["false_barge_ins"] for q in quiet) / len(quiet),
    }
    print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    code = main()
    sys.stdout.flush()
    os._exit(code)
