"""How a check session reports: a small listener protocol, called on worker threads."""

from __future__ import annotations

from typing import Protocol

import numpy as np

from capture.types import VideoFrame
from session.checks.result import CheckResult

Boxes = list[list[int]]  # face boxes as [x, y, w, h] in the frame's pixels


class CheckListener(Protocol):
    """What the checks page (through its Qt adapter) or a command-line run hears. Every call
    comes from a worker thread; none may block for long."""

    def result(self, r: CheckResult) -> None: ...

    def frame(self, frame: VideoFrame, boxes: Boxes) -> None: ...

    def level(self, db: float) -> None: ...

    def heard(self, text: str) -> None: ...

    def thumbnail(self, image: np.ndarray) -> None: ...

    def speaker_played(self) -> None: ...


class QuietListener:
    """Hears nothing: for one-shot runs, whose caller only wants the final results."""

    def result(self, r: CheckResult) -> None:
        pass

    def frame(self, frame: VideoFrame, boxes: Boxes) -> None:
        pass

    def level(self, db: float) -> None:
        pass

    def heard(self, text: str) -> None:
        pass

    def thumbnail(self, image: np.ndarray) -> None:
        pass

    def speaker_played(self) -> None:
        pass


class Gate:
    """Forwards to ``listener`` until ``close()``: a stopped session's late results (a slow
    network check, the last frame in flight) must not land on the next visit's page."""

    def __init__(self, listener: CheckListener) -> None:
        self._to = listener
        self.open = True

    def close(self) -> None:
        self.open = False

    def result(self, r: CheckResult) -> None:
        if self.open:
            self._to.result(r)

    def frame(self, frame: VideoFrame, boxes: Boxes) -> None:
        if self.open:
            self._to.frame(frame, boxes)

    def level(self, db: float) -> None:
        if self.open:
            self._to.level(db)

    def heard(self, text: str) -> None:
        if self.open:
            self._to.heard(text)

    def thumbnail(self, image: np.ndarray) -> None:
        if self.open:
            self._to.thumbnail(image)

    def speaker_played(self) -> None:
        if self.open:
            self._to.speaker_played()
