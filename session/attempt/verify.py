"""Checks an attempt folder end to end: the manifest matches the files, every recording
decodes to the end, the transcript fits inside the recording.

``problems`` make ``ok`` false; ``notes`` are facts worth knowing that are expected for the
folder's state (e.g. a killed recording has no manifest yet and a torn last second).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from session.attempt import folder as af
from session.attempt.manifest import ManifestError, attempt_files, read_manifest, sha256_file
from session.attempt.state import FINAL_STATES, AttemptState, parse_state
from session.attempt.transcript import TranscriptError, load_transcript, to_vtt
from session.recording.media_check import MediaScan, scan_media
from session.recording.segments import list_segments

TRANSCRIPT_TOLERANCE_S = 1.0  # a caption may end a moment after the recording did


def verify_attempt(attempt_dir: Path) -> dict[str, Any]:
    root = Path(attempt_dir)
    problems: list[str] = []
    notes: list[str] = []
    result: dict[str, Any] = {
        "ok": False,
        "folder": str(root),
        "state": None,
        "duration_s": 0.0,
        "video_frames": 0,
        "audio_s": 0.0,
        "av_offset_ms": None,
        "problems": problems,
        "notes": notes,
        "segments": [],
    }
    if not root.is_dir():
        problems.append(f"{root} is not a folder: give the path of one attempt folder")
        return result

    manifest = None
    try:
        manifest = read_manifest(root)
    except ManifestError as e:
        problems.append(str(e))
    if manifest is None and not problems:
        notes.append("no manifest yet (the attempt was not finished); checked the files found")
    state = manifest.get("state") if manifest else None
    result["state"] = state
    if manifest is not None:
        _check_files(root, manifest, problems, notes)

    segments = list_segments(root)
    if not segments:
        problems.append("no recording (recording.mkv) in the folder")
    offset = None
    for seg in segments:
        scan = scan_media(seg)
        result["segments"].append(_segment_summary(scan))
        _check_recording(scan, problems, notes, audio=True)
        result["duration_s"] += scan.duration_s
        result["video_frames"] += scan.video_frames
        result["audio_s"] += scan.audio_s
        if offset is None:
            offset = scan.av_offset_ms
    result["av_offset_ms"] = offset
    for seg in list_segments(root, "screen"):
        scan = scan_media(seg)
        result["segments"].append(_segment_summary(scan))
        _check_recording(scan, problems, notes, audio=False)

    _check_transcript(root, result["duration_s"] if segments else None, problems, notes)
    result["duration_s"] = round(result["duration_s"], 3)
    result["audio_s"] = round(result["audio_s"], 3)
    result["ok"] = not problems
    return result


def _check_files(root: Path, manifest: dict, problems: list[str], notes: list[str]) -> None:
    state = parse_state(manifest.get("state"))
    final = state in FINAL_STATES
    # While the attempt is running the recording keeps growing after the manifest was
    # written: a size/hash difference is then expected, not damage.
    growing = state is AttemptState.IN_PROGRESS
    listed = set()
    for entry in manifest.get("files", []):
        rel = str(entry.get("path", ""))
        listed.add(rel)
        p = root / rel
        if not p.is_file():
            problems.append(f"{rel}: listed in the manifest but missing")
            continue
        size = p.stat().st_size
        if size != entry.get("size"):
            msg = f"{rel}: size {size} but the manifest says {entry.get('size')}"
            (notes if growing else problems).append(msg)
            continue
        if sha256_file(p) != entry.get("sha256"):
            msg = f"{rel}: SHA-256 differs from the manifest (the file was changed or damaged)"
            (notes if growing else problems).append(msg)
    for rel in attempt_files(root):
        if rel not in listed:
            msg = f"{rel}: not listed in the manifest"
            (problems if final else notes).append(msg)


def _segment_summary(scan: MediaScan) -> dict[str, Any]:
    return {
        "file": scan.path.name,
        "complete": scan.complete,
        "duration_s": round(scan.duration_s, 3),
        "video_frames": scan.video_frames,
        "audio_s": round(scan.audio_s, 3),
        "av_offset_ms": scan.av_offset_ms,
    }


def _check_recording(scan: MediaScan, problems: list[str], notes: list[str], audio: bool) -> None:
    name = scan.path.name
    if not scan.opened:
        problems.append(f"{name}: {scan.errors[0][1] if scan.errors else 'cannot be opened'}")
        return
    early = scan.errors_before_tail()
    if early:
        problems.append(f"{name}: {len(early)} decode error(s), first: {early[0]}")
    tail = [msg for _, msg in scan.errors if msg not in early]
    if tail:
        if scan.complete:
            problems.append(f"{name}: decode error at the end: {tail[0]}")
        else:
            notes.append(f"{name}: the last moment was cut off ({tail[0]})")
    if scan.video_frames == 0:
        problems.append(f"{name}: no video frames decode")
    if audio and scan.audio_s == 0:
        problems.append(f"{name}: no audio decodes")
    if not scan.complete:
        notes.append(
            f"{name}: not closed cleanly (cut off at {scan.duration_s:.1f} s); "
            "finalize_interrupted() rewrites it as a clean file"
        )


def _check_transcript(
    root: Path, duration: float | None, problems: list[str], notes: list[str]
) -> None:
    try:
        entries = load_transcript(root / af.TRANSCRIPT)
    except TranscriptError as e:
        problems.append(str(e))
        return
    vtt = root / af.CAPTIONS
    if entries and not vtt.exists():
        problems.append("transcript.json has lines but captions.vtt is missing")
    elif vtt.exists() and vtt.read_text(encoding="utf-8", errors="replace") != to_vtt(entries):
        problems.append("captions.vtt does not match transcript.json")
    limit = None if duration is None else duration + TRANSCRIPT_TOLERANCE_S
    for e in entries:
        where = f"transcript line at {e['start']:.2f} s ({e['text'][:30]!r})"
        if e["start"] < 0 or e["end"] < e["start"]:
            problems.append(f"{where}: times out of order")
        elif limit is not None and e["end"] > limit:
            problems.append(
                f"{where}: ends at {e['end']:.2f} s, after the recording ({duration:.2f} s)"
            )
