"""Uploads one attempt folder to the backend: create the attempt on the server, send every
file of the manifest with tus (resumable, sha256 per chunk), submit, check the signed receipt
against the local hashes, write receipt.json. Practice attempts never leave the machine.

Wire format (backend/): POST /api/attempts, tus at /files/, POST /api/attempts/{id}/submit,
POST /api/receipts/verify.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import requests
from tusclient.exceptions import TusCommunicationError

from session.attempt import folder as af
from session.attempt import manifest as attempt_manifest
from session.attempt.manifest import ManifestError, sha256_file
from session.attempt.state import AttemptState
from session.runtime.atomic_file import write_json_atomic
from session.upload.store import UploadStore
from session.upload.tus_client import Sha256Uploader, UploadGone, fingerprint_key

log = logging.getLogger(__name__)

Progress = Callable[[int, int, float, float], None]  # sent, total, bytes/s, eta seconds
DEFAULT_CHUNK = 5 * 1024 * 1024
TIMEOUT = (5.0, 60.0)
PRACTICE_REFUSED = "practice attempts are never uploaded; nothing was sent"


class UploadRefused(Exception):
    """Will not succeed by retrying (practice attempt, attempt limit, bad folder)."""


class UploadRetry(Exception):
    """Worth another try later (network down, server error)."""


class UploadStopped(Exception):
    """Asked to stop; the next start carries on from the server's offsets."""


def role_of(path: str) -> str:
    name = path.split("/")[0]
    if path == af.MANIFEST:
        return "manifest"
    if name.startswith("recording"):
        return "recording"
    if name.startswith("screen"):
        return "screen"
    return {
        af.TRANSCRIPT: "transcript",
        af.CAPTIONS: "captions",
        af.EVENTS: "events",
        af.WHITEBOARD_DIR: "whiteboard",
    }.get(name, "other")


def read_manifest_json(attempt_dir: Path) -> dict[str, Any]:
    """The manifest to send; UploadRefused when there is none or it cannot be read."""
    try:
        data = attempt_manifest.read_manifest(attempt_dir, need_files=False)
    except ManifestError as e:
        raise UploadRefused(f"{e}: the attempt cannot be sent") from e
    if data is None:
        path = Path(attempt_dir) / af.MANIFEST
        raise UploadRefused(f"{path} is missing: this folder is not a finished attempt")
    return data


def manifest_files(manifest: dict[str, Any], attempt_dir: Path) -> list[dict[str, Any]]:
    files = manifest.get("files")
    if not isinstance(files, list) or not files:
        raise UploadRefused(f"{attempt_dir / af.MANIFEST} lists no files: nothing to upload")
    out = []
    for item in files:
        try:
            out.append(
                {
                    "path": str(item["path"]),
                    "size": int(item["size"]),
                    "sha256": str(item["sha256"]).lower(),
                }
            )
        except (KeyError, TypeError, ValueError) as e:
            raise UploadRefused(f"the manifest has a malformed file entry {item!r}") from e
    return out


def is_practice(manifest: dict[str, Any]) -> bool:
    return bool(manifest.get("practice", False))


def media_files(attempt_dir: Path) -> list[Path]:
    files = Path(attempt_dir).iterdir()
    return [p for p in files if p.is_file() and p.name.startswith(af.MEDIA_PREFIXES)]


def _detail(resp: requests.Response) -> str:
    try:
        detail = resp.json().get("detail", resp.text)
    except ValueError:
        detail = resp.text
    if isinstance(detail, dict):
        detail = detail.get("message", "") + " " + json.dumps(detail.get("problems", ""))
    return str(detail).strip()


def _raise_for(resp: requests.Response, what: str) -> None:
    if resp.status_code < 400:
        return
    msg = f"{what}: the backend answered {resp.status_code}: {_detail(resp)}"
    if resp.status_code >= 500 or resp.status_code in (408, 423, 429):
        raise UploadRetry(msg)
    raise UploadRefused(msg)


class _Meter:
    """Progress over all files (possibly sent in parallel): confirmed bytes, rate over
    this run, time left. Thread-safe."""

    def __init__(self, total: int, callback: Progress | None) -> None:
        self.total, self.callback = total, callback
        self.offsets: dict[str, int] = {}
        self.started = time.monotonic()
        self.sent_this_run = 0
        self.lock = threading.Lock()

    def sent(self, n: int) -> None:
        with self.lock:
            self.sent_this_run += n

    def report(self, path: str, offset: int) -> None:
        with self.lock:
            self.offsets[path] = offset
            if self.callback is None:
                return
            sent = min(self.total, sum(self.offsets.values()))
            elapsed = max(time.monotonic() - self.started, 1e-6)
            rate = self.sent_this_run / elapsed
            eta = (self.total - sent) / rate if rate > 0 else float("inf")
            self.callback(sent, self.total, rate, eta)


class AttemptUpload:
    """Carries one attempt folder to the backend. Re-running it after any interruption
    continues where the server says it stands."""

    def __init__(
        self,
        attempt_dir: Path,
        backend_url: str,
        token: str,
        store: UploadStore,
        *,
        chunk_size: int = DEFAULT_CHUNK,
        progress: Progress | None = None,
        stop: threading.Event | None = None,
    ) -> None:
        self.dir = Path(attempt_dir)
        self.base = backend_url.rstrip("/")
        self.store = store
        self.chunk_size = chunk_size
        self.progress = progress
        self.stop = stop or threading.Event()
        self.http = requests.Session()
        self.http.headers["Authorization"] = f"Bearer {token}"
        self.uploaded_bytes = 0
        self._count_lock = threading.Lock()
        self._abort = threading.Event()  # one lane failed: the other stops too

    def close(self) -> None:
        self.http.close()

    def _call(self, method: str, path: str, what: str, **kw) -> requests.Response:
        try:
            return self.http.request(method, self.base + path, timeout=TIMEOUT, **kw)
        except requests.RequestException as e:
            raise UploadRetry(f"{what}: cannot reach the backend at {self.base} ({e})") from e

    # -- the steps ------------------------------------------------------------------------
    def run(self) -> dict[str, Any]:
        """Returns the verified receipt. Raises UploadRefused / UploadRetry / UploadStopped."""
        manifest = read_manifest_json(self.dir)
        if is_practice(manifest):
            raise UploadRefused(PRACTICE_REFUSED)
        if manifest.get("state") == AttemptState.IN_PROGRESS:
            raise UploadRefused(
                "the attempt is still being recorded (state in_progress): finish or recover "
                "it first, then queue it again"
            )
        files = manifest_files(manifest, self.dir)
        done = self._existing_receipt(files)
        if done is not None:
            return done
        self._check_local(files)
        attempt_id, submitted = self._server_attempt(manifest)
        if not submitted:
            own = self.dir / af.MANIFEST
            uploads = [f for f in files if f["path"] != af.MANIFEST]
            uploads.append(
                {"path": af.MANIFEST, "size": own.stat().st_size, "sha256": sha256_file(own)}
            )
            meter = _Meter(sum(f["size"] for f in uploads), self.progress)
            self._upload_all(attempt_id, uploads, meter)
        receipt = self._submit(attempt_id, manifest, files)
        self._verify_receipt(receipt, attempt_id, files)
        write_json_atomic(self.dir / af.RECEIPT, receipt)
        attempt_manifest.set_state(self.dir, AttemptState.SUBMITTED)
        return receipt

    def _existing_receipt(self, files: list[dict[str, Any]]) -> dict[str, Any] | None:
        """A receipt already on disk that the backend still vouches for: nothing to send
        (the queue's database may be new, and the media may already be deleted)."""
        path = self.dir / af.RECEIPT
        try:
            receipt = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if not isinstance(receipt, dict) or not isinstance(receipt.get("files"), list):
            return None
        try:
            got = _file_set(receipt["files"])
        except (KeyError, TypeError, ValueError):
            return None
        if got != _file_set(files):
            return None  # an old receipt for other files: upload again
        resp = self._call("POST", "/api/receipts/verify", "verifying the receipt", json=receipt)
        _raise_for(resp, "verifying the receipt on disk")
        return receipt if resp.json().get("valid") else None

    def _check_local(self, files: list[dict[str, Any]]) -> None:
        for f in files:
            path = self.dir / f["path"]
            if not path.is_file():
                raise UploadRefused(f"{path} is listed in the manifest but missing on disk")
            size = path.stat().st_size
            if size != f["size"]:
                raise UploadRefused(
                    f"{path} is {size} bytes but the manifest says {f['size']}: "
                    "the attempt folder changed after it was finished"
                )

    def _server_attempt(self, manifest: dict[str, Any]) -> tuple[str, bool]:
        """The attempt's id on the server (created once, remembered in the queue)."""
        row = self.store.get(self.dir)
        known = row.server_attempt_id if row else None
        if known:
            resp = self._call("GET", f"/api/attempts/{known}", "checking the attempt")
            if resp.status_code == 200:
                return known, resp.json().get("state") == "submitted"
            if resp.status_code != 404:
                _raise_for(resp, "checking the attempt")
            log.warning("backend no longer knows attempt %s; creating it again", known)
        body = {
            "interview_id": str(manifest.get("interview_id", "")),
            "attempt_number": manifest.get("attempt_number"),
            "practice": False,
            "client_ref": self._client_ref(manifest),
        }
        if isinstance(manifest.get("candidate"), str):
            body["candidate"] = manifest["candidate"]
        if not body["interview_id"]:
            raise UploadRefused("the manifest has no interview_id")
        resp = self._call("POST", "/api/attempts", "creating the attempt", json=body)
        _raise_for(resp, "creating the attempt on the backend")
        attempt_id = resp.json()["id"]
        self.store.add(self.dir)
        self.store.update(self.dir, server_attempt_id=attempt_id)
        return attempt_id, resp.json().get("state") == "submitted"

    def _client_ref(self, manifest: dict[str, Any]) -> str:
        for key in ("attempt_uid", "uid", "id"):
            if isinstance(manifest.get(key), str) and manifest[key]:
                return manifest[key][:128]
        seed = "|".join(
            str(x)
            for x in (
                self.dir.resolve(),
                manifest.get("interview_id"),
                manifest.get("attempt_number"),
                manifest.get("started_at", manifest.get("created_at", "")),
            )
        )
        return hashlib.sha256(seed.encode()).hexdigest()[:32]

    def _upload_all(self, attempt_id: str, uploads: list[dict[str, Any]], meter: _Meter) -> None:
        """Two lanes: the largest file in one, the rest in the other, so the many small
        files' round trips hide behind the recording's transfer."""
        ordered = sorted(uploads, key=lambda f: f["size"], reverse=True)
        lanes = [ordered[:1], ordered[1:]]
        errors: list[BaseException] = []

        def lane(files: list[dict[str, Any]]) -> None:
            try:
                for f in files:
                    self._upload_file(attempt_id, f, meter)
            except BaseException as e:  # handed to the caller below
                errors.append(e)
                self._abort.set()
            finally:
                self.store.release()

        threads = [
            threading.Thread(target=lane, args=(fs,), name=f"upload-lane-{i}", daemon=True)
            for i, fs in enumerate(lanes)
            if fs
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        if errors:
            # The lane that failed first explains it; a lane that only stopped because of
            # it says nothing new.
            real = [e for e in errors if not isinstance(e, UploadStopped)] or errors
            raise real[0]

    def _upload_file(self, attempt_id: str, f: dict[str, Any], meter: _Meter) -> None:
        key = fingerprint_key(attempt_id, f["path"], f["size"], f["sha256"])
        storage = self.store.url_storage()
        strikes = {"gone": 0, "offset": 0, "checksum": 0}

        def sent(n: int) -> None:
            with self._count_lock:
                self.uploaded_bytes += n
            meter.sent(n)

        def open_upload() -> Sha256Uploader:
            """Resumes the stored upload (HEAD: the server's offset) or creates one."""
            up = Sha256Uploader(
                str(self.dir / f["path"]),
                http=self.http,
                create_url=self.base + "/files/",
                key=key,
                storage=storage,
                metadata={
                    "attempt_id": attempt_id,
                    "filename": f["path"],
                    "role": role_of(f["path"]),
                },
                chunk_size=self.chunk_size,
                on_send=sent,
            )
            if up.url is None:
                up.set_url(up.create_url())
                up.offset = 0
            return up

        up: Sha256Uploader | None = None
        try:
            while True:
                if self.stop.is_set() or self._abort.is_set():
                    raise UploadStopped("stopped")
                try:
                    if up is None:
                        up = open_upload()
                    meter.report(f["path"], up.offset)
                    if up.offset >= f["size"]:
                        return
                    up.upload_chunk()
                    strikes["offset"] = strikes["checksum"] = 0
                except UploadGone:
                    # The server forgot this upload (expired, deleted, new server): start over.
                    storage.remove_item(key)
                    up = _closed(up)
                    strikes["gone"] += 1
                    if strikes["gone"] > 2:
                        raise UploadRetry(f"{f['path']}: the backend keeps losing it") from None
                except TusCommunicationError as e:
                    status = e.status_code
                    if status == 409 and strikes["offset"] < 3:
                        strikes["offset"] += 1
                        up = _closed(up)  # ask the server for its offset (HEAD), go on from there
                    elif status == 460 and strikes["checksum"] < 3:
                        strikes["checksum"] += 1
                        log.warning("%s: chunk checksum rejected, sending it again", f["path"])
                    elif status is None or status >= 500 or status in (408, 409, 423, 429, 460):
                        raise UploadRetry(f"uploading {f['path']}: {e}") from e
                    else:
                        raise UploadRefused(f"uploading {f['path']}: {e}") from e
        finally:
            _closed(up)

    def _submit(
        self, attempt_id: str, manifest: dict[str, Any], files: list[dict[str, Any]]
    ) -> dict[str, Any]:
        resp = self._call("POST", f"/api/attempts/{attempt_id}/submit", "submitting", json=manifest)
        if resp.status_code in (409, 422):
            problems = []
            with contextlib.suppress(ValueError, AttributeError):
                problems = resp.json().get("detail", {}).get("problems", [])
            storage = self.store.url_storage()
            for p in problems:
                f = next((x for x in files if x["path"] == p.get("path")), None)
                if f:  # send that file again from scratch next time
                    storage.remove_item(
                        fingerprint_key(attempt_id, f["path"], f["size"], f["sha256"])
                    )
            if problems:
                raise UploadRetry(f"submitting: the backend found problems: {_detail(resp)}")
        _raise_for(resp, "submitting the attempt")
        return resp.json()

    def _verify_receipt(
        self, receipt: dict[str, Any], attempt_id: str, files: list[dict[str, Any]]
    ) -> None:
        resp = self._call("POST", "/api/receipts/verify", "verifying the receipt", json=receipt)
        _raise_for(resp, "verifying the receipt")
        if not resp.json().get("valid"):
            raise UploadRetry("the backend's receipt did not verify as genuine")
        if receipt.get("attempt_id") != attempt_id:
            raise UploadRefused("the receipt names another attempt")
        got, want = _file_set(receipt["files"]), _file_set(files)
        if got != want:
            raise UploadRetry(
                f"the receipt's files differ from the local ones: {sorted(want - got)}"
            )


def _file_set(entries: list[dict[str, Any]]) -> set[tuple[str, int, str]]:
    """(path, size, sha256) of each file entry, to compare a receipt with the manifest."""
    return {(x["path"], int(x["size"]), str(x["sha256"]).lower()) for x in entries}


def _closed(up: Sha256Uploader | None) -> None:
    if up is not None:
        up.close()
