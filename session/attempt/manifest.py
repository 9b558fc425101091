"""``attempt.json``: what the attempt is and every file in its folder with size and SHA-256.

This module is the only reader and writer of ``attempt.json``; its ``state`` is the source of
truth for where the attempt stands (``session.attempt.state``).

Written atomically (temp file, fsync, rename), so a crash leaves either the old or the new
manifest, never half of one. The uploader sends the files listed here; the backend checks
each size and hash before it signs a receipt.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from session.attempt import folder as af
from session.attempt.state import AttemptState, parse_state
from session.recording.segments import list_segments
from session.runtime.atomic_file import write_json_atomic

SCHEMA = 1
STATES = tuple(s.value for s in AttemptState)
# Not part of the attempt's content: the manifest itself and the backend's receipt.
NOT_LISTED = {af.MANIFEST, af.RECEIPT}


class ManifestError(ValueError):
    """attempt.json is missing a field or is not valid JSON."""


def now_iso(ts: float | None = None) -> str:
    """UTC time as ``2026-01-02T03:04:05Z``: now, or the epoch seconds ``ts``."""
    when = datetime.now(UTC) if ts is None else datetime.fromtimestamp(ts, UTC)
    return when.isoformat(timespec="seconds").replace("+00:00", "Z")


def sha256_file(path: Path, chunk: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(chunk):
            h.update(block)
    return h.hexdigest()


def is_temporary(rel: str) -> bool:
    """Temp files of atomic writes and remuxes in progress: never listed."""
    name = rel.rsplit("/", 1)[-1]
    return name.startswith(".") or name.endswith((".tmp", ".part", ".remux.mkv"))


def attempt_files(attempt_dir: Path) -> list[str]:
    """Relative paths (with '/') of the files that belong in the manifest, sorted."""
    root = Path(attempt_dir)
    out = []
    for p in root.rglob("*"):
        if not p.is_file():
            continue
        rel = p.relative_to(root).as_posix()
        if rel in NOT_LISTED or is_temporary(rel):
            continue
        out.append(rel)
    return sorted(out)


def file_entry(attempt_dir: Path, rel: str) -> dict[str, Any]:
    p = Path(attempt_dir) / rel
    return {"path": rel, "size": p.stat().st_size, "sha256": sha256_file(p)}


def write_manifest(
    attempt_dir: Path,
    interview_id: str,
    attempt_number: int,
    practice: bool,
    state: AttemptState | str,
    started_at: str,
    finished_at: str | None,
    extra: dict | None = None,
) -> dict:
    """Hashes every file now in the folder and writes ``attempt.json``. Keys of ``extra``
    are added at the top level (they cannot replace the fields above). Returns the dict."""
    if parse_state(state) is None:
        raise ValueError(f"unknown attempt state {state!r}; expected one of {', '.join(STATES)}")
    root = Path(attempt_dir)
    root.mkdir(parents=True, exist_ok=True)
    files = []
    for rel in attempt_files(root):
        try:
            files.append(file_entry(root, rel))
        except FileNotFoundError:  # deleted while we looked (a temp file renamed away)
            continue
    manifest: dict[str, Any] = dict(extra or {})
    manifest.update(
        {
            "schema": SCHEMA,
            "interview_id": interview_id,
            "attempt_number": int(attempt_number),
            "practice": bool(practice),
            "state": str(state),
            "started_at": started_at,
            "finished_at": finished_at,
            "written_at": now_iso(),
            "recordings": [p.name for p in list_segments(root)],
            "screen_recordings": [p.name for p in list_segments(root, "screen")],
            "files": files,
        }
    )
    write_json_atomic(root / af.MANIFEST, manifest)
    return manifest


def has_manifest(attempt_dir: Path) -> bool:
    return (Path(attempt_dir) / af.MANIFEST).is_file()


def read_manifest(attempt_dir: Path, need_files: bool = True) -> dict | None:
    """The manifest, or None if the attempt has none yet. Raises ManifestError when the file
    exists but is unreadable (or, with ``need_files``, has no file list)."""
    path = Path(attempt_dir) / af.MANIFEST
    if not path.exists():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise ManifestError(f"{path} is not valid JSON: {e}") from e
    if not isinstance(data, dict):
        raise ManifestError(f"{path} is not a JSON object")
    if need_files and not isinstance(data.get("files"), list):
        raise ManifestError(f"{path} has no 'files' list")
    return data


def read_state(attempt_dir: Path) -> AttemptState | None:
    """The attempt's state, or None without a readable manifest naming one."""
    try:
        data = read_manifest(attempt_dir, need_files=False)
    except ManifestError:
        return None
    return parse_state(data.get("state")) if data is not None else None


def set_state(attempt_dir: Path, state: AttemptState | str) -> bool:
    """Changes only the state of an existing manifest: the file list stays as it was hashed
    (after an upload it is what the backend's receipt covers). False without a readable
    manifest; nothing is written when the state is already ``state``."""
    state = AttemptState(state)
    try:
        data = read_manifest(attempt_dir, need_files=False)
    except ManifestError:
        return False
    if data is None:
        return False
    if data.get("state") != state.value:
        data["state"] = state.value
        write_json_atomic(Path(attempt_dir) / af.MANIFEST, data)
    return True


def update_manifest(attempt_dir: Path, state: AttemptState | str, **changes: Any) -> dict:
    """Rewrites the manifest with a new state (and re-hashed files), keeping every other
    field. ``changes`` may set finished_at and any extra field."""
    old = read_manifest(attempt_dir) or {}
    core = ("interview_id", "attempt_number", "practice", "started_at", "finished_at")
    args = {k: changes.pop(k, old.get(k)) for k in core}
    derived = ("schema", "state", "written_at", "recordings", "screen_recordings", "files")
    extra = {k: v for k, v in old.items() if k not in core and k not in derived}
    extra.update(changes)
    return write_manifest(
        attempt_dir,
        str(args["interview_id"] or ""),
        int(args["attempt_number"] or 0),
        bool(args["practice"]),
        state,
        str(args["started_at"] or ""),
        args["finished_at"],
        extra,
    )


def refresh_manifest(attempt_dir: Path) -> bool:
    """Re-hashes the folder's files into its manifest, keeping its state and every field
    (a file was added or replaced after the interview: the final transcript, a flag).
    False when the folder has no readable manifest."""
    state = read_state(attempt_dir)
    if state is None:
        return False
    update_manifest(attempt_dir, state)
    return True
