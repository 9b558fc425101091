"""Uploads survive a killed server; expired uploads are cleaned away."""

from __future__ import annotations

import os
import time

import httpx
import pytest

from backend.app import create_app
from backend.auth import create_token_in
from tests.backend.server import ThreadedBackend, backend_process
from tests.backend.tus_helpers import file_entry, head, new_attempt, new_upload, patch, submit

pytestmark = pytest.mark.server


def test_upload_resumes_from_the_true_offset_after_the_server_is_killed(tmp_path):
    server = backend_process(tmp_path / "data").start()
    try:
        token = server.token()
        aid = new_attempt(server.url, token).json()["id"]
        data = os.urandom(3_000_000)
        loc = new_upload(server.url, token, aid, "recording.mkv", len(data), "recording")
        loc = loc.headers["location"]
        assert patch(loc, token, 0, data[:1_000_000]).status_code == 204
        assert patch(loc, token, 1_000_000, data[1_000_000:2_000_000]).status_code == 204
        server.kill()
        with pytest.raises(httpx.ConnectError):
            head(loc, token)
        server.start()
        offset = int(head(loc, token).headers["upload-offset"])
        assert offset == 2_000_000
        assert patch(loc, token, offset, data[offset:]).status_code == 204
        f = file_entry("recording.mkv", data)
        r = submit(server.url, token, aid, {"files": [f]})
        assert r.status_code == 200, r.text
        assert r.json()["files"] == [f]
        stored = tmp_path / "data" / "attempts" / aid / "recording.mkv"
        assert stored.read_bytes() == data
    finally:
        server.stop()


def test_expired_uploads_are_gone_and_their_files_removed(tmp_path):
    data_dir = tmp_path / "data"
    app = create_app(data_dir, upload_ttl_s=0.5, remux=False)
    token = create_token_in(data_dir, "station", "s")
    with ThreadedBackend(app) as server:
        aid = new_attempt(server.url, token).json()["id"]
        r = new_upload(server.url, token, aid, "a.bin", 10)
        assert "upload-expires" in r.headers
        loc = r.headers["location"]
        assert patch(loc, token, 0, b"12345").status_code == 204
        files = list((data_dir / "uploads").glob("*.bin"))
        assert len(files) == 1
        time.sleep(0.8)
        assert head(loc, token).status_code in (404, 410)
        assert not files[0].exists()
        assert patch(loc, token, 5, b"67890").status_code == 404


def test_an_upload_whose_bytes_all_reached_disk_counts_even_if_the_crash_beat_its_flag(tmp_path):
    """A kill between a chunk's fsync and the database write leaves the file whole but the
    upload not marked complete; the file on disk is what counts."""
    from sqlalchemy import update

    from backend.db import Upload, open_db

    data_dir = tmp_path / "data"
    app = create_app(data_dir, remux=False)
    token = create_token_in(data_dir, "station", "s")
    with ThreadedBackend(app) as server:
        aid = new_attempt(server.url, token).json()["id"]
        loc = new_upload(server.url, token, aid, "events.jsonl", 6).headers["location"]
        assert patch(loc, token, 0, b"abcdef").status_code == 204
        with open_db(data_dir).begin() as db:
            db.execute(update(Upload).values(complete=False, sha256=None))
        app.state.uploads.running.clear()  # as after a restart
        r = submit(server.url, token, aid, {"files": [file_entry("events.jsonl", b"abcdef")]})
        assert r.status_code == 200, r.text
