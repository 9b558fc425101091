"""The events timeline: one JSON object per line in ``events.jsonl``, flushed as written so a
crash loses nothing already said."""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from session.recording.timeline import (  # the recorder's own events, one timeline
    DEVICE_ERROR,
    DEVICE_RESTORED,
    RECORDING_PAUSED,
    RECORDING_RESUMED,
    RECORDING_STARTED,
    RECORDING_STOPPED,
)

__all__ = [
    "DEVICE_ERROR",
    "DEVICE_RESTORED",
    "RECORDING_PAUSED",
    "RECORDING_RESUMED",
    "RECORDING_STARTED",
    "RECORDING_STOPPED",
]

# Event types other modules write. Keep names stable: the backend's review page shows them.
QUESTION_ASKED = "question_asked"
QUESTION_ENDED = "question_ended"
FOLLOW_UP = "follow_up"  # with the brain that wrote it (model, file hash, template, latency)
BRAIN_FALLBACK = "brain_fallback"  # a generated line not said, and why
BRAIN_UNAVAILABLE = "brain_unavailable"  # the model asked for could not be had: scripted
INTERJECTION = "interjection"
CANDIDATE_COMMAND = "candidate_command"
BARGE_IN = "barge_in"
FOCUS_LOST = "focus_lost"
FOCUS_GAINED = "focus_gained"
FACE_LOST = "face_lost"
FACE_FOUND = "face_found"
MULTIPLE_FACES = "multiple_faces"
MONITOR_ADDED = "monitor_added"
SCREEN_SHARE_STARTED = "screen_share_started"
SCREEN_SHARE_STOPPED = "screen_share_stopped"
INTEGRITY_FLAG = "integrity_flag"  # what the candidate was told; "about" names the kind
CANDIDATE_NOTE = "candidate_note"
INTERVIEW_STARTED = "interview_started"
INTERVIEW_FINISHED = "interview_finished"
RESUMED = "resumed"


class EventLog:
    """Appends events to ``events.jsonl``; thread-safe; each line is fsync'ed on write."""

    def __init__(self, path: Path, clock: Callable[[], float]) -> None:
        self.path = Path(path)
        self._clock = clock
        self._lock = threading.Lock()
        self.path.parent.mkdir(parents=True, exist_ok=True)

    def write(self, type_: str, t: float | None = None, **data: Any) -> dict[str, Any]:
        event = {"t": round(self._clock() if t is None else t, 3), "type": type_, **data}
        line = json.dumps(event, ensure_ascii=False) + "\n"
        with self._lock, open(self.path, "a", encoding="utf-8") as f:
            f.write(line)
            f.flush()
            os.fsync(f.fileno())
        return event


def read_events(path: Path) -> Iterator[dict[str, Any]]:
    """Events in order; a torn last line (a crash mid-write) is skipped."""
    p = Path(path)
    if not p.exists():
        return
    with open(p, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            try:
                yield json.loads(line)
            except json.JSONDecodeError:
                continue
