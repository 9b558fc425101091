"""Camera check: frames arrive, are not black and are not frozen."""

from __future__ import annotations

import collections
from typing import Any

import cv2
import numpy as np

from capture.types import VideoFrame
from session.checks.result import CheckResult


class CameraCheck:
    """Frames arrive, are not black, and change (a frozen driver repeats one buffer).

    ``still_ok`` skips the frozen test for a still-image source (demos, tests)."""

    name = "camera"

    def __init__(self, min_frames: int = 5, still_ok: bool = False, required: bool = True):
        self.min_frames = min_frames
        self.still_ok = still_ok
        self.required = required
        self.frames = 0
        self._first_t: float | None = None
        self._last_t = 0.0
        self._first_index = self._last_index = 0
        self._prev: np.ndarray | None = None
        self._levels: collections.deque[float] = collections.deque(maxlen=10)
        self._diffs: collections.deque[float] = collections.deque(maxlen=10)
        self._size = (0, 0)

    def update(self, frame: VideoFrame) -> CheckResult:
        small = cv2.resize(frame.image, (64, 48), interpolation=cv2.INTER_AREA)
        gray = cv2.cvtColor(small, cv2.COLOR_BGR2GRAY).astype(np.float32)
        self._levels.append(float(gray.mean()))
        if self._prev is not None:
            self._diffs.append(float(np.abs(gray - self._prev).mean()))
        self._prev = gray
        self.frames += 1
        self._size = (frame.image.shape[1], frame.image.shape[0])
        if self._first_t is None:
            self._first_t, self._first_index = frame.t, frame.index
        self._last_t, self._last_index = frame.t, frame.index
        return self.result()

    def result(self) -> CheckResult:
        span = self._last_t - (self._first_t or 0.0)
        # From the source's frame numbers: frames dropped because we were slow still count.
        delivered = self._last_index - self._first_index
        fps = delivered / span if delivered > 0 and span > 0 else 0.0
        data: dict[str, Any] = {
            "frames": self.frames,
            "width": self._size[0],
            "height": self._size[1],
            "fps": round(fps, 1),
            "brightness": round(self._levels[-1], 1) if self._levels else None,
        }
        if self.frames == 0:
            return CheckResult(
                self.name,
                False,
                self.required,
                "Camera sends no picture",
                "Close other apps that use the camera, or pick another camera.",
                {**data, "pending": True},
            )
        if self.frames < self.min_frames:
            return CheckResult(
                self.name,
                False,
                self.required,
                "Starting the camera…",
                "",
                {**data, "pending": True},
            )
        if max(self._levels) < 8:
            return CheckResult(
                self.name,
                False,
                self.required,
                "The camera picture is black",
                "Open the camera's privacy shutter or lens cover, or pick another camera.",
                data,
            )
        if not self.still_ok and self._diffs and max(self._diffs) < 0.05:
            return CheckResult(
                self.name,
                False,
                self.required,
                "The camera picture is frozen",
                "Unplug and replug the camera, or close other apps that use it.",
                data,
            )
        w, h = self._size
        return CheckResult(self.name, True, self.required, f"{w}×{h} at {fps:.0f} fps", "", data)

    def finish(self) -> CheckResult:
        """The verdict when no more frames will come."""
        r = self.result()
        if r.pending and self.frames:
            return CheckResult(
                self.name,
                False,
                self.required,
                f"The camera sent only {self.frames} picture(s)",
                "Close other apps that use the camera, or pick another camera.",
                {k: v for k, v in r.data.items() if k != "pending"},
            )
        if r.pending:
            r.data.pop("pending", None)
        return r
