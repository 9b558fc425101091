"""Face presence over time: turns per-check face counts into face_lost / face_found /
multiple_faces events, ignoring blips (a turned head, one missed detection)."""

from __future__ import annotations

from session.attempt import events as ev


class FaceWatch:
    def __init__(self, lost_after_s: float = 2.0, multiple_after_s: float = 1.0) -> None:
        self.lost_after_s = lost_after_s
        self.multiple_after_s = multiple_after_s
        self.present = True  # the checks page made sure a face was there at the start
        self._last_seen: float | None = None
        self._multiple_since: float | None = None
        self._multiple_reported = False

    def update(self, t: float, faces: int) -> list[tuple[str, dict]]:
        """Events (type, data) caused by one check at time ``t`` that saw ``faces`` faces."""
        out: list[tuple[str, dict]] = []
        if self._last_seen is None:
            self._last_seen = t
        if faces > 0:
            self._last_seen = t
            if not self.present:
                self.present = True
                out.append((ev.FACE_FOUND, {"faces": faces}))
        elif self.present and t - self._last_seen >= self.lost_after_s:
            self.present = False
            out.append((ev.FACE_LOST, {"since": round(self._last_seen, 3)}))
        if faces > 1:
            if self._multiple_since is None:
                self._multiple_since = t
            if not self._multiple_reported and t - self._multiple_since >= self.multiple_after_s:
                self._multiple_reported = True
                out.append((ev.MULTIPLE_FACES, {"faces": faces}))
        else:
            self._multiple_since = None
            self._multiple_reported = False
        return out
