"""A support report the candidate can send us: one zip with logs, versions, devices, check
results and a screenshot of the window. Qt-free: the UI passes the screenshot as PNG bytes
and the Qt version as text.

Never recordings: only files from the log folder whose names look like logs are added, so a
recording can never slip in, whatever lies in that folder.
"""

from __future__ import annotations

import json
import platform
import re
import sys
import time
import zipfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

# kiosk.log, kiosk.log.1 ... (RotatingFileHandler) and other *.log files.
_LOG_NAME = re.compile(r"^[\w.-]+\.log(\.\d+)?$")
MAX_LOG_BYTES = 5_000_000  # the newest part of each log is enough


def system_versions(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """OS and Python versions, plus whatever the caller adds (Qt, app version)."""
    v = {
        "os": platform.platform(),
        "python": sys.version.split()[0],
        "machine": platform.machine(),
    }
    v.update(extra or {})
    return v


def _log_files(log_dir: Path | None) -> list[Path]:
    if log_dir is None or not Path(log_dir).is_dir():
        return []
    return sorted(p for p in Path(log_dir).iterdir() if p.is_file() and _LOG_NAME.match(p.name))


def _tail(path: Path, limit: int) -> bytes:
    with open(path, "rb") as f:
        f.seek(0, 2)
        size = f.tell()
        f.seek(max(0, size - limit))
        return f.read()


def build_support_report(
    out_path: Path,
    *,
    log_dir: Path | None,
    versions: Mapping[str, str],
    devices: Iterable[Mapping[str, Any]] = (),
    checks: Iterable[Mapping[str, Any]] = (),
    screenshot_png: bytes | None = None,
    note: str = "",
) -> Path:
    """Writes the zip to ``out_path`` and returns it. Contents:
    ``report.json`` (versions, devices, checks, note, time), ``logs/*``, ``screenshot.png``."""
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    report = {
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "versions": dict(versions),
        "devices": [dict(d) for d in devices],
        "checks": [dict(c) for c in checks],
        "note": note,
    }
    tmp = out_path.with_name(out_path.name + ".part")
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("report.json", json.dumps(report, indent=2, default=str))
        for p in _log_files(log_dir):
            z.writestr(f"logs/{p.name}", _tail(p, MAX_LOG_BYTES))
        if screenshot_png:
            z.writestr("screenshot.png", screenshot_png)
    tmp.replace(out_path)
    return out_path


def default_report_name() -> str:
    return time.strftime("interview-kiosk-support-%Y%m%d-%H%M%S.zip")
