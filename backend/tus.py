"""tus 1.0 resumable uploads at /files/: core, creation, checksum (sha256, sha1), termination,
expiration. The offset of an upload is the size of its file on disk, so a server restart
resumes from the bytes that really reached the disk. Each chunk is streamed to disk, hashed
as it arrives and fsynced before the new offset is acknowledged."""

from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
import logging
import os
import re
import uuid
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime
from email.utils import format_datetime
from pathlib import PurePosixPath

from fastapi import APIRouter, HTTPException, Request, Response
from sqlalchemy import delete
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect

from backend.auth import Auth, Principal
from backend.db import Attempt, Upload, utcnow
from backend.upload_store import RunningHash, UploadStore

log = logging.getLogger("backend.tus")

TUS_VERSION = "1.0.0"
EXTENSIONS = "creation,checksum,termination,expiration"
CHECKSUMS = {"sha256": hashlib.sha256, "sha1": hashlib.sha1}
CHECKSUM_MISMATCH = 460
ROLES = {
    "recording",
    "screen",
    "transcript",
    "captions",
    "whiteboard",
    "events",
    "manifest",
    "other",
    "",
}
_KEY = re.compile(r"^[A-Za-z0-9_.\-]+$")


class TusError(HTTPException):
    pass


def safe_relative_path(name: str) -> str:
    """The file's path inside the attempt folder, or ValueError. Rejects anything that could
    leave the folder: '..', absolute paths, backslashes, drive letters, empty parts."""
    if not name or len(name) > 255 or "\x00" in name:
        raise ValueError("filename is empty, too long or contains NUL")
    if "\\" in name:
        raise ValueError("filename must use '/' separators, not backslashes")
    if name.startswith("/") or re.match(r"^[A-Za-z]:", name):
        raise ValueError("filename must be relative to the attempt folder")
    parts = name.split("/")
    if any(p in ("", ".", "..") for p in parts):
        raise ValueError("filename must not contain '..', '.' or empty parts")
    return str(PurePosixPath(*parts))


def parse_metadata(header: str) -> dict[str, str]:
    """'key base64,key2 base64' -> {key: value}. ValueError on malformed input."""
    out: dict[str, str] = {}
    for item in filter(None, (p.strip() for p in header.split(","))):
        key, _, value = item.partition(" ")
        if not _KEY.match(key):
            raise ValueError(f"bad metadata key {key!r}")
        try:
            out[key] = base64.b64decode(value.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError) as e:
            raise ValueError(f"metadata value of {key!r} is not base64 UTF-8") from e
    return out


def http_date(dt: datetime) -> str:
    from datetime import UTC

    return format_datetime(dt.replace(tzinfo=UTC), usegmt=True)


class _ChunkHasher:
    """Hashes one chunk as it streams in, on the hash worker in ~1 MB batches: the chunk's
    own checksum, and a copy of the upload's running SHA-256 that replaces the running one
    only if the chunk is kept. So every byte is hashed once per digest, from memory, with
    no read back from disk."""

    BATCH = 1 << 20

    def __init__(self, pool: ThreadPoolExecutor, algo: str | None, running: RunningHash | None):
        self.pool = pool
        self.hashes = []
        self.chunk = CHECKSUMS[algo]() if algo else None
        if self.chunk is not None:
            self.hashes.append(self.chunk)
        self.running = running.h.copy() if running is not None else None
        if self.running is not None:
            self.hashes.append(self.running)
        self.batch: list[bytes] = []
        self.size = 0
        self.last: Future | None = None

    def add(self, piece: bytes) -> None:
        if not self.hashes:
            return
        self.batch.append(piece)
        self.size += len(piece)
        if self.size >= self.BATCH:
            self._flush()

    def _flush(self) -> None:
        if self.batch:
            self.last = self.pool.submit(_hash_into, self.hashes, self.batch)
            self.batch, self.size = [], 0

    async def finish(self) -> None:
        self._flush()
        if self.last is not None:
            await asyncio.wrap_future(self.last)

    async def drain(self) -> None:
        """Waits for queued batches (the chunk is being discarded)."""
        if self.last is not None:
            await asyncio.shield(asyncio.wrap_future(self.last))


def _hash_into(hashes: list, batch: list[bytes]) -> None:
    # One call per digest per batch: every update() takes the GIL back, and doing that per
    # 64 KB piece fights the event loop thread for it.
    data = b"".join(batch)
    for h in hashes:
        h.update(data)


def _headers(**extra: str) -> dict[str, str]:
    return {"Tus-Resumable": TUS_VERSION, "Cache-Control": "no-store", **extra}


def _fail(status: int, detail: str, **headers: str) -> Response:
    return Response(
        content=detail + "\n",
        status_code=status,
        media_type="text/plain",
        headers=_headers(**headers),
    )


def _check_version(request: Request) -> Response | None:
    given = request.headers.get("tus-resumable")
    if given != TUS_VERSION:
        return _fail(
            412,
            f"Tus-Resumable must be {TUS_VERSION} (got {given!r}).",
            **{"Tus-Version": TUS_VERSION},
        )
    return None


def _store(request: Request) -> UploadStore:
    return request.app.state.uploads


def _owned_upload(request: Request, upload_id: str, who: Principal) -> Upload | Response:
    store = _store(request)
    if not re.fullmatch(r"[0-9a-f]{32}", upload_id):
        return _fail(404, "No such upload.")
    up = store.row(upload_id)
    if up is None or (up.owner_id != who.token_id and not who.is_reviewer):
        return _fail(404, "No such upload: it was never created, was deleted or has expired.")
    if (
        not up.complete
        and up.expires_at < utcnow()
        and upload_id not in store.in_flight
        and store.offset(upload_id) < up.length
    ):
        store.purge_expired()
        return _fail(410, "This upload expired and was removed: create a new one.")
    return up


router = APIRouter()


@router.options("/files/")
@router.options("/files/{upload_id}")
async def options(request: Request, upload_id: str = "") -> Response:
    return Response(
        status_code=204,
        headers=_headers(
            **{
                "Tus-Version": TUS_VERSION,
                "Tus-Extension": EXTENSIONS,
                "Tus-Checksum-Algorithm": ",".join(CHECKSUMS),
                "Tus-Max-Size": str(_store(request).max_size),
            }
        ),
    )


@router.post("/files/")
def create(request: Request, who: Auth) -> Response:
    if bad := _check_version(request):
        return bad
    store = _store(request)
    store.purge_expired()
    raw_length = request.headers.get("upload-length", "")
    if not raw_length.isdigit():
        return _fail(400, "Upload-Length is required (a non-negative integer).")
    length = int(raw_length)
    if length > store.max_size:
        return _fail(413, f"Upload-Length {length} exceeds Tus-Max-Size {store.max_size}.")
    raw_meta = request.headers.get("upload-metadata", "")
    try:
        meta = parse_metadata(raw_meta)
        filename = safe_relative_path(meta.get("filename", ""))
    except ValueError as e:
        return _fail(400, f"Bad Upload-Metadata: {e}.")
    role = meta.get("role", "")
    if role not in ROLES:
        return _fail(400, f"Unknown role {role!r}: use one of {', '.join(sorted(ROLES - {''}))}.")
    attempt_id = meta.get("attempt_id", "")
    now = utcnow()
    with store.sessions.begin() as db:
        attempt = db.get(Attempt, attempt_id) if attempt_id else None
        if attempt is None or attempt.owner_id != who.token_id:
            return _fail(404, "Unknown attempt_id in Upload-Metadata: create the attempt first.")
        if attempt.practice:
            return _fail(403, "Practice attempts are never uploaded.")
        if attempt.state == "submitted":
            return _fail(409, "This attempt was already submitted; its files cannot change.")
        up = Upload(
            id=uuid.uuid4().hex,
            attempt_id=attempt_id,
            owner_id=who.token_id,
            filename=filename,
            role=role,
            length=length,
            metadata_raw=raw_meta[:4000],
            created_at=now,
            expires_at=now + store.ttl,
            complete=length == 0,
            sha256=hashlib.sha256(b"").hexdigest() if length == 0 else None,
        )
        db.add(up)
        store.path(up.id).touch()
    location = str(request.base_url).rstrip("/") + f"/files/{up.id}"
    return Response(
        status_code=201,
        headers=_headers(Location=location, **{"Upload-Expires": http_date(up.expires_at)}),
    )


@router.head("/files/{upload_id}")
def head(upload_id: str, request: Request, who: Auth) -> Response:
    up = _check_version(request) or _owned_upload(request, upload_id, who)
    if isinstance(up, Response):
        return up
    headers = {
        "Upload-Offset": str(_store(request).offset(upload_id)),
        "Upload-Length": str(up.length),
    }
    if up.metadata_raw:
        headers["Upload-Metadata"] = up.metadata_raw
    if not up.complete:
        headers["Upload-Expires"] = http_date(up.expires_at)
    return Response(status_code=200, headers=_headers(**headers))


@router.delete("/files/{upload_id}")
def terminate(upload_id: str, request: Request, who: Auth) -> Response:
    up = _check_version(request) or _owned_upload(request, upload_id, who)
    if isinstance(up, Response):
        return up
    store = _store(request)
    if upload_id in store.in_flight:
        return _fail(423, "A chunk is being written to this upload; try again in a moment.")
    with store.sessions.begin() as db:
        db.execute(delete(Upload).where(Upload.id == upload_id))
    store.path(upload_id).unlink(missing_ok=True)
    store.forget(upload_id)
    return Response(status_code=204, headers=_headers())


def _parse_checksum(header: str | None) -> tuple[str, bytes] | Response | None:
    if not header:
        return None
    algo, _, value = header.strip().partition(" ")
    if algo.lower() not in CHECKSUMS:
        return _fail(400, f"Unsupported checksum algorithm {algo!r}: use sha256.")
    try:
        return algo.lower(), base64.b64decode(value.strip(), validate=True)
    except binascii.Error:
        return _fail(400, "Upload-Checksum value is not base64.")


@router.patch("/files/{upload_id}")
async def patch(upload_id: str, request: Request, who: Auth) -> Response:
    if bad := _check_version(request):
        return bad
    if request.headers.get("content-type", "") != "application/offset+octet-stream":
        return _fail(415, "Content-Type must be application/offset+octet-stream.")
    raw_offset = request.headers.get("upload-offset", "")
    if not raw_offset.isdigit():
        return _fail(400, "Upload-Offset is required (a non-negative integer).")
    checksum = _parse_checksum(request.headers.get("upload-checksum"))
    if isinstance(checksum, Response):
        return checksum
    up = _owned_upload(request, upload_id, who)
    if isinstance(up, Response):
        return up
    store = _store(request)
    lock = store.locks.setdefault(upload_id, asyncio.Lock())
    async with lock:
        return await _write_chunk(store, up, int(raw_offset), checksum, request)


async def _write_chunk(
    store: UploadStore,
    up: Upload,
    offset: int,
    checksum: tuple[str, bytes] | None,
    request: Request,
) -> Response:
    path = store.path(up.id)
    try:
        current = path.stat().st_size
    except FileNotFoundError:
        return _fail(404, "No such upload (its file is gone): create a new one.")
    if offset != current:
        return _fail(
            409,
            f"Upload-Offset {offset} does not match the server's {current}: ask with HEAD.",
            **{"Upload-Offset": str(current)},
        )
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and current + int(declared) > up.length:
        return _fail(
            413,
            f"This chunk would end at {current + int(declared)}, beyond Upload-Length {up.length}.",
        )
    running = store.running.get(up.id)
    if running is not None and running.offset != current:
        running = None  # cannot happen while offsets only grow; hashed from disk at the end
    if running is None and current == 0:
        running = RunningHash()
    hasher = _ChunkHasher(store.hash_pool, checksum[0] if checksum else None, running)
    written = 0
    too_long = disconnected = False
    store.in_flight[up.id] = current
    fd = os.open(path, os.O_WRONLY)
    flusher = _Flusher(fd)
    try:
        os.lseek(fd, current, os.SEEK_SET)
        try:
            async for piece in request.stream():
                if not piece:
                    continue
                store.bytes_received += len(piece)
                if current + written + len(piece) > up.length:
                    too_long = True
                    break
                view = memoryview(piece)
                while view:
                    view = view[os.write(fd, view) :]
                hasher.add(piece)
                written += len(piece)
                flusher.wrote(len(piece))
        except ClientDisconnect:
            disconnected = True
        if too_long:
            await hasher.drain()
            os.ftruncate(fd, current)
            return _fail(413, f"The chunk goes beyond Upload-Length {up.length}; it was discarded.")
        await hasher.finish()
        if checksum is not None and (disconnected or hasher.chunk.digest() != checksum[1]):
            # An unverifiable or corrupted chunk never counts: the offset stays where it was.
            os.ftruncate(fd, current)
            if disconnected:
                return _fail(400, "The client went away mid-chunk; the chunk was discarded.")
            return _fail(
                CHECKSUM_MISMATCH,
                "Upload-Checksum does not match the chunk; it was discarded, send it again.",
                **{"Upload-Offset": str(current)},
            )
        await flusher.finish()
    finally:
        try:
            await flusher.drain()  # never close the fd under a running fdatasync
        finally:
            os.close(fd)
            store.in_flight.pop(up.id, None)
    new_offset = current + written
    if hasher.running is not None:
        assert running is not None
        running.h, running.offset = hasher.running, new_offset
        store.running[up.id] = running
    else:
        store.running.pop(up.id, None)
    expires = up.expires_at
    if new_offset == up.length:
        await run_in_threadpool(_mark_complete, store, up)
    elif expires - utcnow() < store.ttl * 0.9:
        # Extend the expiry now and then, not on every chunk (one database write saved each).
        expires = await run_in_threadpool(_extend_expiry, store, up.id)
    headers = {"Upload-Offset": str(new_offset)}
    if new_offset < up.length:
        headers["Upload-Expires"] = http_date(expires)
    return Response(status_code=204, headers=_headers(**headers))


_sync = getattr(os, "fdatasync", os.fsync)


class _Flusher:
    """Flushes a chunk to disk while it is still arriving: every few MB a background
    fdatasync starts, so when the last byte lands only a small tail is left to sync
    before the offset is acknowledged. A per-chunk fsync after the fact would stall the
    upload for the whole chunk's flush."""

    EVERY = 1 << 20

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.dirty = 0
        self.pending: asyncio.Future | None = None

    def wrote(self, n: int) -> None:
        self.dirty += n
        if self.dirty >= self.EVERY and (self.pending is None or self.pending.done()):
            self.dirty = 0
            self.pending = asyncio.get_running_loop().run_in_executor(None, _sync, self.fd)

    async def drain(self) -> None:
        if self.pending is not None:
            await asyncio.shield(self.pending)
            self.pending = None

    async def finish(self) -> None:
        await self.drain()
        await run_in_threadpool(_sync, self.fd)


def _mark_complete(store: UploadStore, up: Upload) -> None:
    digest = store.sha256_of(up)
    with store.sessions.begin() as db:
        row = db.get(Upload, up.id)
        if row is not None:
            row.complete = True
            row.sha256 = digest
    up.complete, up.sha256 = True, digest
    store.running.pop(up.id, None)


def _extend_expiry(store: UploadStore, upload_id: str) -> datetime:
    expires = utcnow() + store.ttl
    with store.sessions.begin() as db:
        row = db.get(Upload, upload_id)
        if row is not None:
            row.expires_at = expires
    cached = store.rows.get(upload_id)
    if cached is not None:
        cached.expires_at = expires
    return expires
