"""Interview definitions: a YAML file per interview, validated into typed objects.

Every error names the field that is wrong (``questions[2].time_limit_s: must be a positive
number``) so whoever wrote the file can fix it without reading code.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

REQUIRES = ("none", "whiteboard", "screen_share")


class InterviewConfigError(ValueError):
    """The interview file is missing, unreadable or has a bad field."""


@dataclass(frozen=True)
class Question:
    id: str
    text: str
    clarification: str = ""
    follow_ups: tuple[str, ...] = ()
    time_limit_s: float = 180.0
    requires: str = "none"  # none | whiteboard | screen_share


@dataclass(frozen=True)
class SilenceSettings:
    end_of_turn_s: float = 2.5  # silence after speech that ends the candidate's turn
    long_pause_s: float = 8.0  # silence before the interviewer kindly checks in


@dataclass(frozen=True)
class InterviewConfig:
    id: str
    title: str
    role: str
    questions: tuple[Question, ...]
    language: str = "en"
    intro: str = ""
    closing: str = ""
    total_time_s: float = 1200.0
    silence: SilenceSettings = field(default_factory=SilenceSettings)
    practice: bool = False
    max_attempts: int = 3
    short_answer_words: int = 12  # an answer shorter than this draws a follow-up
    max_follow_ups: int = 2  # per question, whoever writes them (the interview or the model)
    source: Path | None = None

    def question_index(self, question_id: str) -> int:
        for i, q in enumerate(self.questions):
            if q.id == question_id:
                return i
        raise KeyError(question_id)

    def with_silence(
        self, end_of_turn_s: float | None = None, long_pause_s: float | None = None
    ) -> InterviewConfig:
        """A copy with other silence thresholds (accommodations, quick station dry runs)."""
        s = self.silence
        return replace(
            self,
            silence=SilenceSettings(
                end_of_turn_s=s.end_of_turn_s if end_of_turn_s is None else end_of_turn_s,
                long_pause_s=s.long_pause_s if long_pause_s is None else long_pause_s,
            ),
        )


def load_interview(path: str | Path) -> InterviewConfig:
    """Reads and validates an interview file. Raises InterviewConfigError with a message that
    names the file and the field."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InterviewConfigError(f"{p}: interview file not found") from None
    except (OSError, UnicodeDecodeError) as e:
        raise InterviewConfigError(f"{p}: cannot read the interview file ({e})") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as e:
        where = getattr(e, "problem_mark", None)
        line = f" (line {where.line + 1})" if where is not None else ""
        raise InterviewConfigError(f"{p}: not valid YAML{line}") from None
    try:
        config = parse_interview(data)
    except InterviewConfigError as e:
        raise InterviewConfigError(f"{p}: {e}") from None
    return replace(config, source=p)


def parse_interview(data: Any) -> InterviewConfig:
    """Validates an already-parsed mapping (the YAML document)."""
    if not isinstance(data, dict):
        raise InterviewConfigError("the file must be a mapping of fields (id, title, questions…)")
    known = {
        "id",
        "title",
        "role",
        "language",
        "intro",
        "closing",
        "questions",
        "total_time_s",
        "silence",
        "practice",
        "max_attempts",
        "short_answer_words",
        "max_follow_ups",
    }
    _no_unknown(data, known, "")
    raw_questions = data.get("questions")
    if not isinstance(raw_questions, list) or not raw_questions:
        raise InterviewConfigError("questions: must be a non-empty list")
    questions = tuple(_question(q, i) for i, q in enumerate(raw_questions))
    seen: set[str] = set()
    for i, q in enumerate(questions):
        if q.id in seen:
            raise InterviewConfigError(f"questions[{i}].id: duplicate id {q.id!r}")
        seen.add(q.id)
    silence = data.get("silence") or {}
    if not isinstance(silence, dict):
        raise InterviewConfigError("silence: must be a mapping with end_of_turn_s, long_pause_s")
    _no_unknown(silence, {"end_of_turn_s", "long_pause_s"}, "silence.")
    end_of_turn = _positive(silence, "end_of_turn_s", "silence.", 2.5)
    long_pause = _positive(silence, "long_pause_s", "silence.", 8.0)
    if long_pause <= end_of_turn:
        raise InterviewConfigError("silence.long_pause_s: must be longer than end_of_turn_s")
    return InterviewConfig(
        id=_text(data, "id", ""),
        title=_text(data, "title", ""),
        role=_text(data, "role", ""),
        language=_text(data, "language", "", default="en"),
        intro=_text(data, "intro", "", default=""),
        closing=_text(data, "closing", "", default=""),
        questions=questions,
        total_time_s=_positive(data, "total_time_s", "", 1200.0),
        silence=SilenceSettings(end_of_turn_s=end_of_turn, long_pause_s=long_pause),
        practice=_bool(data, "practice", "", False),
        max_attempts=int(_positive(data, "max_attempts", "", 3, integer=True)),
        short_answer_words=int(_non_negative_int(data, "short_answer_words", "", 12)),
        max_follow_ups=int(_non_negative_int(data, "max_follow_ups", "", 2)),
    )


def _question(raw: Any, i: int) -> Question:
    where = f"questions[{i}]."
    if not isinstance(raw, dict):
        raise InterviewConfigError(f"questions[{i}]: must be a mapping with id and text")
    _no_unknown(
        raw, {"id", "text", "clarification", "follow_ups", "time_limit_s", "requires"}, where
    )
    follow_ups = raw.get("follow_ups") or []
    if not isinstance(follow_ups, list) or not all(
        isinstance(f, str) and f.strip() for f in follow_ups
    ):
        raise InterviewConfigError(f"{where}follow_ups: must be a list of non-empty strings")
    requires = raw.get("requires") or "none"
    if requires not in REQUIRES:
        raise InterviewConfigError(f"{where}requires: must be one of {', '.join(REQUIRES)}")
    return Question(
        id=_text(raw, "id", where),
        text=_text(raw, "text", where),
        clarification=_text(raw, "clarification", where, default=""),
        follow_ups=tuple(f.strip() for f in follow_ups),
        time_limit_s=_positive(raw, "time_limit_s", where, 180.0),
        requires=requires,
    )


def _no_unknown(data: dict, known: set[str], where: str) -> None:
    unknown = sorted(str(k) for k in data if k not in known)
    if unknown:
        raise InterviewConfigError(
            f"{where}{unknown[0]}: unknown field (expected one of {', '.join(sorted(known))})"
        )


_MISSING = object()


def _text(data: dict, key: str, where: str, default: Any = _MISSING) -> str:
    value = data.get(key, _MISSING)
    if value is _MISSING or value is None:
        if default is _MISSING:
            raise InterviewConfigError(f"{where}{key}: required")
        return default
    if isinstance(value, int | float) and not isinstance(value, bool) and key == "id":
        value = str(value)  # `id: 1` is a reasonable thing to write
    if not isinstance(value, str) or (default is _MISSING and not value.strip()):
        raise InterviewConfigError(f"{where}{key}: must be a non-empty string")
    return " ".join(value.split())  # YAML folded blocks leave newlines; speak one line


def _positive(data: dict, key: str, where: str, default: float, integer: bool = False) -> float:
    value = data.get(key, default)
    ok = isinstance(value, int | float) and not isinstance(value, bool) and value > 0
    if integer and ok and int(value) != value:
        ok = False
    if not ok:
        kind = "a positive whole number" if integer else "a positive number"
        raise InterviewConfigError(f"{where}{key}: must be {kind}")
    return float(value)


def _non_negative_int(data: dict, key: str, where: str, default: int) -> int:
    value = data.get(key, default)
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise InterviewConfigError(f"{where}{key}: must be a whole number, 0 or more")
    return value


def _bool(data: dict, key: str, where: str, default: bool) -> bool:
    value = data.get(key, default)
    if not isinstance(value, bool):
        raise InterviewConfigError(f"{where}{key}: must be true or false")
    return value
