"""finalize_interrupted on the odd leftovers a crash can produce."""

from __future__ import annotations

import json

from session.attempt.finalize import finalize_interrupted
from session.attempt.manifest import read_manifest, write_manifest
from session.attempt.verify import verify_attempt
from tests.session.attempt.test_verify import make_attempt


def test_a_segment_killed_before_any_media_is_set_aside_not_deleted(tmp_path):
    folder = make_attempt(tmp_path / "a", state="in_progress")
    (folder / "recording-2.mkv").write_bytes(b"\x1a\x45\xdf\xa3")  # header start, no media
    (folder / ".recording.remux.mkv").write_bytes(b"half a remux")  # a repair cut short
    report = finalize_interrupted(folder)
    assert report["set_aside"] == ["recording-2.mkv"] and report["problems"] == []
    assert (folder / ".recording-2.mkv.empty").read_bytes() == b"\x1a\x45\xdf\xa3"
    assert not (folder / ".recording.remux.mkv").exists()
    m = read_manifest(folder)
    assert m["state"] == "interrupted" and m["recordings"] == ["recording.mkv"]
    assert m["interview_id"] == "iv"  # kept from the manifest the attempt started with
    assert verify_attempt(folder)["ok"]


def test_a_damaged_manifest_is_kept_aside_and_rewritten(tmp_path):
    folder = make_attempt(tmp_path / "a", state="in_progress")
    (folder / "attempt.json").write_text('{"state": "in_pro')  # torn write
    report = finalize_interrupted(folder, interview_id="iv-9", attempt_number=2)
    assert any("not valid JSON" in p for p in report["problems"])
    assert len(list(folder.glob(".attempt.json.corrupt-*"))) == 1
    m = json.loads((folder / "attempt.json").read_text())
    assert (m["state"], m["interview_id"], m["attempt_number"]) == ("interrupted", "iv-9", 2)
    assert verify_attempt(folder)["ok"]


def test_an_interrupted_attempt_that_stopped_cleanly_is_left_as_it_is(tmp_path):
    folder = make_attempt(tmp_path / "a", state="interrupted")
    before = (folder / "attempt.json").read_bytes()
    assert finalize_interrupted(folder)["changed"] is False
    assert (folder / "attempt.json").read_bytes() == before


def test_a_submitted_attempt_is_never_touched(tmp_path):
    folder = make_attempt(tmp_path / "a", state="submitted")
    (folder / "recording.mkv").write_bytes(b"cut")  # even if something looks wrong
    write_manifest(folder, "iv", 1, False, "submitted", "s", "f")
    assert finalize_interrupted(folder)["changed"] is False
    assert (folder / "recording.mkv").read_bytes() == b"cut"


def test_captions_cut_short_by_a_crash_are_rebuilt_from_the_transcript(tmp_path):
    folder = make_attempt(tmp_path / "a", state="in_progress")
    full = (folder / "captions.vtt").read_text()
    # the crash came between renaming transcript.json and captions.vtt: one cue missing
    (folder / "captions.vtt").write_text(full.split("\n2\n")[0] + "\n")
    assert "captions.vtt does not match transcript.json" in verify_attempt(folder)["problems"]
    report = finalize_interrupted(folder)
    assert report["captions_rewritten"] is True
    assert (folder / "captions.vtt").read_text() == full
    assert verify_attempt(folder)["ok"]
