"""Where tus uploads live between PATCHes: their files, per-upload locks, running hashes and
cached rows. The offset of an upload is the size of its file on disk."""

from __future__ import annotations

import asyncio
import hashlib
import logging
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from backend.db import Upload, utcnow

log = logging.getLogger("backend.tus")


class RunningHash:
    """SHA-256 of an upload's acknowledged bytes [0, offset)."""

    def __init__(self) -> None:
        self.h = hashlib.sha256()
        self.offset = 0


class UploadStore:
    """Files and in-memory state of the uploads (per-upload lock, running hash, cached rows)."""

    def __init__(self, data_dir: Path, sessions: sessionmaker, max_size: int, ttl_s: float) -> None:
        self.dir = Path(data_dir) / "uploads"
        self.dir.mkdir(parents=True, exist_ok=True)
        self.sessions = sessions
        self.max_size = max_size
        self.ttl = timedelta(seconds=ttl_s)
        self.locks: dict[str, asyncio.Lock] = {}
        # upload id -> sha256 state of the acknowledged bytes [0, offset); lost on restart,
        # when the hash is computed from disk instead.
        self.running: dict[str, RunningHash] = {}
        # upload id -> its row, so a chunk costs no database read. Every write to a row goes
        # through this module (or `forget`), which keeps the copy current.
        self.rows: dict[str, Upload] = {}
        # Chunk bytes are hashed here while the event loop keeps reading the socket (hashlib
        # releases the GIL). One worker keeps each chunk's batches in order.
        self.hash_pool = ThreadPoolExecutor(1, thread_name_prefix="tus-hash")
        self.in_flight: dict[str, int] = {}
        self.bytes_received = 0  # every PATCH body byte read, kept or discarded (bench)

    def close(self) -> None:
        """Ends the hashing thread once the chunks already handed to it are hashed."""
        self.hash_pool.shutdown(wait=True)

    def path(self, upload_id: str) -> Path:
        return self.dir / f"{upload_id}.bin"

    def offset(self, upload_id: str) -> int:
        if upload_id in self.in_flight:  # a PATCH is writing: report what is acknowledged
            return self.in_flight[upload_id]
        try:
            return self.path(upload_id).stat().st_size
        except FileNotFoundError:
            return 0

    def row(self, upload_id: str) -> Upload | None:
        up = self.rows.get(upload_id)
        if up is None:
            with self.sessions() as db:
                up = db.get(Upload, upload_id)
            if up is not None:
                self.rows[upload_id] = up
        return up

    def forget(self, upload_id: str) -> None:
        """The upload's row and file are gone (deleted, expired, moved by a submit)."""
        self.rows.pop(upload_id, None)
        self.running.pop(upload_id, None)
        self.locks.pop(upload_id, None)

    def purge_expired(self) -> int:
        """Deletes incomplete uploads past their expiry. Returns how many."""
        now = utcnow()
        with self.sessions.begin() as db:
            rows = db.scalars(
                select(Upload).where(Upload.complete.is_(False), Upload.expires_at < now)
            ).all()
            gone = [
                row
                for row in rows
                # not busy, and not complete on disk (its flag may lag after a crash)
                if row.id not in self.in_flight and self.offset(row.id) < row.length
            ]
            for row in gone:
                self.path(row.id).unlink(missing_ok=True)
                self.forget(row.id)
                db.delete(row)
        if gone:
            log.info("removed %d expired uploads", len(gone))
        return len(gone)

    def sha256_of(self, upload: Upload) -> str:
        """The hash of a complete upload: stored, running, or computed from disk. Blocks
        (call it off the event loop)."""
        if upload.sha256:
            return upload.sha256
        size = self.offset(upload.id)
        rh = self.running.get(upload.id)
        if rh is not None and rh.offset == size:
            return rh.h.hexdigest()
        h = hashlib.sha256()
        with open(self.path(upload.id), "rb") as f:
            while block := f.read(4 << 20):
                h.update(block)
        return h.hexdigest()
