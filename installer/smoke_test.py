"""Smoke test of the frozen app. Each step runs the binary on its own:

1. the desktop app starts headless, logs "ready" and shuts down cleanly on SIGTERM;
2. `demo` starts its local backend (the binary again), gets a station token from it, opens
   the app against it, and stops cleanly;
3. `faces` counts the faces in a photo (the bundled BlazeFace model, through OpenCV);
4. `transcribe` transcribes jfk.wav (the bundled Whisper tiny.en, through CTranslate2);
5. `run` holds a one-question interview unattended: the bundled Piper voice asks, a
   recorded answer is captioned live, the recorder writes the attempt folder; then
   `verify` checks that folder end to end.

python installer/smoke_test.py dist/interview-kiosk/interview-kiosk

Qt draws offscreen unless QT_QPA_PLATFORM is set (e.g. QT_QPA_PLATFORM=xcb under
scripts/test-env). Test media come from ../shared/testdata beside the checkout.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TESTDATA = (ROOT.parent / "shared" / "testdata").resolve()
ONE_FACE = TESTDATA / "faces" / "fr_obama_small.jpg"
TWO_FACES = TESTDATA / "faces" / "fr_two_people.jpg"
JFK = TESTDATA / "speech" / "jfk.wav"

INTERVIEW = """\
id: smoke
title: Smoke test
role: Tester
practice: false
short_answer_words: 0
total_time_s: 120
silence:
  end_of_turn_s: 1.5
  long_pause_s: 5.0
intro: Hello.
closing: Thank you.
questions:
  - id: motivation
    text: Why do you want this job?
    time_limit_s: 30
"""


class SmokeError(Exception):
    pass


def words(text: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9' ]+", " ", text.lower()).split())


def run_command(exe: str, args: list[str], home: Path, timeout: float) -> str:
    """Runs one command of the frozen app; its stdout, or SmokeError with its output."""
    env = {**os.environ, "INTERVIEW_KIOSK_HOME": str(home)}
    try:
        proc = subprocess.run(
            [exe, *args], env=env, capture_output=True, text=True, timeout=timeout
        )
    except subprocess.TimeoutExpired:
        raise SmokeError(f"{args[0]} did not finish within {timeout:.0f} s") from None
    if proc.returncode != 0:
        raise SmokeError(
            f"{args[0]} exited with code {proc.returncode}\n{proc.stdout}{proc.stderr[-4000:]}"
        )
    return proc.stdout


def start_app(exe: str, args: list[str], home: Path, timeout: float) -> str:
    """Starts the desktop app, waits for its "ready" log line, stops it with SIGTERM and
    expects a clean exit. Returns the app's stdout."""
    env = {**os.environ, "INTERVIEW_KIOSK_HOME": str(home)}
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    log = home / "logs" / "kiosk.log"
    out_path, err_path = home / "stdout.txt", home / "stderr.txt"

    def output() -> str:
        parts = [log, out_path, err_path]
        return "\n".join(
            p.read_text(encoding="utf-8", errors="replace") for p in parts if p.exists()
        )

    def problems(text: str) -> bool:
        return "Traceback" in text or " CRITICAL " in text

    home.mkdir(parents=True, exist_ok=True)
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        # A session of its own, so whatever the app started can be stopped with it.
        proc = subprocess.Popen(
            [exe, *args], env=env, stdout=out, stderr=err, start_new_session=True
        )
    try:
        deadline = time.monotonic() + timeout
        while True:
            text = log.read_text(encoding="utf-8") if log.exists() else ""
            if problems(text):
                raise SmokeError(f"an error before ready:\n{output()}")
            if " ready (log: " in text:
                break
            if proc.poll() is not None:
                raise SmokeError(f"exited early with code {proc.returncode}\n{output()}")
            if time.monotonic() > deadline:
                raise SmokeError(f"no ready line within {timeout:.0f} s\n{output()}")
            time.sleep(0.25)
        proc.send_signal(signal.SIGTERM)
        try:
            code = proc.wait(30)
        except subprocess.TimeoutExpired:
            raise SmokeError(f"did not stop within 30 s of SIGTERM\n{output()}") from None
        text = log.read_text(encoding="utf-8")
        if code != 0 or problems(text) or "shut down cleanly" not in text:
            raise SmokeError(f"no clean shutdown (exit code {code})\n{output()}")
        return out_path.read_text(encoding="utf-8")
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def check_app(exe: str, tmp: Path) -> str:
    start_app(exe, [], tmp / "app", timeout=60)
    return "the app started, logged ready and shut down cleanly"


def check_demo(exe: str, tmp: Path) -> str:
    out = start_app(exe, ["demo"], tmp / "demo", timeout=90)
    if "demo backend at http://127.0.0.1:" not in out:
        raise SmokeError(f"demo did not report its backend:\n{out}")
    return "demo started its local backend, got a token, logged ready and stopped cleanly"


def check_faces(exe: str, tmp: Path) -> str:
    out = run_command(
        exe, ["faces", "--json", str(ONE_FACE), str(TWO_FACES)], tmp / "faces", timeout=60
    )
    counts = [json.loads(line).get("faces") for line in out.splitlines() if line.strip()]
    if counts != [1, 2]:
        raise SmokeError(f"faces: expected 1 and 2 faces, got {counts}\n{out}")
    return "faces found 1 and 2 faces in the two photos"


def check_transcribe(exe: str, tmp: Path) -> str:
    out = run_command(exe, ["transcribe", "--json", str(JFK)], tmp / "transcribe", timeout=120)
    text = json.loads(out.strip().splitlines()[-1])["text"]
    if "ask not what your country can do for you" not in words(text):
        raise SmokeError(f"transcribe: unexpected transcript of {JFK.name}: {text!r}")
    return f"transcribe heard {text!r}"


def check_run(exe: str, tmp: Path) -> str:
    work = tmp / "run"
    answers = work / "answers"
    answers.mkdir(parents=True)
    (answers / "01-answer.wav").write_bytes(JFK.read_bytes())
    interview = work / "interview.yaml"
    interview.write_text(INTERVIEW, encoding="utf-8")
    args = [
        "run",
        "--interview",
        str(interview),
        "--camera",
        str(ONE_FACE),
        "--answers",
        str(answers),
        "--out",
        str(work / "out"),
        "--json",
        "--timeout-s",
        "150",
    ]
    out = run_command(exe, args, work / "home", timeout=180)
    result = json.loads(out.strip().splitlines()[-1])
    if result.get("state") != "finished" or result.get("questions_asked") != 1:
        raise SmokeError(f"run: unexpected result {result}")
    folder = Path(result["attempt_dir"])
    transcript = json.loads((folder / "transcript.json").read_text(encoding="utf-8"))
    said = {
        who: words(" ".join(e["text"] for e in transcript if e["speaker"] == who))
        for who in ("interviewer", "candidate")
    }
    if "why do you want this job" not in said["interviewer"] or "country" not in said["candidate"]:
        raise SmokeError(f"run: unexpected transcript {transcript}")
    run_command(exe, ["verify", str(folder)], work / "home", timeout=60)
    return (
        f"run held a {result['duration_s']:.0f} s interview ({result['transcript_words']} "
        f"words in the transcript) and verify accepted the attempt folder"
    )


CHECKS: list[Callable[[str, Path], str]] = [
    check_app,
    check_demo,
    check_faces,
    check_transcribe,
    check_run,
]


def main(exe: str) -> int:
    if not TESTDATA.is_dir():
        print(f"test data not found at {TESTDATA}: clone the project beside ../shared")
        return 1
    exe = str(Path(exe).resolve())
    failed = 0
    with tempfile.TemporaryDirectory(prefix="kiosk-smoke-") as tmp:
        for check in CHECKS:
            name = check.__name__.removeprefix("check_")
            start = time.monotonic()
            try:
                detail = check(exe, Path(tmp))
            except SmokeError as e:
                failed += 1
                print(f"FAIL {name}: {e}", file=sys.stderr, flush=True)
                continue
            print(f"ok   {name} ({time.monotonic() - start:.1f} s): {detail}", flush=True)
    if failed:
        print(f"smoke test failed: {failed} of {len(CHECKS)} checks", file=sys.stderr)
        return 1
    print(f"smoke test passed: {len(CHECKS)} checks")
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1]))
