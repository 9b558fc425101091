"""Screen capture with mss (X11, Windows, macOS), and plain reasons when it can't work.

mss objects belong to the thread that made them (X11 connections are per thread), so
``ScreenSource`` creates its grabber lazily in the thread that calls ``read``.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from dataclasses import dataclass

import cv2
import numpy as np

from capture.types import Clock, DeviceError, DeviceInfo, VideoFrame, default_clock, sleep_until


@dataclass(frozen=True, slots=True)
class Monitor:
    name: str
    x: int
    y: int
    width: int
    height: int
    primary: bool

    def as_mss(self) -> dict[str, int]:
        return {"left": self.x, "top": self.y, "width": self.width, "height": self.height}


def _mss():
    import mss

    return mss.MSS()


def _environment_problem() -> tuple[str, str] | None:
    """A reason screen capture can't work here, known without trying: (reason, fix)."""
    if sys.platform.startswith("linux"):
        wayland = os.environ.get("XDG_SESSION_TYPE") == "wayland" or os.environ.get(
            "WAYLAND_DISPLAY"
        )
        if not os.environ.get("DISPLAY"):
            if wayland:
                return (
                    "Wayland session without X access: the screen can't be captured",
                    "Log in with an 'Xorg' / 'X11' session (gear icon on the login screen).",
                )
            return ("No display to capture", "Run the app inside a desktop session.")
    return None


def list_monitors() -> list[Monitor]:
    """Every monitor (the first primary one marked). Empty when capture can't work."""
    if _environment_problem():
        return []
    try:
        with _mss() as sct:
            mons = sct.monitors[1:]
    except Exception:
        return []
    have_primary = any(m.get("is_primary") for m in mons)
    return [
        Monitor(
            str(m.get("name") or m.get("output") or f"Monitor {i}"),
            int(m["left"]),
            int(m["top"]),
            int(m["width"]),
            int(m["height"]),
            bool(m.get("is_primary")) if have_primary else i == 1,
        )
        for i, m in enumerate(mons, start=1)
    ]


def primary_monitor() -> Monitor | None:
    mons = list_monitors()
    return next((m for m in mons if m.primary), mons[0] if mons else None)


def _grab_bgr(sct, monitor: Monitor) -> np.ndarray:
    shot = sct.grab(monitor.as_mss())
    bgra = np.asarray(shot)  # H x W x 4, BGRA
    return np.ascontiguousarray(bgra[:, :, :3])


def grab_thumbnail(max_width: int = 320, monitor: Monitor | None = None) -> np.ndarray:
    """The whole primary screen scaled down to at most ``max_width`` wide (BGR)."""
    problem = _environment_problem()
    if problem:
        raise DeviceError(*problem)
    mon = monitor or primary_monitor()
    if mon is None:
        raise DeviceError("No monitor found to capture", "Check that a screen is connected.")
    try:
        with _mss() as sct:
            img = _grab_bgr(sct, mon)
    except Exception as e:
        raise DeviceError(f"Screen capture failed: {e}", _permission_fix()) from e
    if img.shape[1] > max_width:
        h = max(1, round(img.shape[0] * max_width / img.shape[1]))
        img = cv2.resize(img, (max_width, h), interpolation=cv2.INTER_AREA)
    return img


def _permission_fix() -> str:
    if sys.platform == "darwin":
        return (
            "Allow screen recording in System Settings → Privacy & Security → Screen Recording, "
            "then restart the app."
        )
    if os.environ.get("XDG_SESSION_TYPE") == "wayland":
        return "Log in with an 'Xorg' / 'X11' session (gear icon on the login screen)."
    return "Close other screen-recording apps and try again."


def screen_capture_status() -> tuple[bool, str]:
    """(True, "") when a full-screen grab works; otherwise (False, reason and fix)."""
    try:
        img = grab_thumbnail(160)
    except DeviceError as e:
        return False, f"{e}. {e.fix}".strip()
    if sys.platform == "darwin" and not img.any():
        # Without the permission macOS hands out an all-black picture of the desktop.
        return False, f"Screen recording is not allowed. {_permission_fix()}"
    if os.environ.get("XDG_SESSION_TYPE") == "wayland" and not img.any():
        return False, f"Wayland gave an empty picture. {_permission_fix()}"
    return True, ""


class ScreenSource:
    """The whole primary (or given) monitor as ``VideoFrame``s, ``fps`` times a second."""

    def __init__(
        self, clock: Clock = default_clock, fps: float = 2.0, monitor: Monitor | None = None
    ) -> None:
        self._clock = clock
        self.fps = fps
        self.monitor = monitor
        self._local = threading.local()
        self._next_due = 0.0
        self._index = 0
        self._open = False

    def open(self) -> None:
        problem = _environment_problem()
        if problem:
            raise DeviceError(*problem)
        if self.monitor is None:
            self.monitor = primary_monitor()
        if self.monitor is None:
            raise DeviceError("No monitor found to capture", "Check that a screen is connected.")
        self._next_due = time.monotonic()
        self._open = True

    def read(self, timeout: float | None = None) -> VideoFrame | None:
        if not self._open or self.monitor is None:
            raise DeviceError("Screen source not opened", "Call open() first.")
        if not sleep_until(self._next_due, timeout):
            return None
        self._next_due = max(self._next_due + 1.0 / self.fps, time.monotonic())
        sct = getattr(self._local, "sct", None)
        if sct is None:
            sct = self._local.sct = _mss()
        try:
            img = _grab_bgr(sct, self.monitor)
        except Exception as e:
            raise DeviceError(f"Screen capture failed: {e}", _permission_fix()) from e
        frame = VideoFrame(img, self._clock(), self._index)
        self._index += 1
        return frame

    def close(self) -> None:
        self._open = False
        sct = getattr(self._local, "sct", None)
        if sct is not None:
            sct.close()
            self._local.sct = None

    def info(self) -> DeviceInfo:
        m = self.monitor
        details = {"fps": self.fps}
        if m is not None:
            details.update(width=m.width, height=m.height, x=m.x, y=m.y)
        return DeviceInfo("screen", m.name if m else "screen", "screen", details)
