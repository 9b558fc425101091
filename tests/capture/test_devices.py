from __future__ import annotations

import pytest

from capture.devices import list_microphones, list_speakers


@pytest.mark.device
def test_the_virtual_microphone_and_speaker_are_listed(virtual_mic: str) -> None:
    assert virtual_mic in [d.name for d in list_microphones()]
    assert list_speakers()


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
