"""`python main.py interviewer try --question Q --answer A [--brain ...]`: what the interviewer
would say next to one answer, for authors tuning an interview's questions and notes."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from cli.brain_option import add_brain_option


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    p = subparsers.add_parser("interviewer", help="try the AI interviewer on one answer")
    actions = p.add_subparsers(dest="action", required=True)
    t = actions.add_parser("try", help="print what the interviewer would say next")
    t.add_argument("--question", required=True, help="the question asked")
    t.add_argument("--answer", required=True, help="what the candidate said")
    t.add_argument("--role", default="", help="the job the interview is for")
    t.add_argument("--clarification", default="", help="what the interviewer may explain")
    add_brain_option(t)
    t.add_argument("--json", action="store_true", help="print one JSON object")
    return p


def run(args: argparse.Namespace) -> int:
    from session.interview.brain import guard
    from session.interview.brain.choice import make_brain
    from session.interview.brain.turn import Turn

    if not args.question.strip() or not args.answer.strip():
        sys.stderr.write("main.py interviewer: error: --question and --answer must not be empty\n")
        return 2
    choice = make_brain(args.brain, timeout_s=30.0)
    turn = Turn(
        role=args.role.strip() or "this job",
        question=args.question.strip(),
        answer=args.answer.strip(),
        clarification=args.clarification.strip(),
    )
    try:
        reply = choice.brain.reply(turn)
    finally:
        choice.brain.close()
    rejected = reply.error or guard.check(reply, ())
    result: dict[str, Any] = {
        "brain": choice.brain.name,
        **reply.describe(),
        "line": reply.text,
        "spoken": not rejected,
        "grounded": guard.grounded(reply.text, turn.answer),
    }
    if rejected:
        result["rejected"] = rejected  # the interview would say its own follow-up instead
    if choice.notice:
        result["notice"] = choice.notice
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
    else:
        if choice.notice:
            print(choice.notice)
        print(f"{result['decision']}: {reply.text}")
        if rejected:
            print(f"  not spoken ({rejected}): the interview's own follow-up is said instead")
    return 0
