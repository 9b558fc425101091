"""After a crash: make what the killed process left behind as good as it can be.

Called at the next start for every attempt still marked ``in_progress`` or ``interrupted``
(or with no manifest at all). Recordings cut off mid-write are remuxed into cleanly closed
files (with an index, so players can seek); the original stays in place until the new file
is complete and checked. The manifest is rewritten with state ``interrupted``. Idempotent.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

from session.attempt import folder as af
from session.attempt.manifest import (
    ManifestError,
    now_iso,
    read_manifest,
    update_manifest,
    write_manifest,
)
from session.attempt.state import SETTLED_STATES, AttemptState
from session.attempt.transcript import TranscriptError, rewrite_captions
from session.recording.media_check import remux, scan_media
from session.recording.segments import list_segments

log = logging.getLogger(__name__)


def recorded_seconds(attempt_dir: Path, base: str = "recording") -> float:
    """Total duration of the segments already recorded: the ``segment_start`` of the next
    one (see Transcript)."""
    return sum(scan_media(p, decode=False).duration_s for p in list_segments(attempt_dir, base))


def _repair(seg: Path) -> tuple[str, str | None]:
    """("repaired" | "set_aside" | "clean" | "kept", problem). Remuxes a cut-off segment;
    leaves a clean one alone; sets aside (renames, never deletes) one that holds no media at
    all, e.g. killed in its first second, so it is neither uploaded nor reported as a broken
    recording."""
    before = scan_media(seg, decode=False)
    if not before.opened or (before.video_frames == 0 and before.audio_s == 0):
        aside = seg.with_name(f".{seg.name}.empty")
        os.replace(seg, aside)
        log.warning("%s holds no media (%d bytes): set aside", seg.name, aside.stat().st_size)
        return "set_aside", None
    if before.complete:
        return "clean", None
    tmp = seg.with_name(f".{seg.stem}.remux.mkv")
    try:
        remux(seg, tmp)
        after = scan_media(tmp, decode=False)
        # The torn last packet or two may be dropped; anything more means the copy failed.
        if after.video_frames < before.video_frames - 2 or not after.complete:
            raise RuntimeError(f"copy has {after.video_frames} of {before.video_frames} frames")
        os.replace(tmp, seg)
    except Exception as e:
        tmp.unlink(missing_ok=True)
        log.warning("could not repair %s, keeping it as it is: %s", seg.name, e)
        return "kept", f"{seg.name}: kept as cut off (repair failed: {e})"
    log.info("repaired %s (%.1f s)", seg.name, after.duration_s)
    return "repaired", None


def finalize_interrupted(
    attempt_dir: Path,
    interview_id: str = "",
    attempt_number: int = 0,
    practice: bool = False,
) -> dict[str, Any]:
    """Repairs an attempt a crash left behind and marks it ``interrupted``. The arguments
    are used only when there is no readable manifest. Returns what was done."""
    root = Path(attempt_dir)
    report: dict[str, Any] = {
        "changed": False,
        "state": None,
        "repaired": [],
        "set_aside": [],  # segments without any media, renamed to .NAME.empty
        "problems": [],
    }
    try:
        manifest = read_manifest(root)
    except ManifestError as e:
        report["problems"].append(str(e))
        corrupt = root / af.MANIFEST
        corrupt.rename(root / f".attempt.json.corrupt-{int(os.path.getmtime(corrupt))}")
        manifest = None
    if manifest is not None and manifest.get("state") in SETTLED_STATES:
        report["state"] = manifest["state"]
        return report
    for p in root.glob(".*"):  # leftovers of a remux or atomic write the crash cut short
        if p.is_file() and p.name.endswith((".tmp", ".remux.mkv")):
            p.unlink(missing_ok=True)
    for seg in list_segments(root) + list_segments(root, "screen"):
        status, problem = _repair(seg)
        if status in ("repaired", "set_aside"):
            report[status].append(seg.name)
        if problem:
            report["problems"].append(problem)
    try:
        report["captions_rewritten"] = rewrite_captions(root)
    except TranscriptError as e:  # keep the damaged file for a person to look at
        report["problems"].append(str(e))
        report["captions_rewritten"] = False
    was_interrupted = manifest is not None and manifest.get("state") == AttemptState.INTERRUPTED
    fixed = report["repaired"] or report["set_aside"] or report["captions_rewritten"]
    if was_interrupted and not fixed:
        # Closed cleanly when it stopped: nothing to do.
        report["state"] = AttemptState.INTERRUPTED.value
        return report
    extra = {
        "interrupted_at": now_iso(),
        "repaired": report["repaired"],
        "set_aside": report["set_aside"],
    }
    if manifest is not None:
        update_manifest(root, AttemptState.INTERRUPTED, **extra)
    else:
        started = min((p.stat().st_mtime for p in root.iterdir()), default=None)
        started_at = now_iso(started)
        write_manifest(
            root,
            interview_id,
            attempt_number,
            practice,
            AttemptState.INTERRUPTED,
            started_at,
            None,
            extra,
        )
    report.update(changed=True, state=AttemptState.INTERRUPTED.value)
    return report
