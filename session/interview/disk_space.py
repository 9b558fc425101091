"""What the interview does when the disk fills: the recorder pauses at its reserve, the
candidate is told what to do, the interviewer waits (the question's clock stands still) and
everything goes on once space is freed. A recording that stopped outright (the disk filled
faster than the reserve is checked, or the encoder failed) is said too: the interview waits
for the candidate to end it, and the attempt is marked incomplete."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from session.interview.listener import EngineListener
from session.recording.recorder import StopReason

Post = Callable[[Callable[[Any], Any]], None]  # into the driver's inbox


def _mb(n: float) -> str:
    return f"{n / 1e6:.0f} MB"


def recorder_callbacks(post: Post, listener: EngineListener, folder: Path) -> dict[str, Any]:
    """``on_space`` and ``on_stopped`` for the interview's recorder."""

    def on_space(ok: bool, free: int) -> None:
        if ok:
            post(lambda d: d.recording_resumed())
            listener.on_device("disk", "", "")
            return
        post(lambda d: d.recording_paused())
        listener.on_device(
            "disk",
            f"The disk is almost full ({_mb(free)} free), so the recording is paused",
            f"Free at least {_mb(max(200e6, free * 2))} on the disk that holds {folder} "
            "(empty the trash, remove large downloads), or end the interview: everything "
            "recorded so far is kept.",
        )

    def on_stopped(reason: StopReason) -> None:
        if reason not in (StopReason.NO_SPACE, StopReason.ENCODE_ERROR):
            return  # the end of the interview, or every device lost (said already)
        post(lambda d: d.recording_paused())
        why = "the disk is full" if reason is StopReason.NO_SPACE else "of an error"
        free = shutil.disk_usage(folder).free if folder.exists() else 0
        listener.on_device(
            "disk",
            f"The recording stopped because {why} ({_mb(free)} free)",
            "End the interview: everything recorded so far is kept, and the attempt is "
            "marked incomplete so it can be taken again.",
        )

    return {"on_space": on_space, "on_stopped": on_stopped}
