"""What the interview engine tells whoever shows it: the ``EngineListener`` protocol.

The engine calls these on its own threads (driver, pumps, caption worker); a listener that
touches a GUI hands them over to its thread (``ui.qt.bridge.Bridge`` turns each into a Qt
signal). ``QuietListener`` hears nothing: subclass it to hear only some events, and
``Listeners`` passes every event to several listeners in turn.
"""

from __future__ import annotations

import logging
from typing import Any, Protocol

from capture.types import VideoFrame
from session.interview.captions import CaptionView
from session.interview.config import Question

log = logging.getLogger(__name__)

FaceBoxes = list[Any] | None  # BlazeFace boxes of the frame, when it was checked


class EngineListener(Protocol):
    def on_question(self, index: int, count: int, question: Question) -> None:
        """Question ``index`` of ``count`` is now on screen."""

    def on_prompt(self, text: str, kind: str) -> None:
        """A follow-up or clarification (``kind``) is now what the candidate answers."""

    def on_caption(self, view: CaptionView) -> None:
        """The captions bar shows ``view``."""

    def on_level(self, rms_db: float) -> None:
        """The microphone's level, dBFS, about ten times a second."""

    def on_state(self, state: str) -> None:
        """What the candidate is told the interview is doing ("listening", ...)."""

    def on_frame(self, frame: VideoFrame, faces: FaceBoxes = None) -> None:
        """A camera frame for the self-view."""

    def on_finished(self, summary: dict[str, Any]) -> None:
        """The interview ended and the attempt folder is closed."""

    def on_whiteboard(self, visible: bool) -> None:
        """The question just shown wants the whiteboard (or no longer)."""

    def on_screen_share(self, sharing: bool) -> None:
        """The screen is being recorded (True) or no longer."""

    def on_line(self, kind: str, text: str, started: bool) -> None:
        """An interviewer line of ``kind`` started (True) or ended (False)."""

    def on_device(self, kind: str, problem: str, fix: str) -> None:
        """The camera or microphone stopped (``problem``, ``fix``); ``problem`` "" once it
        is back."""

    def on_notice(self, text: str) -> None:
        """Something to say once that is not a device problem: the AI interviewer asked for
        is not available and the interview's own follow-ups are used."""


class QuietListener:
    """Hears every event and does nothing with it."""

    def on_question(self, index: int, count: int, question: Question) -> None:
        return None

    def on_prompt(self, text: str, kind: str) -> None:
        return None

    def on_caption(self, view: CaptionView) -> None:
        return None

    def on_level(self, rms_db: float) -> None:
        return None

    def on_state(self, state: str) -> None:
        return None

    def on_frame(self, frame: VideoFrame, faces: FaceBoxes = None) -> None:
        return None

    def on_finished(self, summary: dict[str, Any]) -> None:
        return None

    def on_whiteboard(self, visible: bool) -> None:
        return None

    def on_screen_share(self, sharing: bool) -> None:
        return None

    def on_line(self, kind: str, text: str, started: bool) -> None:
        return None

    def on_device(self, kind: str, problem: str, fix: str) -> None:
        return None

    def on_notice(self, text: str) -> None:
        return None


class Listeners(QuietListener):
    """Passes every event to each listener in order; one that raises is logged and the
    others still hear it (a broken view must not silence the simulated candidate)."""

    def __init__(self, *listeners: EngineListener) -> None:
        self.listeners = listeners

    def _each(self, name: str, *args: Any) -> None:
        for listener in self.listeners:
            try:
                getattr(listener, name)(*args)
            except Exception:
                log.exception("engine listener %s.%s failed", type(listener).__name__, name)

    def on_question(self, index: int, count: int, question: Question) -> None:
        self._each("on_question", index, count, question)

    def on_prompt(self, text: str, kind: str) -> None:
        self._each("on_prompt", text, kind)

    def on_caption(self, view: CaptionView) -> None:
        self._each("on_caption", view)

    def on_level(self, rms_db: float) -> None:
        self._each("on_level", rms_db)

    def on_state(self, state: str) -> None:
        self._each("on_state", state)

    def on_frame(self, frame: VideoFrame, faces: FaceBoxes = None) -> None:
        self._each("on_frame", frame, faces)

    def on_finished(self, summary: dict[str, Any]) -> None:
        self._each("on_finished", summary)

    def on_whiteboard(self, visible: bool) -> None:
        self._each("on_whiteboard", visible)

    def on_screen_share(self, sharing: bool) -> None:
        self._each("on_screen_share", sharing)

    def on_line(self, kind: str, text: str, started: bool) -> None:
        self._each("on_line", kind, text, started)

    def on_device(self, kind: str, problem: str, fix: str) -> None:
        self._each("on_device", kind, problem, fix)

    def on_notice(self, text: str) -> None:
        self._each("on_notice", text)
