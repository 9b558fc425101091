"""``python main.py transcribe FILE... [--json]``: offline transcripts with the live
captioner's model (one pass per file, silence skipped by the VAD)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from cli import print_file_error
from speech.models import ModelMissingError, settings_for_language


def _threads(value: str) -> int:
    try:
        n = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {value!r}") from None
    if n < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return n


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("transcribe", help="transcribe audio or video files")
    p.add_argument("files", nargs="+", metavar="FILE", help="audio or video files")
    p.add_argument("--json", action="store_true", help="one JSON object per line")
    p.add_argument(
        "--model-dir",
        "--whisper-model",
        dest="model_dir",
        type=Path,
        default=None,
        help="a CTranslate2 Whisper model folder",
    )
    p.add_argument(
        "--language",
        default="en",
        help="the speech's language, e.g. en, de, fr (default en; other languages use the "
        "bundled multilingual model unless --whisper-model is given)",
    )
    p.add_argument(
        "--compute-type",
        default="int8",
        choices=["int8", "int8_float32", "int16", "float32"],
        help="model precision (default int8)",
    )
    p.add_argument("--threads", type=_threads, default=2, help="CPU threads (default 2)")


def run(args: argparse.Namespace) -> int:
    from speech.offline import AudioReadError, read_audio, transcribe_audio

    try:
        settings = settings_for_language(
            args.language, args.model_dir, compute_type=args.compute_type, threads=args.threads
        )
    except ModelMissingError as e:
        print(f"transcribe: {e}. {getattr(e, 'fix', '')}".strip(), file=sys.stderr, flush=True)
        return 1
    failed = False
    for name in args.files:
        try:
            audio = read_audio(name)
        except AudioReadError as e:
            failed = True
            print_file_error(name, e, args.json)
            continue
        try:
            transcript = transcribe_audio(audio, settings)
        except ModelMissingError as e:
            print(f"transcribe: {e}", file=sys.stderr, flush=True)
            return 1
        if args.json:
            segments = [
                {"start": s.start, "end": s.end, "text": s.text} for s in transcript.segments
            ]
            print(
                json.dumps({"file": name, "text": transcript.text, "segments": segments}),
                flush=True,
            )
        else:
            print(f"{name}: {transcript.text}", flush=True)
    return 1 if failed else 0
