"""Between candidates: delete a previous candidate's attempt once the backend's receipt
verifies it and the retention has passed; and mark a running kiosk session on disk so the
next start knows the last one crashed.

The kiosk changes nothing persistent outside its own process (no window-manager settings,
no keyboard maps, no system files): its keyboard grab and windows die with the process. The
session marker only tells the next start to offer crash recovery.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from session.attempt import folder as af
from session.attempt.manifest import has_manifest, sha256_file
from session.runtime.atomic_file import write_json_atomic
from session.runtime.process import held_by_other_process

log = logging.getLogger(__name__)
SESSION_MARKER = "kiosk-session.json"


# -- receipts and retention --------------------------------------------------------------
def _receipt_checksums(receipt: Any) -> dict[str, str]:
    """File name -> SHA-256 the backend verified. Accepts ``{"files": {name: sha}}``,
    ``{"files": [{"name"/"path": ..., "sha256": ...}]}`` or ``{name: {"sha256": ...}}``."""
    files = receipt.get("files", receipt) if isinstance(receipt, dict) else None
    out: dict[str, str] = {}
    if isinstance(files, dict):
        for name, v in files.items():
            sha = v.get("sha256") if isinstance(v, dict) else v
            if isinstance(sha, str):
                out[str(name)] = sha.lower()
    elif isinstance(files, list):
        for item in files:
            if isinstance(item, dict):
                name = item.get("name") or item.get("path")
                sha = item.get("sha256")
                if isinstance(name, str) and isinstance(sha, str):
                    out[name] = sha.lower()
    return out


def verified_receipt(attempt_dir: Path) -> bool:
    """True when receipt.json has checksums and every local file it lists still has that
    SHA-256, and no recording is left that it does not list. Recordings already deleted by
    the upload queue's retention are fine: the receipt proves they arrived."""
    paths = af.AttemptPaths(attempt_dir)
    try:
        receipt = json.loads(paths.receipt.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    sums = _receipt_checksums(receipt)
    if not sums:
        return False
    for p in paths.root.rglob("*"):
        if not p.is_file() or p == paths.receipt:
            continue
        name = p.relative_to(paths.root).as_posix()
        if name in sums:
            if sums[name] != sha256_file(p):
                return False
        elif name.startswith(af.MEDIA_PREFIXES):
            return False  # a recording the backend never confirmed
    return True


def _receipt_time(attempt_dir: Path) -> float:
    try:
        return af.AttemptPaths(attempt_dir).receipt.stat().st_mtime
    except OSError:
        return time.time()


@dataclass(frozen=True)
class CleanupResult:
    deleted: list[Path]
    kept_unverified: list[Path]  # no verified receipt yet: never deleted
    kept_retention: list[Path]  # verified, but the retention has not passed


def cleanup_attempts(
    attempts_root: Path,
    retention_s: float,
    now: Callable[[], float] = time.time,
    keep: set[Path] | None = None,
) -> CleanupResult:
    """Deletes whole attempt folders (media, transcript, events) whose receipt verifies and
    whose receipt is older than ``retention_s``. ``keep``: folders in use right now."""
    deleted: list[Path] = []
    unverified: list[Path] = []
    waiting: list[Path] = []
    root = Path(attempts_root)
    if not root.is_dir():
        return CleanupResult([], [], [])
    keep = {p.resolve() for p in (keep or set())}
    for d in sorted(p for p in root.iterdir() if p.is_dir()):
        if d.resolve() in keep:
            continue
        manifest_or_receipt = has_manifest(d) or (d / af.RECEIPT).exists()
        if not manifest_or_receipt:
            continue  # not an attempt folder
        if not verified_receipt(d):
            unverified.append(d)
            continue
        if now() - _receipt_time(d) < retention_s:
            waiting.append(d)
            continue
        try:
            shutil.rmtree(d)
            deleted.append(d)
            log.info("deleted uploaded attempt %s (receipt verified, retention passed)", d.name)
        except OSError as e:
            log.warning("could not delete %s: %s", d, e)
            waiting.append(d)
    return CleanupResult(deleted, unverified, waiting)


# -- the running-session marker -----------------------------------------------------------
def _other_process_alive(marker: dict[str, Any]) -> bool:
    """The marker was written by another process that is still running."""
    pid = marker.get("pid")
    return held_by_other_process(pid)


class SessionMarker:
    """``kiosk-session.json`` in the station's data folder, present while a kiosk runs. If
    the next start finds one whose process is gone, the last session crashed."""

    def __init__(self, data_dir: Path) -> None:
        self.path = Path(data_dir) / SESSION_MARKER

    def read(self) -> dict[str, Any] | None:
        try:
            d = json.loads(self.path.read_text(encoding="utf-8"))
            return d if isinstance(d, dict) else {}
        except FileNotFoundError:
            return None
        except (OSError, ValueError):
            return {}  # torn by a power loss: still a crashed session

    def stale(self) -> dict[str, Any] | None:
        """The marker left by a session that is no longer running, or None."""
        d = self.read()
        if d is None or _other_process_alive(d):
            return None  # no marker, or another kiosk really is running
        return d

    def running_elsewhere(self) -> bool:
        d = self.read()
        return bool(d) and _other_process_alive(d)

    def write(self, **state: Any) -> None:
        data = {"pid": os.getpid(), "started": time.time(), **state}
        write_json_atomic(self.path, data, indent=None)

    def update(self, **state: Any) -> None:
        d = self.read() or {}
        d.update(state)
        d["pid"] = os.getpid()
        self.write(**{k: v for k, v in d.items() if k != "pid"})

    def clear(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()
