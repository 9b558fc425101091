"""Stretches of an attempt where a device recorded nothing, or far too little, read from
the events timeline: the manifest lists them, the finish page and the backend's receipt say
them, so no one calls a recording intact when part of it is missing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from session.attempt import events as ev

RECORDED = ("camera", "microphone", "screen")
EARLY_STOP = ("no_space", "encode_error")  # a recording that ended before the interview


def recording_gaps(events_path: Path) -> list[dict[str, Any]]:
    """One entry per gap, in order: device, start and end (session seconds), duration,
    ``error`` ("lost" for nothing recorded, "slow" for too few frames) and the message the
    candidate saw. A gap still open when a recording stopped, or at the end, ends there."""
    gaps: list[dict[str, Any]] = []
    open_: dict[str, dict[str, Any]] = {}
    last_t = 0.0

    def close(device: str, t: float) -> None:
        gap = open_.pop(device)
        gap["to"] = round(max(t, gap["from"]), 3)
        gap["duration_s"] = round(gap["to"] - gap["from"], 1)
        gaps.append(gap)

    for e in ev.read_events(events_path):
        t = float(e.get("t") or 0.0)
        last_t = max(last_t, t)
        kind, device = e.get("type"), e.get("device") or e.get("source")
        if kind == ev.DEVICE_ERROR and device in RECORDED:
            if device in open_:
                close(device, t)  # a slow stream that then stopped: two stretches
            error = str(e.get("error") or "lost")
            start = min(t, float(e.get("since", t)))  # a stall began at the last frame
            open_[device] = {"device": device, "from": round(start, 3), "error": error,
                             "message": str(e.get("message") or "")}  # fmt: skip
        elif kind == ev.DEVICE_RESTORED and device in open_:
            close(device, t)
        elif kind in (ev.RECORDING_STOPPED, ev.RECORDING_STARTED):  # a segment's end
            screen = str(e.get("file") or "").startswith("screen")
            for d in [d for d in open_ if (d == "screen") == screen]:
                close(d, t)
            if kind == ev.RECORDING_STOPPED and not screen and e.get("reason") in EARLY_STOP:
                open_["recording"] = {"device": "recording", "from": round(t, 3),
                                      "error": str(e["reason"]), "message": ""}  # fmt: skip
        elif kind == ev.RECORDING_PAUSED and "recording" not in open_:
            open_["recording"] = {"device": "recording", "from": round(t, 3),
                                  "error": "no_space", "message": ""}  # fmt: skip
        elif kind == ev.RECORDING_RESUMED and "recording" in open_:
            close("recording", t)
    for d in list(open_):
        close(d, last_t)
    return sorted(gaps, key=lambda g: g["from"])


def describe_gaps(gaps: list[dict[str, Any]]) -> str:
    """The gaps in one sentence for the candidate ("" when there are none)."""
    if not gaps:
        return ""
    parts = []
    stopped = [g for g in gaps if g.get("device") == "recording"]
    if stopped:
        secs = sum(float(g.get("duration_s") or 0) for g in stopped)
        why = "the disk was full" if stopped[0].get("error") == "no_space" else "of an error"
        parts.append(f"nothing was recorded for {secs:.0f} s because {why}")
    for device in RECORDED:
        mine = [g for g in gaps if g.get("device") == device]
        if not mine:
            continue
        lost = sum(float(g.get("duration_s") or 0) for g in mine if g.get("error") != "slow")
        slow = sum(float(g.get("duration_s") or 0) for g in mine if g.get("error") == "slow")
        if lost:
            parts.append(f"the {device} recorded nothing for {lost:.0f} s")
        if slow:
            parts.append(f"the {device} recorded too few pictures for {slow:.0f} s")
    if not parts:
        return ""
    text = "; ".join(parts)
    return f"Part of the recording is missing: {text}."
