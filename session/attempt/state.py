"""The one vocabulary for where an attempt stands. ``attempt.json``'s ``state`` is the source
of truth; the attempt store's row follows it (see ``session.attempt.store``)."""

from __future__ import annotations

from enum import StrEnum


class AttemptState(StrEnum):
    IN_PROGRESS = "in_progress"
    INTERRUPTED = "interrupted"  # the process died (or was stopped) mid-interview
    FINISHED = "finished"  # complete on disk, not yet confirmed by the backend
    SUBMITTED = "submitted"  # the backend's receipt is in the folder
    ABANDONED = "abandoned"  # the candidate gave up on it; kept on disk, never uploaded


# Every file must be listed in the manifest and must match.
FINAL_STATES = frozenset({AttemptState.FINISHED, AttemptState.SUBMITTED})
# Hashes of these were already handed on (upload, receipt): their files are never touched.
SETTLED_STATES = frozenset({*FINAL_STATES, AttemptState.ABANDONED})


def parse_state(value: object) -> AttemptState | None:
    """The state named by ``value``, or None when it names none."""
    try:
        return AttemptState(str(value))
    except ValueError:
        return None
