"""`main.py interviewer try`: an author asks what the interviewer would say to one answer."""

from __future__ import annotations

import json

import pytest

from tests.conftest import run_main

QUESTION = "Tell me about a backend system you built."


@pytest.mark.model
def test_the_bundled_model_says_what_it_would_ask_next_and_whether_it_may_be_spoken():
    answer = "I built the order service for a bakery chain in Python with PostgreSQL."
    proc = run_main(
        *("interviewer", "try", "--question", QUESTION, "--answer", answer, "--json"),
        *("--role", "Backend developer"),
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out["brain"] == "local" and out["source"] == "local" and "notice" not in out
    assert out["decision"] in ("follow_up", "answer_question", "help", "redirect")
    assert out["line"] and out["spoken"] is ("rejected" not in out)
    assert len(out["model_sha256"]) == 64


def test_a_bad_brain_or_an_empty_answer_is_a_one_line_error():
    proc = run_main("interviewer", "try", "--question", QUESTION, "--answer", "x", "--brain", "gpt")
    assert proc.returncode == 2 and "is not one of" in proc.stderr
    proc = run_main("interviewer", "try", "--question", QUESTION, "--answer", " ")
    assert proc.returncode == 2 and "must not be empty" in proc.stderr
    assert "Traceback" not in proc.stderr
