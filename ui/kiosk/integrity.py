"""The kiosk's side of the integrity signals: what the station observes (focus, monitors,
faces) goes to one candidate's ``IntegrityMonitor``; the signals it raises come back on the
GUI thread for the note prompt."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal

from session.attempt.events import EventLog
from session.interview.integrity import IntegrityMonitor, IntegritySignal


class KioskIntegrity(QObject):
    """One monitor at a time (the candidate on screen). The monitor writes events.jsonl
    (fsync): its calls run on one thread, so order is kept and the GUI never waits."""

    raised = Signal(object)  # an IntegritySignal of the current monitor, on the GUI thread
    _from_thread = Signal(object, object)  # (monitor, signal), from the integrity thread

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.monitor: IntegrityMonitor | None = None
        self._thread = ThreadPoolExecutor(1, thread_name_prefix="integrity")
        self._last_faces: int | None = None
        self._closed = False
        self._from_thread.connect(self._deliver, Qt.ConnectionType.QueuedConnection)

    @property
    def active(self) -> bool:
        return self.monitor is not None

    def attach(
        self,
        events: EventLog,
        clock: Callable[[], float],
        monitors: int,
        face_threshold_s: float,
        focus_threshold_s: float,
    ) -> None:
        """Watches a new candidate; ``monitors`` is the number connected now."""
        monitor: IntegrityMonitor | None = None

        def raised(sig: IntegritySignal) -> None:
            self._from_thread.emit(monitor, sig)

        monitor = IntegrityMonitor(
            events,
            raised,
            clock,
            face_threshold_s=face_threshold_s,
            focus_threshold_s=focus_threshold_s,
        )
        self.monitor = monitor
        self._last_faces = None
        self._call(IntegrityMonitor.monitors, monitors)

    def _call(self, method: Any, *args: Any) -> Future | None:
        """Runs ``method(monitor, *args)`` on the integrity thread; returns its future. After
        ``shutdown`` nothing runs (closing the window still moves the focus)."""
        monitor = self.monitor
        if monitor is None or self._closed:
            return None
        return self._thread.submit(method, monitor, *args)

    def _deliver(self, monitor: Any, sig: IntegritySignal) -> None:
        # A signal of a monitor already finished (the interview ended) is recorded, but a
        # note could no longer be added to the sealed attempt: no prompt.
        if monitor is not None and monitor is self.monitor:
            self.raised.emit(sig)

    def faces(self, count: int, t: float) -> None:
        if count != self._last_faces:  # only changes matter (frames come at camera rate)
            self._last_faces = count
            self._call(IntegrityMonitor.faces, count, t)

    def focus(self, active: bool, t: float) -> None:
        self._call(IntegrityMonitor.focus_gained if active else IntegrityMonitor.focus_lost, t)

    def monitors(self, count: int, t: float) -> None:
        self._call(IntegrityMonitor.monitors, count, t)

    def note(self, signal_id: str, text: str) -> bool:
        return self._call(IntegrityMonitor.add_note, signal_id, text) is not None

    def finish(self, t: float) -> None:
        """Closes open spans before the attempt folder is sealed for upload; the monitor is
        done afterwards."""
        done = self._call(IntegrityMonitor.finish, t)
        if done is not None:
            # The last flags must be on disk first (a few small appends: milliseconds).
            with contextlib.suppress(Exception):
                done.result(timeout=2.0)
        self.monitor = None

    def shutdown(self) -> None:
        self._closed = True
        self._thread.shutdown(wait=True)
