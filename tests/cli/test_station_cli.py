import json
import os
import subprocess
import sys

from tests.conftest import ROOT, run_main


def init(tmp_path, *extra):
    return run_main(
        "station",
        "init",
        "--out",
        str(tmp_path / "station.toml"),
        "--station-id",
        "room-7",
        "--backend-url",
        "http://127.0.0.1:9",
        "--token-file",
        "token.txt",
        "--data-dir",
        "data",
        "--pin",
        "482913",
        *extra,
    )


def test_init_from_flags_writes_a_valid_config_with_only_the_pin_hash(tmp_path):
    r = init(tmp_path, "--extra-time-pct", "25", "--retention-hours", "0")
    assert r.returncode == 0, r.stderr
    f = tmp_path / "station.toml"
    text = f.read_text()
    assert "482913" not in text and 'proctor_pin = "scrypt$' in text
    assert 'data_dir = "data"' in text and "extra_time_pct = 25" in text
    assert oct(f.stat().st_mode & 0o777) == "0o600"
    from session.station.config import load_station
    from session.station.pin import verify_pin

    cfg = load_station(f)
    assert verify_pin("482913", cfg.proctor_pin) and cfg.data_dir == tmp_path / "data"
    again = init(tmp_path)
    assert again.returncode == 2 and "--force" in again.stderr


def test_init_rejects_a_bad_pin_or_url_naming_the_field(tmp_path):
    r = init(tmp_path, "--pin", "12")
    assert r.returncode == 2 and "proctor_pin" in r.stderr and "Traceback" not in r.stderr
    r = run_main(
        "station", "init", "--out", str(tmp_path / "s.toml"), "--station-id", "x",
        "--backend-url", "ftp://nope", "--pin", "1234",
    )  # fmt: skip
    assert r.returncode == 2 and "'backend_url'" in r.stderr
    assert not (tmp_path / "s.toml").exists()


def test_check_reports_each_problem_and_a_bad_field_by_name(tmp_path):
    assert init(tmp_path).returncode == 0
    r = run_main("station", "check", "--config", str(tmp_path / "station.toml"), "--json",
                 "--no-devices")  # fmt: skip
    out = json.loads(r.stdout)
    by_name = {c["name"]: c for c in out["checks"]}
    assert r.returncode == 1 and not out["ok"]
    assert not by_name["token_file"]["ok"] and by_name["data_dir"]["ok"]
    assert not by_name["backend"]["ok"] and not by_name["interview"]["ok"]
    f = tmp_path / "station.toml"
    f.write_text(f.read_text().replace("pin_max_tries = 5", "pin_max_tries = 0"))
    r = run_main("station", "check", "--config", str(f))
    assert r.returncode == 2
    assert "field 'pin_max_tries'" in r.stderr and "Traceback" not in r.stderr


def test_a_bad_station_config_stops_the_kiosk_before_any_window(tmp_path):
    assert init(tmp_path).returncode == 0
    f = tmp_path / "station.toml"
    f.write_text(f.read_text().replace('backend_url = "http', 'backend_url = "htp'))
    r = subprocess.run(
        [sys.executable, "-m", "ui.kiosk.app", "--station", str(f)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )
    assert r.returncode == 2
    assert "field 'backend_url'" in r.stderr and "Traceback" not in r.stderr
    assert "kiosk-status ready" not in r.stdout  # no window was ever shown
    assert not (tmp_path / "data" / "kiosk-session.json").exists()
