from __future__ import annotations

import json

import pytest

from tests.conftest import FACES, SPEECH, run_main

FACE_VIDEO = FACES / "intel_head-pose-face-detection-male.mp4"


def check(camera, *extra: str, mic=SPEECH / "jfk.wav"):
    """`main.py check --camera CAMERA --mic MIC ...` (one minute at most)."""
    return run_main("check", "--camera", str(camera), "--mic", str(mic), *extra, timeout=60)


def _checks(stdout: str) -> dict[str, dict]:
    out = json.loads(stdout)
    return {c["name"]: c for c in out["checks"]} | {"_ok": out["ok"]}


def test_check_passes_with_a_face_video_and_a_speech_file(testdata) -> None:
    r = check(FACE_VIDEO, "--json")
    assert r.returncode == 0, r.stdout + r.stderr
    checks = _checks(r.stdout)
    assert checks["_ok"] is True
    for name in ("camera", "face", "microphone"):
        assert checks[name]["ok"] and checks[name]["required"], checks[name]
        assert set(checks[name]) >= {"name", "ok", "required", "detail"}


def test_check_fails_on_a_picture_without_a_face(testdata) -> None:
    r = check(FACES / "skimage_coffee.png", "--json")
    assert r.returncode == 1, r.stdout + r.stderr
    checks = _checks(r.stdout)
    assert checks["_ok"] is False
    assert not checks["face"]["ok"] and "No face found" in checks["face"]["detail"]
    assert checks["camera"]["ok"] and checks["microphone"]["ok"]


def test_check_reports_missing_devices_plainly_in_a_table(tmp_path) -> None:
    r = check(tmp_path / "none.mp4", mic=tmp_path / "none.wav")
    assert r.returncode == 1
    assert "FAIL  camera" in r.stdout and "not found" in r.stdout
    assert "Traceback" not in r.stderr + r.stdout


@pytest.mark.device
def test_check_with_screen_and_speaker_reports_them(testdata, x_display, virtual_speaker) -> None:
    r = check(FACE_VIDEO, "--screen", "--speaker", "--json")
    checks = _checks(r.stdout)
    assert r.returncode == 0, r.stdout + r.stderr
    assert checks["screen"]["ok"] and checks["screen"]["data"]["monitors"] == 1
    # Nobody can confirm hearing the chime in a JSON run: not passed, not required.
    assert not checks["speaker"]["ok"] and not checks["speaker"]["required"]


def test_check_bad_arguments_exit_2_with_one_line() -> None:
    r = run_main("check", "--camera", "0", timeout=30)
    assert r.returncode == 2
    assert len(r.stderr.strip().splitlines()) == 1 and "--mic" in r.stderr
    r = run_main("check", "--camera", "0", "--mic", "x", "--backend", "ftp://x", timeout=30)
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1


@pytest.mark.server
def test_check_measures_upload_speed_against_the_real_backend(testdata, tmp_path) -> None:
    from tests.backend.server import backend_process

    backend = backend_process(tmp_path / "backend").start()
    try:
        r = check(FACE_VIDEO, "--backend", backend.url, "--min-mbps", "1", "--json")
    finally:
        backend.stop()
    net = _checks(r.stdout)["network"]
    assert net["ok"] and net["data"]["measured"], net
    assert net["data"]["upload_mbps"] > 1
    assert r.returncode == 0, r.stdout + r.stderr
