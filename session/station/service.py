"""The station's work that needs no window: the upload queue and the attempts waiting for
it, clean-up sweeps, the attempt a crash interrupted, the ``kiosk-status`` lines for the
centre's supervisor scripts, when an unattended run may quit, and the support report.

The kiosk (``ui.kiosk.app``) calls the short methods on its GUI thread and runs the ones
marked *blocking* on a worker: they read manifests, hash recordings or touch the network.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from session.attempt.store import Attempt, AttemptStore
from session.station.candidates import stamp_candidate
from session.station.cleanup import CleanupResult, SessionMarker, cleanup_attempts
from session.station.config import Accommodations, StationConfig, StationConfigError
from session.station.pin import PinGuard
from session.station.status import DeviceProbe, StationStatus, gather_status, queue_items
from session.upload.queue import UploadQueue, UploadResult

log = logging.getLogger(__name__)
StatusListener = Callable[[str, dict[str, Any]], None]
UPLOADS_SETTLED = ("submitted", "refused")  # the queue will not try these again
PIN_STATE = "pin-state.json"  # wrong tries and lockouts, kept across restarts
IDLE_WAIT_LIMIT_S = 900.0  # an unattended run stops waiting for uploads after this


def attempt_name(station_id: str, code: str) -> str:
    """A folder name that does not contain the candidate's code (it may be personal)."""
    digest = hashlib.sha256(f"{station_id}:{code}:{time.time_ns()}".encode()).hexdigest()[:10]
    return f"{time.strftime('%Y%m%d-%H%M%S')}-{digest}"


@dataclass(frozen=True)
class IdleOutcome:
    """What an unattended run learnt about this session's uploads."""

    states: list[str | None]  # the upload queue's state of each attempt, in order
    total: int  # attempts finished in this session

    @property
    def settled(self) -> bool:
        return all(s in UPLOADS_SETTLED for s in self.states)

    @property
    def uploaded(self) -> int:
        return sum(s == "submitted" for s in self.states)


@dataclass(frozen=True)
class Recovery:
    """What a crashed session left: its marker and, if it can be resumed, its attempt."""

    stale: dict[str, Any]
    attempt: Attempt | None

    @property
    def resumable(self) -> bool:
        return self.attempt is not None and self.stale.get("state") in ("interview", "checks")

    @property
    def when(self) -> str:
        started = self.stale.get("started")
        if not isinstance(started, int | float):
            return ""
        return f" (session started {time.strftime('%H:%M', time.localtime(started))})"


class StationService:
    def __init__(
        self,
        cfg: StationConfig,
        status_lines: bool = True,
        on_status: StatusListener | None = None,
        probe_devices: DeviceProbe | None = None,
    ) -> None:
        self.cfg = cfg
        self.probe_devices = probe_devices  # None: devices are not probed
        self.status_lines = status_lines
        self.on_status = on_status
        cfg.data_dir.mkdir(parents=True, exist_ok=True)
        cfg.attempts_dir.mkdir(parents=True, exist_ok=True)
        self.marker = SessionMarker(cfg.data_dir)
        self.upload_queue: UploadQueue | None = None
        self.uploading: set[str] = set()  # attempt folder names queued and not yet settled
        self.session_attempts: list[Path] = []  # finished in this session (for the idle exit)
        self.device_problems: dict[str, str] = {}  # kind -> what the candidate was told
        self.idle_waited_s = 0.0
        self._sweeping = False
        self._sweep_again = False

    def pin_guard(self) -> PinGuard | None:
        """The proctor PIN's guard; None when the station has no PIN (kiosk mode off)."""
        cfg = self.cfg
        if not cfg.proctor_pin:
            return None
        return PinGuard(
            cfg.proctor_pin,
            cfg.data_dir / PIN_STATE,
            max_tries=cfg.pin_max_tries,
            lockout_s=cfg.pin_lockout_s,
        )

    # -- status lines -----------------------------------------------------------------------
    def emit(self, name: str, **data: Any) -> None:
        """One status line: the log, stdout ("kiosk-status NAME {json}") and the listener."""
        log.info("kiosk %s %s", name, data)
        if self.status_lines:
            print(f"kiosk-status {name} {json.dumps(data, default=str)}", flush=True)
        if self.on_status is not None:
            self.on_status(name, data)

    # -- the upload queue -------------------------------------------------------------------
    def open_upload_queue(self) -> UploadQueue | None:
        """The station's one queue (the caller subscribes, then starts it); None (and a
        status line) without a token."""
        try:
            token = self.cfg.read_token()
        except StationConfigError as e:
            self.emit("upload_unavailable", error=str(e))
            return None
        self.upload_queue = UploadQueue(
            self.cfg.data_dir / "upload-queue.sqlite",
            self.cfg.backend_url,
            token,
            retention_s=self.cfg.retention_s,
        )
        return self.upload_queue

    def begin_upload(self, attempt_dir: Path) -> bool:
        """Says an attempt is being queued; False (and a status line) when there is no
        queue. The caller then runs ``enqueue`` on a worker."""
        if self.upload_queue is None:
            self.emit("upload_unavailable", attempt=attempt_dir.name)
            return False
        self.uploading.add(attempt_dir.name)
        self.emit("upload_queued", attempt=attempt_dir.name)
        return True

    def enqueue(self, attempt_dir: Path) -> None:
        """Blocking. Idempotent: the queue keys by folder."""
        if self.upload_queue is not None:
            self.upload_queue.enqueue(attempt_dir)
            self.upload_queue.start()

    def upload_failed(self, attempt_dir: Path, error: BaseException) -> None:
        self.uploading.discard(attempt_dir.name)
        self.emit("upload_failed", attempt=attempt_dir.name, error=str(error))

    def upload_result(self, result: UploadResult) -> bool:
        """Status line for one result; True when a sweep should follow (one was uploaded)."""
        name = Path(result.attempt_dir).name if result.attempt_dir else ""
        if result.state == "submitted":
            self.uploading.discard(name)
            self.emit("uploaded", attempt=name)
            return True
        if result.state == "refused":
            self.uploading.discard(name)
            self.emit("upload_refused", attempt=name, reason=result.reason)
        elif result.state == "retry":
            self.emit("upload_retry", attempt=name, reason=result.reason)
        return False

    def waiting_attempts(self, running: str | None = None) -> list[Path]:
        """Blocking. Finished attempts still on the station that wait for an upload,
        except the one named ``running``."""
        root = self.cfg.attempts_dir
        names = [i.attempt for i in queue_items(root) if i.state == "waiting"]
        return [root / n for n in names if n != running]

    # -- clean-up sweeps --------------------------------------------------------------------
    def start_sweep(self) -> bool:
        """One sweep at a time: False while one runs (it is run again after that one)."""
        if self._sweeping:
            self._sweep_again = True
            return False
        self._sweeping, self._sweep_again = True, False
        return True

    def sweep(self, running: str | None = None) -> CleanupResult:
        """Blocking: deletes uploaded attempts past their retention (checking a receipt
        hashes the recordings again), never the one named ``running``."""
        root = self.cfg.attempts_dir
        keep = {root / running} if running else set()
        return cleanup_attempts(root, self.cfg.retention_s, keep=keep)

    def sweep_done(self, result: CleanupResult | None) -> bool:
        """Reports a finished sweep; True when another was asked for meanwhile."""
        self._sweeping = False
        self.report_deleted(result)
        return self._sweep_again

    def report_deleted(self, result: CleanupResult | None) -> None:
        if result is None:
            log.warning("the clean-up of uploaded attempts failed (see the log above)")
            return
        for d in result.deleted:
            self.emit("attempt_deleted", attempt=d.name)

    # -- the session marker and crash recovery ----------------------------------------------
    def recovery(self) -> Recovery | None:
        """The crash the last session left (None if it ended cleanly); the marker then says
        this session is at the welcome page."""
        stale = self.marker.stale()
        self.marker.write(state="welcome", station=self.cfg.station_id)
        return None if stale is None else Recovery(stale, self.interrupted_attempt(stale))

    def announce(self, rec: Recovery) -> None:
        """The status line once the recovery page is on screen."""
        stale = rec.stale
        self.emit(
            "recovery_offered",
            attempt=stale.get("attempt"),
            state=stale.get("state"),
            resumable=rec.resumable,
        )

    def resume_accommodations(self, rec: Recovery) -> Accommodations:
        return self.cfg.accommodations.merged(**(rec.stale.get("accommodations") or {}))

    def run_starting(self, attempt_dir: Path, acc: Accommodations) -> None:
        attempt_dir.mkdir(parents=True, exist_ok=True)
        self.marker.update(
            state="checks",
            attempt=str(attempt_dir),
            accommodations={
                "extra_time_pct": acc.extra_time_pct,
                "extra_silence_s": acc.extra_silence_s,
            },
        )
        self.device_problems.clear()

    def run_started(self, attempt_dir: Path, recovery_info: dict[str, Any]) -> None:
        """What the next start needs to resume this run after a crash."""
        self.marker.update(attempt=str(attempt_dir), **recovery_info)

    def interrupted_attempt(self, stale: dict[str, Any]) -> Attempt | None:
        """The crashed session's attempt, from its attempt store, if it can be resumed."""
        store_db, attempt_id = stale.get("store"), stale.get("attempt_id")
        if not store_db or attempt_id is None or not Path(store_db).exists():
            return None
        try:
            store = AttemptStore(Path(store_db), self.cfg.attempts_dir)
            return next((a for a in store.interrupted_attempts() if a.id == attempt_id), None)
        except Exception:
            log.exception("could not read the attempt store %s", store_db)
            return None

    def close_interrupted(self, stale: dict[str, Any], attempt: Attempt) -> Attempt:
        """Blocking. Keeps what was recorded: the attempt is finished as it is and stamped
        with its candidate, ready to upload."""
        store = AttemptStore(Path(stale["store"]), self.cfg.attempts_dir)
        a = store.finish_as_is(attempt.id)
        if a.extra.get("candidate"):
            stamp_candidate(Path(a.dir), str(a.extra["candidate"]), self.cfg.station_id)
        return a

    # -- devices ----------------------------------------------------------------------------
    def device(self, kind: str, problem: str, fix: str) -> None:
        """A camera or microphone stopped (or works again) mid-interview."""
        if problem:
            self.device_problems[kind] = f"{problem}. {fix}".strip()
            self.emit("device_problem", device=kind, problem=problem, fix=fix)
        elif self.device_problems.pop(kind, None) is not None:
            self.emit("device_back", device=kind)

    def status(self, with_devices: bool) -> StationStatus:
        """Blocking: what the proctor panel shows. Devices are probed only when free."""
        problems = dict(self.device_problems)
        return gather_status(
            self.cfg,
            with_devices=with_devices,
            device_problems=problems,
            probe_devices=self.probe_devices,
        )

    # -- unattended runs --------------------------------------------------------------------
    def upload_states(self) -> IdleOutcome:
        """Blocking: where the upload of each attempt of this session stands."""
        queue, dirs = self.upload_queue, list(self.session_attempts)
        states = [(queue.status(d) or {}).get("state") for d in dirs] if queue else []
        return IdleOutcome(states, len(dirs))

    def keep_waiting(self, outcome: IdleOutcome, runs_alive: bool, step_s: float) -> bool:
        """Whether an unattended run should look again in ``step_s``: uploads (or runs)
        are still going and the wait limit has not passed."""
        if (outcome.settled and not runs_alive) or self.idle_waited_s >= IDLE_WAIT_LIMIT_S:
            return False
        self.idle_waited_s += step_s
        return True

    def idle_exit_code(self, outcome: IdleOutcome, cleanup: CleanupResult | None) -> int:
        """The status line of an unattended run's end; 0 only if every upload was confirmed."""
        self.report_deleted(cleanup)
        ok = self.upload_queue is not None and all(s == "submitted" for s in outcome.states)
        self.emit("idle", uploaded=outcome.uploaded, total=outcome.total)
        return 0 if ok else 1

    # -- support and shutdown ---------------------------------------------------------------
    def save_support_report(self) -> Path:
        """Blocking: a zip of the logs and the station's facts for support."""
        from session.runtime import paths
        from session.runtime.support_report import build_support_report

        out = self.cfg.data_dir / f"support-{time.strftime('%Y%m%d-%H%M%S')}.zip"
        return build_support_report(out, log_dir=paths.log_dir())

    def close(self, interrupted: bool) -> None:
        """Stops the upload queue (within 5 s). Left mid-interview (``interrupted``), the
        session marker stays so the next start offers to resume or upload the attempt."""
        if self.upload_queue is not None:
            self.upload_queue.stop(5.0)
        if interrupted:
            self.emit("left_mid_interview")
        else:
            self.marker.clear()
