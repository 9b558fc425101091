"""Recognising the candidate's spoken requests ("could you repeat the question?") in the
live captions.

Captions are noisy and a request can sit inside a real answer ("we had to wait for the
deploy"), so matching works on normalised words and is deliberately conservative:
multi-word phrases count when the utterance is short or the phrase ends it; one-word
requests ("wait", "skip") count only when they are nearly the whole utterance.
"""

from __future__ import annotations

import re
from enum import StrEnum


class Command(StrEnum):
    REPEAT = "repeat"
    CLARIFY = "clarify"
    NOT_FINISHED = "not_finished"
    NEXT = "next_question"


# Phrases after normalisation (lower case, letters/digits/apostrophes, single spaces).
_PHRASES: dict[Command, tuple[str, ...]] = {
    Command.NOT_FINISHED: (
        "i'm not finished",
        "im not finished",
        "i am not finished",
        "i'm not done",
        "i am not done",
        "i wasn't finished",
        "i was not finished",
        "wasn't finished",
        "not finished yet",
        "hold on",
        "let me finish",
        "one moment",
        "just a moment",
        "give me a moment",
    ),
    Command.REPEAT: (
        "could you repeat",
        "can you repeat",
        "would you repeat",
        "could you please repeat",
        "can you please repeat",
        "would you please repeat",
        "please repeat",
        "repeat the question",
        "repeat that",
        "say that again",
        "say it again",
        "say again",
        "come again",
        "what was the question",
    ),
    Command.CLARIFY: (
        "can you clarify",
        "could you clarify",
        "could you please clarify",
        "can you please clarify",
        "please clarify",
        "what do you mean",
        "what does that mean",
        "i don't understand the question",
        "i do not understand the question",
        "can you explain the question",
        "could you explain the question",
        "rephrase the question",
        "could you rephrase",
        "can you rephrase",
    ),
    Command.NEXT: (
        "next question",
        "skip this question",
        "skip the question",
        "skip this one",
        "can we skip",
        "let's skip",
        "let's move on",
        "move on please",
    ),
}

# Single words that are requests only when they are (almost) all that was said.
_SHORT_ONLY: dict[Command, tuple[str, ...]] = {
    Command.NOT_FINISHED: ("wait",),
    Command.NEXT: ("skip", "pass"),
    Command.REPEAT: ("repeat", "pardon", "sorry what"),
}

# Longer utterances are answers; a phrase counts there only when it ends the utterance.
SHORT_UTTERANCE_WORDS = 12
_SHORT_ONLY_MAX_WORDS = 3
_TAIL_WORDS = 8

_FILLERS = {"um", "uh", "erm", "er", "hmm", "mm", "oh", "okay", "ok", "so", "sorry", "yeah"}


def normalise(text: str) -> str:
    """Lower case, curly quotes straightened, punctuation dropped, single spaces."""
    t = text.lower().replace("’", "'").replace("‘", "'")
    t = re.sub(r"[^a-z0-9' ]+", " ", t)
    t = re.sub(r"(?<![a-z])'|'(?![a-z])", " ", t)  # quotes, keep apostrophes inside words
    return " ".join(t.split())


def _contains(words: list[str], phrase: str) -> bool:
    p = phrase.split()
    return any(words[i : i + len(p)] == p for i in range(len(words) - len(p) + 1))


def recognise(text: str) -> Command | None:
    """The request in one utterance of the candidate, or None when it is just an answer.
    NOT_FINISHED wins over the others ("wait, I'm not finished, next question..." means
    keep listening)."""
    words = normalise(text).split()
    if not words:
        return None
    content = [w for w in words if w not in _FILLERS]
    short = len(words) <= SHORT_UTTERANCE_WORDS
    tail = words[-_TAIL_WORDS:]
    for command, phrases in _PHRASES.items():
        for phrase in phrases:
            if (short and _contains(words, phrase)) or _contains(tail, phrase):
                return command
    if len(content) <= _SHORT_ONLY_MAX_WORDS:
        for command, singles in _SHORT_ONLY.items():
            for single in singles:
                if _contains(content, single) or _contains(words, single):
                    return command
    return None
