from __future__ import annotations

import json

from tests.conftest import FACES, run_main


def test_faces_prints_one_json_line_per_file_and_fails_on_unreadable(testdata, tmp_path) -> None:
    bad = tmp_path / "bad.png"
    bad.write_bytes(b"junk")
    r = run_main(
        "faces",
        str(FACES / "fr_two_people.jpg"),
        str(FACES / "skimage_coffee.png"),
        str(bad),
        "--json",
        timeout=120,
    )
    lines = [json.loads(line) for line in r.stdout.splitlines()]
    assert lines[0] == {"file": str(FACES / "fr_two_people.jpg"), "faces": 2}
    assert lines[1] == {"file": str(FACES / "skimage_coffee.png"), "faces": 0}
    assert lines[2]["file"] == str(bad) and "error" in lines[2]
    assert r.returncode == 1
    assert "Traceback" not in r.stderr


def test_faces_exits_zero_when_all_files_read(testdata) -> None:
    r = run_main("faces", str(FACES / "skimage_astronaut.png"), "--json", timeout=120)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout) == {"file": str(FACES / "skimage_astronaut.png"), "faces": 1}
