"""Integrity signals the candidate sees at the time and can explain.

Feed it what the devices observe (faces per frame, focus, monitor count); it writes each
signal to ``events.jsonl`` and hands the UI an :class:`IntegritySignal` whose message the
candidate sees with a chance to add a note. A signal is written once, as an
``integrity_flag`` event whose ``about`` names its kind (``face_lost``...): the raw facts
(``face_lost``/``face_found``, ``focus_lost``/``focus_gained``) are the engine's, so nothing is
written twice. Notes go to the same timeline, linked to the signal by ``signal_id``. Short
blips (a face hidden for a second) are not signals.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

from session.attempt import events as ev

NOTE_MAX_CHARS = 500


@dataclass(frozen=True)
class IntegritySignal:
    signal_id: str
    kind: str  # an event type from session.attempt.events
    t: float  # when it started, on the session clock
    duration_s: float  # how long it lasted (0 for instant signals)
    message: str  # what the candidate is shown


class IntegrityMonitor:
    """Thread-safe; ``on_signal`` runs on the caller's thread (the UI bridges it)."""

    def __init__(
        self,
        events: ev.EventLog,
        on_signal: Callable[[IntegritySignal], None],
        clock: Callable[[], float],
        face_threshold_s: float = 5.0,
        focus_threshold_s: float = 0.0,
    ) -> None:
        self._events = events
        self._on_signal = on_signal
        self._clock = clock
        self.face_threshold_s = face_threshold_s
        self.focus_threshold_s = focus_threshold_s
        self._lock = threading.Lock()
        self._n = 0
        self._no_face_since: float | None = None
        self._many_since: float | None = None
        self._many_max = 0
        self._focus_lost_at: float | None = None
        self._monitors: int | None = None
        self._signals: dict[str, IntegritySignal] = {}

    def _new_id(self) -> str:
        self._n += 1
        return f"sig-{self._n}"

    def _emit(self, kind: str, start: float, duration: float, message: str, **data) -> None:
        with self._lock:
            sid = self._new_id()
            sig = IntegritySignal(sid, kind, round(start, 3), round(duration, 1), message)
            self._signals[sid] = sig
        self._events.write(
            ev.INTEGRITY_FLAG,
            t=start,
            about=kind,
            signal_id=sid,
            duration_s=round(duration, 1),
            shown=message,
            **data,
        )
        self._on_signal(sig)

    # -- faces ------------------------------------------------------------------------
    def faces(self, count: int, t: float | None = None) -> None:
        """Faces seen in one analysed frame."""
        t = self._clock() if t is None else t
        done: list[tuple[str, float, float, str, dict]] = []  # kind, start, duration, ...
        with self._lock:
            if count == 0:
                if self._no_face_since is None:
                    self._no_face_since = t
            elif self._no_face_since is not None:
                lost = t - self._no_face_since
                if lost >= self.face_threshold_s:
                    msg = f"Your face was not visible for {lost:.0f} s — add a note?"
                    done.append((ev.FACE_LOST, self._no_face_since, lost, msg, {}))
                self._no_face_since = None
            if count > 1:
                if self._many_since is None:
                    self._many_since = t
                self._many_max = max(self._many_max, count)
            elif self._many_since is not None:
                many = t - self._many_since
                if many >= self.face_threshold_s:
                    msg = f"More than one face was visible for {many:.0f} s — add a note?"
                    data = {"faces": self._many_max}
                    done.append((ev.MULTIPLE_FACES, self._many_since, many, msg, data))
                self._many_since, self._many_max = None, 0
        for kind, start, dur, msg, data in done:  # emitted outside the lock
            self._emit(kind, start, dur, msg, **data)

    # -- focus ------------------------------------------------------------------------
    def focus_lost(self, t: float | None = None) -> None:
        with self._lock:
            if self._focus_lost_at is None:
                self._focus_lost_at = self._clock() if t is None else t

    def focus_gained(self, t: float | None = None) -> None:
        t = self._clock() if t is None else t
        with self._lock:
            start, self._focus_lost_at = self._focus_lost_at, None
        if start is None:
            return
        dur = t - start
        if dur < self.focus_threshold_s:
            return
        self._emit(
            ev.FOCUS_LOST,
            start,
            dur,
            f"The interview window lost focus for {dur:.0f} s — add a note?",
        )

    # -- monitors ---------------------------------------------------------------------
    def monitors(self, count: int, t: float | None = None) -> None:
        """The number of connected monitors; an increase during the interview is a signal."""
        t = self._clock() if t is None else t
        with self._lock:
            before, self._monitors = self._monitors, count
        if before is not None and count > before:
            self._emit(
                ev.MONITOR_ADDED,
                t,
                0.0,
                "A second monitor was connected — add a note?",
                monitors=count,
            )

    def finish(self, t: float | None = None) -> None:
        """Closes open spans at the end of the interview so they are recorded too."""
        t = self._clock() if t is None else t
        self.faces(1, t)  # ends a no-face or many-faces span
        self.focus_gained(t)

    # -- notes ------------------------------------------------------------------------
    def signal(self, signal_id: str) -> IntegritySignal | None:
        with self._lock:
            return self._signals.get(signal_id)

    def add_note(self, signal_id: str, text: str) -> dict | None:
        """Records the candidate's note about a signal; empty notes are not recorded."""
        text = " ".join(text.split())[:NOTE_MAX_CHARS]
        sig = self.signal(signal_id)
        if not text or sig is None:
            return None
        return self._events.write(ev.CANDIDATE_NOTE, signal_id=signal_id, about=sig.kind, text=text)
