"""The recorder against real PyAV files: timing, scaling, drops, device loss, bad paths."""

from __future__ import annotations

import time
from fractions import Fraction

import av
import numpy as np
import pytest

from capture.types import AudioBlock, VideoFrame
from session.attempt.events import EventLog, read_events
from session.recording.media_check import scan_media
from session.recording.recorder import (
    Recorder,
    RecorderState,
    RecordingError,
    StopReason,
)
from session.recording.screen_recorder import ScreenRecorder
from session.recording.segments import next_segment_path
from session.runtime.clock import SimulatedClock
from tests.session.recording._recording_helpers import feed, picture, tone


def _video_pts(path) -> list[float]:
    with av.open(str(path)) as c:
        return [float(f.time) for f in c.decode(video=0)]


def test_records_video_and_audio_on_the_recording_clock(tmp_path):
    clock = SimulatedClock(50.0)
    rec = Recorder(tmp_path / "recording.mkv", clock, 640, 360, min_free_bytes=0)
    rec.start()
    assert rec.t0 == 50.0 and rec.state == RecorderState.RECORDING
    n = feed(rec, 50.0, 3.0)
    assert rec.stop() == StopReason.OK
    assert rec.state == RecorderState.STOPPED
    assert rec.stats.frames_written == n == 90 and rec.stats.frames_dropped == 0
    scan = scan_media(tmp_path / "recording.mkv")
    assert scan.complete and not scan.errors
    assert scan.video_frames == 90
    assert scan.video_start == pytest.approx(0.0, abs=0.002)
    assert scan.video_end == pytest.approx(89 / 30, abs=0.002)
    assert scan.audio_s == pytest.approx(3.0, abs=0.1)
    assert abs(scan.av_offset_ms) <= 5
    with av.open(str(tmp_path / "recording.mkv")) as c:
        v, a = c.streams.video[0], c.streams.audio[0]
        assert (v.codec_context.name, v.width, v.height) == ("h264", 640, 360)
        assert (a.codec_context.name, a.channels) == ("opus", 1)  # Opus always plays at 48 kHz


def test_wobbling_frame_times_are_kept_so_sync_holds(tmp_path):
    """Variable frame rate: each frame keeps its capture time, whatever the camera's pace."""
    clock = SimulatedClock(0.0)
    rec = Recorder(tmp_path / "r.mkv", clock, 320, 240, min_free_bytes=0)
    rec.start()
    rng = np.random.default_rng(3)
    times = np.cumsum(rng.uniform(0.02, 0.07, 60))
    for i, t in enumerate(times):
        rec.add_video(VideoFrame(picture(i, 320, 240), float(t), i))
        while rec.backlog[0] >= 8:
            time.sleep(0.002)
    rec.stop()
    got = _video_pts(tmp_path / "r.mkv")
    assert np.allclose(got, np.round(times, 3), atol=0.0015)


def test_frames_of_another_size_are_letterboxed_to_the_recording_size(tmp_path):
    clock = SimulatedClock(0.0)
    rec = Recorder(tmp_path / "r.mkv", clock, 320, 240, min_free_bytes=0)
    rec.start()
    for i in range(5):  # 16:9 white frames into a 4:3 recording: black bars top and bottom
        rec.add_video(VideoFrame(np.full((360, 640, 3), 255, np.uint8), i / 30, i))
    rec.stop()
    with av.open(str(tmp_path / "r.mkv")) as c:
        img = next(c.decode(video=0)).to_ndarray(format="gray")
    assert img.shape == (240, 320)
    assert img[5:25].mean() < 30 and img[215:235].mean() < 30  # bars
    assert img[60:180].mean() > 220  # picture


def test_a_full_queue_drops_and_counts_frames_instead_of_waiting(tmp_path):
    clock = SimulatedClock(0.0)
    rec = Recorder(tmp_path / "r.mkv", clock, 1280, 720, min_free_bytes=0, video_queue_size=2)
    rec.start()
    img = picture(0, 1280, 720)
    began = time.perf_counter()
    for i in range(60):
        rec.add_video(VideoFrame(img, i / 30, i))
    # Waiting for the encoder would take ~58 encodes (> 0.5 s); handing over takes ~1 ms.
    assert time.perf_counter() - began < 0.3
    rec.stop()
    s = rec.stats
    assert s.frames_dropped > 0
    assert s.frames_written + s.frames_dropped == 60
    assert scan_media(tmp_path / "r.mkv").video_frames == s.frames_written


def test_lost_microphone_keeps_video_going_fills_silence_and_logs_the_gap(tmp_path):
    clock = SimulatedClock(10.0)
    log = EventLog(tmp_path / "events.jsonl", clock)
    rec = Recorder(tmp_path / "r.mkv", clock, 320, 240, events=log, min_free_bytes=0)
    rec.start()
    for i in range(90):  # 3 s of video; audio only for the first second
        t = 10.0 + i / 30
        clock.set(t)
        if i < 30 and i % 3 == 0:
            rec.add_audio(AudioBlock(tone(1600, i * 533), t))
        if i == 30:
            rec.device_lost("microphone", t)
        rec.add_video(VideoFrame(picture(i, 320, 240), t, i))
        while rec.backlog[0] >= 8:
            time.sleep(0.002)
    rec.stop()
    assert rec.stop_reason == StopReason.OK
    scan = scan_media(tmp_path / "r.mkv")
    assert scan.video_frames == 90
    assert rec.stats.silence_seconds > 1.0
    assert scan.audio_end > 2.0  # silence carried the audio timeline through the gap
    types = [(e["type"], e.get("device")) for e in read_events(tmp_path / "events.jsonl")]
    assert ("device_error", "microphone") in types
    assert types[0][0] == "recording_started" and types[-1][0] == "recording_stopped"


def test_lost_camera_holds_the_last_frame_while_audio_continues(tmp_path):
    clock = SimulatedClock(0.0)
    log = EventLog(tmp_path / "events.jsonl", clock)
    rec = Recorder(tmp_path / "r.mkv", clock, 320, 240, events=log, min_free_bytes=0)
    rec.start()
    rec.add_video(VideoFrame(picture(0, 320, 240), 0.0, 0))
    rec.device_lost("camera", 0.05)
    for k in range(40):  # 4 s of audio, no video
        clock.set(k * 0.1)
        rec.add_audio(AudioBlock(tone(1600, k * 1600), k * 0.1))
        time.sleep(0.01)
    clock.set(4.0)
    rec.add_video(VideoFrame(picture(1, 320, 240), 4.0, 1))  # the camera is back
    time.sleep(0.1)
    rec.stop()
    assert rec.stats.frames_held >= 2
    scan = scan_media(tmp_path / "r.mkv")
    assert scan.video_frames == 2 + rec.stats.frames_held
    assert scan.audio_s == pytest.approx(4.0, abs=0.1)
    types = [e["type"] for e in read_events(tmp_path / "events.jsonl")]
    assert "device_error" in types and "device_restored" in types


def test_losing_every_device_stops_with_device_lost(tmp_path):
    rec = Recorder(tmp_path / "r.mkv", SimulatedClock(), 320, 240, min_free_bytes=0)
    rec.start()
    rec.add_video(VideoFrame(picture(0, 320, 240), 0.0, 0))
    rec.device_lost("camera")
    rec.device_lost("microphone")
    assert rec.wait_stopped(10)
    assert rec.stop_reason == StopReason.DEVICE_LOST and rec.state == RecorderState.STOPPED
    assert scan_media(tmp_path / "r.mkv").video_frames == 1


def test_bad_paths_are_refused_before_anything_starts(tmp_path):
    (tmp_path / "afile").write_text("x")
    rec = Recorder(tmp_path / "afile" / "recording.mkv", SimulatedClock(), min_free_bytes=0)
    with pytest.raises(RecordingError) as e:
        rec.start()
    assert e.value.reason == StopReason.BAD_PATH and "Cannot write" in str(e.value)
    assert rec.state == RecorderState.FAILED

    (tmp_path / "recording.mkv").write_bytes(b"earlier take")
    with pytest.raises(RecordingError) as e:
        Recorder(tmp_path / "recording.mkv", SimulatedClock(), min_free_bytes=0).start()
    assert e.value.reason == StopReason.BAD_PATH and "never overwritten" in str(e.value)
    assert (tmp_path / "recording.mkv").read_bytes() == b"earlier take"


def test_next_segment_path_counts_up_after_each_segment(tmp_path):
    assert next_segment_path(tmp_path).name == "recording.mkv"
    (tmp_path / "recording.mkv").write_bytes(b"")
    assert next_segment_path(tmp_path).name == "recording-2.mkv"
    for n in range(2, 10):
        (tmp_path / f"recording-{n}.mkv").write_bytes(b"")
    assert next_segment_path(tmp_path).name == "recording-10.mkv"
    assert next_segment_path(tmp_path, "screen").name == "screen.mkv"


def test_screen_recorder_keeps_full_resolution_at_a_low_frame_rate(tmp_path):
    clock = SimulatedClock(0.0)
    rec = ScreenRecorder(tmp_path / "screen.mkv", clock, fps=2.0, min_free_bytes=0)
    rec.start()
    for i in range(60):  # 3 s offered at 20 fps; 2 fps kept
        img = np.full((800, 1280, 4), 40, np.uint8)  # BGRA, as screen grabbers deliver
        img[100:200, (i * 10) % 1200 : (i * 10) % 1200 + 80] = 255
        rec.add_video(VideoFrame(img, i / 20, i))
        time.sleep(0.003)
    rec.stop()
    with av.open(str(tmp_path / "screen.mkv")) as c:
        assert len(c.streams.audio) == 0
        v = c.streams.video[0]
        assert (v.width, v.height) == (1280, 800)
        times = [f.time for f in c.decode(video=0)]
    assert len(times) == 6
    assert np.allclose(np.diff(times), 0.5, atol=0.01)
    assert Fraction(rec.fps) == 2


def test_a_frame_read_just_before_start_opens_the_recording_and_older_ones_are_dropped(
    tmp_path,
):
    clock = SimulatedClock(10.0)
    rec = Recorder(tmp_path / "r.mkv", clock, 320, 240, min_free_bytes=0)
    rec.start()
    rec.add_video(VideoFrame(picture(0, 320, 240), 8.0, 0))  # stale: before the recording
    rec.add_video(VideoFrame(picture(1, 320, 240), 9.6, 1))  # the camera's first frame
    rec.add_video(VideoFrame(picture(2, 320, 240), 10.1, 2))
    rec.stop()
    assert _video_pts(tmp_path / "r.mkv") == [0.0, 0.1]
    assert (rec.stats.frames_written, rec.stats.frames_dropped) == (2, 1)
