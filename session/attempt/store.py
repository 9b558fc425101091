"""Which attempts exist, in what state, and how far they got: one SQLite file in the app's
data folder.

The row's state follows the attempt folder's ``attempt.json`` (the source of truth): every
change made here is written to the manifest first, and a row that disagrees with its
manifest (the uploader marked it submitted) is brought in line when it is read. The one fact
a manifest cannot hold is that the process writing it died: a row this store marked
interrupted for that reason stays so while the manifest still says in_progress.

The retake limit is enforced here (official interviews only; practice is unlimited and never
uploaded). An attempt still ``in_progress`` whose process is gone was interrupted by a
crash or power cut: at the next start it can be resumed from the next unanswered question
(the recording continues in a new segment) or finished and submitted as it is.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import time
from collections.abc import Iterator, Sequence
from contextlib import closing, contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Protocol

from session.attempt import manifest
from session.attempt.finalize import finalize_interrupted
from session.attempt.manifest import now_iso, update_manifest
from session.attempt.state import AttemptState
from session.runtime import paths
from session.runtime.process import pid_alive

DB_FILE = "attempts.sqlite3"
SUPPORT_HINT = (
    "If something went wrong during an attempt (a crash, a power cut, a broken camera), "
    "please contact support from the Help menu and quote the interview id {id!r}; "
    "they can allow another attempt."
)


class _Question(Protocol):
    @property
    def id(self) -> str: ...


class InterviewConfig(Protocol):
    """What the store needs of an interview (``session.interview.config.InterviewConfig``
    has it); the attempt room does not depend on the interview room."""

    @property
    def id(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def practice(self) -> bool: ...
    @property
    def max_attempts(self) -> int: ...
    @property
    def questions(self) -> Sequence[_Question]: ...


class RetakeLimitReached(Exception):
    """All official attempts for an interview are used. The message tells the candidate what
    to do."""


class AttemptNotFound(KeyError):
    pass


@dataclass(frozen=True)
class Attempt:
    id: int
    interview_id: str
    number: int  # 1, 2, 3 per interview (practice attempts are numbered separately)
    practice: bool
    state: AttemptState
    dir: Path
    answered: tuple[str, ...] = ()
    started_at: float = 0.0  # wall-clock epoch seconds
    finished_at: float | None = None
    segments: int = 1  # recording segments: resumed attempts continue in a new one
    pid: int | None = None
    extra: dict = field(default_factory=dict)

    def next_question_index(self, config: InterviewConfig) -> int | None:
        """The first question not yet answered, or None when all were."""
        for i, q in enumerate(config.questions):
            if q.id not in self.answered:
                return i
        return None


_SCHEMA = """
CREATE TABLE IF NOT EXISTS attempts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    interview_id TEXT NOT NULL,
    number INTEGER NOT NULL,
    practice INTEGER NOT NULL,
    state TEXT NOT NULL,
    dir TEXT NOT NULL,
    answered TEXT NOT NULL DEFAULT '[]',
    started_at REAL NOT NULL,
    finished_at REAL,
    updated_at REAL NOT NULL,
    segments INTEGER NOT NULL DEFAULT 1,
    pid INTEGER,
    extra TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX IF NOT EXISTS attempts_interview ON attempts (interview_id, practice);
"""


class AttemptStore:
    """Thread-safe: every call opens its own short connection (SQLite serialises writers)."""

    def __init__(self, db_path: Path | None = None, attempts_root: Path | None = None) -> None:
        self.db_path = Path(db_path) if db_path else paths.data_dir() / DB_FILE
        self._attempts_root = attempts_root
        self.db_path.parent.mkdir(parents=True, exist_ok=True)
        with self._db() as db:
            db.executescript(_SCHEMA)

    @contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        with closing(sqlite3.connect(self.db_path, timeout=10)) as db:
            db.row_factory = sqlite3.Row
            with db:  # one transaction per call
                yield db

    # ------------------------------------------------------------ queries

    def get(self, attempt_id: int) -> Attempt:
        with self._db() as db:
            row = db.execute("SELECT * FROM attempts WHERE id = ?", (attempt_id,)).fetchone()
        if row is None:
            raise AttemptNotFound(attempt_id)
        return self._follow_manifest(_attempt(row))

    def attempts(self, interview_id: str | None = None) -> list[Attempt]:
        sql, args = "SELECT * FROM attempts", ()
        if interview_id is not None:
            sql, args = sql + " WHERE interview_id = ?", (interview_id,)
        with self._db() as db:
            rows = [_attempt(r) for r in db.execute(sql + " ORDER BY id", args)]
        return [self._follow_manifest(a) for a in rows]

    def _follow_manifest(self, attempt: Attempt) -> Attempt:
        """The attempt with the state its manifest names (the row is updated to it)."""
        state = manifest.read_state(attempt.dir)
        if state is None or state is attempt.state:
            return attempt
        crashed = attempt.state is AttemptState.INTERRUPTED
        if crashed and state is AttemptState.IN_PROGRESS:
            return attempt  # its process died before it could say so
        with self._db() as db:
            db.execute(
                "UPDATE attempts SET state = ?, updated_at = ? WHERE id = ?",
                (state.value, time.time(), attempt.id),
            )
        return replace(attempt, state=state)

    def official_attempts_used(self, interview_id: str) -> int:
        with self._db() as db:
            (n,) = db.execute(
                "SELECT COUNT(*) FROM attempts WHERE interview_id = ? AND practice = 0",
                (interview_id,),
            ).fetchone()
        return int(n)

    def attempts_left(self, interview: InterviewConfig) -> int | None:
        """None for practice interviews (no limit)."""
        if interview.practice:
            return None
        return max(0, interview.max_attempts - self.official_attempts_used(interview.id))

    def interrupted_attempts(self, interview_id: str | None = None) -> list[Attempt]:
        """Attempts a crash cut short (oldest first). Attempts left ``in_progress`` by a
        process that is gone are marked interrupted first."""
        self.recover_crashed()
        return [a for a in self.attempts(interview_id) if a.state is AttemptState.INTERRUPTED]

    def recover_crashed(self) -> list[int]:
        """Marks ``in_progress`` attempts of dead processes as interrupted; returns their ids."""
        now = time.time()
        ids = []
        with self._db() as db:
            rows = db.execute(
                "SELECT id, pid FROM attempts WHERE state = ?", (AttemptState.IN_PROGRESS.value,)
            )
            for row in rows.fetchall():
                if not pid_alive(row["pid"]):
                    ids.append(row["id"])
            for i in ids:
                db.execute(
                    "UPDATE attempts SET state = ?, updated_at = ? WHERE id = ?",
                    (AttemptState.INTERRUPTED.value, now, i),
                )
        return ids

    # ------------------------------------------------------------ changes

    def start_attempt(self, interview: InterviewConfig, attempt_dir: Path | None = None) -> Attempt:
        """A new attempt folder and row. Raises RetakeLimitReached for an official interview
        whose attempts are used up."""
        now = time.time()
        with self._db() as db:
            (used,) = db.execute(
                "SELECT COUNT(*) FROM attempts WHERE interview_id = ? AND practice = ?",
                (interview.id, int(interview.practice)),
            ).fetchone()
            if not interview.practice and used >= interview.max_attempts:
                raise RetakeLimitReached(
                    f"You have used all {interview.max_attempts} attempts for "
                    f"{interview.title!r}. " + SUPPORT_HINT.format(id=interview.id)
                )
            number = used + 1
            folder = Path(attempt_dir) if attempt_dir else self._new_dir(interview, number, now)
            folder.mkdir(parents=True, exist_ok=True)
            cur = db.execute(
                "INSERT INTO attempts (interview_id, number, practice, state, dir, started_at,"
                " updated_at, pid) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    interview.id,
                    number,
                    int(interview.practice),
                    AttemptState.IN_PROGRESS.value,
                    str(folder.resolve()),
                    now,
                    now,
                    os.getpid(),
                ),
            )
            attempt_id = cur.lastrowid
        return self.get(int(attempt_id))

    def _new_dir(self, interview: InterviewConfig, number: int, now: float) -> Path:
        root = self._attempts_root or paths.attempts_dir()
        safe = re.sub(r"[^A-Za-z0-9._-]+", "-", interview.id).strip("-") or "interview"
        kind = "practice" if interview.practice else "attempt"
        stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(now))
        base = root / f"{safe}-{kind}{number}-{stamp}"
        folder, n = base, 1
        while folder.exists():
            n += 1
            folder = base.with_name(f"{base.name}-{n}")
        return folder

    def mark_answered(self, attempt_id: int, question_id: str) -> Attempt:
        """Called as the interview moves past a question, so a crash resumes after it."""
        with self._db() as db:
            row = db.execute("SELECT answered FROM attempts WHERE id = ?", (attempt_id,)).fetchone()
            if row is None:
                raise AttemptNotFound(attempt_id)
            answered = json.loads(row["answered"])
            if question_id not in answered:
                answered.append(question_id)
            db.execute(
                "UPDATE attempts SET answered = ?, updated_at = ? WHERE id = ?",
                (json.dumps(answered), time.time(), attempt_id),
            )
        return self.get(attempt_id)

    def set_state(self, attempt_id: int, state: AttemptState | str) -> Attempt:
        """The manifest first (when the folder has one), then the row."""
        state = AttemptState(state)
        with self._db() as db:
            row = db.execute("SELECT dir FROM attempts WHERE id = ?", (attempt_id,)).fetchone()
        if row is None:
            raise AttemptNotFound(attempt_id)
        manifest.set_state(Path(row["dir"]), state)
        now = time.time()
        finished = state in (AttemptState.FINISHED, AttemptState.SUBMITTED)
        with self._db() as db:
            cur = db.execute(
                "UPDATE attempts SET state = ?, updated_at = ?,"
                " finished_at = CASE WHEN ? THEN COALESCE(finished_at, ?) ELSE finished_at END"
                " WHERE id = ?",
                (state.value, now, int(finished), now, attempt_id),
            )
            if cur.rowcount == 0:
                raise AttemptNotFound(attempt_id)
        return self.get(attempt_id)

    def finish(self, attempt_id: int) -> Attempt:
        return self.set_state(attempt_id, AttemptState.FINISHED)

    def mark_submitted(self, attempt_id: int) -> Attempt:
        """The backend's receipt for this attempt verified (the upload's result)."""
        attempt = self.get(attempt_id)
        if attempt.practice:
            raise ValueError("practice attempts are never uploaded")
        return self.set_state(attempt_id, AttemptState.SUBMITTED)

    def abandon(self, attempt_id: int) -> Attempt:
        return self.set_state(attempt_id, AttemptState.ABANDONED)

    def resume(self, attempt_id: int) -> Attempt:
        """Continue an interrupted attempt: back to in_progress, owned by this process, one
        more recording segment. Ask ``next_question_index`` where to start."""
        attempt = self.get(attempt_id)
        if attempt.state is not AttemptState.INTERRUPTED:
            raise ValueError(f"attempt {attempt_id} is {attempt.state}, not interrupted")
        if attempt.dir.is_dir():
            _finalize(attempt)  # a cut-off segment is closed before the next one starts
            manifest.set_state(attempt.dir, AttemptState.IN_PROGRESS)
        with self._db() as db:
            db.execute(
                "UPDATE attempts SET state = ?, segments = segments + 1, pid = ?, updated_at = ?"
                " WHERE id = ?",
                (AttemptState.IN_PROGRESS.value, os.getpid(), time.time(), attempt_id),
            )
        return self.get(attempt_id)

    def finish_as_is(self, attempt_id: int) -> Attempt:
        """An interrupted attempt the candidate wants to submit without continuing: repair
        its files, mark the folder's manifest and the row finished, ready to upload."""
        attempt = self.get(attempt_id)
        if attempt.state is not AttemptState.INTERRUPTED:
            raise ValueError(f"attempt {attempt_id} is {attempt.state}, not interrupted")
        if attempt.dir.is_dir():
            _finalize(attempt)
            update_manifest(attempt.dir, AttemptState.FINISHED, finished_at=now_iso())
        return self.finish(attempt_id)

    def set_extra(self, attempt_id: int, **values: object) -> Attempt:
        attempt = self.get(attempt_id)
        extra = {**attempt.extra, **values}
        with self._db() as db:
            db.execute(
                "UPDATE attempts SET extra = ?, updated_at = ? WHERE id = ?",
                (json.dumps(extra), time.time(), attempt_id),
            )
        return self.get(attempt_id)


def _finalize(attempt: Attempt) -> None:
    finalize_interrupted(attempt.dir, attempt.interview_id, attempt.number, attempt.practice)


def _attempt(row: sqlite3.Row) -> Attempt:
    return Attempt(
        id=row["id"],
        interview_id=row["interview_id"],
        number=row["number"],
        practice=bool(row["practice"]),
        state=AttemptState(row["state"]),
        dir=Path(row["dir"]),
        answered=tuple(json.loads(row["answered"])),
        started_at=row["started_at"],
        finished_at=row["finished_at"],
        segments=row["segments"],
        pid=row["pid"],
        extra=json.loads(row["extra"] or "{}"),
    )
