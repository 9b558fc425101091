"""Which run a signed-in candidate gets: the full interview flow on a staffed station, or
the engine driven by a scripted microphone and a file camera for unattended dry runs."""

from __future__ import annotations

from session.station_config import StationConfig
from ui.kiosk_candidate import CandidateRun, RunRequest


def make_run(req: RunRequest, cfg: StationConfig) -> CandidateRun:
    raise RuntimeError("no interview runner is available in this build")
