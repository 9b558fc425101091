"""`python main.py verify ATTEMPT_DIR [--json]`: check an attempt folder end to end.
Exit code 0 when everything checks out, 1 when not."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def add_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "verify",
        help="check an attempt folder: manifest hashes, recording decodes, transcript times",
        description="Checks an attempt folder end to end. Exit 0 when ok, 1 when not.",
    )
    p.add_argument("attempt_dir", type=Path, help="the attempt folder (holds recording.mkv)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    return p


def run(args: argparse.Namespace) -> int:
    from session.attempt.verify import verify_attempt

    if not args.attempt_dir.is_dir():
        sys.stderr.write(
            f"main.py verify: error: {args.attempt_dir} is not a folder; "
            "give the path of one attempt folder\n"
        )
        return 2
    result = verify_attempt(args.attempt_dir)
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
        return 0 if result["ok"] else 1
    print(f"{'OK' if result['ok'] else 'NOT OK'}: {result['folder']}")
    print(
        f"  state {result['state'] or '(no manifest)'}, {result['duration_s']:.1f} s recorded, "
        f"{result['video_frames']} video frames, {result['audio_s']:.1f} s audio, "
        f"A/V offset {result['av_offset_ms']} ms"
    )
    for p in result["problems"]:
        print(f"  problem: {p}")
    for n in result["notes"]:
        print(f"  note: {n}")
    return 0 if result["ok"] else 1
