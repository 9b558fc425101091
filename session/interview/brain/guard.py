"""Every generated line is checked before it is spoken. A line that fails is not said: the
driver falls back to the interview's own follow-up and logs the reason."""

from __future__ import annotations

import re

from session.interview.brain.turn import Decision, Reply

MAX_WORDS = 35

# Outcomes, rubric, hiring: none of it is the interviewer's to discuss.
_OFF_LIMITS = re.compile(
    r"\b(scor\w*|rubric\w*|grade[sd]?|grading|passed|pass(es|ing)? the interview|"
    r"hire[sd]?|hiring|offer you|got the job|get the job|next questions|upcoming|"
    r"later questions?|instructions?|system prompt|language model|as an ai|evaluation mode)\b",
    re.I,
)
# Praise or judgement of the answer. A short neutral acknowledgement ("Thank you", "I see")
# is fine; "Great answer" is not.
_JUDGEMENT = re.compile(
    r"\b(great|excellent|perfect|impressive|amazing|fantastic|wonderful|brilliant|awesome|"
    r"outstanding|well done|good job|nice job|good answer|strong answer|weak answer|"
    r"that's (right|correct|wrong)|that is (right|correct|wrong)|incorrect|not correct)\b|"
    r"^(good|nice|cool)\b",
    re.I,
)
_WORD = re.compile(r"[a-z0-9']+")


def _words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def _shares_run(line: str, other: str, n: int = 4) -> bool:
    a, b = _words(line), _words(other)
    n = max(3, min(n, len(b)))  # a short question given away whole counts too
    grams = {tuple(b[i : i + n]) for i in range(len(b) - n + 1)}
    return any(tuple(a[i : i + n]) in grams for i in range(len(a) - n + 1))


def check(reply: Reply, upcoming: tuple[str, ...] = ()) -> str | None:
    """None when the line may be spoken, else the reason it may not."""
    text = reply.text.strip()
    if reply.kind is Decision.MOVE_ON:
        if not text:
            return None
        if "?" in text:
            return "a move-on line that asks a question"
    elif not text:
        return "an empty line"
    n = len(text.split())
    if n > MAX_WORDS:
        return f"too long ({n} words)"
    questions = text.count("?")
    if reply.kind in (Decision.FOLLOW_UP, Decision.REDIRECT) and questions != 1:
        return f"{questions} questions in one line"
    if questions > 1:
        return f"{questions} questions in one line"
    if m := _OFF_LIMITS.search(text):
        return f"mentions {m.group(0)!r}"
    if m := _JUDGEMENT.search(text):
        return f"judges the answer ({m.group(0)!r})"
    for later in upcoming:
        if _shares_run(text, later):
            return "gives away a later question"
    return None


def grounded(text: str, answer: str) -> bool:
    """Whether a line names something the candidate said (a word of 4+ letters they used that
    is not a common word)."""
    said = {w for w in _words(answer) if len(w) >= 4 and w not in _COMMON}
    return any(w in said for w in _words(text))


_COMMON_WORDS = """about after again also been before being could does doing done from have
having here into just know like make more most much only other over really said same some
such than that them then there these they thing things think this those very want were what
when where which while will with would your yours you're that's it's what's going sure"""
_COMMON = frozenset(_COMMON_WORDS.split())
