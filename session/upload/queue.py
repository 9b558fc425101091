"""The persistent upload queue: finished attempt folders wait here until the backend's
receipt is verified, across network drops, server restarts and app restarts. One worker
thread drains it with exponential backoff and jitter; it can be stopped at any moment (the
server discards a half-sent chunk, the next start asks for the offset and goes on)."""

from __future__ import annotations

import logging
import math
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from session.attempt import folder as af
from session.upload.store import UploadStore
from session.upload.uploader import (
    DEFAULT_CHUNK,
    PRACTICE_REFUSED,
    AttemptUpload,
    Progress,
    UploadRefused,
    UploadRetry,
    UploadStopped,
    is_practice,
    media_files,
    read_manifest_json,
)

log = logging.getLogger(__name__)

BACKOFF_BASE_S = 0.5
BACKOFF_CAP_S = 60.0


def backoff_delay(tries: int, rng: random.Random = random._inst) -> float:  # type: ignore[attr-defined]
    """Exponential backoff with full jitter: uniform(0, min(cap, base * 2**tries)), but at
    least a tenth of the ceiling so a burst of failures never spins."""
    ceiling = min(BACKOFF_CAP_S, BACKOFF_BASE_S * 2 ** max(0, tries - 1))
    return max(ceiling / 10, rng.uniform(0, ceiling))


@dataclass
class UploadResult:
    """What one `run_once` did. state: submitted | refused | retry | stopped | idle."""

    state: str
    attempt_dir: Path | None = None
    reason: str = ""
    uploaded_bytes: int = 0
    server_attempt_id: str | None = None
    retry_in: float = 0.0
    receipt: dict | None = None


ResultListener = Callable[[UploadResult], None]


class UploadQueue:
    """Listeners (``subscribe``) are called on the worker thread."""

    def __init__(
        self,
        db_path: Path,
        backend_url: str,
        token: str,
        chunk_size: int = DEFAULT_CHUNK,
        retention_s: float = 0,
    ) -> None:
        self.store = UploadStore(db_path)
        self.backend_url = backend_url
        self.token = token
        self.chunk_size = chunk_size
        self.retention_s = retention_s
        self._listeners_lock = threading.Lock()
        self._progress: list[Progress] = []
        self._result: list[ResultListener] = []
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    # -- listeners ----------------------------------------------------------------------
    def subscribe(
        self, on_progress: Progress | None = None, on_result: ResultListener | None = None
    ) -> Callable[[], None]:
        """Adds listeners for upload progress (sent, total, bytes/s, eta s) and for each
        attempt's result; returns the function that removes them again (idempotent)."""
        with self._listeners_lock:
            if on_progress is not None:
                self._progress.append(on_progress)
            if on_result is not None:
                self._result.append(on_result)

        def unsubscribe() -> None:
            with self._listeners_lock:
                for listeners, fn in ((self._progress, on_progress), (self._result, on_result)):
                    if fn is not None and fn in listeners:
                        listeners.remove(fn)  # type: ignore[arg-type]

        return unsubscribe

    def _report_progress(self, sent: int, total: int, rate: float, eta: float) -> None:
        # Rate and ETA are unknown (inf/nan) at the first chunk; listeners show numbers.
        rate = rate if math.isfinite(rate) else 0.0
        eta = eta if math.isfinite(eta) else 0.0
        with self._listeners_lock:
            listeners = list(self._progress)
        for fn in listeners:
            fn(sent, total, rate, eta)

    def _report_result(self, result: UploadResult) -> None:
        with self._listeners_lock:
            listeners = list(self._result)
        for fn in listeners:
            fn(result)

    # -- queue ------------------------------------------------------------------------
    def enqueue(self, attempt_dir: Path) -> None:
        """Adds a finished attempt folder. A practice attempt is refused here, locally, and
        never contacts the backend. Re-enqueueing a refused attempt tries it again."""
        attempt_dir = Path(attempt_dir).resolve()
        self.store.add(attempt_dir)
        row = self.store.get(attempt_dir)
        try:
            practice = is_practice(read_manifest_json(attempt_dir))
        except UploadRefused as e:
            self.store.update(attempt_dir, state="refused", reason=str(e))
            return
        if practice:
            self.store.update(
                attempt_dir,
                state="refused",
                reason=PRACTICE_REFUSED,
            )
        elif row is not None and row.state == "refused":
            self.store.update(attempt_dir, state="queued", reason="", tries=0, next_try_at=0)
        self._wake.set()

    def status(self, attempt_dir: Path) -> dict | None:
        row = self.store.get(Path(attempt_dir).resolve())
        if row is None:
            return None
        return {
            "state": row.state,
            "reason": row.reason,
            "server_attempt_id": row.server_attempt_id,
            "tries": row.tries,
            "media_deleted": row.media_deleted,
        }

    def run_once(self, only: Path | None = None) -> UploadResult:
        """Deletes media whose retention passed, then tries the next due attempt once.
        `only`: just that attempt (and only its media), as the unattended run wants."""
        only = Path(only).resolve() if only is not None else None
        self.purge_media(only)
        now = time.time()
        if only is not None:
            row = self.store.get(only)
            if row is not None and row.state != "queued":
                return UploadResult(
                    row.state, row.attempt_dir, row.reason, 0, row.server_attempt_id
                )
        else:
            row = self.store.next_due(now)
        if row is None:
            return UploadResult("idle")
        job = AttemptUpload(
            row.attempt_dir,
            self.backend_url,
            self.token,
            self.store,
            chunk_size=self.chunk_size,
            progress=self._report_progress,
            stop=self._stop,
        )
        result = UploadResult("retry", row.attempt_dir)
        try:
            result.receipt = job.run()
            result.state = "submitted"
            self.store.update(
                row.attempt_dir, state="submitted", reason="", submitted_at=time.time()
            )
            log.info("attempt %s submitted; receipt verified", row.attempt_dir.name)
        except UploadRefused as e:
            result.state, result.reason = "refused", str(e)
            self.store.update(row.attempt_dir, state="refused", reason=str(e))
            log.warning("attempt %s not uploaded: %s", row.attempt_dir.name, e)
        except UploadStopped:
            result.state, result.reason = "stopped", "stopped; will carry on at the next start"
        except UploadRetry as e:
            tries = row.tries + 1
            result.retry_in = backoff_delay(tries)
            result.reason = str(e)
            self.store.update(
                row.attempt_dir, tries=tries, reason=str(e), next_try_at=now + result.retry_in
            )
            log.warning(
                "upload of %s failed (try %d), retry in %.1f s: %s",
                row.attempt_dir.name,
                tries,
                result.retry_in,
                e,
            )
        finally:
            job.close()
        result.uploaded_bytes = job.uploaded_bytes
        after = self.store.get(row.attempt_dir)
        result.server_attempt_id = after.server_attempt_id if after else None
        self.purge_media(only)
        return result

    def purge_media(self, only: Path | None = None) -> list[Path]:
        """Deletes recordings of submitted attempts once `retention_s` passed since the
        verified receipt. attempt.json and receipt.json stay."""
        deleted: list[Path] = []
        now = time.time()
        for row in self.store.rows():
            if only is not None and row.attempt_dir != only:
                continue
            if row.state != "submitted" or row.media_deleted or row.submitted_at is None:
                continue
            if now - row.submitted_at < self.retention_s:
                continue
            if not (row.attempt_dir / af.RECEIPT).is_file():
                continue  # never delete without the receipt on disk
            if row.attempt_dir.is_dir():
                for p in media_files(row.attempt_dir):
                    p.unlink(missing_ok=True)
                    deleted.append(p)
            self.store.update(row.attempt_dir, media_deleted=1)
        return deleted

    def close(self) -> None:
        """Stops the worker and closes the queue's database connections."""
        self.stop()
        self.store.close()

    # -- worker thread ------------------------------------------------------------------
    def start(self) -> None:
        if self._thread and self._thread.is_alive():
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._work, name="upload-queue", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> bool:
        """Asks the worker to stop after the chunk in flight; True if it ended in time.
        Safe to call twice. A chunk cut short is discarded by the server and resent."""
        self._stop.set()
        self._wake.set()
        t = self._thread
        if t is None:
            return True
        t.join(timeout)
        return not t.is_alive()

    def _work(self) -> None:
        try:
            self._loop()
        finally:
            self.store.release()

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                result = self.run_once()
            except Exception:  # keep the queue alive; the log has the traceback
                log.exception("upload queue error")
                result = UploadResult("retry", retry_in=5.0)
            if result.state != "idle":
                self._report_result(result)
            if result.state in ("idle", "retry"):
                wait = self._next_wait()
                self._wake.wait(wait)
                self._wake.clear()

    def _next_wait(self) -> float:
        rows = self.store.rows()
        due = [r.next_try_at for r in rows if r.state == "queued"]
        pending_media = self.retention_s > 0 and any(
            r.state == "submitted" and not r.media_deleted for r in rows
        )
        wait = max(0.05, min(due) - time.time()) if due else 30.0
        return min(wait, 5.0) if pending_media else min(wait, 30.0)


def upload_attempt(
    attempt_dir: Path,
    backend_url: str,
    token: str,
    progress: Progress | None = None,
    *,
    db_path: Path | None = None,
    deadline_s: float = 600.0,
    chunk_size: int = DEFAULT_CHUNK,
    retention_s: float = 0,
) -> dict[str, Any]:
    """Uploads one attempt now, retrying with backoff until `deadline_s`. For the unattended
    `run` command. Returns {"receipt": bool, "uploaded_bytes", "state", "reason",
    "attempt_id", "receipt_path"}; never raises for network or server trouble."""
    from session.runtime import paths

    queue = UploadQueue(
        db_path or paths.data_dir() / "upload-queue.sqlite",
        backend_url,
        token,
        chunk_size=chunk_size,
        retention_s=retention_s,
    )
    if progress is not None:
        queue.subscribe(on_progress=progress)
    queue.enqueue(attempt_dir)
    end = time.monotonic() + deadline_s
    total_bytes = 0
    while True:
        result = queue.run_once(only=Path(attempt_dir))
        total_bytes += result.uploaded_bytes
        if result.state != "retry" or time.monotonic() + result.retry_in > end:
            break
        time.sleep(result.retry_in)
    queue.close()
    return {
        "receipt": result.state == "submitted",
        "uploaded_bytes": total_bytes,
        "state": result.state,
        "reason": result.reason,
        "attempt_id": result.server_attempt_id,
        "receipt_path": str(Path(attempt_dir) / af.RECEIPT)
        if result.state == "submitted"
        else None,
    }
