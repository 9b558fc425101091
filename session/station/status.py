"""What the proctor panel shows about the station, gathered off the GUI thread (disk,
network and device probes can take seconds). No Qt here."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from session.attempt import folder as af
from session.attempt.manifest import has_manifest, read_state
from session.attempt.state import AttemptState
from session.checks.system import backend_reachable
from session.station.cleanup import verified_receipt
from session.station.config import StationConfig

# (name, ok, detail) per device; session.assemble.probe_station_devices is the real one.
DeviceProbe = Callable[[StationConfig], list[tuple[str, bool, str]]]


@dataclass(frozen=True)
class QueueItem:
    attempt: str
    state: str  # "waiting", "uploading", "uploaded", "failed"
    sent: int = 0
    total: int = 0
    detail: str = ""


@dataclass(frozen=True)
class StationStatus:
    devices: list[tuple[str, bool, str]] = field(default_factory=list)  # name, ok, detail
    disk_free_gb: float = 0.0
    disk_ok: bool = True
    backend_ok: bool = False
    backend_detail: str = ""
    queue: list[QueueItem] = field(default_factory=list)


def queue_items(attempts_dir: Path, live: dict[str, tuple[int, int]] | None = None) -> list:
    """Attempts still on this station and whether their upload is confirmed."""
    items: list[QueueItem] = []
    if not attempts_dir.is_dir():
        return items
    for d in sorted(p for p in attempts_dir.iterdir() if p.is_dir()):
        if not has_manifest(d):
            continue
        total = sum(f.stat().st_size for f in d.rglob("*") if f.is_file())
        if read_state(d) is AttemptState.IN_PROGRESS:
            items.append(QueueItem(d.name, "interview in progress", 0, total))
        elif (d / af.RECEIPT).exists() and verified_receipt(d):
            items.append(QueueItem(d.name, "uploaded", total, total, "receipt verified"))
        elif live and d.name in live:
            sent, size = live[d.name]
            items.append(QueueItem(d.name, "uploading", sent, size or total))
        else:
            items.append(QueueItem(d.name, "waiting", 0, total))
    return items


def gather_status(
    cfg: StationConfig,
    live: dict[str, tuple[int, int]] | None = None,
    with_devices: bool = True,
    device_problems: dict[str, str] | None = None,
    probe_devices: DeviceProbe | None = None,
) -> StationStatus:
    """``with_devices=False`` while an interview holds the camera and microphone; then
    ``device_problems`` (kind -> message) are the devices that stopped during it."""
    cfg.data_dir.mkdir(parents=True, exist_ok=True)
    free = shutil.disk_usage(cfg.data_dir).free / 1e9
    ok, detail = backend_reachable(cfg.backend_url)
    if with_devices and probe_devices is not None:
        devices = probe_devices(cfg)
    elif device_problems:
        devices = [(kind, False, text) for kind, text in sorted(device_problems.items())]
    else:
        devices = [("devices", True, "in use by the interview running now")]
    return StationStatus(
        devices=devices,
        disk_free_gb=round(free, 1),
        disk_ok=free >= 2.0,
        backend_ok=ok,
        backend_detail=detail,
        queue=queue_items(cfg.attempts_dir, live),
    )
