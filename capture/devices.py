"""What cameras, microphones and speakers exist, and a watcher that reports changes.

Listing never opens a stream. Cameras on Linux come from /dev/video* and sysfs names
(only capture nodes); elsewhere the first few indices are probed with OpenCV.
"""

from __future__ import annotations

import glob
import logging
import os
import re
import sys
import threading
from collections.abc import Callable
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


def _snapshot() -> dict[tuple[str, str, str], DeviceInfo]:
    devs = list_cameras() + list_microphones() + list_speakers()
    return {(d.kind, d.source, d.name): d for d in devs}


class DeviceWatcher:
    """Polls the device lists every ``interval_s`` on its own thread and calls
    ``on_change(added, removed)`` (lists of DeviceInfo) when they differ. The callback runs
    on the watcher thread: a UI must hand it over to its own thread.

    PortAudio caches its device list until re-initialised, so on some systems a newly
    plugged microphone only shows up after the audio streams are restarted.
    """

    def __init__(
        self,
        interval_s: float,
        on_change: Callable[[list[DeviceInfo], list[DeviceInfo]], None],
        lister: Callable[[], dict] | None = None,
    ) -> None:
        self.interval_s = interval_s
        self._on_change = on_change
        self._lister = lister or _snapshot
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._known: dict = {}

    def start(self) -> None:
        if self._thread is not None:
            return
        self._known = self._lister()
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="device-watcher", daemon=True)
        self._thread.start()

    @property
    def devices(self) -> list[DeviceInfo]:
        return list(self._known.values())

    def _run(self) -> None:
        while not self._stop.wait(self.interval_s):
            try:
                now = self._lister()
            except Exception:
                continue
            added = [d for k, d in now.items() if k not in self._known]
            removed = [d for k, d in self._known.items() if k not in now]
            self._known = now
            if added or removed:
                try:
                    self._on_change(added, removed)
                except Exception:
                    log.exception("device change callback failed")

    def stop(self) -> None:
        self._stop.set()

    def join(self, timeout: float | None = 2.0) -> bool:
        """True when the thread has ended."""
        t = self._thread
        if t is None:
            return True
        t.join(timeout)
        if not t.is_alive():
            self._thread = None
            return True
        return False

    def close(self) -> None:
        self.stop()
        self.join()
