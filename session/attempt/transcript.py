"""The attempt's transcript: ``transcript.json`` and ``captions.vtt``, rewritten atomically
after every committed line, so a crash loses nothing already committed.

Times are stored on the recording's clock, so captions line up with the video:
``recording time = session time - recording_t0 + segment_start``. ``recording_t0`` is the
session time the current recording segment started (``Recorder.t0``); ``segment_start`` is
how much recording came before it (0 for ``recording.mkv``; the earlier segments' total
duration after a resume). Segments are thus one continuous timeline.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

from session.attempt import folder as af
from session.runtime.atomic_file import write_json_atomic, write_text_atomic

SPEAKERS = ("interviewer", "candidate")
VTT_VOICES = {"interviewer": "Interviewer", "candidate": "Candidate"}


class TranscriptError(ValueError):
    """transcript.json exists but is not a list of {start, end, speaker, text}."""


class Transcript:
    """Appends committed lines. Thread-safe. Reloads what an earlier run wrote, so a resumed
    attempt continues the same transcript.

    ``recording_t0`` is the session time at which the recording's clock reads 0 (the
    recorder's ``t0``).
    """

    def __init__(
        self,
        attempt_dir: Path,
        *,
        recording_t0: float = 0.0,
        segment_start: float = 0.0,
    ) -> None:
        self.dir = Path(attempt_dir)
        self.dir.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._t0 = recording_t0
        self._segment_start = segment_start
        self._entries: list[dict[str, Any]] = load_transcript(self.dir / af.TRANSCRIPT)

    def start_segment(self, recording_t0: float, segment_start: float = 0.0) -> None:
        """A new recording segment began: later lines are placed relative to it."""
        with self._lock:
            self._t0, self._segment_start = recording_t0, segment_start

    def to_recording_time(self, t: float) -> float:
        return max(0.0, t - self._t0 + self._segment_start)

    @property
    def entries(self) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(e) for e in self._entries]

    def add(self, start: float, end: float, speaker: str, text: str) -> dict[str, Any] | None:
        """Adds one committed line (times on the session clock) and rewrites both files.
        Empty text is ignored (returns None)."""
        if speaker not in SPEAKERS:
            raise ValueError(f"speaker must be one of {SPEAKERS}, not {speaker!r}")
        text = " ".join(str(text).split())
        if not text:
            return None
        with self._lock:
            s = round(self.to_recording_time(start), 3)
            e = round(max(s, self.to_recording_time(end)), 3)
            entry = {"start": s, "end": e, "speaker": speaker, "text": text}
            self._entries.append(entry)
            self._entries.sort(key=lambda x: (x["start"], x["end"]))
            self._save()
            return dict(entry)

    def _save(self) -> None:
        write_json_atomic(self.dir / af.TRANSCRIPT, self._entries)
        write_text_atomic(self.dir / af.CAPTIONS, to_vtt(self._entries))


def vtt_time(t: float) -> str:
    ms = max(0, round(t * 1000))
    h, ms = divmod(ms, 3_600_000)
    m, ms = divmod(ms, 60_000)
    s, ms = divmod(ms, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}.{ms:03d}"


def _vtt_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def to_vtt(entries: list[dict[str, Any]]) -> str:
    """WebVTT with a voice tag per speaker; a zero-length line is shown for 0.5 s."""
    out = ["WEBVTT", ""]
    for i, e in enumerate(entries, 1):
        start, end = float(e["start"]), float(e["end"])
        if end <= start:
            end = start + 0.5
        voice = VTT_VOICES.get(e["speaker"], str(e["speaker"]).title())
        out += [str(i), f"{vtt_time(start)} --> {vtt_time(end)}"]
        out += [f"<v {voice}>{_vtt_escape(e['text'])}", ""]
    return "\n".join(out)


def rewrite_captions(attempt_dir: Path) -> bool:
    """Makes captions.vtt match transcript.json again (a crash between the two renames
    leaves the captions one line short). True if it had to be rewritten."""
    root = Path(attempt_dir)
    entries = load_transcript(root / af.TRANSCRIPT)
    vtt_path = root / af.CAPTIONS
    if not entries and not vtt_path.exists():
        return False
    want = to_vtt(entries)
    try:
        if vtt_path.read_text(encoding="utf-8") == want:
            return False
    except (OSError, UnicodeDecodeError):
        pass
    write_text_atomic(vtt_path, want)
    return True


def load_transcript(path: Path) -> list[dict[str, Any]]:
    """Entries of ``transcript.json`` (or of the attempt folder given), sorted by start;
    [] when there is none yet. Raises TranscriptError when the file is malformed."""
    path = Path(path)
    if path.is_dir():
        path = path / af.TRANSCRIPT
    if not path.exists():
        return []
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise TranscriptError(f"{path} is not valid JSON: {e}") from e
    if not isinstance(data, list):
        raise TranscriptError(f"{path} must hold a list of lines")
    entries = []
    for i, item in enumerate(data):
        try:
            entry = {
                "start": float(item["start"]),
                "end": float(item["end"]),
                "speaker": str(item["speaker"]),
                "text": str(item["text"]),
            }
        except (KeyError, TypeError, ValueError) as e:
            raise TranscriptError(f"{path}: line {i} is malformed ({e})") from e
        entries.append(entry)
    return sorted(entries, key=lambda x: (x["start"], x["end"]))
