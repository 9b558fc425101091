"""The reference backend's HTTP API, against the real server on 127.0.0.1."""

from __future__ import annotations

import os

import httpx
import pytest

from tests.backend.tus_helpers import (
    TUS,
    auth,
    checksum,
    file_entry,
    head,
    meta,
    new_attempt,
    new_upload,
    patch,
    submit,
    upload_file,
)

pytestmark = pytest.mark.server


@pytest.fixture(scope="module")
def station(backend) -> str:
    return backend.token("station", "station-a")


@pytest.fixture(scope="module")
def attempt_id(backend, station) -> str:
    r = new_attempt(backend.url, station, "api-tests")
    assert r.status_code == 201, r.text
    return r.json()["id"]


def test_health_answers_ok_and_options_advertise_tus_extensions(backend):
    assert httpx.get(backend.url + "/health").json() == {"ok": True}
    r = httpx.options(backend.url + "/files/")
    assert r.status_code == 204
    assert r.headers["tus-version"] == "1.0.0"
    for ext in ("creation", "checksum", "termination", "expiration"):
        assert ext in r.headers["tus-extension"]
    assert "sha256" in r.headers["tus-checksum-algorithm"]
    assert int(r.headers["tus-max-size"]) > 0


def test_missing_or_wrong_token_is_401(backend):
    assert httpx.get(backend.url + "/api/attempts").status_code == 401
    r = httpx.get(backend.url + "/api/attempts", headers=auth("not-a-token"))
    assert r.status_code == 401
    assert "token" in r.json()["detail"]
    r = httpx.post(backend.url + "/files/", headers={**TUS, **auth("nope"), "Upload-Length": "1"})
    assert r.status_code == 401


def test_another_stations_attempt_and_uploads_are_not_found(backend, station, attempt_id):
    other = backend.token("station", "station-b")
    assert (
        httpx.get(f"{backend.url}/api/attempts/{attempt_id}", headers=auth(other)).status_code
        == 404
    )
    assert new_upload(backend.url, other, attempt_id, "x.bin", 3).status_code == 404
    loc = new_upload(backend.url, station, attempt_id, "own.bin", 3).headers["location"]
    assert head(loc, other).status_code == 404
    assert patch(loc, other, 0, b"abc").status_code == 404
    assert head(loc, station).headers["upload-offset"] == "0"
    ids = [a["id"] for a in httpx.get(backend.url + "/api/attempts", headers=auth(other)).json()]
    assert attempt_id not in ids
    reviewer = backend.token("reviewer", "rita")
    ids = [a["id"] for a in httpx.get(backend.url + "/api/attempts", headers=auth(reviewer)).json()]
    assert attempt_id in ids


def test_wrong_tus_version_is_412(backend, station, attempt_id):
    r = httpx.post(
        backend.url + "/files/",
        headers={**auth(station), "Tus-Resumable": "0.2.2", "Upload-Length": "5"},
    )
    assert r.status_code == 412
    assert r.headers["tus-version"] == "1.0.0"


def test_chunks_resume_from_the_servers_offset_and_a_wrong_offset_is_409(
    backend, station, attempt_id
):
    data = os.urandom(300_000)
    loc = new_upload(backend.url, station, attempt_id, "parts.bin", len(data)).headers["location"]
    assert patch(loc, station, 0, data[:100_000]).headers["upload-offset"] == "100000"
    r = patch(loc, station, 50_000, data[50_000:150_000])
    assert r.status_code == 409
    assert head(loc, station).headers["upload-offset"] == "100000"
    assert patch(loc, station, 100_000, data[100_000:]).status_code == 204
    h = head(loc, station)
    assert (h.headers["upload-offset"], h.headers["upload-length"]) == ("300000", "300000")


def test_checksum_mismatch_is_460_and_the_chunk_is_discarded(backend):
    token = backend.token("station", "checksums")
    aid = new_attempt(backend.url, token, "checksums").json()["id"]
    data = os.urandom(200_000)
    loc = new_upload(backend.url, token, aid, "sum.bin", len(data)).headers["location"]
    assert patch(loc, token, 0, data[:100_000]).status_code == 204
    corrupted = data[100_000:150_000] + b"\x00" * 50_000
    r = patch(loc, token, 100_000, corrupted, check=checksum(data[100_000:]))
    assert r.status_code == 460
    assert head(loc, token).headers["upload-offset"] == "100000"
    assert patch(loc, token, 100_000, data[100_000:]).status_code == 204
    # the discarded bytes left no trace in the file or in its hash
    r = submit(backend.url, token, aid, {"files": [file_entry("sum.bin", data)]})
    assert r.status_code == 200, r.text
    assert (backend.data_dir / "attempts" / aid / "sum.bin").read_bytes() == data


def test_unknown_checksum_algorithm_is_rejected(backend, station, attempt_id):
    loc = new_upload(backend.url, station, attempt_id, "alg.bin", 3).headers["location"]
    assert patch(loc, station, 0, b"abc", check="crc32 AAAA").status_code == 400
    assert head(loc, station).headers["upload-offset"] == "0"


def test_bytes_beyond_the_declared_length_are_413(backend, station, attempt_id):
    loc = new_upload(backend.url, station, attempt_id, "short.bin", 10).headers["location"]
    assert patch(loc, station, 0, b"0123456").status_code == 204
    assert patch(loc, station, 7, b"789ABC").status_code == 413
    assert head(loc, station).headers["upload-offset"] == "7"
    assert patch(loc, station, 7, b"789").status_code == 204


@pytest.mark.parametrize(
    "name", ["../escape.mkv", "a/../../b", "/etc/passwd", "whiteboard\\x.png", "C:/x", ""]
)
def test_filenames_leaving_the_attempt_folder_are_rejected(backend, station, attempt_id, name):
    r = new_upload(backend.url, station, attempt_id, name, 5)
    assert r.status_code == 400, name
    assert "filename" in r.text


def test_termination_deletes_the_upload(backend, station, attempt_id):
    loc = new_upload(backend.url, station, attempt_id, "gone.bin", 4).headers["location"]
    assert httpx.delete(loc, headers={**TUS, **auth(station)}).status_code == 204
    assert head(loc, station).status_code == 404


def test_fourth_official_attempt_is_409_and_says_to_contact_support(backend):
    token = backend.token("station", "candidate-limit")
    for n in (1, 2, 3):
        r = new_attempt(backend.url, token, "limits", client_ref=f"ref-{n}")
        assert r.status_code == 201, r.text
        assert r.json()["attempt_number"] == n
    again = new_attempt(backend.url, token, "limits", client_ref="ref-2")
    assert again.status_code == 200  # a retried create is the same attempt, not a 4th
    r = new_attempt(backend.url, token, "limits", client_ref="ref-4")
    assert r.status_code == 409
    assert "at most 3" in r.json()["detail"] and "contact support" in r.json()["detail"]
    assert new_attempt(backend.url, token, "other-interview").status_code == 201


def test_practice_attempt_is_refused(backend, station):
    r = new_attempt(backend.url, station, "demo", practice=True)
    assert r.status_code == 403
    assert "Practice attempts are never uploaded" in r.json()["detail"]


def test_submit_lists_missing_and_wrong_files_then_signs_a_verifiable_receipt(backend):
    token = backend.token("station", "submitter")
    aid = new_attempt(backend.url, token, "submit").json()["id"]
    good = upload_file(backend.url, token, aid, "transcript.json", b"[]", "transcript")
    events = upload_file(backend.url, token, aid, "events.jsonl", b'{"t":1,"type":"x"}\n')
    missing = {"path": "recording.mkv", "size": 9, "sha256": "0" * 64}
    wrong = {**events, "sha256": "f" * 64}
    r = submit(backend.url, token, aid, {"files": [good, wrong, missing]})
    assert r.status_code == 409
    problems = {p["path"]: p["problem"] for p in r.json()["detail"]["problems"]}
    assert problems == {
        "events.jsonl": "size or sha256 differs from the manifest",
        "recording.mkv": "missing: never uploaded",
    }
    manifest = {"interview_id": "submit", "files": [good, events]}
    r = submit(backend.url, token, aid, manifest)
    assert r.status_code == 200, r.text
    receipt = r.json()
    assert receipt["attempt_id"] == aid and receipt["files"] == [good, events]
    assert len(receipt["signature"]) == 64
    verify = httpx.post(f"{backend.url}/api/receipts/verify", json=receipt, headers=auth(token))
    assert verify.json()["valid"] is True
    forged = {**receipt, "files": [{**good, "sha256": "1" * 64}, events]}
    verify = httpx.post(f"{backend.url}/api/receipts/verify", json=forged, headers=auth(token))
    assert verify.json()["valid"] is False
    again = submit(backend.url, token, aid, manifest)
    assert again.json() == receipt  # a retried submit gets the same receipt
    late = new_upload(backend.url, token, aid, "late.bin", 1)
    assert late.status_code == 409
    state = httpx.get(f"{backend.url}/api/attempts/{aid}", headers=auth(token)).json()["state"]
    assert state == "submitted"


def test_interview_config_is_served_as_json(backend):
    r = httpx.get(backend.url + "/api/interviews/demo")
    assert r.status_code == 200 and r.json()["title"] == "Demo interview"
    assert httpx.get(backend.url + "/api/interviews/nope").status_code == 404
    assert httpx.get(backend.url + "/api/interviews/..%2Fsecret").status_code == 404


def test_speedtest_counts_the_body_and_caps_it_at_8_mb(backend):
    r = httpx.post(backend.url + "/api/speedtest", content=b"x" * 1_000_000)
    assert r.json() == {"bytes": 1_000_000}
    r = httpx.post(backend.url + "/api/speedtest", content=b"x" * (8 * 1024 * 1024 + 1))
    assert r.status_code == 413


def test_metadata_must_be_base64(backend, station, attempt_id):
    r = httpx.post(
        backend.url + "/files/",
        headers={
            **TUS,
            **auth(station),
            "Upload-Length": "3",
            "Upload-Metadata": "filename %%%," + meta(attempt_id=attempt_id),
        },
    )
    assert r.status_code == 400


def test_large_chunks_with_and_without_checksum_hash_to_the_files_sha256(backend):
    # Chunks larger than the server's hashing batch, one sent without Upload-Checksum: the
    # hash the server keeps while the bytes stream in must equal the file's sha256.
    token = backend.token("station", "big-chunks")
    aid = new_attempt(backend.url, token, "big-chunks").json()["id"]
    data = os.urandom(3_500_000)
    loc = new_upload(backend.url, token, aid, "big.bin", len(data)).headers["location"]
    assert patch(loc, token, 0, data[:1_500_000]).status_code == 204
    r = patch(loc, token, 1_500_000, data[1_500_000:3_000_000], check=None)
    assert r.status_code == 204
    assert patch(loc, token, 3_000_000, data[3_000_000:]).status_code == 204
    r = submit(backend.url, token, aid, {"files": [file_entry("big.bin", data)]})
    assert r.status_code == 200, r.text


def test_an_upload_moved_by_submit_is_gone_for_later_chunks(backend):
    token = backend.token("station", "after-submit")
    aid = new_attempt(backend.url, token, "after-submit").json()["id"]
    loc = new_upload(backend.url, token, aid, "a.bin", 4).headers["location"]
    assert patch(loc, token, 0, b"ab").status_code == 204
    assert patch(loc, token, 2, b"cd").status_code == 204
    r = submit(backend.url, token, aid, {"files": [file_entry("a.bin", b"abcd")]})
    assert r.status_code == 200, r.text
    assert head(loc, token).status_code == 404
    assert patch(loc, token, 4, b"").status_code == 404
