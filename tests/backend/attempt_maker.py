"""Builds attempt folders as the recorder leaves them, for upload tests and the bench."""

from __future__ import annotations

import json
import os
from pathlib import Path

from session.attempt.manifest import sha256_file


def make_attempt(
    folder: Path,
    *,
    recording_bytes: int = 2_000_000,
    interview_id: str = "demo",
    attempt_number: int = 1,
    practice: bool = False,
    candidate: str | None = None,
) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "whiteboard").mkdir(exist_ok=True)
    with open(folder / "recording.mkv", "wb") as f:
        left = recording_bytes
        while left:
            n = min(left, 8 << 20)
            f.write(os.urandom(n))
            left -= n
    (folder / "screen.mkv").write_bytes(os.urandom(50_000))
    transcript = [{"start": 0.0, "end": 1.0, "speaker": "interviewer", "text": "Hello."}]
    (folder / "transcript.json").write_text(json.dumps(transcript))
    (folder / "captions.vtt").write_text("WEBVTT\n\n00:00.000 --> 00:01.000\nHello.\n")
    (folder / "events.jsonl").write_text(json.dumps({"t": 0.0, "type": "interview_started"}) + "\n")
    (folder / "whiteboard" / "strokes.json").write_text("[]")
    (folder / "whiteboard" / "snap-1.png").write_bytes(b"\x89PNG\r\n\x1a\n" + os.urandom(100))
    names = [
        "recording.mkv",
        "screen.mkv",
        "transcript.json",
        "captions.vtt",
        "events.jsonl",
        "whiteboard/strokes.json",
        "whiteboard/snap-1.png",
    ]
    manifest = {
        "interview_id": interview_id,
        "attempt_number": attempt_number,
        "practice": practice,
        "state": "finished",
        "started_at": "2026-01-01T10:00:00Z",
        "finished_at": "2026-01-01T10:20:00Z",
        "files": [
            {"path": n, "size": (folder / n).stat().st_size, "sha256": sha256_file(folder / n)}
            for n in names
        ],
    }
    if candidate:
        manifest["candidate"] = candidate
    (folder / "attempt.json").write_text(json.dumps(manifest, indent=2))
    return folder
