"""A camera or microphone that stops mid-interview: the candidate is told what happened and
what to do, the timeline records it, the device is opened again until it delivers, and the
interview and recording go on."""

from __future__ import annotations

import threading
import time

import pytest

from capture.microphone import MicrophoneSource
from capture.scripted_microphone import ScriptedMicrophone
from capture.types import DeviceError
from session.attempt.events import read_events
from session.interview.devices import InterviewDevices
from session.interview.engine import InterviewEngine
from session.interview.options import EngineOptions, EngineParts
from session.runtime.clock import SessionClock
from tests.heard import Heard
from tests.session.interview.test_engine import (
    CONFIG,
    FakeCamera,
    FakeCaptions,
    FakeScreen,
    FakeVoice,
)


class FlakyCamera(FakeCamera):
    """Stops after `fail_at` frames (an unplugged camera); the first `refuse` reopenings
    fail as if it were still unplugged, then it delivers again."""

    def __init__(self, clock, fail_at: int = 5, refuse: int = 1) -> None:
        super().__init__(clock)
        self.fail_at, self.refuse, self.opens, self.broken = fail_at, refuse, 0, False

    def open(self) -> None:
        self.opens += 1
        if self.opens > 1 and self.refuse > 0:
            self.refuse -= 1
            raise DeviceError("Camera 0 could not be opened", "Plug it in.")
        self.broken = False
        super().open()
        self.k = 0

    def read(self, timeout=None):
        if self.broken:
            time.sleep(0.05)
            return None
        if self.opens == 1 and self.k == self.fail_at:
            self.broken = True
            raise DeviceError("Camera 0 stopped sending pictures", "Check the cable.")
        return super().read(timeout)


def _engine(tmp_path, camera, mic, clock, options: dict | None = None, voice=None, **handlers):
    """``options``: EngineOptions fields that differ from these test defaults."""
    opts = EngineOptions(**{"face_checks": False, "preset": "ultrafast", **(options or {})})
    parts = EngineParts(
        voice=voice or FakeVoice(clock, 0.3), captions=FakeCaptions, screen=FakeScreen
    )
    devices = InterviewDevices(camera, mic, None)
    attempt = tmp_path / "attempt"
    return InterviewEngine(
        CONFIG, attempt, devices, Heard(**handlers), opts, clock=clock, parts=parts
    )


def _wait_for(calls: list, predicate, timeout: float) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if any(predicate(c) for c in calls):
            return True
        time.sleep(0.05)
    return False


def test_a_camera_that_stops_is_reported_reopened_and_delivers_again(tmp_path):
    clock = SessionClock()
    camera = FlakyCamera(clock)
    calls: list[tuple[str, str, str]] = []
    frames: list[int] = []
    engine = _engine(
        tmp_path,
        camera,
        ScriptedMicrophone(clock, block_s=0.05),
        clock,
        on_device=lambda *a: calls.append(a),
        on_frame=lambda f, faces=None: frames.append(f.index),
    )
    engine.start()
    try:
        assert _wait_for(calls, lambda c: c[2] == "", 10), calls
        n = len(frames)
        time.sleep(0.5)
        assert len(frames) > n  # frames flow again
    finally:
        engine.stop(10.0)
    assert calls[0] == ("camera", "Camera 0 stopped sending pictures", "Check the cable.")
    assert calls[-1] == ("camera", "", "")
    assert len(calls) == 2  # told once, however many reopenings failed in between
    assert camera.opens == 3  # the first reopening failed, the second worked
    events = list(read_events(tmp_path / "attempt" / "events.jsonl"))
    types = [e["type"] for e in events]
    assert types.index("device_error") < types.index("device_restored")
    # One entry per loss, with what the candidate was told.
    (error,) = [e for e in events if e["type"] == "device_error"]
    assert (error["device"], error["message"], error["fix"]) == (
        "camera",
        "Camera 0 stopped sending pictures",
        "Check the cable.",
    )


@pytest.mark.device
def test_a_real_microphone_stream_that_ends_is_opened_again(tmp_path, virtual_mic):
    clock = SessionClock()
    mic = MicrophoneSource(virtual_mic, clock)
    calls: list[tuple[str, str, str]] = []
    levels: list[float] = []
    lost = threading.Event()
    engine = _engine(
        tmp_path,
        FakeCamera(clock),
        mic,
        clock,
        on_device=lambda *a: (calls.append(a), lost.set()),
        on_level=levels.append,
    )
    engine.start()
    try:
        deadline = time.monotonic() + 10
        while mic._stream is None and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.5)
        # The sound server ends the stream under us, as when a headset is unplugged.
        mic._stream.abort()
        assert lost.wait(5), "the lost microphone was not reported"
        # The interviewer is told too: no check-ins for a silence nobody could hear.
        assert _wait_for([0], lambda _: engine.driver._mic_lost, 2)
        assert _wait_for(calls, lambda c: c == ("microphone", "", ""), 10), calls
        assert _wait_for([0], lambda _: not engine.driver._mic_lost, 2)
        n = len(levels)
        time.sleep(0.5)
        assert len(levels) > n  # audio flows again from the reopened stream
    finally:
        engine.stop(10.0)
    kind, problem, fix = calls[0]
    assert kind == "microphone" and "stopped working" in problem and "plugged in" in fix
    events = list(read_events(tmp_path / "attempt" / "events.jsonl"))
    assert any(e["type"] == "device_error" and e.get("device") == "microphone" for e in events)
    assert any(e["type"] == "device_restored" for e in events)


class MuteFirstLineVoice(FakeVoice):
    """The first line never finishes playing (a dead output device) until it is stopped;
    later lines play normally."""

    def say(self, text, on_start, on_end) -> None:
        if self.said:
            return super().say(text, on_start, on_end)
        self.said.append(text)
        self._cut = cut = threading.Event()

        def hang() -> None:
            on_start(self.clock())
            cut.wait(30)
            on_end(self.clock(), True)

        threading.Thread(target=hang, daemon=True).start()


def test_a_line_that_never_plays_tells_the_candidate_until_a_line_plays_again(tmp_path):
    from session.interview.driver import DriverOptions

    clock = SessionClock()
    calls: list[tuple[str, str, str]] = []
    engine = _engine(
        tmp_path,
        FakeCamera(clock),
        ScriptedMicrophone(clock, block_s=0.05),
        clock,
        {"driver": DriverOptions(voice_timeout_s=1.0, voice_s_per_word=0.0)},
        voice=MuteFirstLineVoice(clock, 0.3),
        on_device=lambda *a: calls.append(a),
    )
    engine.start()
    try:
        assert _wait_for(calls, lambda c: c == ("speaker", "", ""), 15), calls
    finally:
        engine.stop(10.0)
    assert calls[0][0] == "speaker" and "did not play" in calls[0][1]
    assert "headphones" in calls[0][2]
    assert len(calls) == 2


class FreezingCamera(FakeCamera):
    """Delivers ``frames`` frames, then nothing and no error for ``quiet_s`` (a hung driver,
    a starved decoder), then delivers again."""

    def __init__(self, clock, frames: int = 10, quiet_s: float = 4.5) -> None:
        super().__init__(clock)
        self.frames, self.quiet_s, self.quiet_until = frames, quiet_s, None

    def read(self, timeout=None):
        if self.k == self.frames and self.quiet_until is None:
            self.quiet_until = time.monotonic() + self.quiet_s
        if self.quiet_until is not None and time.monotonic() < self.quiet_until:
            time.sleep(timeout or 0.2)
            return None
        if self.quiet_until is not None and self.k == self.frames:
            self.t0 = time.monotonic() - self.k * self.period  # on schedule from now on
        return super().read(timeout)


def test_a_camera_that_goes_quiet_without_an_error_is_reported_and_listed_as_a_gap(tmp_path):
    from session.attempt.manifest import read_manifest
    from session.interview.device_reader import QUIET_FIX

    clock = SessionClock()
    calls: list[tuple[str, str, str]] = []
    engine = _engine(
        tmp_path,
        FreezingCamera(clock),
        ScriptedMicrophone(clock, block_s=0.05),
        clock,
        on_device=lambda *a: calls.append(a),
    )
    engine.start()
    try:
        assert _wait_for(calls, lambda c: c[2] == "", 15), calls
    finally:
        engine.stop(10.0)
    # The banner: what happened and what to do, then cleared when pictures come back.
    assert calls[0] == ("camera", "The camera has delivered nothing for 3 s", QUIET_FIX["camera"])
    assert calls[-1] == ("camera", "", "") and len(calls) == 2
    events = list(read_events(tmp_path / "attempt" / "events.jsonl"))
    (error,) = [e for e in events if e["type"] == "device_error"]
    assert (error["device"], error["error"]) == ("camera", "lost")
    assert 2.9 <= error["t"] - error["since"] <= 3.5  # dated from the last frame
    (gap,) = read_manifest(tmp_path / "attempt")["summary"]["recording_gaps"]
    assert gap["device"] == "camera" and 4.0 <= gap["duration_s"] <= 5.5
