import hashlib
import json
import os

from session.station.cleanup import SessionMarker, cleanup_attempts, verified_receipt


def attempt(root, name, receipt="good"):
    d = root / name
    d.mkdir(parents=True)
    (d / "attempt.json").write_text("{}")
    (d / "recording.mkv").write_bytes(os.urandom(1000))
    sha = hashlib.sha256((d / "recording.mkv").read_bytes()).hexdigest()
    if receipt == "good":
        (d / "receipt.json").write_text(json.dumps({"files": {"recording.mkv": sha}}))
    elif receipt == "wrong":
        (d / "receipt.json").write_text(json.dumps({"files": {"recording.mkv": "0" * 64}}))
    return d


def test_only_verified_attempts_past_retention_are_deleted(tmp_path):
    a = attempt(tmp_path, "a")
    b = attempt(tmp_path, "b", receipt="wrong")
    c = attempt(tmp_path, "c", receipt=None)
    assert verified_receipt(a) and not verified_receipt(b) and not verified_receipt(c)
    now = os.stat(a / "receipt.json").st_mtime
    r = cleanup_attempts(tmp_path, retention_s=60, now=lambda: now + 10)
    assert r.deleted == [] and r.kept_retention == [a]
    r = cleanup_attempts(tmp_path, retention_s=60, now=lambda: now + 61)
    assert r.deleted == [a] and not a.exists()
    assert r.kept_unverified == [b, c] and b.exists() and c.exists()


def test_a_receipt_still_verifies_after_the_queue_deleted_the_media(tmp_path):
    a = attempt(tmp_path, "a")
    (a / "recording.mkv").unlink()
    assert verified_receipt(a)
    (a / "screen.mkv").write_bytes(b"never uploaded")
    assert not verified_receipt(a)


def test_the_attempt_in_use_is_never_deleted(tmp_path):
    a = attempt(tmp_path, "a")
    r = cleanup_attempts(tmp_path, retention_s=0, keep={a})
    assert r.deleted == [] and a.exists()


def test_session_marker_of_a_dead_process_is_stale(tmp_path):
    m = SessionMarker(tmp_path)
    assert m.stale() is None
    m.write(candidate="c1")
    assert m.stale()["candidate"] == "c1"  # own pid: this process is not "elsewhere"
    data = json.loads(m.path.read_text())
    data["pid"] = 2**22 + 12345  # no such process
    m.path.write_text(json.dumps(data))
    assert m.stale()["candidate"] == "c1" and not m.running_elsewhere()
    m.path.write_text('{"pid": 1')  # torn by a power loss
    assert m.stale() == {}
    m.clear()
    assert m.stale() is None
