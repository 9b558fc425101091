"""Sub-commands of main.py. Each module has ``add_parser(subparsers)`` and ``run(args) -> int``."""

from __future__ import annotations

import argparse
import json
from pathlib import Path


def print_file_error(name: str, error: Exception, as_json: bool) -> None:
    """One line for a file a per-file command could not read: JSON or plain text."""
    if as_json:
        print(json.dumps({"file": name, "error": str(error)}), flush=True)
    else:
        print(f"{name}: error: {error}", flush=True)


def whisper_model_dir(value: str) -> Path:
    """``--whisper-model DIR``: a folder holding a CTranslate2 Whisper model."""
    path = Path(value).expanduser()
    if not (path / "model.bin").is_file():
        raise argparse.ArgumentTypeError(
            f"{path} holds no CTranslate2 Whisper model (model.bin missing)"
        )
    return path


def add_whisper_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--whisper-model",
        metavar="DIR",
        type=whisper_model_dir,
        default=None,
        help="a CTranslate2 Whisper model folder for captions and the final transcript "
        "(default: the bundled tiny.en, or whisper-base for interviews not in English)",
    )
