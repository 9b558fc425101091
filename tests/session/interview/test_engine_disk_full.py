"""The disk fills mid-interview (another program's download, on a real small file system):
the recording pauses at its reserve, the candidate is told what to do, the interviewer waits
with the question's clock standing still, and everything goes on once space is freed. The
attempt then says what is missing; it is never called complete."""

from __future__ import annotations

import os
import shutil
import subprocess
import time

import pytest

from session.attempt.events import read_events
from session.attempt.manifest import read_manifest
from tests.session.interview.test_engine import make_engine
from tests.session.recording.test_recorder_disk_full import mount_small_fs

MB = 1_000_000


@pytest.fixture
def disk(tmp_path, monkeypatch):
    import session.recording.recorder as recorder_module

    monkeypatch.setattr(recorder_module, "CHECK_EVERY_S", 0.1)
    mnt = tmp_path / "disk"
    umount = mount_small_fs(mnt, tmp_path / "disk.img", size=300 * MB)
    try:
        yield mnt
    finally:
        subprocess.run(umount, check=False)


def _fill_to(folder, free_bytes: int):
    path = folder / "download.bin"
    n = shutil.disk_usage(folder).free - free_bytes
    with open(path, "wb") as f:
        chunk = os.urandom(MB)
        while n > 0:
            f.write(chunk[: min(n, MB)])
            n -= MB
    return path


def _until(predicate, timeout: float) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def test_a_disk_that_fills_pauses_the_interview_until_space_is_freed(disk):
    calls: list[tuple[str, str, str]] = []
    engine, *_ = make_engine(disk / "attempt", on_device=lambda *a: calls.append(a))
    events = disk / "attempt" / "events.jsonl"

    def types() -> list[str]:
        return [e["type"] for e in read_events(events)]

    engine.start()
    try:
        assert _until(lambda: "question_asked" in types(), 10)
        filler = _fill_to(disk, 20 * MB)  # under the recorder's 32 MiB reserve
        assert _until(lambda: any(c[0] == "disk" and c[1] for c in calls), 5), calls
        paused_at = time.monotonic()
        before = types()
        # Longer than the 6 s silence check-in: the interviewer neither checks in nor
        # moves on while nothing can be recorded.
        time.sleep(7.5)
        during = types()[len(before) :]
        assert not {"interjection", "question_ended", "question_asked"} & set(during), during
        filler.unlink()
        assert _until(lambda: calls[-1] == ("disk", "", ""), 5), calls
        resumed_after = time.monotonic() - paused_at
    finally:
        engine.stop(10.0)
    _, problem, fix = next(c for c in calls if c[0] == "disk" and c[1])
    assert problem.startswith("The disk is almost full (") and "recording is paused" in problem
    assert "Free at least" in fix and "end the interview" in fix
    summary = read_manifest(disk / "attempt")["summary"]
    (gap,) = [g for g in summary["recording_gaps"] if g["device"] == "recording"]
    assert gap["error"] == "no_space" and 7.0 <= gap["duration_s"] <= resumed_after + 0.5
    assert summary["complete"] is False
    assert "because the disk was full" in summary["incomplete"]
    assert types().index("recording_paused") < types().index("recording_resumed")
