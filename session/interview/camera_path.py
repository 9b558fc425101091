"""The camera's path through an interview: every frame to the recorder and the self-view,
and a face check on the newest frame about twice a second, on its own thread so a slow
check never delays a frame. Face lost/found and several faces go to the timeline."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from capture.types import Source, VideoFrame
from session.attempt.events import EventLog
from session.interview.device_reader import DeviceReader
from session.interview.face_watch import FaceWatch
from session.interview.listener import FaceBoxes
from session.interview.options import FaceDetectorLike
from session.recording.recorder import Recorder

log = logging.getLogger(__name__)


class CameraPath:
    def __init__(
        self,
        reader: DeviceReader[VideoFrame],
        recorder: Recorder,
        events: EventLog,
        stopped: threading.Event,
        on_frame: Callable[[VideoFrame, FaceBoxes], None],
        check_every_s: float = 0.5,
        lost_after_s: float = 2.0,
    ) -> None:
        self._reader = reader
        self._recorder = recorder
        self._events = events
        self._stopped = stopped
        self._on_frame = on_frame
        self._check_every_s = check_every_s
        self._watch = FaceWatch(lost_after_s=lost_after_s)
        self._faces: list = []
        self._slot: VideoFrame | None = None
        self._ready = threading.Event()

    def pump(self) -> None:
        """Until stopped: frames to the recorder, the face checker and the self-view."""
        last_check = -1e9
        while not self._stopped.is_set():
            frame = self._reader.read()
            if frame is None:
                continue
            self._recorder.add_video(frame)
            if frame.t - last_check >= self._check_every_s:
                last_check = frame.t
                self._slot = frame  # the checker takes the newest; never waits here
                self._ready.set()
            self._on_frame(frame, self._faces)

    def check_faces(self, detector: FaceDetectorLike | None) -> None:
        """Until stopped: detection on the newest frame offered (none without a detector)."""
        if detector is None:
            return
        while not self._stopped.is_set():
            if not self._ready.wait(0.2):
                continue
            self._ready.clear()
            frame, self._slot = self._slot, None
            if frame is None:
                continue
            self._faces = list(detector.detect(frame.image))
            for type_, data in self._watch.update(frame.t, len(self._faces)):
                self._events.write(type_, t=frame.t, **data)


def face_detector(preset: str) -> FaceDetectorLike | None:
    """The bundled detector, or None when this build has none (record without checks)."""
    try:
        from capture.faces import FaceDetector

        return FaceDetector(preset)
    except Exception as e:
        log.warning("face checks disabled: %s", e)
        return None


def camera_fps(camera: Source[VideoFrame] | None) -> float | None:
    """The frame rate a camera says it delivers, if it says."""
    try:
        fps = camera.info().details.get("fps")
    except Exception:
        return None
    return float(fps) if fps else None


def first_frame(camera: Source[VideoFrame], timeout_s: float) -> VideoFrame | None:
    """The camera's first frame (it sets the recording's size), or None within ``timeout_s``."""
    end = time.monotonic() + timeout_s
    while time.monotonic() < end:
        frame = camera.read(0.2)
        if frame is not None:
            return frame
    log.warning("camera delivered no frame within %.1f s", timeout_s)
    return None
