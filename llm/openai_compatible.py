"""A client for an organisation's own model server that speaks OpenAI's chat completions
(``POST {base_url}/chat/completions``): llama.cpp's server, vLLM, Ollama, LocalAI and others."""

from __future__ import annotations

import os
from dataclasses import dataclass

import httpx

from llm.chat import Message


class EndpointError(RuntimeError):
    """The server did not answer, or answered something other than a completion."""


@dataclass(frozen=True)
class Endpoint:
    base_url: str  # e.g. http://127.0.0.1:8080/v1
    model: str = ""
    api_key: str = ""

    @classmethod
    def from_env(cls, base_url: str, model: str = "", api_key: str = "") -> Endpoint:
        """Missing values come from ``INTERVIEW_KIOSK_LLM_MODEL`` / ``INTERVIEW_KIOSK_LLM_KEY``
        (a key is better kept out of a station config file)."""
        return cls(
            base_url.rstrip("/"),
            model or os.environ.get("INTERVIEW_KIOSK_LLM_MODEL", ""),
            api_key or os.environ.get("INTERVIEW_KIOSK_LLM_KEY", ""),
        )

    @property
    def completions_url(self) -> str:
        base = self.base_url.rstrip("/")
        if not base.endswith("/v1"):
            base += "/v1"
        return base + "/chat/completions"


def chat(
    endpoint: Endpoint,
    messages: list[Message],
    *,
    max_tokens: int = 64,
    timeout_s: float = 2.5,
    client: httpx.Client | None = None,
) -> str:
    """The assistant's reply text. Raises EndpointError with what went wrong."""
    body: dict = {
        "messages": [{"role": m.role, "content": m.content} for m in messages],
        "max_tokens": max_tokens,
        "temperature": 0.0,
        "stream": False,
    }
    if endpoint.model:
        body["model"] = endpoint.model
    headers = {"Authorization": f"Bearer {endpoint.api_key}"} if endpoint.api_key else {}
    own = client is None
    http = client or httpx.Client(timeout=timeout_s)
    try:
        r = http.post(endpoint.completions_url, json=body, headers=headers, timeout=timeout_s)
    except httpx.TimeoutException as e:
        raise EndpointError(f"the model server took longer than {timeout_s:.1f} s") from e
    except httpx.HTTPError as e:
        raise EndpointError(f"the model server could not be reached: {e}") from e
    finally:
        if own:
            http.close()
    if r.status_code != 200:
        raise EndpointError(f"the model server answered {r.status_code}: {r.text[:200]}")
    try:
        return str(r.json()["choices"][0]["message"]["content"] or "")
    except (ValueError, KeyError, IndexError, TypeError) as e:
        raise EndpointError("the model server's answer is not a chat completion") from e
