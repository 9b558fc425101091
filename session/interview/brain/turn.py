"""What the brain is asked (a ``Turn``) and what it answers (a ``Reply``)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol


class Decision(StrEnum):
    FOLLOW_UP = "follow_up"  # builds on something the candidate said
    ANSWER_QUESTION = "answer_question"  # the candidate asked about the question
    HELP = "help"  # "I don't know": rephrase, or offer to move on
    REDIRECT = "redirect"  # the answer is about something else
    MOVE_ON = "move_on"


@dataclass(frozen=True)
class Exchange:
    prompt: str  # what the interviewer asked
    answer: str  # what the candidate said to it


@dataclass(frozen=True)
class Turn:
    role: str
    question: str
    answer: str  # the candidate's words since the last prompt
    clarification: str = ""  # what the interviewer may say about the question
    earlier: tuple[Exchange, ...] = ()  # this question's earlier prompts and answers
    follow_ups_used: int = 0
    max_follow_ups: int = 2
    scripted_follow_ups: tuple[str, ...] = ()  # the interview's own, in order
    short_answer_words: int = 12

    @property
    def prompt(self) -> str:
        """The line the candidate is answering now."""
        return self.earlier[-1].prompt if self.earlier else self.question


@dataclass(frozen=True)
class Reply:
    kind: Decision
    text: str  # what to say; for MOVE_ON an acknowledgement or ""
    source: str = "scripted"  # scripted | local | remote
    model: str = ""
    model_sha256: str = ""
    template: str = ""
    latency_s: float = 0.0
    error: str = ""  # the brain failed: the driver falls back and logs this

    def describe(self) -> dict[str, object]:
        """The fields a reviewer needs to see which lines the AI wrote."""
        out: dict[str, object] = {"decision": str(self.kind), "source": self.source}
        if self.source != "scripted":
            out |= {
                "model": self.model,
                "model_sha256": self.model_sha256,
                "template": self.template,
                "latency_s": round(self.latency_s, 3),
            }
        return out


@dataclass
class Cancel:
    """Set by whoever asked, read by the brain between tokens."""

    cancelled: bool = False

    def __call__(self) -> bool:
        return self.cancelled


class Brain(Protocol):
    name: str  # scripted | local | remote

    def reply(self, turn: Turn, should_stop: Cancel | None = None) -> Reply:
        """What to say next. Never raises: a failure is a Reply with ``error`` set."""
        ...

    def warm(self, turn: Turn, should_stop: Cancel | None = None, gently: bool = True) -> None:
        """Prepare for ``reply(turn)`` (or a turn that starts the same way) ahead of time;
        ``gently``: with less of the processor (the captions need it)."""
        ...

    def close(self) -> None: ...
