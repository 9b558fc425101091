"""The final transcript: when the interview has ended, one offline pass over the recorded
audio (beam search, word times, the configured Whisper model) replaces the live captions'
candidate lines. The interviewer's lines stay as they were: their text is what was spoken.

The live stream is kept as ``captions-live.vtt``. Files are replaced atomically, and the
manifest is re-hashed after, so a crash at any point leaves a folder that verifies: either
the live transcript or the final one, never half of each.
"""

from __future__ import annotations

import difflib
import logging
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from capture.types import AUDIO_RATE
from session.attempt import folder as af
from session.attempt.manifest import read_manifest, read_state, update_manifest
from session.attempt.transcript import load_transcript, to_vtt
from session.recording.media_check import scan_media
from session.recording.segments import list_segments
from session.runtime.atomic_file import write_json_atomic, write_text_atomic
from speech.models import ModelMissingError, WhisperSettings
from speech.offline import AudioReadError, TimedWord, read_audio, transcribe_audio

log = logging.getLogger(__name__)

PAUSE_S = 1.2  # a silence this long starts a new candidate line
ECHO_MARGIN_S = 0.6  # the interviewer's voice reaches the microphone a little late
ECHO_RUN = 2  # words matching the interviewer's line this many in a row are its echo
JITTER_S = 0.5  # Whisper's word times can be this early: a line that seems to begin just
# before an interviewer line is the answer to it, not something said before it

_WORD = re.compile(r"[a-z0-9']+")


@dataclass(slots=True)
class FinalPass:
    """What the pass did: ``source`` is "final" when it replaced the live lines, "live"
    when it could not (and ``reason`` says why)."""

    source: str
    reason: str = ""
    candidate_lines: int = 0
    audio_s: float = 0.0
    compute_s: float = 0.0
    model: str = ""


def _tokens(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def recorded_audio(attempt_dir: Path) -> list[tuple[float, np.ndarray]]:
    """(start on the recording's clock, 16 kHz mono audio) of each recording segment, in
    order. A segment starts where the ones before it ended (as the transcript counts)."""
    out: list[tuple[float, np.ndarray]] = []
    offset = 0.0
    for seg in list_segments(attempt_dir):
        try:
            audio = read_audio(seg)
        except AudioReadError as e:
            log.warning("final transcript: %s", e)
            audio = np.zeros(0, dtype=np.float32)
        out.append((offset, audio))
        duration = scan_media(seg, decode=False).duration_s
        offset += max(duration, len(audio) / AUDIO_RATE)
    return out


def echo_words(words: list[TimedWord], interviewer: list[dict[str, Any]]) -> set[int]:
    """Indexes of words that are the interviewer's own voice heard by the microphone (no
    headphones): inside an interviewer line's time and part of a run of at least
    ``ECHO_RUN`` words that follows that line's text. A candidate's word that merely
    happens to appear in the question is kept."""
    echo: set[int] = set()
    for line in interviewer:
        start, end = float(line["start"]), float(line["end"]) + ECHO_MARGIN_S
        inside = [i for i, w in enumerate(words) if w.end > start and w.start < end]
        if not inside:
            continue
        heard = [(_tokens(words[i].text) or [""])[0] for i in inside]
        said = _tokens(str(line["text"]))
        matcher = difflib.SequenceMatcher(a=heard, b=said, autojunk=False)
        for block in matcher.get_matching_blocks():
            if block.size >= ECHO_RUN:
                echo.update(inside[block.a : block.a + block.size])
    return echo


def candidate_lines(
    words: list[TimedWord], interviewer: list[dict[str, Any]], pause_s: float = PAUSE_S
) -> list[dict[str, Any]]:
    """The candidate's words as transcript lines: a new line after a pause of ``pause_s``
    or when an interviewer line starts in between. Words that are echo are left out."""
    echo = echo_words(words, interviewer)
    starts = sorted(float(x["start"]) for x in interviewer)
    lines: list[dict[str, Any]] = []
    current: list[TimedWord] = []

    def close() -> None:
        if current:
            text = " ".join(w.text for w in current)
            lines.append(
                {
                    "start": round(current[0].start, 3),
                    "end": round(current[-1].end, 3),
                    "speaker": "candidate",
                    "text": " ".join(text.split()),
                }
            )
            current.clear()

    for i, w in enumerate(words):
        if i in echo:
            continue
        if current:
            prev = current[-1]
            between = any(prev.end <= s <= w.start for s in starts)
            if w.start - prev.end >= pause_s or between:
                close()
        current.append(w)
    close()
    return lines


def transcribe_recording(
    segments: Iterable[tuple[float, np.ndarray]],
    settings: WhisperSettings,
    progress: Callable[[float], None] | None = None,
) -> list[TimedWord]:
    """Every word recorded, on the recording's clock."""
    parts = list(segments)
    total = sum(len(a) for _, a in parts) or 1
    done = 0
    words: list[TimedWord] = []
    for offset, audio in parts:
        if len(audio) == 0:
            continue

        def on_part(share: float, _done: int = done, _n: int = len(audio)) -> None:
            if progress is not None:
                progress(min(1.0, (_done + share * _n) / total))

        result = transcribe_audio(audio, settings, progress=on_part)
        for seg in result.segments:
            words += [TimedWord(w.start + offset, w.end + offset, w.text) for w in seg.words]
        done += len(audio)
    return words


def merge(live: list[dict[str, Any]], final_candidate: list[dict[str, Any]]) -> list[dict]:
    """The interviewer's live lines with the final candidate lines, in time order. A
    candidate line that starts less than ``JITTER_S`` before an interviewer line and goes on
    past its end is placed right after it."""
    kept = [dict(e) for e in live if e["speaker"] != "candidate"]
    placed = []
    for line in final_candidate:
        line = dict(line)
        for other in kept:
            s, e = float(other["start"]), float(other["end"])
            if s - JITTER_S < line["start"] < s and line["end"] > e:
                line["start"] = round(e, 3)
        placed.append(line)
    return sorted(kept + placed, key=lambda e: (e["start"], e["end"]))


def already_final(attempt_dir: Path) -> bool:
    try:
        manifest = read_manifest(attempt_dir, need_files=False) or {}
    except Exception:
        return False
    return manifest.get("transcript_source") == "final"


def run_final_pass(
    attempt_dir: Path,
    settings: WhisperSettings | None = None,
    progress: Callable[[float], None] | None = None,
) -> FinalPass:
    """Replaces the live candidate lines with the offline pass's. Never raises for a
    missing model or unreadable audio: the live transcript then stays, and the result
    says why. Idempotent: a folder already final is left as it is."""
    root = Path(attempt_dir)
    settings = settings or WhisperSettings()
    model = settings.resolved_dir().name
    if already_final(root):
        return FinalPass("final", "already done", model=model)
    live = load_transcript(root / af.TRANSCRIPT)
    began = time.monotonic()
    parts = recorded_audio(root)
    audio_s = sum(len(a) for _, a in parts) / AUDIO_RATE
    if audio_s <= 0:
        return _keep_live(root, "no recorded audio to transcribe", model)
    try:
        words = transcribe_recording(parts, settings, progress)
    except ModelMissingError as e:
        return _keep_live(root, str(e), model, audio_s)
    interviewer = [e for e in live if e["speaker"] == "interviewer"]
    final = candidate_lines(words, interviewer)
    entries = merge(live, final)
    live_vtt = root / af.CAPTIONS_LIVE
    try:
        if not live_vtt.exists():  # a second run after a crash must not overwrite it
            write_text_atomic(live_vtt, to_vtt(live))
        write_json_atomic(root / af.TRANSCRIPT, entries)
        write_text_atomic(root / af.CAPTIONS, to_vtt(entries))
    except OSError as e:  # a full disk: each file is whole, old or new; the hashes follow
        return _keep_live(root, f"the final transcript could not be written: {e}", model)
    compute_s = time.monotonic() - began
    result = FinalPass("final", "", len(final), round(audio_s, 2), round(compute_s, 2), model)
    _record(root, result)
    return result


def _keep_live(root: Path, reason: str, model: str, audio_s: float = 0.0) -> FinalPass:
    log.warning("final transcript not made for %s: %s", root.name, reason)
    result = FinalPass("live", reason, audio_s=round(audio_s, 2), model=model)
    _record(root, result)
    return result


def _record(root: Path, result: FinalPass) -> None:
    """Says in the manifest which transcript the folder holds, and re-hashes its files."""
    state = read_state(root)
    if state is None:
        return
    update_manifest(
        root,
        state,
        transcript_source=result.source,
        final_transcript={
            "model": result.model,
            "reason": result.reason,
            "audio_s": result.audio_s,
            "compute_s": result.compute_s,
            "candidate_lines": result.candidate_lines,
        },
    )
