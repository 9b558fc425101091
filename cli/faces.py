"""``python main.py faces FILE... [--json]``: count faces in images and videos."""

from __future__ import annotations

import argparse
import json

from capture.faces import FaceDetector, FaceError, count_faces_in_file
from cli import print_file_error


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("faces", help="count faces in images or videos")
    p.add_argument("files", nargs="+", metavar="FILE", help="image or video files")
    p.add_argument("--json", action="store_true", help="one JSON object per line")
    p.add_argument(
        "--detector",
        choices=["accurate", "fast"],
        default="accurate",
        help="accurate (default) also finds profiles and tilted heads",
    )


def run(args: argparse.Namespace) -> int:
    detector = FaceDetector(args.detector)
    failed = False
    for name in args.files:
        try:
            n = count_faces_in_file(name, detector)
        except FaceError as e:
            failed = True
            print_file_error(name, e, args.json)
            continue
        if args.json:
            print(json.dumps({"file": name, "faces": n}), flush=True)
        else:
            print(f"{name}: {n} face{'s' if n != 1 else ''}", flush=True)
    return 1 if failed else 0
