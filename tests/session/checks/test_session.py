"""The check session with real file-backed devices: one-shot (the command line, station
probes) and live (the checks page), reporting through its listener."""

from __future__ import annotations

import threading
import time
import wave
from pathlib import Path

import numpy as np
import pytest

from capture.speaker import NullSpeaker
from session import assemble
from session.checks import (
    DEVICE_FIXES,
    CheckDevices,
    CheckPlan,
    CheckResult,
    CheckSession,
    device_failed,
)
from tests.conftest import FACES, SPEECH

MALE = FACES / "intel_head-pose-face-detection-male.mp4"
COFFEE = FACES / "skimage_coffee.png"
JFK = SPEECH / "jfk.wav"


class Recorder:
    """A listener that keeps what it heard (called on the session's workers)."""

    def __init__(self) -> None:
        self.results: dict[str, CheckResult] = {}
        self.frames = 0
        self.levels: list[float] = []
        self.heard_text: list[str] = []
        self.thumbnails = 0
        self.played = threading.Event()
        self.count = 0

    def result(self, r: CheckResult) -> None:
        self.results[r.name] = r
        self.count += 1

    def frame(self, frame, boxes) -> None:
        self.frames += 1

    def level(self, db: float) -> None:
        self.levels.append(db)

    def heard(self, text: str) -> None:
        self.heard_text.append(text)

    def thumbnail(self, image) -> None:
        self.thumbnails += 1

    def speaker_played(self) -> None:
        self.played.set()


def devices(camera, mic=JFK, *, realtime_mic: bool = True, no_camera=False) -> CheckDevices:
    kit = assemble.check_devices(
        str(camera), str(mic), None, time.monotonic, no_camera=no_camera, realtime_mic=realtime_mic
    )
    kit.speaker = lambda: NullSpeaker()  # the chime plays into nothing, at real-time pace
    return kit


def wait_until(cond, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not cond():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_one_shot_gives_every_verdict_in_order(testdata, tmp_path) -> None:
    plan = CheckPlan(data_dir=tmp_path)
    results = CheckSession(devices(MALE, realtime_mic=False), plan).run_once()
    assert [r.name for r in results] == ["camera", "face", "microphone", "disk"]
    assert all(r.ok and not r.pending for r in results), results


def test_one_shot_with_a_missing_camera_says_so_for_the_camera_and_the_face(tmp_path) -> None:
    plan = CheckPlan(microphone=False, disk=False)
    cam, face = CheckSession(devices(tmp_path / "none.mp4"), plan).run_once()
    assert not cam.ok and "not found" in cam.detail and cam.fix
    assert not face.ok and face.detail == "No camera picture"


def test_a_still_picture_counts_as_a_camera_and_a_video_does_not_pass_as_still(testdata) -> None:
    assert devices(COFFEE).still_camera and not devices(MALE).still_camera
    plan = CheckPlan(microphone=False, disk=False)
    cam, face = CheckSession(devices(COFFEE), plan).run_once()
    assert cam.ok, cam  # never "frozen": a still image is meant not to move
    assert not face.ok and "No face" in face.detail


def _silent_wav(path: Path, seconds: float) -> Path:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(16000)
        w.writeframes(np.zeros(int(16000 * seconds), np.int16).tobytes())
    return path


def test_one_shot_does_not_wait_for_an_audio_file(tmp_path) -> None:
    wav = _silent_wav(tmp_path / "silence.wav", 20.0)
    plan = CheckPlan(camera=False, disk=False, seconds=3.0)
    t = time.monotonic()
    (mic,) = CheckSession(devices(MALE, wav, realtime_mic=False), plan).run_once()
    assert time.monotonic() - t < 2.5  # 3 s of audio judged faster than it plays
    assert not mic.ok and "silent" in mic.detail and mic.fix


def test_one_shot_speaker_without_anyone_to_ask_is_unconfirmed_and_not_required(tmp_path):
    plan = CheckPlan(camera=False, microphone=False, speaker=True, disk=False)
    (spk,) = CheckSession(devices(MALE), plan).run_once()
    assert not spk.ok and not spk.required and "nobody confirmed" in spk.detail
    (spk,) = CheckSession(devices(MALE), plan).run_once(lambda: True)
    assert spk.ok and spk.required


def test_live_session_reports_through_its_listener_until_stopped(testdata, tmp_path) -> None:
    heard = Recorder()
    session = CheckSession(devices(MALE), CheckPlan(data_dir=tmp_path), heard)
    session.start()
    try:
        assert session.active()
        wait_until(
            lambda: all(
                n in heard.results and heard.results[n].ok
                for n in ("camera", "face", "microphone", "disk")
            ),
            30,
        )
        assert heard.frames > 0 and heard.levels
        session.play_test_sound()
        assert heard.played.wait(10)
        session.confirm_speaker(True)
        assert heard.results["speaker"].ok
    finally:
        assert session.stop(3.0)
    assert not session.active()
    count = heard.count
    time.sleep(0.3)
    assert heard.count == count  # nothing is reported once stopped


def test_live_session_without_a_camera_says_none_was_found(tmp_path) -> None:
    heard = Recorder()
    session = CheckSession(
        devices(MALE, no_camera=True), CheckPlan(microphone=False, disk=False), heard
    )
    session.start()
    try:
        r = heard.results["camera"]
        assert not r.ok and "No camera was found" in r.detail and r.fix
    finally:
        assert session.stop(3.0)


@pytest.mark.model  # what the microphone heard, transcribed with the bundled Whisper model
def test_live_session_says_what_the_microphone_heard(testdata) -> None:
    heard = Recorder()
    plan = CheckPlan(camera=False, disk=False, transcribe=True)
    session = CheckSession(devices(MALE), plan, heard)
    session.start()
    try:
        wait_until(lambda: any("country" in t.lower() for t in heard.heard_text), 40)
    finally:
        assert session.stop(3.0)


def test_a_device_failure_without_its_own_fix_gets_the_one_for_its_kind() -> None:
    r = device_failed("microphone", OSError("PortAudio error"))
    assert not r.ok and r.required and r.detail == "PortAudio error"
    assert r.fix == DEVICE_FIXES["microphone"]
    assert device_failed("network", RuntimeError(), False).detail == "RuntimeError"
