"""Camera source: a webcam, or an image/video file read through the same OpenCV path.

A reader thread pulls frames from ``cv2.VideoCapture`` into a small queue; when the
consumer falls behind, the oldest frame is dropped (and counted) so previews stay live.
Files are paced at their own frame rate (a still image repeats at ``fps`` or 30/s) and
loop, so a file behaves like a camera that never ends.
"""

from __future__ import annotations

import contextlib
import glob
import os
import queue
import sys
import threading
import time
from pathlib import Path

import cv2
import numpy as np

from capture.devices import parse_device_spec
from capture.types import Clock, DeviceError, DeviceInfo, VideoFrame, default_clock

_QUEUE_FRAMES = 3
_OPEN_TIMEOUT_S = 5.0


class CameraSource:
    """``src`` is a camera index (0), a device path (/dev/video0) or an image/video file."""

    def __init__(
        self,
        src: str | int,
        clock: Clock = default_clock,
        width: int | None = None,
        height: int | None = None,
        fps: float | None = None,
        loop: bool = True,
    ) -> None:
        self.src = src
        self._clock = clock
        self._width, self._height, self._fps = width, height, fps
        self._loop = loop
        self._queue: queue.Queue[VideoFrame] = queue.Queue(maxsize=_QUEUE_FRAMES)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._cap: cv2.VideoCapture | None = None
        self._still: np.ndarray | None = None  # an image file, repeated
        self._first: np.ndarray | None = None  # read while opening, delivered first
        self._is_file = False
        self._rate = 30.0
        self._size = (0, 0)
        self._index = 0
        self.dropped = 0
        self._ended = threading.Event()
        self._error: DeviceError | None = None

    # -- Source protocol -------------------------------------------------------------

    def open(self) -> None:
        """Opens the source; after `close()` (or a lost device) it opens it again."""
        if self._thread is not None:
            return
        self._stop.clear()
        self._ended.clear()
        self._error = None
        src = _parse_src(self.src)
        if isinstance(src, str) and not src.startswith("/dev/"):
            self._open_file(Path(src))
        else:
            self._open_device(src)
        self._thread = threading.Thread(target=self._run, name="camera-reader", daemon=True)
        self._thread.start()

    def read(self, timeout: float | None = None) -> VideoFrame | None:
        """The next frame, or None when none arrived within ``timeout`` (or the file ended)."""
        if self._error is not None:
            err, self._error = self._error, None
            raise err
        try:
            return self._queue.get(timeout=timeout)
        except queue.Empty:
            return None

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2.0)
            self._thread = None
        if self._cap is not None:
            self._cap.release()
            self._cap = None

    def info(self) -> DeviceInfo:
        name = Path(str(self.src)).name if self._is_file else f"Camera {self.src}"
        return DeviceInfo(
            "camera",
            name,
            str(self.src),
            {
                "width": self._size[0],
                "height": self._size[1],
                "fps": self._rate,
                "file": self._is_file,
                "dropped": self.dropped,
            },
        )

    @property
    def exhausted(self) -> bool:
        """A file source with ``loop=False`` has delivered its last frame."""
        return self._ended.is_set() and self._queue.empty()

    def __enter__(self) -> CameraSource:
        self.open()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- opening ---------------------------------------------------------------------

    def _open_file(self, path: Path) -> None:
        self._is_file = True
        if not path.is_file():
            raise DeviceError(
                f"Camera file not found: {path}", "Check the path, or pass a camera number."
            )
        cap = cv2.VideoCapture(str(path))
        ok, frame = cap.read() if cap.isOpened() else (False, None)
        if not ok or frame is None:
            cap.release()
            raise DeviceError(
                f"Can't read {path.name} as an image or video",
                "Use a video (mp4, mkv, webm) or an image (png, jpg) file.",
            )
        if cv2.haveImageReader(str(path)):
            cap.release()
            self._still = frame
            self._rate = self._fps or 30.0
        else:
            self._cap = cap
            file_fps = cap.get(cv2.CAP_PROP_FPS)
            self._rate = self._fps or (file_fps if 1 <= file_fps <= 240 else 30.0)
            self._first = frame
        self._size = (frame.shape[1], frame.shape[0])

    def _open_device(self, src: str | int) -> None:
        cap = cv2.VideoCapture(src)
        if not cap.isOpened():
            cap.release()
            raise _open_failure(src)
        if self._width:
            cap.set(cv2.CAP_PROP_FRAME_WIDTH, self._width)
        if self._height:
            cap.set(cv2.CAP_PROP_FRAME_HEIGHT, self._height)
        if self._fps:
            cap.set(cv2.CAP_PROP_FPS, self._fps)
        # A camera that opens but never delivers is held by another program (or blocked).
        deadline = time.monotonic() + _OPEN_TIMEOUT_S
        frame = None
        while time.monotonic() < deadline:
            ok, frame = cap.read()
            if ok and frame is not None:
                break
            time.sleep(0.05)
        else:
            cap.release()
            raise DeviceError(
                f"Camera {src} opened but sends no picture",
                "The camera is busy — close other apps that use it (video calls, browser tabs).",
            )
        self._cap = cap
        self._first = frame
        rate = cap.get(cv2.CAP_PROP_FPS)
        self._rate = rate if 1 <= rate <= 240 else 30.0
        self._size = (frame.shape[1], frame.shape[0])

    # -- reader thread ---------------------------------------------------------------

    def _run(self) -> None:
        period = 1.0 / self._rate
        next_due = time.monotonic()
        first, self._first = self._first, None
        while not self._stop.is_set():
            if self._still is not None:
                frame = self._still
            elif first is not None:
                frame, first = first, None
            else:
                frame = self._next_frame()
                if frame is None:
                    break
            if self._is_file:
                # Pace files at their own rate; a live camera paces itself.
                delay = next_due - time.monotonic()
                if delay > 0 and self._stop.wait(delay):
                    break
                next_due = max(next_due + period, time.monotonic() - period)
            if self._width and self._height and frame.shape[:2] != (self._height, self._width):
                frame = cv2.resize(frame, (self._width, self._height))
            self._push(VideoFrame(frame, self._clock(), self._index))
            self._index += 1
        self._ended.set()

    def _next_frame(self) -> np.ndarray | None:
        assert self._cap is not None
        ok, frame = self._cap.read()
        if ok:
            return frame
        if not self._is_file:
            self._error = DeviceError(
                f"Camera {self.src} stopped sending pictures",
                "Check that it is still plugged in.",
            )
            return None
        if not self._loop:
            return None
        # Loop by reopening: seeking back in short H.264 files can return broken frames.
        self._cap.release()
        self._cap = cv2.VideoCapture(str(self.src))
        ok, frame = self._cap.read()
        return frame if ok else None

    def _push(self, frame: VideoFrame) -> None:
        while True:
            try:
                self._queue.put_nowait(frame)
                return
            except queue.Full:
                with contextlib.suppress(queue.Empty):
                    self._queue.get_nowait()
                    self.dropped += 1


def _parse_src(src: str | int) -> str | int:
    parsed = parse_device_spec(src)
    return 0 if parsed is None else parsed


def _open_failure(src: str | int) -> DeviceError:
    """Why a camera didn't open, with what the person can do about it."""
    if sys.platform == "darwin":
        return DeviceError(
            f"Camera {src} could not be opened",
            "Allow camera access in System Settings → Privacy & Security → Camera, "
            "then restart the app.",
        )
    if sys.platform.startswith("linux"):
        path = src if isinstance(src, str) else f"/dev/video{src}"
        if not glob.glob("/dev/video*"):
            return DeviceError(
                "No camera found", "Plug in a camera (or check that it is switched on)."
            )
        if not os.path.exists(path):
            return DeviceError(
                f"No camera found at {path}", "Pick one of the cameras listed in the checks."
            )
        if not os.access(path, os.R_OK | os.W_OK):
            return DeviceError(
                f"No permission to use {path}",
                "Add your user to the 'video' group (then log out and in), or ask IT.",
            )
    return DeviceError(
        f"Camera {src} could not be opened",
        "The camera is busy — close other apps that use it, or unplug and replug it.",
    )
