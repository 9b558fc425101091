"""A recording process killed with SIGKILL leaves a file that plays to within a second or
two of the kill; the next start repairs it and marks the attempt interrupted."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from session.attempt.finalize import finalize_interrupted, recorded_seconds
from session.attempt.manifest import read_manifest, write_manifest
from session.attempt.verify import verify_attempt
from session.recording.segments import next_segment_path
from tests.conftest import run_main

HELPER = Path(__file__).with_name("_record_until_killed.py")
RUN_S = 5.0


@pytest.fixture(scope="module")
def killed_attempt(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("attempt")
    proc = subprocess.Popen(
        [sys.executable, str(HELPER), str(folder)], stdout=subprocess.PIPE, text=True
    )
    try:
        line = proc.stdout.readline()
        assert line.strip() == "recording", f"helper did not start: {line!r}"
        time.sleep(RUN_S)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == -signal.SIGKILL
    return folder


@pytest.mark.slow
def test_verify_decodes_a_killed_recording_to_within_two_seconds_of_the_kill(killed_attempt):
    result = verify_attempt(killed_attempt)
    assert result["ok"], result["problems"]
    assert abs(result["duration_s"] - RUN_S) <= 2.0, result
    assert result["video_frames"] >= 25 * (RUN_S - 2)
    assert abs(result["audio_s"] - result["duration_s"]) < 1.5
    assert any("no manifest" in n for n in result["notes"])
    assert result["segments"][0]["complete"] is False  # really cut off, not closed

    cli = run_main("verify", str(killed_attempt), "--json", timeout=60)
    assert cli.returncode == 0, cli.stdout + cli.stderr


@pytest.mark.slow
def test_finalize_repairs_the_killed_recording_and_marks_the_attempt_interrupted(
    killed_attempt,
):
    cut = verify_attempt(killed_attempt)["duration_s"]
    report = finalize_interrupted(killed_attempt, interview_id="demo", attempt_number=1)
    assert report["repaired"] == ["recording.mkv"]
    manifest = read_manifest(killed_attempt)
    assert manifest["state"] == "interrupted"
    assert [f["path"] for f in manifest["files"]] == ["recording.mkv"]

    after = verify_attempt(killed_attempt)
    assert after["ok"], after["problems"]
    assert after["segments"][0]["complete"] is True
    assert abs(after["duration_s"] - cut) < 0.5  # nothing lost by the repair
    assert abs(recorded_seconds(killed_attempt) - cut) < 0.5
    assert next_segment_path(killed_attempt).name == "recording-2.mkv"

    again = finalize_interrupted(killed_attempt)  # idempotent
    assert again["changed"] is False and again["state"] == "interrupted"


def test_finalize_keeps_a_finished_attempt_untouched(tmp_path):
    (tmp_path / "notes.txt").write_text("x")
    write_manifest(tmp_path, "i", 1, False, "finished", "2026-01-01T00:00:00Z", None)
    before = (tmp_path / "attempt.json").read_bytes()
    assert finalize_interrupted(tmp_path)["changed"] is False
    assert (tmp_path / "attempt.json").read_bytes() == before
