"""Groups the candidate's committed caption words into transcript lines.

The captioner commits a few words at a time; a reviewer wants sentences. Words are held
until a sentence ends, the speaker pauses, or the interviewer starts talking, then written
as one line with the first word's start and the last word's end. A crash loses at most
the line being built (a few seconds); everything before is already in the transcript.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from session.interview.commands import normalise

SENTENCE_END = (".", "?", "!")
# Titles Whisper writes with a full stop: "Mr. Dashwood" is one sentence, not two.
ABBREVIATIONS = frozenset({"mr.", "mrs.", "ms.", "dr.", "st.", "prof.", "vs.", "e.g.", "i.e."})
ECHO_MIN_WORDS = 4


class CandidateLines:
    def __init__(
        self,
        write: Callable[[float, float, str], Any],
        pause_s: float = 1.2,
        max_words: int = 40,
    ) -> None:
        self._write = write  # (start, end, text)
        self.pause_s = pause_s
        self.max_words = max_words
        self._lock = threading.Lock()
        self._words: list[Any] = []  # speech.captioner.Word: start, end, text
        self.words_written = 0
        # No candidate audio before this reached the captioner (the echo gate held it while
        # the interviewer spoke); Whisper's first-word times can be early by a second or more.
        self.floor = float("-inf")

    @property
    def pending_text(self) -> str:
        with self._lock:
            return " ".join(w.text for w in self._words)

    def add(self, words: list[Any]) -> None:
        for w in words:
            with self._lock:
                if self._words and w.start - self._words[-1].end >= self.pause_s:
                    self._flush_locked()
                self._words.append(w)
                word = w.text.strip()
                ended = word.endswith(SENTENCE_END) and word.lower() not in ABBREVIATIONS
                if ended or len(self._words) >= self.max_words:
                    self._flush_locked()

    def flush(self) -> None:
        with self._lock:
            self._flush_locked()

    def _flush_locked(self) -> None:
        if not self._words:
            return
        words, self._words = self._words, []
        text = " ".join(w.text.strip() for w in words if w.text.strip())
        if text:
            self.words_written += len(text.split())
            start = max(words[0].start, self.floor)
            self._write(start, max(start, words[-1].end), text)


def looks_like_echo(text: str, interviewer_line: str) -> bool:
    """Committed words that repeat a run of the interviewer's last line: its own voice
    leaking past the echo gate. Caught here so "…repeat the question?" from the speakers
    is never taken for the candidate's request."""
    words = normalise(text).split()
    line = normalise(interviewer_line).split()
    # Short runs are left alone: "repeat the question" is also what a candidate says back.
    if len(words) < ECHO_MIN_WORDS or not line:
        return False
    return any(line[i : i + len(words)] == words for i in range(len(line) - len(words) + 1))
