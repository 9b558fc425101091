"""What the captions bar shows: one view per caption change, built from the caption stream.

The transcript groups committed words into lines and hands each finished line to
``transcript.json``; the bar must not follow that bookkeeping. A candidate's committed words
stay in the view for the whole turn (through pauses and transcript lines) until the
interviewer speaks again; the tentative tail is whatever the captioner still might revise.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass


@dataclass(frozen=True)
class CaptionView:
    speaker: str  # "interviewer" | "candidate"
    committed: str  # this turn's confirmed words
    tentative: str = ""  # the live tail, not yet confirmed


class CaptionTurn:
    """The candidate's committed words since the interviewer last spoke. Thread-safe: the
    caption worker adds words while the voice thread starts a line."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._committed: list[str] = []

    def candidate(self, committed: str, tentative: str) -> CaptionView:
        """Adds newly committed text (may be empty) and returns the candidate's view."""
        with self._lock:
            if committed.strip():
                self._committed.append(committed.strip())
            return CaptionView("candidate", " ".join(self._committed), tentative.strip())

    def interviewer(self, text: str) -> CaptionView:
        """The interviewer speaks: the candidate's turn is over."""
        with self._lock:
            self._committed = []
        return CaptionView("interviewer", text.strip())
