"""What the recorder tells the attempt's timeline, and the little it needs of it.

The recorder writes to the one event log the engine owns (``session.attempt.events.EventLog``
satisfies ``Timeline``) without depending on the attempt room: the event names it writes are
defined here and ``session.attempt.events`` lists them with the others.
"""

from __future__ import annotations

from typing import Any, Protocol

DEVICE_ERROR = "device_error"
DEVICE_RESTORED = "device_restored"  # a lost camera or microphone delivers again
RECORDING_STARTED = "recording_started"
RECORDING_STOPPED = "recording_stopped"
RECORDING_PAUSED = "recording_paused"  # the disk reached its reserve: nothing is written
RECORDING_RESUMED = "recording_resumed"


class Timeline(Protocol):
    def write(self, type_: str, t: float | None = None, **data: Any) -> dict[str, Any]: ...
