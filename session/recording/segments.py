"""Recording segments: a recording resumed after a crash continues in a new file
(``recording.mkv``, ``recording-2.mkv``, ...) so bytes already written are never touched."""

from __future__ import annotations

import re
from pathlib import Path


def _pattern(base: str) -> re.Pattern[str]:
    return re.compile(rf"^{re.escape(base)}(?:-(\d+))?\.mkv$")


def segment_number(path: Path, base: str = "recording") -> int | None:
    """1 for ``recording.mkv``, n for ``recording-n.mkv``, None for anything else."""
    m = _pattern(base).match(Path(path).name)
    if m is None:
        return None
    return int(m.group(1)) if m.group(1) else 1


def list_segments(attempt_dir: Path, base: str = "recording") -> list[Path]:
    """Existing segments in recording order (not name order: ``-10`` sorts after ``-9``)."""
    found = []
    for p in Path(attempt_dir).glob(f"{base}*.mkv"):
        n = segment_number(p, base)
        if n is not None and p.is_file():
            found.append((n, p))
    return [p for _, p in sorted(found)]


def next_segment_path(attempt_dir: Path, base: str = "recording") -> Path:
    """Where the next segment goes: ``recording.mkv`` first, then ``recording-2.mkv``, ..."""
    existing = [segment_number(p, base) or 1 for p in list_segments(attempt_dir, base)]
    n = max(existing, default=0) + 1
    name = f"{base}.mkv" if n == 1 else f"{base}-{n}.mkv"
    return Path(attempt_dir) / name
