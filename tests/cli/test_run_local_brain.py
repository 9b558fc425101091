"""`main.py run` with the bundled language model as the interviewer: after a real spoken
answer (Piper's voice, captioned by Whisper) the model writes a follow-up, and the log says
which model and prompt wrote it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.test_run import CAMERA, synthesise
from tests.conftest import run_main

INTERVIEW = """\
id: local-brain-test
title: Local interviewer test
role: Backend developer
practice: false
total_time_s: 600
max_follow_ups: 1
silence:
  end_of_turn_s: 2.0
  long_pause_s: 8.0
intro: Hello.
closing: Thank you, that is all.
questions:
  - id: system
    text: Tell me about a backend system you built.
    clarification: Any service with a database behind it counts.
    follow_ups: ["What would you change if you built it again today?"]
    time_limit_s: 90
  - id: incident
    text: Tell me about a production problem you solved.
    follow_ups: ["What did you do so that it would not happen again?"]
    time_limit_s: 90
"""
ANSWERS = [
    "I built the order service for a bakery chain in Python with PostgreSQL. "
    "The hard part was taking card payments twice when the network dropped.",
    "I added an idempotency key to every payment request, so a retry is recognised.",
    "Our invoices stopped sending one night because the mail queue was full. "
    "I found a stuck worker and restarted it, then added an alert on the queue length.",
    "We also moved the queue to its own disk.",
]


@pytest.mark.model
@pytest.mark.slow
def test_the_bundled_model_follows_up_on_what_was_said(tmp_path):
    (tmp_path / "interview.yaml").write_text(INTERVIEW, encoding="utf-8")
    answers = tmp_path / "answers"
    answers.mkdir()
    for i, text in enumerate(ANSWERS):
        synthesise(text, answers / f"{i:02d}.wav")
    proc = run_main(
        *("run", "--interview", str(tmp_path / "interview.yaml"), "--camera", str(CAMERA)),
        *("--answers", str(answers), "--out", str(tmp_path / "out"), "--json"),
        *("--brain", "local", "--think-timeout-s", "20"),  # a loaded test machine is slow
        timeout=300,
        env={"INTERVIEW_KIOSK_HOME": str(tmp_path / "home")},
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["brain"] == "local" and "brain_notice" not in result
    assert result["follow_ups_generated"] >= 1
    folder = Path(result["attempt_dir"])
    events = [json.loads(x) for x in (folder / "events.jsonl").read_text().splitlines()]
    written = [e for e in events if e["type"] == "follow_up" and e["source"] == "local"]
    assert written, [e for e in events if e["type"] in ("follow_up", "brain_fallback")]
    for e in written:
        assert len(e["model_sha256"]) == 64 and e["template"].startswith("interviewer-")
        # not one of the interview's own canned lines: the model wrote it
        assert "built it again today" not in e["text"] and "happen again" not in e["text"]
    # Whether a line names what the candidate said is recorded for every line; how often it
    # does is a quality goal measured by bench/interviewer.py (0.29 today), not asserted on
    # two lines of a run whose transcript depends on timing.
    assert all(isinstance(e["grounded"], bool) and e["text"].count("?") <= 1 for e in written)
    # at most one follow-up per question, as the interview says
    assert sum(e["type"] == "follow_up" for e in events) <= 2
