from __future__ import annotations

import threading

import pytest

from capture.devices import DeviceWatcher, list_microphones, list_speakers
from capture.types import DeviceInfo


def test_watcher_reports_added_and_removed_devices_and_stops() -> None:
    mic = DeviceInfo("microphone", "USB mic", "3")
    cam = DeviceInfo("camera", "Webcam", "/dev/video0")
    states = [{("camera", cam.source, cam.name): cam}]
    states.append({("microphone", mic.source, mic.name): mic})
    calls: list[tuple[list, list]] = []
    seen = threading.Event()

    polls = {"n": 0}

    def first_then_second() -> dict:
        polls["n"] += 1
        return states[0] if polls["n"] == 1 else states[1]

    def on_change(added, removed) -> None:
        calls.append((added, removed))
        seen.set()

    w = DeviceWatcher(0.02, on_change, lister=first_then_second)
    w.start()
    try:
        assert seen.wait(2.0)
    finally:
        w.stop()
        assert w.join(timeout=1.0)
    assert calls[0] == ([mic], [cam])
    assert len(calls) == 1  # no change after that, no more calls


@pytest.mark.device
def test_the_virtual_microphone_and_speaker_are_listed(virtual_mic: str) -> None:
    assert virtual_mic in [d.name for d in list_microphones()]
    assert list_speakers()


@pytest.mark.device
def test_watcher_on_the_real_device_lists_is_quiet_and_joins(virtual_mic: str) -> None:
    calls: list = []
    w = DeviceWatcher(0.05, lambda a, r: calls.append((a, r)))
    w.start()
    try:
        assert any(d.name == virtual_mic for d in w.devices)
        threading.Event().wait(0.3)
    finally:
        w.close()
    assert w.join(timeout=0.1)
    assert calls == []  # nothing was plugged in or out


def test_one_reading_of_a_device_description():
    from pathlib import Path

    from capture.devices import parse_device_spec

    assert parse_device_spec(None) is None
    assert parse_device_spec("") is None
    assert parse_device_spec(" default ") is None
    assert parse_device_spec("2") == 2
    assert parse_device_spec(3) == 3
    assert parse_device_spec("/dev/video1") == "/dev/video1"
    assert parse_device_spec(Path("clips/face.jpg")) == "clips/face.jpg"
    assert parse_device_spec("USB Audio 2") == "USB Audio 2"
