"""Face check: exactly one face, fully in view, big and bright enough, steadily."""

from __future__ import annotations

import collections
from typing import Any

import cv2
import numpy as np

from capture.faces import FaceBox, FaceDetector
from capture.types import VideoFrame
from session.checks.result import CheckResult

NO_FACE = "No face found"
MANY_FACES = "More than one person in view"
TOO_DARK = "Too dark — move closer to a light"
OUT_OF_FRAME = "Partly out of frame"
TOO_FAR = "Move closer to the camera"

_FACE_FIXES = {
    NO_FACE: "Sit in front of the camera, facing it, with your face visible.",
    MANY_FACES: "Make sure you are alone in the picture.",
    TOO_DARK: "Turn on a light in front of you, not behind you.",
    OUT_OF_FRAME: "Move so your whole face is in the middle of the picture.",
    TOO_FAR: "Sit closer so your face fills more of the picture.",
}


class FaceCheck:
    """Exactly one face, fully inside the picture, big and bright enough, for
    ``stable_frames`` frames in a row. Feed it frames as fast as detection allows."""

    name = "face"

    def __init__(
        self,
        detector: FaceDetector | None = None,
        stable_frames: int = 3,
        min_face_height: float = 0.15,  # of the picture's height
        min_brightness: float = 50.0,  # mean grey level 0..255
        required: bool = True,
    ) -> None:
        self.detector = detector or FaceDetector("accurate")
        self.stable_frames = stable_frames
        self.min_face_height = min_face_height
        self.min_brightness = min_brightness
        self.required = required
        self._recent: collections.deque[str] = collections.deque(maxlen=max(5, stable_frames))
        self._streak = 0
        self.frames = 0
        self.last_faces: list[FaceBox] = []

    def judge(self, image: np.ndarray, faces: list[FaceBox]) -> str:
        """The reason this one picture fails, or "" when it is fine."""
        h, w = image.shape[:2]
        gray = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY) if image.ndim == 3 else image
        if not faces:
            return TOO_DARK if float(gray.mean()) < self.min_brightness else NO_FACE
        if len(faces) > 1:
            return MANY_FACES
        f = faces[0]
        # Haar boxes cover eyes to mouth; the head reaches ~10% of a box further out.
        margin = max(0.01 * min(w, h), 0.1 * f.w)
        if f.x < margin or f.y < margin or f.x + f.w > w - margin or f.y + f.h > h - margin:
            return OUT_OF_FRAME
        face = gray[max(0, f.y) : f.y + f.h, max(0, f.x) : f.x + f.w]
        if face.size and float(face.mean()) < self.min_brightness:
            return TOO_DARK
        if f.h < self.min_face_height * h:
            return TOO_FAR
        return ""

    def update(self, frame: VideoFrame | np.ndarray) -> CheckResult:
        image = frame.image if isinstance(frame, VideoFrame) else frame
        faces = self.detector.detect(image)
        self.last_faces = faces
        reason = self.judge(image, faces)
        self.frames += 1
        self._recent.append(reason)
        self._streak = self._streak + 1 if not reason else 0
        return self.result()

    def result(self) -> CheckResult:
        data: dict[str, Any] = {
            "faces": len(self.last_faces),
            "boxes": [[b.x, b.y, b.w, b.h] for b in self.last_faces],
            "frames": self.frames,
            "stable": self._streak,
        }
        if self._streak >= self.stable_frames:
            return CheckResult(self.name, True, self.required, "One face, well placed", "", data)
        if not self._recent:
            return CheckResult(
                self.name,
                False,
                self.required,
                "Looking for your face…",
                "",
                {**data, "pending": True},
            )
        # The most common recent reason, so one missed frame doesn't flip the message.
        problems = [r for r in self._recent if r]
        if not problems:
            data["pending"] = True
            return CheckResult(self.name, False, self.required, "Hold still…", "", data)
        reason = collections.Counter(problems).most_common(1)[0][0]
        return CheckResult(self.name, False, self.required, reason, _FACE_FIXES[reason], data)

    def finish(self) -> CheckResult:
        r = self.result()
        if r.pending:
            r.data.pop("pending", None)
            if not self._recent:
                return CheckResult(
                    self.name, False, self.required, "No picture to look for a face in", "", r.data
                )
            r.detail, r.fix = "Your face was not steady in view", _FACE_FIXES[NO_FACE]
        return r
