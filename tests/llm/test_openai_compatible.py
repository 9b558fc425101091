"""The client for an organisation's model server, against a real HTTP server on 127.0.0.1
that answers as chat completions servers do (and as they fail)."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from llm.chat import Message
from llm.openai_compatible import Endpoint, EndpointError, chat


class _Server:
    def __init__(self, status: int, body: bytes, delay_s: float = 0.0) -> None:
        self.requests: list[dict] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                n = int(self.headers["Content-Length"])
                outer.requests.append(
                    {
                        "path": self.path,
                        "auth": self.headers.get("Authorization"),
                        "body": json.loads(self.rfile.read(n)),
                    }
                )
                threading.Event().wait(delay_s)
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(2)


@pytest.fixture
def server(request):
    s = _Server(*request.param)
    yield s
    s.close()


OK = json.dumps({"choices": [{"message": {"role": "assistant", "content": "KIND: help"}}]})


@pytest.mark.parametrize("server", [(200, OK.encode())], indirect=True)
def test_a_completion_is_asked_for_with_the_model_and_key_and_read(server):
    ep = Endpoint(server.url + "/v1", model="qwen", api_key="s3cret")
    assert chat(ep, [Message("user", "hi")], max_tokens=8) == "KIND: help"
    (req,) = server.requests
    assert req["path"] == "/v1/chat/completions" and req["auth"] == "Bearer s3cret"
    assert req["body"]["model"] == "qwen" and req["body"]["max_tokens"] == 8
    assert req["body"]["messages"] == [{"role": "user", "content": "hi"}]


@pytest.mark.parametrize("server", [(500, b'{"error": "overloaded"}')], indirect=True)
def test_a_server_error_is_reported_with_its_status(server):
    with pytest.raises(EndpointError, match="answered 500"):
        chat(Endpoint(server.url), [Message("user", "hi")])


@pytest.mark.parametrize("server", [(200, b"<html>proxy login</html>")], indirect=True)
def test_an_answer_that_is_not_a_completion_is_reported(server):
    with pytest.raises(EndpointError, match="not a chat completion"):
        chat(Endpoint(server.url), [Message("user", "hi")])


@pytest.mark.parametrize("server", [(200, OK.encode(), 1.0)], indirect=True)
def test_a_slow_server_is_given_up_on_in_time(server):
    with pytest.raises(EndpointError, match=r"longer than 0\.3 s"):
        chat(Endpoint(server.url), [Message("user", "hi")], timeout_s=0.3)


def test_an_unreachable_server_is_reported():
    with pytest.raises(EndpointError, match="could not be reached"):
        chat(Endpoint("http://127.0.0.1:9"), [Message("user", "hi")], timeout_s=1.0)


FOLLOW = json.dumps(
    {"choices": [{"message": {"content": "CASE: on_topic\nSAY: What did Kafka change?"}}]}
)


@pytest.mark.parametrize("server", [(200, FOLLOW.encode())], indirect=True)
def test_the_remote_brain_reads_the_servers_reply_into_a_decision(server):
    from session.interview.brain import prompt
    from session.interview.brain.model_brain import RemoteBrain
    from session.interview.brain.turn import Decision, Turn

    brain = RemoteBrain(Endpoint(server.url, model="qwen"))
    reply = brain.reply(Turn(role="Engineer", question="What did you build?", answer="Kafka."))
    assert (reply.kind, reply.text, reply.source) == (
        Decision.FOLLOW_UP,
        "What did Kafka change?",
        "remote",
    )
    assert reply.error == "" and reply.template == prompt.TEMPLATE_VERSION
    sent = server.requests[0]["body"]["messages"]
    assert sent[0]["role"] == "system" and "<answer>Kafka.</answer>" in sent[1]["content"]


@pytest.mark.parametrize("server", [(500, b"{}")], indirect=True)
def test_the_remote_brain_reports_a_failing_server_as_an_error_reply(server):
    from session.interview.brain.model_brain import RemoteBrain
    from session.interview.brain.turn import Turn

    reply = RemoteBrain(Endpoint(server.url)).reply(Turn(role="r", question="q", answer="a"))
    assert "answered 500" in reply.error


def test_a_missing_or_incomplete_model_file_says_how_to_fix_it(tmp_path):
    from llm.model_files import QWEN_1_5B, ModelFileError, model_path

    with pytest.raises(ModelFileError, match="make setup"):
        model_path(QWEN_1_5B, tmp_path)
    (tmp_path / QWEN_1_5B.file_name).write_bytes(b"GGUF")
    with pytest.raises(ModelFileError, match="incomplete"):
        model_path(QWEN_1_5B, tmp_path)
