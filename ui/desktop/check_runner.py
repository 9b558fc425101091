"""The checks page's window on ``session.checks.CheckSession``: the session runs the checks
on its workers; this adapter turns its listener calls into signals on the GUI thread.

Devices come from ``session.assemble.check_devices``, built afresh for every run (a used-up
audio file cannot be reopened). Frames and levels are coalesced: when the GUI falls behind,
only the newest one is delivered, so a slow repaint never builds a queue of stale video.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, Signal

from capture.types import VideoFrame
from session import assemble
from session.checks import CheckPlan, CheckResult, CheckSession
from ui.qt.bridge import SignalPoster, TaskRunner


@dataclass
class CheckSettings:
    """What to check. ``camera``/``mic``: device index, name or file path (file-backed
    sources in tests and screenshots); ``camera`` None: the computer has no camera.
    ``speaker``: output device or None for the default."""

    camera: str | int | None = 0
    mic: str | int | None = None
    speaker: str | int | None = None
    need_screen: bool = False
    backend_url: str | None = None
    min_mbps: float = 1.0
    transcribe: bool = True  # show what the mic heard as text (needs the speech models)
    data_dir: Path | None = None
    clock: Callable[[], float] | None = None


class _Forward:
    """The session's listener: every call becomes the runner's signal of the same name,
    emitted on the GUI thread by the poster (which holds the runner weakly, so the
    session's workers keep no reference cycle through a QObject)."""

    def __init__(self, poster: SignalPoster) -> None:
        self._post = poster.post

    def result(self, r: CheckResult) -> None:
        self._post("result", r)

    def frame(self, frame: VideoFrame, boxes: list[list[int]]) -> None:
        self._post("frame", frame, boxes)

    def level(self, db: float) -> None:
        self._post("level", float(db))

    def heard(self, text: str) -> None:
        self._post("heard", text)

    def thumbnail(self, image: np.ndarray) -> None:
        self._post("thumbnail", image)

    def speaker_played(self) -> None:
        self._post("speaker_played")


class CheckRunner(QObject):
    """One check session per ``start()``; ``stop()`` ends it.

    Signals (GUI thread): ``result(CheckResult)``, ``frame(VideoFrame, boxes)``,
    ``level(dB)``, ``heard(text)``, ``thumbnail(BGR array)`` (screen share),
    ``speaker_played()``.
    """

    result = Signal(object)
    frame = Signal(object, object)
    level = Signal(float)
    heard = Signal(str)
    thumbnail = Signal(object)
    speaker_played = Signal()

    def __init__(
        self, settings: CheckSettings, runner: TaskRunner, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.settings = settings
        self._runner = runner
        self._session: CheckSession | None = None
        self._poster = SignalPoster(self, frozenset({"frame", "level"}))

    # --- life cycle -------------------------------------------------------------------------
    def start(self) -> None:
        """Starts the checks; a running session is stopped first, on a worker (a real camera
        opens only once its previous user let go of it)."""
        old, self._session = self._session, None
        if old is None:
            self._start_session()
            return
        self._runner.run(
            lambda: old.stop(2.0),
            lambda _r: self._start_session(),
            lambda _e: self._start_session(),
            owner=self,
        )

    def _start_session(self) -> None:
        s = self.settings
        devices = assemble.check_devices(
            s.camera, s.mic, s.speaker, s.clock or time.monotonic, no_camera=s.camera is None
        )
        plan = CheckPlan(
            screen=s.need_screen,
            backend_url=s.backend_url,
            min_mbps=s.min_mbps,
            data_dir=s.data_dir,
            transcribe=s.transcribe,
        )
        self._session = CheckSession(devices, plan, _Forward(self._poster))
        self._session.start()

    def stop(self, timeout: float = 2.0) -> bool:
        """Stops the session's workers, each within ``timeout``; idempotent; safe from any
        thread."""
        session, self._session = self._session, None
        return session.stop(timeout) if session is not None else True

    def active(self) -> bool:
        session = self._session
        return session is not None and session.active()

    # --- speaker ----------------------------------------------------------------------------
    def play_test_sound(self) -> None:
        """Plays the chime on a worker; ``speaker_played`` follows (or a failed result)."""
        if self._session is not None:
            self._session.play_test_sound()

    def confirm_speaker(self, heard: bool) -> None:
        if self._session is not None:
            self._session.confirm_speaker(heard)
