"""Platform folders for data and logs. ``INTERVIEW_KIOSK_HOME`` overrides both (tests,
proctoring stations that keep everything on one volume)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

APP = "interview-kiosk"


def _home_override() -> Path | None:
    v = os.environ.get("INTERVIEW_KIOSK_HOME")
    return Path(v) if v else None


def data_dir() -> Path:
    if (h := _home_override()) is not None:
        d = h / "data"
    elif sys.platform == "win32":
        d = Path(os.environ.get("LOCALAPPDATA", Path.home() / "AppData/Local")) / APP
    elif sys.platform == "darwin":
        d = Path.home() / "Library/Application Support" / APP
    else:
        d = Path(os.environ.get("XDG_DATA_HOME", Path.home() / ".local/share")) / APP
    d.mkdir(parents=True, exist_ok=True)
    return d


def log_dir() -> Path:
    if (h := _home_override()) is not None:
        d = h / "logs"
    elif sys.platform == "win32":
        d = data_dir() / "logs"
    elif sys.platform == "darwin":
        d = Path.home() / "Library/Logs" / APP
    else:
        d = Path(os.environ.get("XDG_STATE_HOME", Path.home() / ".local/state")) / APP / "logs"
    d.mkdir(parents=True, exist_ok=True)
    return d


def attempts_dir() -> Path:
    d = data_dir() / "attempts"
    d.mkdir(parents=True, exist_ok=True)
    return d
