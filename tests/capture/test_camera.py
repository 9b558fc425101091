from __future__ import annotations

import time

import numpy as np
import pytest

from capture.camera import CameraSource
from capture.types import DeviceError
from session.runtime.clock import SimulatedClock
from tests.conftest import FACES

MALE = FACES / "intel_head-pose-face-detection-male.mp4"  # 12 fps, 62 frames, 480x270


def test_video_file_frames_arrive_paced_at_the_files_rate(testdata) -> None:
    with CameraSource(str(MALE)) as cam:
        t0 = time.monotonic()
        frames = [cam.read(timeout=2.0) for _ in range(13)]
        took = time.monotonic() - t0
    assert all(f is not None for f in frames)
    assert [f.index for f in frames] == list(range(13))
    assert frames[0].image.shape == (270, 480, 3) and frames[0].image.dtype == np.uint8
    # 12 frames after the first take one second at 12 fps (generous bounds for a busy CI).
    assert 0.8 < took < 2.5
    gaps = np.diff([f.t for f in frames])
    assert 0.04 < float(np.median(gaps)) < 0.13


def test_video_file_loops_by_default_and_ends_without_loop(testdata) -> None:
    with CameraSource(str(MALE), fps=240) as cam:  # fast pacing: 62 frames in ~0.3 s
        got = [cam.read(timeout=2.0) for _ in range(80)]
    assert all(f is not None for f in got)
    with CameraSource(str(MALE), fps=240, loop=False) as cam:
        n = 0
        while cam.read(timeout=1.0) is not None:
            n += 1
        assert cam.exhausted
    assert 55 <= n <= 62


def test_image_file_repeats_at_the_requested_rate_on_the_session_clock(testdata) -> None:
    clock = SimulatedClock(100.0)
    with CameraSource(str(FACES / "skimage_coffee.png"), clock=clock, fps=20) as cam:
        a = cam.read(timeout=1.0)
        b = cam.read(timeout=1.0)
        info = cam.info()
    assert a is not None and b is not None
    assert a.t == 100.0 and b.index == a.index + 1
    assert np.array_equal(a.image, b.image)
    assert info.details["width"] == 600 and info.details["height"] == 400


def test_slow_consumer_gets_fresh_frames_and_drops_are_counted(testdata) -> None:
    with CameraSource(str(MALE), fps=100) as cam:
        time.sleep(0.5)  # ~50 frames produced, queue holds 3
        f = cam.read(timeout=1.0)
        assert f is not None and f.index > 20
        assert cam.dropped > 20
        assert cam.info().details["dropped"] == cam.dropped


def test_missing_file_raises_device_error_with_a_fix(tmp_path) -> None:
    with pytest.raises(DeviceError) as e:
        CameraSource(str(tmp_path / "nope.mp4")).open()
    assert "not found" in str(e.value) and e.value.fix


def test_unreadable_file_raises_device_error_with_a_fix(tmp_path) -> None:
    bad = tmp_path / "clip.mp4"
    bad.write_bytes(b"\0" * 1000)
    with pytest.raises(DeviceError) as e:
        CameraSource(str(bad)).open()
    assert "Can't read" in str(e.value) and e.value.fix


def test_missing_camera_device_raises_device_error_with_a_fix() -> None:
    with pytest.raises(DeviceError) as e:
        CameraSource("/dev/video99").open()
    assert "camera" in str(e.value).lower() and e.value.fix
    with pytest.raises(DeviceError) as e:
        CameraSource(57).open()
    assert e.value.fix
