"""A full disk stops the recording cleanly with reason no_space and keeps every byte
written before: on a real, small file system (a 3 MB tmpfs)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from capture.types import AudioBlock, VideoFrame
from session.attempt.verify import verify_attempt
from session.recording.media_check import scan_media
from session.recording.recorder import Recorder, RecorderState, RecordingError, StopReason
from session.runtime.clock import SimulatedClock

SIZE = 3 * 1024 * 1024


def mount_small_fs(mnt: Path, img: Path, size: int = SIZE) -> list[str]:
    """A ``size``-byte file system at ``mnt``: tmpfs if allowed, else a loop-mounted ext2
    image. Returns the umount command; skips only when neither can be mounted."""
    mnt.mkdir()
    r = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(mnt)],
        capture_output=True,
        text=True,
    )
    if r.returncode == 0:
        return ["umount", str(mnt)]
    errors = [r.stderr.strip()]
    if shutil.which("mkfs.ext2"):
        with open(img, "wb") as f:
            f.truncate(size)
        subprocess.run(["mkfs.ext2", "-q", "-F", str(img)], check=True, capture_output=True)
        r = subprocess.run(["mount", "-o", "loop", str(img), str(mnt)], capture_output=True)
        if r.returncode == 0:
            return ["umount", str(mnt)]
        errors.append(r.stderr.decode().strip())
    pytest.skip(f"cannot mount a small file system here: {'; '.join(errors)}")


@pytest.fixture
def small_disk(tmp_path: Path):
    mnt = tmp_path / "small"
    umount = mount_small_fs(mnt, tmp_path / "small.img")
    try:
        yield mnt
    finally:
        subprocess.run(umount, check=False)


def _noise(i: int, rng: np.random.Generator) -> np.ndarray:
    """Noise does not compress: the disk fills after a few dozen frames."""
    return rng.integers(0, 256, (240, 320, 3), dtype=np.uint8)


def test_full_disk_stops_with_no_space_and_keeps_what_was_written(small_disk: Path):
    clock = SimulatedClock(100.0)
    stopped: list[StopReason] = []
    rec = Recorder(
        small_disk / "recording.mkv",
        clock,
        320,
        240,
        video_bitrate=2_000_000,  # ~250 kB/s: the disk fills after ~12 s
        min_free_bytes=0,
        reserve_bytes=0,  # no early guard: this test is about the real ENOSPC
        on_stopped=stopped.append,
    )
    rec.start()
    rng = np.random.default_rng(1)
    i = 0
    while rec.state == RecorderState.RECORDING and i < 3000:
        t = 100.0 + i / 30
        if i % 3 == 0:
            rec.add_audio(AudioBlock(np.zeros(1600, np.float32), t))
        while rec.backlog[0] >= 8 and rec.state == RecorderState.RECORDING:
            rec.wait_stopped(0.002)
        rec.add_video(VideoFrame(_noise(i, rng), t, i))
        i += 1
    assert rec.wait_stopped(20)
    assert rec.stop() == StopReason.NO_SPACE
    assert rec.state == RecorderState.STOPPED
    assert stopped == [StopReason.NO_SPACE]

    path = small_disk / "recording.mkv"
    size = path.stat().st_size
    assert size > SIZE * 0.7, "the bytes written before the disk filled must stay"
    scan = scan_media(path)
    assert scan.errors_before_tail() == []
    # Everything but the cluster being written when the disk filled (~1 s) and the frames
    # still inside the encoder decodes.
    assert scan.video_frames >= rec.stats.frames_written - 60 > 200
    result = verify_attempt(small_disk)
    assert result["ok"], result["problems"]


def test_start_refuses_a_disk_without_enough_free_space(small_disk: Path):
    rec = Recorder(small_disk / "recording.mkv", SimulatedClock(), min_free_bytes=100_000_000)
    with pytest.raises(RecordingError) as e:
        rec.start()
    assert e.value.reason == StopReason.NO_SPACE
    assert "MB free" in str(e.value) and e.value.fix
    assert rec.state == RecorderState.FAILED or rec.stop_reason == StopReason.NO_SPACE
    assert not (small_disk / "recording.mkv").exists()
    assert os.listdir(small_disk) == []


def test_the_free_space_guard_stops_cleanly_before_the_disk_is_full(small_disk, monkeypatch):
    import session.recording.recorder as recorder_module

    monkeypatch.setattr(recorder_module, "CHECK_EVERY_S", 0.05)
    rec = Recorder(
        small_disk / "recording.mkv",
        SimulatedClock(0.0),
        320,
        240,
        video_bitrate=2_000_000,
        min_free_bytes=0,
        reserve_bytes=SIZE // 2,  # stop once half the disk is used
    )
    rec.start()
    rng = np.random.default_rng(2)
    i = 0
    while rec.state == RecorderState.RECORDING and i < 3000:
        while rec.backlog[0] >= 4 and rec.state == RecorderState.RECORDING:
            rec.wait_stopped(0.002)
        rec.add_video(VideoFrame(_noise(i, rng), i / 30, i))
        i += 1
    assert rec.wait_stopped(20)
    assert rec.stop_reason == StopReason.NO_SPACE
    scan = scan_media(small_disk / "recording.mkv")
    assert scan.complete and not scan.errors  # closed properly: index and all
    assert scan.video_frames == rec.stats.frames_written


def test_with_on_space_the_recording_pauses_at_the_reserve_and_resumes_when_space_is_freed(
    small_disk, tmp_path, monkeypatch
):
    import session.recording.recorder as recorder_module
    from session.attempt.events import EventLog, read_events

    monkeypatch.setattr(recorder_module, "CHECK_EVERY_S", 0.05)
    filler = small_disk / "someone-elses-download.bin"
    filler.write_bytes(os.urandom(1_200_000))
    told: list[bool] = []
    clock = SimulatedClock(0.0)
    rec = Recorder(
        small_disk / "recording.mkv",
        clock,
        320,
        240,
        video_bitrate=2_000_000,
        min_free_bytes=0,
        reserve_bytes=SIZE // 4,  # pauses under 0.75 MB free, resumes at 1.5 MB
        events=EventLog(tmp_path / "events.jsonl", clock),
        on_space=lambda ok, free: told.append(ok),
    )
    rec.start()
    rng = np.random.default_rng(3)

    def feed_until(done, limit: int = 3000) -> int:
        nonlocal i
        start = i
        while not done() and i - start < limit and rec.state == RecorderState.RECORDING:
            while rec.backlog[0] >= 4:
                rec.wait_stopped(0.002)
            clock.set(i / 30)
            rec.add_video(VideoFrame(_noise(i, rng), i / 30, i))
            i += 1
        return i - start

    i = 0
    feed_until(lambda: told == [False])
    assert told == [False] and rec.state == RecorderState.RECORDING  # paused, not stopped
    written = rec.stats.frames_written
    feed_until(lambda: False, limit=60)  # two seconds while the candidate frees space
    assert rec.stats.frames_written <= written + 4  # the frames in flight at the pause
    filler.unlink()
    feed_until(lambda: told == [False, True])
    assert told == [False, True]
    feed_until(lambda: False, limit=30)
    assert rec.stats.frames_written > written + 20  # recording again
    assert rec.stop() == StopReason.OK
    scan = scan_media(small_disk / "recording.mkv")
    assert scan.complete and not scan.errors and scan.video_frames == rec.stats.frames_written
    kinds = [e["type"] for e in read_events(tmp_path / "events.jsonl")]
    assert kinds.index("recording_paused") < kinds.index("recording_resumed")
