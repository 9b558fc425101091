"""`python main.py verify DIR --json`: one JSON object, exit 0 ok / 1 not ok / 2 bad input."""

from __future__ import annotations

import json

from tests.conftest import run_main
from tests.session.attempt.test_verify import make_attempt


def test_verify_prints_json_and_exits_0_then_1_after_damage(tmp_path):
    folder = make_attempt(tmp_path / "a")
    r = run_main("verify", str(folder), "--json", timeout=60)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["ok"] is True
    assert {"duration_s", "video_frames", "audio_s", "av_offset_ms", "problems"} <= out.keys()
    assert out["video_frames"] == 90

    (folder / "captions.vtt").write_text("WEBVTT\n\nchanged\n")
    r = run_main("verify", str(folder), timeout=60)
    assert r.returncode == 1
    assert r.stdout.startswith("NOT OK") and "captions.vtt" in r.stdout


def test_verify_of_a_missing_folder_is_one_line_and_exit_2(tmp_path):
    r = run_main("verify", str(tmp_path / "nope"), "--json", timeout=60)
    assert r.returncode == 2
    assert r.stderr.count("\n") == 1 and "not a folder" in r.stderr
    assert "Traceback" not in r.stderr
