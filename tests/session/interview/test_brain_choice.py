"""Which brain one setting gives, and the notice when the one asked for cannot be had."""

from __future__ import annotations

import pytest

from llm.model_files import QWEN_0_5B, QWEN_1_5B
from session.interview.brain.choice import fitting_model, make_brain, valid


def test_the_larger_model_needs_eight_gigabytes_of_memory():
    assert fitting_model(24.0) is QWEN_1_5B and fitting_model(8.0) is QWEN_1_5B
    assert fitting_model(7.5) is QWEN_0_5B and fitting_model(4.0) is QWEN_0_5B


@pytest.mark.parametrize(
    ("spec", "ok"),
    [
        ("local", True),
        ("scripted", True),
        (" Local ", True),
        ("https://llm.example.org/v1", True),
        ("http://127.0.0.1:8080", True),
        ("ftp://llm", False),
        ("gpt", False),
        ("", False),
    ],
)
def test_a_setting_is_local_scripted_or_a_server_url(spec, ok):
    assert valid(spec) is ok


def test_a_missing_model_falls_back_to_the_script_and_says_what_to_do(tmp_path):
    choice = make_brain("local", models_dir=tmp_path)
    assert choice.brain.name == "scripted"
    assert "not available" in choice.notice and "make setup" in choice.notice
    assert str(tmp_path) in choice.notice


def test_an_incomplete_model_file_is_named_and_not_loaded(tmp_path):
    (tmp_path / QWEN_0_5B.file_name).write_bytes(b"GGUF" + bytes(100))
    choice = make_brain("local", models_dir=tmp_path, model=QWEN_0_5B)
    assert choice.brain.name == "scripted" and "incomplete" in choice.notice


def test_scripted_and_a_server_url_need_no_model(tmp_path):
    assert make_brain("scripted", models_dir=tmp_path).notice == ""
    remote = make_brain("http://127.0.0.1:9/v1", models_dir=tmp_path)
    assert remote.brain.name == "remote" and remote.notice == ""


def test_an_unknown_setting_is_a_notice_not_a_crash(tmp_path):
    choice = make_brain("gpt-9", models_dir=tmp_path)
    assert choice.brain.name == "scripted" and "'gpt-9' is not one of" in choice.notice
