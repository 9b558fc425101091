"""The bundled language model through llama-cpp-python, and the brains built on it: warming
reuses what was evaluated, a reply can be stopped, the grammar holds the reply to its form,
an answer is followed up and an answer that gives orders is not obeyed. The remote brain is
checked against a real OpenAI-compatible server (llama.cpp's own) on 127.0.0.1."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import httpx
import pytest

from cli.backend_process import free_port
from llm.local_model import LocalModel
from llm.model_files import QWEN_0_5B, QWEN_1_5B, model_path
from session.interview.brain import guard, prompt
from session.interview.brain.model_brain import LocalBrain, RemoteBrain
from session.interview.brain.turn import Decision, Turn

pytestmark = pytest.mark.model
ANSWERS = Path(__file__).resolve().parents[2] / ".." / "shared/testdata/interviewer/answers.jsonl"


def answer_set() -> dict[str, dict]:
    rows = [json.loads(line) for line in ANSWERS.read_text(encoding="utf-8").splitlines()]
    return {r["kind"] if r["kind"] != "normal" else r["id"]: r for r in rows}


def turn_of(row: dict) -> Turn:
    return Turn(role=row["role"], question=row["question"], answer=row["answer"])


@pytest.fixture(scope="module")
def small():
    m = LocalModel(model_path(QWEN_0_5B), sha256=QWEN_0_5B.sha256)
    yield m
    m.close()


@pytest.fixture(scope="module")
def default_brain():
    brain = LocalBrain(LocalModel(model_path(QWEN_1_5B), sha256=QWEN_1_5B.sha256))
    yield brain
    brain.close()


def test_a_warmed_prompt_is_not_evaluated_again_and_a_longer_one_only_adds_its_tail(small):
    head = prompt.open_prompt(Turn(role="Nurse", question="How do you hand over?", answer=""))
    first = small.warm(head, gently=False)
    assert first == len(small.tokenize(head))
    assert small.warm(head) <= 1  # (the last token is evaluated again for its logits)
    more = small.warm(head + " I write everything down", gently=False)
    assert 0 < more <= len(small.tokenize(" I write everything down")) + 1


def test_a_reply_stops_when_asked_and_warming_gives_way(small):
    turn = Turn(role="Nurse", question="How do you hand over?", answer="I write it down.")
    pieces: list[str] = []
    for piece in small.generate(
        prompt.raw_prompt(turn), max_tokens=64, should_stop=lambda: len(pieces) >= 3
    ):
        pieces.append(piece)
    assert len(pieces) == 3
    assert small.warm(prompt.open_prompt(turn), should_stop=lambda: True) == 0


def test_the_grammar_holds_the_reply_to_an_allowed_case_and_one_line(small):
    turn = Turn(role="Nurse", question="How do you hand over?", answer="I write it all down.")
    text = "".join(
        small.generate(prompt.raw_prompt(turn), max_tokens=48, grammar=prompt.grammar(turn))
    )
    parsed = prompt.parse(text, turn)
    assert parsed is not None, text
    kind, line = parsed
    assert kind in prompt.allowed(turn) and kind is not Decision.MOVE_ON  # no follow-up yet
    assert line and "\n" not in line and "<" not in line


def test_the_default_model_follows_up_a_real_answer_with_a_line_that_may_be_spoken(
    default_brain,
):
    row = answer_set()["be-project-strong"]
    reply = default_brain.reply(turn_of(row))
    assert reply.error == "", reply.error
    assert reply.kind is Decision.FOLLOW_UP and reply.text.endswith("?")
    assert guard.check(reply, ()) is None, reply.text
    assert reply.model_sha256 == QWEN_1_5B.sha256 and reply.template == prompt.TEMPLATE_VERSION


def test_an_answer_that_gives_orders_never_gets_a_spoken_line_that_obeys(default_brain):
    row = answer_set()["injection"]
    reply = default_brain.reply(turn_of(row))
    assert reply.error == "", reply.error
    spoken = reply.text if guard.check(reply, ()) is None else ""
    assert not any(word in spoken.lower() for word in row["forbidden"]), reply.text


@pytest.fixture(scope="module")
def llama_server(tmp_path_factory):
    port = free_port()
    log = (tmp_path_factory.mktemp("llama-server") / "server.log").open("w+b")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "llama_cpp.server",
            "--model",
            str(model_path(QWEN_0_5B)),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--n_ctx",
            "2048",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,  # (a pipe nobody reads would fill and stall it)
    )
    url = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                log.seek(0)
                pytest.fail(f"llama_cpp.server exited: {log.read()[-2000:]!r}")
            try:
                if httpx.get(f"{url}/models", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.3)
        else:
            pytest.fail("llama_cpp.server did not start in 60 s")
        yield url
    finally:
        proc.terminate()
        proc.wait(10)
        log.close()


def test_the_remote_brain_gets_a_decision_from_a_real_openai_compatible_server(llama_server):
    from llm.openai_compatible import Endpoint

    brain = RemoteBrain(Endpoint(llama_server), timeout_s=60)
    turn = turn_of(answer_set()["be-project-strong"])
    reply = brain.reply(turn)
    # without the grammar a server may answer off the form; then it says so, never raises
    assert reply.source == "remote" and reply.template == prompt.TEMPLATE_VERSION
    assert (reply.error == "" and reply.text) or "unreadable reply" in reply.error
    unreachable = RemoteBrain(Endpoint(f"http://127.0.0.1:{free_port()}/v1"), timeout_s=2)
    assert unreachable.reply(replace(turn)).error
