"""verify_attempt on a real recorded attempt, and on copies damaged in specific ways."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from session.attempt.manifest import write_manifest
from session.attempt.transcript import Transcript
from session.attempt.verify import verify_attempt
from session.recording.recorder import Recorder
from session.runtime.clock import SimulatedClock
from tests.session.recording._recording_helpers import feed


def make_attempt(folder: Path, state: str = "finished", seconds: float = 3.0) -> Path:
    """A small real attempt: recording, transcript, captions, manifest."""
    clock = SimulatedClock(20.0)
    rec = Recorder(folder / "recording.mkv", clock, 320, 240, min_free_bytes=0)
    rec.start()
    feed(rec, 20.0, seconds, size=(320, 240))
    rec.stop()
    tr = Transcript(folder, recording_t0=rec.t0)
    tr.add(20.5, 21.5, "interviewer", "Tell me about yourself.")
    tr.add(22.0, 22.9, "candidate", "I build things.")
    write_manifest(folder, "iv", 1, False, state, "2026-11-26T10:00:00Z", "2026-11-26T10:01:00Z")
    return folder


@pytest.fixture(scope="module")
def good_attempt(tmp_path_factory) -> Path:
    return make_attempt(tmp_path_factory.mktemp("good"))


@pytest.fixture
def attempt(good_attempt, tmp_path) -> Path:
    return Path(shutil.copytree(good_attempt, tmp_path / "a"))


def test_a_good_attempt_verifies_with_its_numbers(good_attempt):
    r = verify_attempt(good_attempt)
    assert r["ok"] is True, r["problems"]
    assert r["problems"] == [] and r["state"] == "finished"
    assert r["video_frames"] == 90
    assert r["duration_s"] == pytest.approx(3.0, abs=0.1)
    assert r["audio_s"] == pytest.approx(3.0, abs=0.1)
    assert abs(r["av_offset_ms"]) <= 5


def test_a_changed_byte_is_caught_by_the_hash(attempt):
    data = bytearray((attempt / "transcript.json").read_bytes())
    data[data.index(b"yourself")] ^= 0x20  # same size, different content
    (attempt / "transcript.json").write_bytes(bytes(data))
    r = verify_attempt(attempt)
    assert r["ok"] is False
    assert any("transcript.json: SHA-256 differs" in p for p in r["problems"])


def test_a_truncated_recording_is_caught(attempt):
    path = attempt / "recording.mkv"
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    r = verify_attempt(attempt)
    assert r["ok"] is False
    assert any(p.startswith("recording.mkv: size") for p in r["problems"])
    assert r["duration_s"] < 2.5
    assert r["segments"][0]["complete"] is False
    assert any("recording.mkv" in p and "truncated" in p for p in r["problems"])


def test_a_recording_that_does_not_decode_is_a_problem(attempt):
    path = attempt / "recording.mkv"
    data = bytearray(path.read_bytes())
    data[: len(data)] = bytes(len(data))  # zeros: not a Matroska file any more
    path.write_bytes(bytes(data))
    r = verify_attempt(attempt)
    assert r["ok"] is False
    assert any("recording.mkv: cannot open" in p for p in r["problems"])


def test_a_transcript_line_after_the_end_of_the_recording_is_a_problem(attempt):
    lines = json.loads((attempt / "transcript.json").read_text())
    lines.append({"start": 9.0, "end": 10.0, "speaker": "candidate", "text": "late"})
    (attempt / "transcript.json").write_text(json.dumps(lines))
    write_manifest(attempt, "iv", 1, False, "finished", "s", "f")
    r = verify_attempt(attempt)
    assert r["ok"] is False
    assert any("after the recording" in p for p in r["problems"])


def test_unlisted_files_matter_only_once_the_attempt_is_finished(attempt):
    (attempt / "events.jsonl").write_text('{"t": 1, "type": "face_lost"}\n')
    r = verify_attempt(attempt)
    assert "events.jsonl: not listed in the manifest" in r["problems"]
    write_manifest(attempt, "iv", 1, False, "in_progress", "s", None)
    (attempt / "whiteboard.png").write_bytes(b"png")
    r = verify_attempt(attempt)
    assert r["ok"] is True and "whiteboard.png: not listed in the manifest" in r["notes"]


def test_a_folder_without_a_recording_is_not_ok(tmp_path):
    r = verify_attempt(tmp_path)
    assert r["ok"] is False
    assert any("no recording" in p for p in r["problems"])


def test_a_resumed_attempt_with_two_segments_verifies_as_one_timeline(tmp_path):
    from session.attempt.finalize import recorded_seconds
    from session.recording.segments import next_segment_path

    folder = make_attempt(tmp_path / "a", state="in_progress")
    # A new process: new session clock, the next segment, the transcript continues after
    # the first segment's 3 s.
    start = recorded_seconds(folder, "recording")
    assert start == pytest.approx(3.0, abs=0.1)
    clock = SimulatedClock(4.0)
    rec = Recorder(next_segment_path(folder), clock, 320, 240, min_free_bytes=0)
    rec.start()
    feed(rec, 4.0, 2.0, size=(320, 240))
    rec.stop()
    tr = Transcript(folder, recording_t0=rec.t0, segment_start=start)
    line = tr.add(5.0, 5.8, "candidate", "Second segment answer.")
    assert line["start"] == pytest.approx(start + 1.0, abs=0.01)
    m = write_manifest(folder, "iv", 1, False, "finished", "s", "f")
    assert m["recordings"] == ["recording.mkv", "recording-2.mkv"]
    r = verify_attempt(folder)
    assert r["ok"], r["problems"]
    assert r["video_frames"] == 150
    assert r["duration_s"] == pytest.approx(5.0, abs=0.15)
    assert [s["file"] for s in r["segments"]] == ["recording.mkv", "recording-2.mkv"]
