"""A candidate's records on a station: keyed without the code, stamped into attempt.json."""

from __future__ import annotations

from session.attempt.manifest import read_manifest, write_manifest
from session.station.candidates import candidate_key, stamp_candidate, store_path
from session.station.config import parse_station


def test_records_are_keyed_per_station_without_the_code_and_the_manifest_is_stamped(tmp_path):
    (tmp_path / "token").write_text("t")
    base = {
        "backend_url": "http://127.0.0.1:9",
        "token_file": "token",
        "data_dir": "data",
        "kiosk": False,
    }
    cfg = parse_station({"station_id": "s1", **base}, tmp_path / "station.toml")
    other = parse_station({"station_id": "s2", **base}, tmp_path / "station.toml")
    assert candidate_key(cfg, "ALICE-7") == candidate_key(cfg, "ALICE-7")
    assert candidate_key(cfg, "ALICE-7") != candidate_key(other, "ALICE-7")
    assert "ALICE" not in str(store_path(cfg, "ALICE-7"))
    folder = tmp_path / "attempt"
    stamp_candidate(folder, "ALICE-7", "s1")  # no manifest yet: nothing to stamp
    assert read_manifest(folder) is None
    write_manifest(folder, "iv", 1, False, "finished", "s", "f")
    (folder / "events.jsonl").write_text("{}\n")  # written after the engine's manifest
    stamp_candidate(folder, "ALICE-7", "s1")
    m = read_manifest(folder)
    assert (m["state"], m["candidate"], m["station"]) == ("finished", "ALICE-7", "s1")
    assert [f["path"] for f in m["files"]] == ["events.jsonl"]
