"""Chat messages and the ChatML template the bundled Qwen models were trained on."""

from __future__ import annotations

import re
from dataclasses import dataclass

_MARKERS = re.compile(r"<\|[^|>]*\|>|<\||\|>")


@dataclass(frozen=True)
class Message:
    role: str  # system | user | assistant
    content: str


def clean(text: str) -> str:
    """Text from outside (a candidate's words) without the template's control markers, so it
    cannot end its own message and open another."""
    return _MARKERS.sub(" ", text)


def chatml(messages: list[Message], reply_prefix: str = "") -> str:
    """The prompt for ``messages`` with the assistant's turn opened (and ``reply_prefix``
    already written into it)."""
    parts = [f"<|im_start|>{m.role}\n{m.content}<|im_end|>\n" for m in messages]
    return "".join(parts) + "<|im_start|>assistant\n" + reply_prefix


def chatml_open(messages: list[Message], open_content: str) -> str:
    """The prompt up to the middle of a last (user) message: what can be evaluated while that
    message is still being written."""
    head = "".join(f"<|im_start|>{m.role}\n{m.content}<|im_end|>\n" for m in messages)
    return head + "<|im_start|>user\n" + open_content
