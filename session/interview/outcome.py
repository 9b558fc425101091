"""What an interview tells the candidate while it runs, and the summary it ends with."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from session.interview.candidate_lines import CandidateLines
from session.interview.config import InterviewConfig
from session.interview.driver import InterviewDriver, Phase


def candidate_state(driver: InterviewDriver) -> str:
    """What the candidate is told: intro | speaking | listening | thinking | closing."""
    if driver.phase is Phase.FINISHED:
        return "closing"
    said = driver.speaking
    if driver.phase is Phase.SPEAKING and said is not None:
        return said.kind if said.kind in ("intro", "closing") else "speaking"
    if driver.deciding:
        return "thinking"
    return str(driver.phase)


def summarise(
    state: str,
    driver: InterviewDriver | None,
    config: InterviewConfig,
    folder: Path,
    lines: CandidateLines | None,
    started_wall: float,
    stop_reason: Any,
    error: BaseException | None,
) -> dict[str, Any]:
    """The interview's end: state, why, what was answered, the driver's counts, the words
    transcribed, how long it took and how the recording stopped."""
    stats = dict(driver.stats) if driver else {}
    return {
        "attempt_dir": str(folder),
        "state": state,
        "reason": (driver.finish_reason if driver else None) or "stopped",
        "answered": list(driver.answered) if driver else [],
        # Moved on from with something said (a question resumed from an earlier run counts).
        "answered_with_words": sum(1 for q in driver.answered if driver.words_heard.get(q, 1))
        if driver
        else 0,
        "count": len(config.questions),
        **stats,
        "transcript_words": lines.words_written if lines else 0,
        "duration_s": round(time.monotonic() - started_wall, 2),
        "recording": str(stop_reason) if stop_reason is not None else None,
        "error": str(error) if error else None,
    }
