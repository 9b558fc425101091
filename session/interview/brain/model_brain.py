"""The brains that ask a language model: the bundled one on this machine (``LocalBrain``) or
an organisation's OpenAI-compatible server (``RemoteBrain``)."""

from __future__ import annotations

import logging
import time

from llm.local_model import LocalModel
from llm.openai_compatible import Endpoint, EndpointError, chat
from session.interview.brain import prompt
from session.interview.brain.turn import Cancel, Decision, Reply, Turn

log = logging.getLogger(__name__)


def _failed(source: str, error: str, started: float, **about: str) -> Reply:
    return Reply(
        Decision.MOVE_ON,
        "",
        source=source,
        template=prompt.TEMPLATE_VERSION,
        latency_s=time.monotonic() - started,
        error=error,
        **about,
    )


class LocalBrain:
    name = "local"

    def __init__(self, model: LocalModel) -> None:
        self.model = model

    def _about(self) -> dict[str, str]:
        return {"model": self.model.info.name, "model_sha256": self.model.info.sha256}

    def warm(self, turn: Turn, should_stop: Cancel | None = None, gently: bool = True) -> None:
        self.model.warm(prompt.open_prompt(turn), should_stop or Cancel(), gently=gently)

    def reply(self, turn: Turn, should_stop: Cancel | None = None) -> Reply:
        started = time.monotonic()
        stop = should_stop or Cancel()
        try:
            text = "".join(
                self.model.generate(
                    prompt.raw_prompt(turn),
                    max_tokens=prompt.MAX_TOKENS,
                    grammar=prompt.grammar(turn),
                    should_stop=stop,
                )
            )
        except Exception as e:  # the runtime's errors are not typed
            log.exception("the local model failed")
            return _failed(self.name, f"model error: {e}", started, **self._about())
        if stop():
            return _failed(self.name, "cancelled", started, **self._about())
        return _reading(self.name, text, turn, started, self._about())

    def close(self) -> None:
        self.model.close()


class RemoteBrain:
    name = "remote"

    def __init__(self, endpoint: Endpoint, timeout_s: float = 2.5) -> None:
        self.endpoint = endpoint
        self.timeout_s = timeout_s

    def _about(self) -> dict[str, str]:
        return {"model": self.endpoint.model or self.endpoint.base_url, "model_sha256": ""}

    def warm(self, turn: Turn, should_stop: Cancel | None = None, gently: bool = True) -> None:
        return None  # a server keeps its own cache

    def reply(self, turn: Turn, should_stop: Cancel | None = None) -> Reply:
        started = time.monotonic()
        try:
            text = chat(
                self.endpoint,
                prompt.messages(turn),
                max_tokens=prompt.MAX_TOKENS,
                timeout_s=self.timeout_s,
            )
        except EndpointError as e:
            return _failed(self.name, str(e), started, **self._about())
        return _reading(self.name, text, turn, started, self._about())

    def close(self) -> None:
        return None


def _reading(source: str, text: str, turn: Turn, started: float, about: dict[str, str]) -> Reply:
    parsed = prompt.parse(text, turn)
    if parsed is None:
        return _failed(source, f"unreadable reply {text[:80]!r}", started, **about)
    kind, line = parsed
    return Reply(
        kind,
        line,
        source=source,
        template=prompt.TEMPLATE_VERSION,
        latency_s=time.monotonic() - started,
        **about,
    )
