"""The signed receipt repeats the recording gaps the station listed, so a receipt never
reads as a whole interview when part of it is missing; the manifest's gaps are the client's
word and are cut down to plain, bounded fields."""

from __future__ import annotations

import httpx

from backend.app import create_app
from backend.auth import create_token_in
from tests.backend.server import ThreadedBackend
from tests.backend.tus_helpers import auth, new_attempt, submit, upload_file


def _submit(tmp_path, summary):
    data_dir = tmp_path / "data"
    app = create_app(data_dir, remux=False)
    token = create_token_in(data_dir, "station", "s")
    with ThreadedBackend(app) as server:
        aid = new_attempt(server.url, token).json()["id"]
        entry = upload_file(server.url, token, aid, "events.jsonl", b"abcdef")
        manifest = {"files": [entry], "summary": summary}
        r = submit(server.url, token, aid, manifest)
        assert r.status_code == 200, r.text
        receipt = r.json()
        forged = {**receipt, "recording_gaps": [], "complete": True}
        checks = [
            httpx.post(f"{server.url}/api/receipts/verify", json=x, headers=auth(token)).json()
            for x in (receipt, forged)
        ]
        return receipt, [c["valid"] for c in checks]


def test_a_receipt_states_the_gaps_and_is_not_complete(tmp_path):
    gap = {"device": "camera", "error": "lost", "from": 10.0, "to": 14.5, "message": "quiet"}
    receipt, valid = _submit(tmp_path, {"recording_gaps": [gap]})
    assert valid == [True, False]  # signed with the gaps: removing them breaks it
    assert receipt["complete"] is False
    assert receipt["recording_gaps"] == [{**gap, "duration_s": 4.5}]


def test_a_receipt_without_gaps_is_complete_and_hostile_gaps_are_cut_down(tmp_path):
    receipt, _ = _submit(tmp_path, {})
    assert receipt["complete"] is True and receipt["recording_gaps"] == []
    hostile = [
        "not a gap",
        {"device": "x" * 10_000, "from": "soon", "to": 1},  # unreadable time: dropped
        {"device": "camera" * 50, "from": 1, "to": 2, "message": "m" * 5000, "extra": "<b>"},
    ] + [{"device": "mic", "from": i, "to": i + 1} for i in range(500)]
    receipt, _ = _submit(tmp_path / "2", {"recording_gaps": hostile})
    gaps = receipt["recording_gaps"]
    assert len(gaps) == 100 and receipt["complete"] is False
    assert len(gaps[0]["device"]) == 32 and len(gaps[0]["message"]) == 200
    assert "extra" not in gaps[0]
