"""The one ``--brain``/``--interviewer`` option the commands share: who writes follow-ups.

Checked by argparse itself, so a bad value is the usual one-line usage error (exit 2)."""

from __future__ import annotations

import argparse

HELP = (
    'who writes follow-ups: "local" (the bundled model, default), "scripted" or the URL of '
    "an OpenAI-compatible server"
)


def brain_setting(text: str) -> str:
    from session.interview.brain.choice import CHOICES, valid

    if not valid(text):
        raise argparse.ArgumentTypeError(f"{text!r} is not one of: {', '.join(CHOICES)}")
    return text.strip()


def add_brain_option(p: argparse.ArgumentParser, flag: str = "--brain") -> None:
    p.add_argument(flag, metavar="WHO", type=brain_setting, default="local", help=HELP)
