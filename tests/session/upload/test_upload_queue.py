"""The resumable upload queue against the real backend on 127.0.0.1."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from session.upload.queue import UploadQueue, backoff_delay, upload_attempt
from tests.backend.attempt_maker import make_attempt
from tests.backend.server import backend_process
from tests.conftest import ROOT

pytestmark = pytest.mark.server
CHUNK = 256 * 1024


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    s = backend_process(tmp_path_factory.mktemp("upload-backend") / "data").start()
    yield s
    s.stop()


@pytest.fixture(scope="module")
def reviewer(server) -> dict[str, str]:
    return {"Authorization": f"Bearer {server.token('reviewer', 'rita')}"}


def received(server) -> int:
    return httpx.get(server.url + "/api/bench/stats").json()["tus_bytes_received"]


def total_size(folder: Path) -> int:
    files = json.loads((folder / "attempt.json").read_text())["files"]
    return sum(f["size"] for f in files) + (folder / "attempt.json").stat().st_size


def test_upload_writes_a_verified_receipt_and_then_deletes_media(server, reviewer, tmp_path):
    folder = make_attempt(tmp_path / "a1", interview_id="q-receipt")
    manifest = json.loads((folder / "attempt.json").read_text())
    expected_total = total_size(folder)
    token = server.token("station", "st-receipt")
    seen: list[tuple] = []
    queue = UploadQueue(tmp_path / "q.sqlite", server.url, token, chunk_size=CHUNK)
    queue.subscribe(on_progress=lambda *a: seen.append(a))
    queue.enqueue(folder)
    result = queue.run_once()
    assert result.state == "submitted", result.reason
    receipt = json.loads((folder / "receipt.json").read_text())
    assert receipt["files"] == manifest["files"]
    r = httpx.post(server.url + "/api/receipts/verify", json=receipt, headers=reviewer)
    assert r.json()["valid"] is True
    stored = server.data_dir / "attempts" / receipt["attempt_id"] / "recording.mkv"
    assert stored.stat().st_size == manifest["files"][0]["size"]
    # retention 0: media gone, everything else kept
    assert not (folder / "recording.mkv").exists() and not (folder / "screen.mkv").exists()
    assert (folder / "transcript.json").exists() and (folder / "attempt.json").exists()
    assert json.loads((folder / "attempt.json").read_text())["state"] == "submitted"
    sent, total, rate, eta = seen[-1]
    assert sent == total == expected_total
    assert [s for s, *_ in seen] == sorted(s for s, *_ in seen)  # never goes backwards
    assert rate > 0 and eta == 0
    assert queue.run_once().state == "idle"


def test_media_stays_until_the_retention_has_passed(server, tmp_path):
    folder = make_attempt(tmp_path / "a2", interview_id="q-retain", recording_bytes=100_000)
    queue = UploadQueue(
        tmp_path / "q.sqlite", server.url, server.token("station", "st-retain"), retention_s=3600
    )
    queue.enqueue(folder)
    assert queue.run_once().state == "submitted"
    assert (folder / "recording.mkv").exists()
    assert queue.purge_media() == []
    queue.retention_s = 0
    assert sorted(p.name for p in queue.purge_media()) == ["recording.mkv", "screen.mkv"]
    assert (folder / "receipt.json").exists()


def test_practice_attempt_never_leaves_the_machine(server, reviewer, tmp_path):
    folder = make_attempt(tmp_path / "p", interview_id="q-practice", practice=True)
    before = received(server)
    queue = UploadQueue(tmp_path / "q.sqlite", server.url, server.token("station", "st-practice"))
    queue.enqueue(folder)
    assert queue.status(folder)["state"] == "refused"
    assert "practice" in queue.status(folder)["reason"]
    assert queue.run_once().state == "idle"
    out = upload_attempt(folder, server.url, "any-token", db_path=tmp_path / "q2.sqlite")
    assert out["receipt"] is False and "practice" in out["reason"]
    attempts = httpx.get(server.url + "/api/attempts", headers=reviewer).json()
    assert not [a for a in attempts if a["interview_id"] == "q-practice"]
    assert received(server) == before
    assert (folder / "recording.mkv").exists() and not (folder / "receipt.json").exists()


CHILD = """
import sys, time
from pathlib import Path
from session.upload.queue import upload_attempt
def progress(sent, total, rate, eta):
    print("P", sent, flush=True)
    time.sleep(0.05)  # slow enough that the parent's kill lands mid-upload
upload_attempt(Path(sys.argv[1]), sys.argv[2], sys.argv[3], progress,
               db_path=Path(sys.argv[4]), chunk_size=int(sys.argv[5]))
print("DONE", flush=True)
"""


def test_upload_resumes_after_the_client_is_killed(server, tmp_path):
    folder = make_attempt(tmp_path / "k", interview_id="q-kill", recording_bytes=3_000_000)
    token = server.token("station", "st-kill")
    db = tmp_path / "q.sqlite"
    before = received(server)
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(folder), server.url, token, str(db), str(CHUNK)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    sent_at_kill = 0
    for line in child.stdout:
        if line.startswith("P") and int(line.split()[1]) >= 1_000_000:
            sent_at_kill = int(line.split()[1])
            child.kill()
            break
    child.wait(10)
    assert child.returncode == -9 and sent_at_kill > 0
    assert not (folder / "receipt.json").exists()
    out = upload_attempt(folder, server.url, token, db_path=db, chunk_size=CHUNK)
    assert out["receipt"] is True, out
    total = total_size(folder)
    # the second run sends only what the server did not have, give or take one chunk
    assert out["uploaded_bytes"] <= total - sent_at_kill + CHUNK
    assert received(server) - before <= total + CHUNK


def test_upload_resumes_after_the_server_restarts_mid_upload(tmp_path):
    server = backend_process(tmp_path / "data").start()
    try:
        folder = make_attempt(tmp_path / "r", interview_id="q-restart", recording_bytes=3_000_000)
        queue = UploadQueue(tmp_path / "q.sqlite", server.url, server.token(), chunk_size=CHUNK)
        killed: list[int] = []

        def progress(sent, total, rate, eta):
            if sent >= 1_000_000 and not killed:
                killed.append(sent)
                server.kill()

        unsubscribe = queue.subscribe(on_progress=progress)
        queue.enqueue(folder)
        first = queue.run_once()
        assert first.state == "retry" and first.retry_in > 0
        assert first.reason.startswith("uploading ")
        assert queue.status(folder)["state"] == "queued"
        server.start()
        unsubscribe()
        time.sleep(first.retry_in)
        second = queue.run_once()
        assert second.state == "submitted", second.reason
        assert second.uploaded_bytes <= total_size(folder) - killed[0] + CHUNK
    finally:
        server.stop()


def test_stopping_the_worker_mid_upload_is_bounded_and_the_next_start_carries_on(server, tmp_path):
    folder = make_attempt(tmp_path / "s", interview_id="q-stop", recording_bytes=3_000_000)
    token = server.token("station", "st-stop")
    db = tmp_path / "q.sqlite"
    queue = UploadQueue(db, server.url, token, chunk_size=CHUNK)
    halfway = threading.Event()

    def progress(sent, total, rate, eta):
        if sent >= 1_000_000:
            halfway.set()
        time.sleep(0.02)

    queue.subscribe(on_progress=progress)
    queue.enqueue(folder)
    queue.start()
    assert halfway.wait(20)
    t0 = time.monotonic()
    assert queue.stop(timeout=5) is True
    assert time.monotonic() - t0 < 5
    assert queue.status(folder)["state"] == "queued"
    assert not (folder / "receipt.json").exists()

    again = UploadQueue(db, server.url, token, chunk_size=CHUNK)
    done = threading.Event()
    results = []
    again.subscribe(
        on_result=lambda r: (results.append(r), done.set() if r.state == "submitted" else None)
    )
    again.start()
    try:
        assert done.wait(30), [r.reason for r in results]
    finally:
        assert again.stop(timeout=5)
    assert results[-1].uploaded_bytes <= total_size(folder) - 1_000_000 + CHUNK
    assert (folder / "receipt.json").exists()


def test_fourth_official_attempt_is_refused_with_the_servers_reason(server, tmp_path):
    token = server.token("station", "st-limit")
    for n in (1, 2, 3):
        folder = make_attempt(
            tmp_path / f"t{n}",
            interview_id="q-limit",
            attempt_number=n,
            recording_bytes=1000,
            candidate="cand-7",
        )
        assert upload_attempt(folder, server.url, token, db_path=tmp_path / "q.sqlite")["receipt"]
    folder = make_attempt(
        tmp_path / "t4",
        interview_id="q-limit",
        attempt_number=4,
        recording_bytes=1000,
        candidate="cand-7",
    )
    out = upload_attempt(folder, server.url, token, db_path=tmp_path / "q.sqlite")
    assert out["receipt"] is False and out["state"] == "refused"
    assert "409" in out["reason"] and "contact support" in out["reason"]


def test_wrong_token_is_refused_with_a_clear_reason(server, tmp_path):
    folder = make_attempt(tmp_path / "w", interview_id="q-token", recording_bytes=1000)
    out = upload_attempt(folder, server.url, "wrong", db_path=tmp_path / "q.sqlite")
    assert out["state"] == "refused" and "401" in out["reason"] and "token" in out["reason"]


def test_unreachable_backend_is_retried_with_growing_jittered_backoff(tmp_path):
    folder = make_attempt(tmp_path / "u", recording_bytes=1000)
    queue = UploadQueue(tmp_path / "q.sqlite", "http://127.0.0.1:9", "t")
    queue.enqueue(folder)
    result = queue.run_once()
    assert result.state == "retry" and "cannot reach the backend" in result.reason
    assert queue.run_once().state == "idle"  # not due before its backoff ends
    delays = [[backoff_delay(n) for _ in range(200)] for n in (1, 4, 20)]
    assert max(delays[0]) <= 0.5 and max(delays[1]) <= 4.0 and max(delays[2]) <= 60.0
    assert min(delays[2]) >= 6.0 and len(set(delays[2])) > 100  # jitter, capped at 60 s


def test_an_attempt_with_a_genuine_receipt_is_not_sent_again(server, tmp_path):
    folder = make_attempt(tmp_path / "again", interview_id="q-again", recording_bytes=100_000)
    token = server.token("station", "st-again")
    assert upload_attempt(folder, server.url, token, db_path=tmp_path / "q1.sqlite")["receipt"]
    assert not (folder / "recording.mkv").exists()  # media deleted after the receipt
    before = received(server)
    out = upload_attempt(folder, server.url, token, db_path=tmp_path / "fresh.sqlite")
    assert out["receipt"] is True and out["uploaded_bytes"] == 0
    assert received(server) == before


def test_an_attempt_still_being_recorded_is_not_sent(tmp_path):
    folder = make_attempt(tmp_path / "live", recording_bytes=1000)
    manifest = json.loads((folder / "attempt.json").read_text())
    (folder / "attempt.json").write_text(json.dumps({**manifest, "state": "in_progress"}))
    queue = UploadQueue(tmp_path / "q.sqlite", "http://127.0.0.1:9", "t")
    queue.enqueue(folder)
    result = queue.run_once()
    assert result.state == "refused" and "still being recorded" in result.reason


def test_a_rejected_chunk_with_the_next_one_already_sent_is_sent_again(
    server, tmp_path, monkeypatch
):
    # Chunks are pipelined: when the server rejects one (460), the chunk sent after it must
    # be dropped (409) unread, and the upload goes on from the server's offset.
    from session.upload import tus_client
    folder = make_attempt(tmp_path / "c", interview_id="q-460", recording_bytes=2_000_000)
    token = server.token("station", "st-460")
    real_read = tus_client.Sha256Uploader._read
    spoiled: list[int] = []

    def read(self, offset: int, length: int):
        chunk, digest = real_read(self, offset, length)
        if offset == 3 * CHUNK and not spoiled:
            spoiled.append(offset)
            return chunk, tus_client.base64.b64encode(b"\0" * 32).decode()
        return chunk, digest

    monkeypatch.setattr(tus_client.Sha256Uploader, "_read", read)
    before = received(server)
    out = upload_attempt(folder, server.url, token, db_path=tmp_path / "q.sqlite", chunk_size=CHUNK)
    assert spoiled and out["receipt"] is True, out
    assert received(server) - before <= total_size(folder) + CHUNK


def test_several_listeners_each_hear_every_result_until_they_unsubscribe(tmp_path):
    folder = make_attempt(tmp_path / "l", interview_id="q-listeners")
    queue = UploadQueue(tmp_path / "q.sqlite", "http://127.0.0.1:9", "t")
    station, flow = [], []
    queue.subscribe(on_result=station.append)
    leave = queue.subscribe(on_result=flow.append)
    queue.enqueue(folder)
    queue.start()
    try:
        deadline = time.monotonic() + 10
        while not flow and time.monotonic() < deadline:
            time.sleep(0.05)
        leave()
        leave()  # twice is harmless
        n = len(flow)
        assert n >= 1 and station[:n] == flow and flow[0].state == "retry"
        deadline = time.monotonic() + 10
        while len(station) <= n and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(station) > n and len(flow) == n
    finally:
        queue.close()
