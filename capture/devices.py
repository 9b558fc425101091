"""What cameras, microphones and speakers exist, and how a device is named on the command line.

Listing never opens a stream. Cameras on Linux come from /dev/video* and sysfs names
(only capture nodes); elsewhere the first few indices are probed with OpenCV.
"""

from __future__ import annotations

import glob
import logging
import os
import re
import sys
from pathlib import Path

from capture.types import DeviceInfo

log = logging.getLogger(__name__)


DeviceSpec = str | int | None


def parse_device_spec(value: str | os.PathLike[str] | int | None) -> DeviceSpec:
    """The one reading of a device description (``--camera``, ``--mic``, a station config):
    None, "" or "default" is the system default (None); a digit string is a device index;
    anything else stays a name, a device path or a file path."""
    if value is None or isinstance(value, int):
        return value
    text = os.fspath(value).strip()
    if text in ("", "default"):
        return None
    return int(text) if text.isdigit() else text


def _sort_key(path: str) -> int:
    m = re.search(r"(\d+)$", path)
    return int(m.group(1)) if m else 0


def list_cameras(probe: int = 4) -> list[DeviceInfo]:
    if sys.platform.startswith("linux"):
        cams = []
        for path in sorted(glob.glob("/dev/video*"), key=_sort_key):
            node = Path("/sys/class/video4linux") / Path(path).name
            name = _read(node / "name") or Path(path).name
            # Many webcams expose a second "metadata" node per camera; index 0 of each
            # device is the picture one.
            if _read(node / "index") not in ("", "0"):
                continue
            cams.append(DeviceInfo("camera", name, path, {"index": _sort_key(path)}))
        return cams
    import cv2

    found = []
    for i in range(probe):
        cap = cv2.VideoCapture(i)
        try:
            if cap.isOpened():
                found.append(DeviceInfo("camera", f"Camera {i}", str(i), {"index": i}))
        finally:
            cap.release()
    return found


def _read(path: Path) -> str:
    try:
        return path.read_text().strip()
    except OSError:
        return ""


def _sound_devices(kind: str) -> list[DeviceInfo]:
    try:
        import sounddevice as sd

        devices = sd.query_devices()
        default_in, default_out = sd.default.device
    except Exception:
        return []
    channels = "max_input_channels" if kind == "microphone" else "max_output_channels"
    default = default_in if kind == "microphone" else default_out
    out = []
    for i, d in enumerate(devices):
        if d.get(channels, 0) > 0:
            out.append(
                DeviceInfo(
                    kind,
                    str(d["name"]),
                    str(i),
                    {
                        "index": i,
                        "rate": d.get("default_samplerate"),
                        "default": i == default,
                        "hostapi": d.get("hostapi"),
                    },
                )
            )
    return out


def list_microphones() -> list[DeviceInfo]:
    return _sound_devices("microphone")


def list_speakers() -> list[DeviceInfo]:
    return _sound_devices("speaker")


