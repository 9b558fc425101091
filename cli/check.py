"""``python main.py check --camera SRC --mic SRC [--speaker] [--screen] [--backend URL] [--json]``

Runs the pre-interview device checks once. Exit 0 when every required check passed,
1 when one failed, 2 for bad arguments.
"""

from __future__ import annotations

import argparse
import json
import sys
import time

from session import assemble
from session.checks import CheckPlan, CheckResult, CheckSession, all_required_ok


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("check", help="run the device checks (camera, face, microphone …)")
    p.add_argument(
        "--camera", required=True, metavar="SRC", help="camera index, /dev/videoN or file"
    )
    p.add_argument(
        "--mic", required=True, metavar="SRC", help="input device name/index or WAV file"
    )
    p.add_argument("--speaker", action="store_true", help="also play the test sound")
    p.add_argument("--screen", action="store_true", help="also check screen sharing")
    p.add_argument("--backend", metavar="URL", help="also check the connection to this server")
    p.add_argument("--min-mbps", type=float, default=1.0, help="minimum upload speed (Mbit/s)")
    p.add_argument(
        "--seconds", type=float, default=3.0, help="how long to watch and listen (default 3)"
    )
    p.add_argument("--json", action="store_true", help="print one JSON object")


def _ask_heard() -> bool | None:
    if not sys.stdin.isatty():
        return None
    answer = input("Did you hear the chime? [y/n] ").strip().lower()
    return answer.startswith("y")


def run(args: argparse.Namespace) -> int:
    if args.seconds <= 0 or args.seconds > 60:
        sys.stderr.write("main.py check: error: --seconds must be between 0 and 60\n")
        return 2
    if args.backend and not args.backend.startswith(("http://", "https://")):
        sys.stderr.write("main.py check: error: --backend must be an http:// or https:// URL\n")
        return 2
    # A camera or audio file stands in for a device; an audio file needn't be waited for.
    clock = time.monotonic
    devices = assemble.check_devices(args.camera, args.mic, None, clock, realtime_mic=False)
    plan = CheckPlan(
        speaker=args.speaker,
        screen=args.screen,
        backend_url=args.backend,
        min_mbps=args.min_mbps,
        seconds=args.seconds,
    )
    results = CheckSession(devices, plan).run_once(None if args.json else _ask_heard)
    ok = all_required_ok(results)
    if args.json:
        print(json.dumps({"ok": ok, "checks": [r.to_json() for r in results]}))
    else:
        _print_table(results, ok)
    return 0 if ok else 1


def _print_table(results: list[CheckResult], ok: bool) -> None:
    width = max(len(r.name) for r in results) if results else 6
    for r in results:
        mark = "PASS" if r.ok else ("FAIL" if r.required else "WARN")
        print(f"{mark}  {r.name:<{width}}  {r.detail}")
        if r.fix and not r.ok:
            print(f"      {'':<{width}}  → {r.fix}")
    print("All required checks passed." if ok else "Some required checks failed.")
