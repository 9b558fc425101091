"""Who took an attempt on this station: the candidate's records are keyed without their code
in any file name, and the code is stamped into attempt.json before the upload (the backend
keys the retake limit by candidate)."""

from __future__ import annotations

import hashlib
from pathlib import Path

from session.attempt.manifest import read_manifest, update_manifest
from session.station.config import StationConfig


def candidate_key(cfg: StationConfig, code: str) -> str:
    """A stable, non-reversible name for a candidate's attempt records on this station."""
    return hashlib.sha256(f"{cfg.station_id}\0{code}".encode()).hexdigest()[:20]


def store_path(cfg: StationConfig, code: str) -> Path:
    # One attempt store per candidate: the retake limit is per candidate, not per station.
    return cfg.data_dir / "candidates" / f"{candidate_key(cfg, code)}.sqlite"


def stamp_candidate(attempt_dir: Path, code: str, station_id: str) -> None:
    """Adds who took the attempt, and where, to attempt.json, keeping its state and every
    other field. The files are hashed again, so anything written to the folder after the
    engine's last manifest is covered too."""
    manifest = read_manifest(attempt_dir)
    if manifest is not None:
        update_manifest(attempt_dir, manifest["state"], candidate=code, station=station_id)
