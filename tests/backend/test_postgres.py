"""The backend on PostgreSQL instead of SQLite: the same server, tokens, uploads, attempt
limits and review page, against a private PostgreSQL server on 127.0.0.1."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import httpx
import pytest

from session.upload.queue import upload_attempt
from tests.backend.attempt_maker import make_attempt
from tests.backend.postgres import PostgresServer, server_bin
from tests.backend.server import backend_process
from tests.backend.tus_helpers import auth, new_attempt

pytestmark = pytest.mark.server


@pytest.fixture(scope="module")
def postgres():
    bin_dir = server_bin()
    if bin_dir is None:
        pytest.skip("no PostgreSQL server here (make test installs the postgresql package)")
    # Not under pytest's temporary folder: as root that is closed to the postgres user.
    folder = Path(tempfile.mkdtemp(prefix="kiosk-pg-"))
    server = PostgresServer(folder, bin_dir).start()
    yield server
    server.stop()
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module")
def backend(postgres, tmp_path_factory):
    server = backend_process(
        tmp_path_factory.mktemp("pg-backend") / "data", database_url=postgres.url
    ).start()
    yield server
    server.stop()


def test_tokens_uploads_and_receipts_work_on_postgres(backend, tmp_path):
    station = backend.token("station", "pg-station")
    other = backend.token("station", "pg-other")
    reviewer = backend.token("reviewer", "pg-reviewer")
    assert httpx.get(backend.url + "/api/attempts", headers=auth("nope")).status_code == 401
    # No SQLite file was made: the rows are in PostgreSQL.
    assert not list(backend.data_dir.glob("*.sqlite*"))

    folder = make_attempt(tmp_path / "attempt", recording_bytes=12 * 1024 * 1024)
    out = upload_attempt(folder, backend.url, station, db_path=tmp_path / "q.sqlite")
    assert out["receipt"] and out["state"] == "submitted", out
    aid = out["attempt_id"]
    mine = httpx.get(f"{backend.url}/api/attempts/{aid}", headers=auth(station))
    assert mine.status_code == 200 and mine.json()["state"] == "submitted"
    theirs = httpx.get(f"{backend.url}/api/attempts/{aid}", headers=auth(other))
    assert theirs.status_code in (403, 404)

    page = httpx.get(f"{backend.url}/review/attempts/{aid}", headers=auth(reviewer))
    assert page.status_code == 200 and "recording" in page.text


def test_the_attempt_limit_holds_on_postgres(backend):
    token = backend.token("station", "pg-limit")
    for n in (1, 2, 3):
        r = new_attempt(backend.url, token, "limits", client_ref=f"ref-{n}")
        assert r.status_code == 201 and r.json()["attempt_number"] == n, r.text
    assert new_attempt(backend.url, token, "limits", client_ref="ref-2").status_code == 200
    r = new_attempt(backend.url, token, "limits", client_ref="ref-4")
    assert r.status_code == 409 and "at most 3" in r.json()["detail"]
