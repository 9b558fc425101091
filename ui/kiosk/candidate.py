"""One candidate's run inside the kiosk: checks, interview, finish. The kiosk only needs a
small surface from it (a widget, start/stop, and a few signals), so the full interview flow
and the unattended path plug in the same way.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from session.attempt.events import EventLog
from session.station.config import Accommodations, StationConfig

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RunRequest:
    """What the kiosk asks for when a candidate signs in."""

    code: str
    accommodations: Accommodations
    attempt_dir: Path
    resume: bool = False
    attempt_id: int | None = None  # the attempt store's id, when resuming
    store_db: Path | None = None  # the attempt store holding it, when resuming
    unattended: dict[str, Any] = field(default_factory=dict)  # camera/answers for dry runs


class CandidateRun(QObject):
    """Base of every run. Subclasses emit the signals from the GUI thread.

    ``phase``: "checks" | "interview" | "review" | "finish" (the kiosk grabs the keyboard in
    "interview"); ``faces(count, t)`` feeds the integrity monitor; ``interview_over`` comes
    before the attempt folder is closed (last moment to write events); ``finished(summary)``
    ends the run (summary: dict with at least ``attempt_dir`` and ``ok``)."""

    phase = Signal(str)
    faces = Signal(int, float)
    device = Signal(str, str, str)  # a device stopped mid-interview: kind, problem, fix
    recording = Signal()  # the interview engine started: devices open, recording on disk
    interview_over = Signal(object)  # the interview ended; the finish page may still show
    finished = Signal(object)

    def __init__(self, request: RunRequest, cfg: StationConfig) -> None:
        super().__init__()
        self.request = request
        self.cfg = cfg
        self.widget: QWidget = QWidget()

    def start(self) -> None:
        raise NotImplementedError

    def stop(self) -> None:
        """Stops everything the run started, with a time bound; idempotent."""

    def clock(self) -> float:
        return 0.0

    @property
    def attempt_dir(self) -> Path:
        return self.request.attempt_dir

    @cached_property
    def events(self) -> EventLog:
        """The attempt's one timeline: the station's integrity signals and the interview
        engine both write through it."""
        return EventLog(self.attempt_dir / "events.jsonl", self.clock)

    def recovery_info(self) -> dict[str, Any]:
        """What the next start needs to resume this run after a crash."""
        return {}


class StatusPage(QWidget):
    """A plain page with a title and a line of text (used between phases)."""

    def __init__(self, title: str, text: str = "") -> None:
        super().__init__()
        self.setProperty("kioskPage", "true")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setAccessibleName(title)
        self.title = QLabel(title)
        self.title.setProperty("role", "title")
        self.title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.title.setAccessibleName(title)
        self.text = QLabel(text)
        self.text.setWordWrap(True)
        self.text.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.text.setAccessibleName("Status")
        lay = QVBoxLayout(self)
        lay.addStretch(1)
        lay.addWidget(self.title)
        lay.addWidget(self.text)
        lay.addStretch(2)
