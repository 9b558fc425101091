"""The uploader's persistent state in one SQLite file: the queue of attempt folders and the
tus upload URLs keyed by file fingerprint. Survives app restarts; every call opens its own
short connection, so worker threads and the GUI thread never share one."""

from __future__ import annotations

import contextlib
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tusclient.storage.interface import Storage

SCHEMA = """
CREATE TABLE IF NOT EXISTS queue (
    attempt_dir TEXT PRIMARY KEY,
    state TEXT NOT NULL DEFAULT 'queued',   -- queued | submitted | refused
    server_attempt_id TEXT,
    reason TEXT NOT NULL DEFAULT '',
    tries INTEGER NOT NULL DEFAULT 0,
    next_try_at REAL NOT NULL DEFAULT 0,
    enqueued_at REAL NOT NULL,
    submitted_at REAL,
    media_deleted INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS tus_urls (
    fingerprint TEXT PRIMARY KEY,
    url TEXT NOT NULL
);
"""


@dataclass
class QueueRow:
    attempt_dir: Path
    state: str
    server_attempt_id: str | None
    reason: str
    tries: int
    next_try_at: float
    submitted_at: float | None
    media_deleted: bool


class UploadStore:
    def __init__(self, db_path: Path) -> None:
        self.db_path = Path(db_path)
        self.db_path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self._all: list[sqlite3.Connection] = []
        self._all_lock = threading.Lock()
        with self.connect() as db:
            db.executescript(SCHEMA)

    @contextmanager
    def connect(self) -> Iterator[sqlite3.Connection]:
        """This thread's connection (opened once: opening and closing per call costs a WAL
        checkpoint each time), inside a transaction that commits or rolls back."""
        db = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(self.db_path, timeout=30, check_same_thread=False)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")  # WAL stays consistent; no fsync per commit
            self._local.db = db
            with self._all_lock:
                self._all.append(db)
        with db:
            yield db

    def release(self) -> None:
        """Closes the calling thread's connection (a thread that is about to end)."""
        db = getattr(self._local, "db", None)
        if db is None:
            return
        self._local.db = None
        with self._all_lock:
            self._all = [c for c in self._all if c is not db]
        with contextlib.suppress(sqlite3.Error):
            db.close()

    def close(self) -> None:
        """Closes every thread's connection (call when the queue is done)."""
        with self._all_lock:
            conns, self._all = self._all, []
        for db in conns:
            with contextlib.suppress(sqlite3.Error):
                db.close()

    # -- queue ------------------------------------------------------------------------
    def add(self, attempt_dir: Path) -> None:
        with self.connect() as db:
            db.execute(
                "INSERT OR IGNORE INTO queue (attempt_dir, enqueued_at) VALUES (?, ?)",
                (str(attempt_dir), time.time()),
            )

    def get(self, attempt_dir: Path) -> QueueRow | None:
        with self.connect() as db:
            row = db.execute(
                "SELECT attempt_dir, state, server_attempt_id, reason, tries, next_try_at,"
                " submitted_at, media_deleted FROM queue WHERE attempt_dir = ?",
                (str(attempt_dir),),
            ).fetchone()
        return _row(row) if row else None

    def rows(self) -> list[QueueRow]:
        with self.connect() as db:
            rows = db.execute(
                "SELECT attempt_dir, state, server_attempt_id, reason, tries, next_try_at,"
                " submitted_at, media_deleted FROM queue ORDER BY enqueued_at"
            ).fetchall()
        return [_row(r) for r in rows]

    def next_due(self, now: float) -> QueueRow | None:
        for row in self.rows():
            if row.state == "queued" and row.next_try_at <= now:
                return row
        return None

    def update(self, attempt_dir: Path, **fields: object) -> None:
        cols = ", ".join(f"{k} = ?" for k in fields)
        with self.connect() as db:
            db.execute(
                f"UPDATE queue SET {cols} WHERE attempt_dir = ?",
                (*fields.values(), str(attempt_dir)),
            )

    # -- tus URLs -----------------------------------------------------------------------
    def url_storage(self) -> Storage:
        return _UrlStorage(self)


class _UrlStorage(Storage):
    """tuspy's URL storage interface on the same SQLite file."""

    def __init__(self, store: UploadStore) -> None:
        self.store = store

    def get_item(self, key: str) -> str | None:
        with self.store.connect() as db:
            row = db.execute("SELECT url FROM tus_urls WHERE fingerprint = ?", (key,)).fetchone()
        return row[0] if row else None

    def set_item(self, key: str, value: str | None) -> None:
        if value is None:
            self.remove_item(key)
            return
        with self.store.connect() as db:
            db.execute(
                "INSERT INTO tus_urls (fingerprint, url) VALUES (?, ?)"
                " ON CONFLICT(fingerprint) DO UPDATE SET url = excluded.url",
                (key, value),
            )

    def remove_item(self, key: str) -> None:
        with self.store.connect() as db:
            db.execute("DELETE FROM tus_urls WHERE fingerprint = ?", (key,))


def _row(r: tuple) -> QueueRow:
    return QueueRow(Path(r[0]), r[1], r[2], r[3], r[4], r[5], r[6], bool(r[7]))
