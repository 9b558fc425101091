"""attempt.json lists every file with size and SHA-256 and is written atomically."""

from __future__ import annotations

import hashlib
import json

import pytest

from session.attempt.manifest import ManifestError, read_manifest, update_manifest, write_manifest


def _folder(tmp_path):
    (tmp_path / "recording.mkv").write_bytes(b"\x1a\x45\xdf\xa3" + b"x" * 1000)
    (tmp_path / "recording-2.mkv").write_bytes(b"segment two")
    (tmp_path / "whiteboard").mkdir()
    (tmp_path / "whiteboard" / "strokes.json").write_text("[]")
    (tmp_path / "receipt.json").write_text("{}")  # the backend's, not ours to list
    (tmp_path / ".transcript.json.abc.tmp").write_text("half")  # an atomic write in flight
    return tmp_path


def test_manifest_lists_every_file_with_size_and_sha256(tmp_path):
    folder = _folder(tmp_path)
    m = write_manifest(
        folder, "iv-1", 2, True, "in_progress", "2026-11-26T10:00:00Z", None, {"station": "s1"}
    )
    assert m == json.loads((folder / "attempt.json").read_text())
    assert [f["path"] for f in m["files"]] == [
        "recording-2.mkv",
        "recording.mkv",
        "whiteboard/strokes.json",
    ]
    rec = next(f for f in m["files"] if f["path"] == "recording.mkv")
    data = (folder / "recording.mkv").read_bytes()
    assert rec == {
        "path": "recording.mkv",
        "size": 1004,
        "sha256": hashlib.sha256(data).hexdigest(),
    }
    assert m["recordings"] == ["recording.mkv", "recording-2.mkv"]  # recording order
    assert (m["interview_id"], m["attempt_number"], m["practice"]) == ("iv-1", 2, True)
    assert (m["state"], m["finished_at"], m["station"]) == ("in_progress", None, "s1")
    assert read_manifest(folder) == m
    assert not list(folder.glob(".attempt.json*"))


def test_extra_fields_cannot_replace_the_core_fields(tmp_path):
    m = write_manifest(tmp_path, "iv", 1, False, "finished", "a", "b", {"state": "x", "k": 1})
    assert m["state"] == "finished" and m["k"] == 1


def test_unknown_states_are_refused(tmp_path):
    with pytest.raises(ValueError, match="in_progress"):
        write_manifest(tmp_path, "iv", 1, False, "done", "a", None)


def test_update_manifest_changes_the_state_and_keeps_everything_else(tmp_path):
    folder = _folder(tmp_path)
    write_manifest(folder, "iv", 3, False, "in_progress", "t0", None, {"station": "s1"})
    (folder / "events.jsonl").write_text("{}\n")
    m = update_manifest(folder, "finished", finished_at="t1")
    assert (m["interview_id"], m["attempt_number"], m["started_at"]) == ("iv", 3, "t0")
    assert (m["state"], m["finished_at"], m["station"]) == ("finished", "t1", "s1")
    assert "events.jsonl" in [f["path"] for f in m["files"]]


def test_read_manifest_is_none_without_one_and_reports_a_damaged_one(tmp_path):
    assert read_manifest(tmp_path) is None
    (tmp_path / "attempt.json").write_text('{"state": ')
    with pytest.raises(ManifestError, match="not valid JSON"):
        read_manifest(tmp_path)


def test_set_state_changes_only_the_state_and_read_state_names_it(tmp_path):
    from session.attempt.manifest import read_state, set_state
    from session.attempt.state import AttemptState

    assert read_state(tmp_path) is None and not set_state(tmp_path, "finished")
    m = write_manifest(tmp_path, "iv", 1, False, "finished", "a", "b")
    (tmp_path / "late.txt").write_text("x")
    assert set_state(tmp_path, AttemptState.SUBMITTED)
    after = read_manifest(tmp_path)
    assert after == {**m, "state": "submitted"}  # the hashed file list is what was sent
    assert read_state(tmp_path) is AttemptState.SUBMITTED
    (tmp_path / "attempt.json").write_text("{")
    assert read_state(tmp_path) is None
