from __future__ import annotations

import cv2
import numpy as np
import pytest

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


def test_unreadable_file_raises_face_error(tmp_path) -> None:
    bad = tmp_path / "broken.jpg"
    bad.write_bytes(b"not a picture")
    with pytest.raises(FaceError):
        count_faces_in_file(bad)
    with pytest.raises(FaceError, match="no such file"):
        count_faces_in_file(tmp_path / "missing.png")
