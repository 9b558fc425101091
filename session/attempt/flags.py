"""The candidate's flags on their transcript: a line marked "not what I said", with a short
note. ``flags.json`` holds them; the transcript itself is never edited. Reviewers see each
flag beside its line (matched by start time, speaker and text)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from session.attempt import folder as af
from session.attempt.manifest import now_iso
from session.runtime.atomic_file import write_json_atomic

NOTE_MAX = 200  # characters: a short note, not an essay


class FlagError(ValueError):
    """The line cannot be flagged (not the candidate's, or not in the transcript)."""


def load_flags(attempt_dir: Path) -> list[dict[str, Any]]:
    """The flags saved so far; [] when there are none or the file is unreadable (a flag is
    a note for the reviewer, never a reason to lose the attempt)."""
    path = Path(attempt_dir) / af.FLAGS
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    return [f for f in data if isinstance(f, dict)] if isinstance(data, list) else []


def same_line(flag: dict[str, Any], line: dict[str, Any]) -> bool:
    try:
        start = abs(float(flag.get("start", -1)) - float(line.get("start", -2))) < 0.01
    except (TypeError, ValueError):
        return False
    return start and flag.get("speaker") == line.get("speaker") and flag.get("text") == line.get(
        "text"
    )


def clean_note(note: str) -> str:
    return " ".join(str(note).split())[:NOTE_MAX]


def set_flag(attempt_dir: Path, line: dict[str, Any], note: str) -> dict[str, Any]:
    """Flags ``line`` (a candidate line of the transcript) with ``note``, replacing an
    earlier flag on the same line. Returns the flag saved."""
    if line.get("speaker") != "candidate":
        raise FlagError("only your own lines can be flagged")
    flag = {
        "start": float(line["start"]),
        "end": float(line["end"]),
        "speaker": "candidate",
        "text": str(line["text"]),
        "note": clean_note(note),
        "flagged_at": now_iso(),
    }
    flags = [f for f in load_flags(attempt_dir) if not same_line(f, line)] + [flag]
    flags.sort(key=lambda f: float(f.get("start", 0)))
    write_json_atomic(Path(attempt_dir) / af.FLAGS, flags)
    return flag


def clear_flag(attempt_dir: Path, line: dict[str, Any]) -> bool:
    """Removes the flag on ``line``; True if there was one."""
    flags = load_flags(attempt_dir)
    kept = [f for f in flags if not same_line(f, line)]
    if len(kept) == len(flags):
        return False
    write_json_atomic(Path(attempt_dir) / af.FLAGS, kept)
    return True


def flag_for(flags: list[dict[str, Any]], line: dict[str, Any]) -> dict[str, Any] | None:
    return next((f for f in flags if same_line(f, line)), None)
