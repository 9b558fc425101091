"""`main.py run`: an unattended interview, for station dry runs and end-to-end tests.

The interviewer speaks (into a silent, real-time paced speaker unless --show), and after
each question, follow-up, repeat or clarification the next answer WAV from --answers is
played as the microphone: a simulated candidate. When the answers run out and the last
one's turn has ended, the interview closes. The attempt folder is written under --out
exactly as in the app; with --backend it is uploaded and the receipt checked.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import wave
from pathlib import Path
from typing import Any

from capture.types import DeviceError
from cli import add_whisper_option
from cli.brain_option import add_brain_option
from session import assemble


def add_parser(subparsers: Any) -> None:
    from session.interview.driver import DriverOptions

    p = subparsers.add_parser("run", help="run an interview unattended with recorded answers")
    p.add_argument("--interview", required=True, type=Path, help="interview YAML file")
    p.add_argument("--camera", required=True, help="camera index, video or image file")
    p.add_argument("--answers", required=True, type=Path, help="folder of answer WAVs (sorted)")
    p.add_argument("--out", required=True, type=Path, help="folder for the attempt folder")
    p.add_argument("--backend", help="backend URL to upload the attempt to")
    p.add_argument("--token", help="backend token (with --backend)")
    p.add_argument("--show", action="store_true", help="play the interviewer on the speaker")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--end-of-turn-s", type=_positive, help="silence that ends an answer")
    p.add_argument("--long-pause-s", type=_positive, help="silence before a check-in")
    p.add_argument("--timeout-s", type=_positive, default=1800.0, help="give up after this")
    p.add_argument(
        "--think-timeout-s",
        type=_positive,
        default=DriverOptions.think_timeout_s,
        help="how long the candidate may wait for the interviewer's reply before the "
        "scripted follow-up is used (default %(default)s)",
    )
    add_brain_option(p)
    add_whisper_option(p)


def _positive(text: str) -> float:
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if v <= 0:
        raise argparse.ArgumentTypeError(f"must be positive: {text!r}")
    return v


def _fail(message: str, code: int = 1) -> int:
    sys.stderr.write(f"main.py run: error: {message}\n")
    return code


def _final_transcript(attempt_dir: Path, options: Any, language: str) -> Any:
    """The offline pass that replaces the live captions (as after an interview in the app)."""
    from session.attempt.final_transcript import FinalPass, run_final_pass
    from speech.models import ModelMissingError

    if not attempt_dir.is_dir():
        return FinalPass("live", "no attempt folder")
    try:
        return run_final_pass(attempt_dir, options.whisper_settings(language))
    except ModelMissingError as e:
        return FinalPass("live", str(e))


def run(args: argparse.Namespace) -> int:
    from session.interview.config import InterviewConfigError, load_interview
    from session.interview.driver import Accommodations, DriverOptions
    from session.interview.engine import InterviewEngine
    from session.interview.options import EngineOptions
    from session.interview.simulated_candidate import SimulatedCandidate
    from session.runtime.applog import setup_logging
    from session.runtime.clock import SessionClock

    setup_logging()
    if args.backend and not args.token:
        return _fail("--backend needs --token", 2)
    try:
        config = load_interview(args.interview)
    except InterviewConfigError as e:
        return _fail(str(e), 2)
    if not args.answers.is_dir():
        return _fail(f"answers folder not found: {args.answers}", 2)
    wavs = sorted(args.answers.glob("*.wav"))
    if not wavs:
        return _fail(f"no .wav files in {args.answers}: add one answer per question", 2)
    try:
        clips = assemble.answer_clips(args.answers)
    except (OSError, ValueError, EOFError, wave.Error, DeviceError) as e:
        return _fail(f"cannot read an answer: {e}", 2)

    stamp = time.strftime("%Y%m%d-%H%M%S")
    attempt_dir = args.out / f"{config.id}-run-{stamp}"
    n = 1
    while attempt_dir.exists():
        n += 1
        attempt_dir = args.out / f"{config.id}-run-{stamp}-{n}"

    clock = SessionClock()
    try:
        devices = assemble.scripted_devices(args.camera, clock, audible=args.show)
    except DeviceError as e:
        return _fail(f"{e} {e.fix}".strip())
    mic = devices.scripted
    assert mic is not None
    acc = Accommodations(end_of_turn_s=args.end_of_turn_s, long_pause_s=args.long_pause_s)
    driver_options = DriverOptions(accommodations=acc, think_timeout_s=args.think_timeout_s)
    engine_ref: list[InterviewEngine] = []
    options = EngineOptions(
        driver=driver_options, brain=args.brain, whisper_model_dir=args.whisper_model
    )
    candidate = SimulatedCandidate(mic, clips, lambda: engine_ref[0].end_interview())

    engine = assemble.build_engine(
        config,
        attempt_dir,
        devices,
        clock,
        candidate,
        options,
    )
    engine_ref.append(engine)
    try:
        engine.start()
    except Exception as e:
        fix = getattr(e, "fix", "")
        return _fail(f"the interview could not start: {e} {fix}".strip())
    try:
        if not engine.wait(args.timeout_s):
            sys.stderr.write(f"main.py run: stopped after --timeout-s {args.timeout_s:g}\n")
    except KeyboardInterrupt:
        pass
    finally:
        engine.stop(10.0)
        candidate.cancel()
    summary = engine.summary or {}
    final = _final_transcript(attempt_dir, options, config.language)
    result: dict[str, Any] = {
        "attempt_dir": str(attempt_dir),
        "questions_asked": summary.get("questions_asked", 0),
        "follow_ups": summary.get("follow_ups", 0),
        "interjections": summary.get("interjections", 0),
        "transcript_words": summary.get("transcript_words", 0),
        "duration_s": summary.get("duration_s", 0.0),
        "state": summary.get("state"),
        "complete": bool(summary.get("complete")),  # finished, and nothing missing
        "answers_used": candidate.used,
        "brain": summary.get("brain", "scripted"),
        "follow_ups_generated": summary.get("follow_ups_generated", 0),
        "fallbacks": summary.get("fallbacks", 0),
        "transcript": final.source,  # "final" (the offline pass) or "live"
    }
    if final.reason:
        result["transcript_note"] = final.reason
    if summary.get("incomplete"):
        result["incomplete"] = summary["incomplete"]
    if summary.get("brain_notice"):
        result["brain_notice"] = summary["brain_notice"]
    if args.backend:
        from session.upload.queue import upload_attempt

        up = upload_attempt(attempt_dir, args.backend, args.token)
        result["receipt"] = bool(up.get("receipt"))
        result["uploaded_bytes"] = int(up.get("uploaded_bytes", 0))
        if not result["receipt"]:
            result["upload_error"] = up.get("reason")
    if args.json:
        print(json.dumps(result))
    else:
        for k, v in result.items():
            print(f"{k}: {v}")
    ok = result["complete"] and (not args.backend or result["receipt"])
    return 0 if ok else 1
