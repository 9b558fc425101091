"""The transcript grouped by question, for the candidate's review: a question's group starts
at the interviewer line that asked it (the ``question_asked`` events name the questions;
their text is in that line). Lines before the first question are the introduction."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from session.attempt import folder as af
from session.attempt.events import QUESTION_ASKED, read_events


@dataclass(slots=True)
class QuestionGroup:
    title: str
    index: int | None  # the question's index; None for the introduction
    lines: list[dict[str, Any]] = field(default_factory=list)


def _norm(text: str) -> str:
    return " ".join(str(text).lower().split())


def asked_questions(attempt_dir: Path) -> list[tuple[int, str]]:
    """(index, text) of each question asked, in order, once each (a repeat is not new)."""
    seen: set[int] = set()
    out = []
    for ev in read_events(Path(attempt_dir) / af.EVENTS):
        if ev.get("type") != QUESTION_ASKED:
            continue
        try:
            index = int(ev.get("index"))
        except (TypeError, ValueError):
            continue
        if index not in seen and ev.get("text"):
            seen.add(index)
            out.append((index, str(ev["text"])))
    return out


def group_by_question(
    entries: list[dict[str, Any]], questions: list[tuple[int, str]]
) -> list[QuestionGroup]:
    groups = [QuestionGroup("Introduction", None)]
    pending = list(questions)
    for line in entries:
        if line.get("speaker") == "interviewer" and pending:
            text = _norm(line.get("text", ""))
            hit = next((q for q in pending if _norm(q[1]) and _norm(q[1]) in text), None)
            if hit is not None:
                pending = pending[pending.index(hit) + 1 :]
                groups.append(QuestionGroup(f"Question {hit[0] + 1}", hit[0]))
        groups[-1].lines.append(line)
    return [g for g in groups if g.lines]
