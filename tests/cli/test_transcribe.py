"""``python main.py transcribe``, run as a user would."""

import json

import jiwer
import pytest

from tests.conftest import run_main
from tools.wer import normalize


@pytest.mark.model
def test_transcribe_prints_one_json_line_per_file_and_fails_on_unreadable_ones(
    testdata, speech_refs, tmp_path
):
    refs = {r["file"]: r["reference_text"] for r in speech_refs}
    broken = tmp_path / "broken.wav"
    broken.write_bytes(b"RIFF not really a wave file")
    files = [
        str(testdata / "speech" / "jfk.wav"),
        str(broken),
        str(testdata / "speech" / "pocketsphinx_goforward.wav"),
    ]
    result = run_main("transcribe", *files, "--json", timeout=120)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["file"] for line in lines] == files
    jfk, bad, go = lines
    assert jiwer.wer(normalize(refs["jfk.wav"]), normalize(jfk["text"])) <= 0.1
    assert jfk["segments"] and all(
        0 <= s["start"] < s["end"] <= 11.1 and s["text"] for s in jfk["segments"]
    )
    assert " ".join(s["text"] for s in jfk["segments"]) == jfk["text"]
    assert "error" in bad and "broken.wav" in bad["error"] and "text" not in bad
    assert normalize(go["text"]) == "go forward ten meters"


def test_bad_arguments_are_one_line_and_exit_2():
    result = run_main("transcribe", "x.wav", "--threads", "zero")
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "--threads" in result.stderr


def test_a_missing_model_folder_is_a_clear_message(tmp_path, testdata):
    result = run_main(
        "transcribe", str(testdata / "speech" / "jfk.wav"), "--model-dir", str(tmp_path)
    )
    assert result.returncode == 1
    assert "no Whisper model in" in result.stderr and "Traceback" not in result.stderr
