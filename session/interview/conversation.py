"""The spoken exchange of one interview: the interviewer's lines on the voice, the
candidate's committed captions into transcript lines, and the captions view.

The echo gate hears when the interviewer starts and stops; a line that repeats what the
interviewer just said is its echo and is kept out of the captions; a line that plays through
again clears a dead-speaker warning.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from session.attempt.transcript import Transcript
from session.interview.candidate_lines import CandidateLines, looks_like_echo
from session.interview.captions import CaptionTurn
from session.interview.driver import InterviewDriver, Say
from session.interview.listener import EngineListener
from session.interview.options import VoiceLike
from speech.captioner import CaptionUpdate
from speech.echo import EchoGate

log = logging.getLogger(__name__)

ECHO_WINDOW_S = 3.0  # captions this soon after a line that repeat it are its echo
SPEAKER_SILENT = (
    "The interviewer's voice did not play",
    "Check that your speakers or headphones are on and turned up.",
)

Post = Callable[[Callable[[InterviewDriver], list]], None]


class Conversation:
    def __init__(
        self,
        voice: VoiceLike,
        echo: EchoGate,
        transcript: Transcript,
        lines: CandidateLines,
        post: Post,
        listener: EngineListener,
        on_prompt_end: Callable[[float], None],
    ) -> None:
        self._voice = voice
        self._echo = echo
        self._transcript = transcript
        self._lines = lines
        self._post = post
        self._listener = listener
        self._on_prompt_end = on_prompt_end  # long pauses count from the end of a prompt
        self._turn = CaptionTurn()
        self._last_line: tuple[str, float] = ("", float("-inf"))  # interviewer text, end
        self._speaker_silent = False  # a line never finished; cleared by one that does

    def caption_update(self, update: CaptionUpdate) -> None:
        """From the caption worker's thread."""
        committed = ""
        if update.committed:
            text = " ".join(w.text for w in update.committed)
            t = update.committed[-1].end
            line, line_end = self._last_line
            if t <= line_end + ECHO_WINDOW_S and looks_like_echo(text, line):
                log.info("dropped the interviewer's echo from the captions: %r", text)
            else:
                self._lines.add(update.committed)
                self._post(lambda d: d.on_caption(text, t))
                committed = text
        tentative = " ".join(w.text for w in update.tentative)
        self._listener.on_caption(self._turn.candidate(committed, tentative))

    def say(self, say: Say) -> None:
        start: float | None = None

        def started(t: float) -> None:
            nonlocal start
            self._echo.interviewer_started(t)
            self._lines.flush()  # the candidate's line ends where the interviewer starts
            start = t
            self._listener.on_caption(self._turn.interviewer(say.text))
            self._listener.on_line(say.kind, say.text, True)

        def ended(t: float, interrupted: bool) -> None:
            self._echo.interviewer_stopped(t)
            if not interrupted:  # (a barge-in's turn is in progress: keep it)
                self._on_prompt_end(t)
                self._lines.floor = t
                if self._speaker_silent:
                    self._speaker_silent = False
                    self._listener.on_device("speaker", "", "")
            self._last_line = (say.text, t)
            self._transcript.add(t if start is None else start, t, "interviewer", say.text)
            self._post(lambda d: d.on_voice_finished(t, interrupted, say.id))
            self._listener.on_line(say.kind, say.text, False)

        self._voice.say(say.text, started, ended)

    def speaker_silent(self) -> None:
        """The driver gave up waiting for a line: the candidate may not hear questions."""
        if not self._speaker_silent:
            self._speaker_silent = True
            self._listener.on_device("speaker", *SPEAKER_SILENT)
