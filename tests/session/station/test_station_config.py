import pytest

from session.station.config import (
    StationConfigError,
    dump_station,
    load_station,
    parse_station,
)
from session.station.pin import hash_pin

PIN = hash_pin("2468", n=2**10)


def base(**over):
    d = {
        "station_id": "room-3",
        "backend_url": "http://127.0.0.1:8000",
        "token_file": "token.txt",
        "data_dir": "data",
        "proctor_pin": PIN,
    }
    d.update(over)
    return {k: v for k, v in d.items() if v is not None}


def test_a_valid_file_loads_with_paths_relative_to_it(tmp_path):
    f = tmp_path / "station.toml"
    f.write_text(
        f'station_id = "room-3"\nbackend_url = "http://h:1/"\ntoken_file = "t"\n'
        f'data_dir = "d"\nproctor_pin = "{PIN}"\ncamera = 0\n'
        "[accommodations]\nextra_time_pct = 25\n"
    )
    cfg = load_station(f)
    assert cfg.data_dir == tmp_path / "d" and cfg.token_file == tmp_path / "t"
    assert cfg.backend_url == "http://h:1" and cfg.camera == "0"
    assert cfg.accommodations.extra_time_pct == 25 and cfg.kiosk is True


def test_dump_then_load_gives_the_same_config(tmp_path):
    cfg = parse_station(base(retention_hours=0.5, high_contrast=True), tmp_path / "x.toml")
    f = tmp_path / "y.toml"
    f.write_text(dump_station(cfg))
    again = load_station(f)
    assert again.retention_hours == 0.5 and again.high_contrast is True
    assert again.proctor_pin == PIN and again.token_file == cfg.token_file


def test_a_whisper_model_folder_is_checked_and_kept(tmp_path):
    model = tmp_path / "models" / "whisper-small"
    model.mkdir(parents=True)
    (model / "model.bin").write_bytes(b"x")
    cfg = parse_station(base(whisper_model="models/whisper-small"), tmp_path / "x.toml")
    assert cfg.whisper_model == model
    f = tmp_path / "y.toml"
    f.write_text(dump_station(cfg))
    assert load_station(f).whisper_model == model
    assert parse_station(base(), tmp_path / "x.toml").whisper_model is None


def test_yaml_is_accepted_too(tmp_path):
    f = tmp_path / "s.yaml"
    f.write_text(
        f"station_id: s1\nbackend_url: https://b\ntoken_file: t\ndata_dir: d\n"
        f"proctor_pin: '{PIN}'\n"
    )
    assert load_station(f).station_id == "s1"


@pytest.mark.parametrize(
    ("over", "field"),
    [
        ({"backend_url": "ftp://x"}, "backend_url"),
        ({"backend_url": None}, "backend_url"),
        ({"station_id": "a b"}, "station_id"),
        ({"proctor_pin": "2468"}, "proctor_pin"),
        ({"proctor_pin": None}, "proctor_pin"),
        ({"kiosk": "yes"}, "kiosk"),
        ({"retention_hours": -1}, "retention_hours"),
        ({"pin_max_tries": 0}, "pin_max_tries"),
        ({"accommodations": {"extra_time_pct": 500}}, "accommodations.extra_time_pct"),
        ({"accommodations": {"extra_tme": 5}}, "accommodations.extra_tme"),
        ({"camra": "0"}, "camra"),
        ({"face_threshold_s": 0}, "face_threshold_s"),
        ({"interviewer": "gpt"}, "interviewer"),
        ({"interviewer": 3}, "interviewer"),
        ({"whisper_model": "/nowhere/model"}, "whisper_model"),
        ({"whisper_model": 5}, "whisper_model"),
    ],
)
def test_each_bad_field_is_named_in_the_error(over, field):
    with pytest.raises(StationConfigError) as e:
        parse_station(base(**over))
    assert e.value.field == field and f"'{field}'" in str(e.value)


def test_a_station_without_kiosk_needs_no_pin():
    assert parse_station(base(kiosk=False, proctor_pin=None)).proctor_pin == ""


def test_broken_toml_and_missing_file_are_config_errors(tmp_path):
    f = tmp_path / "s.toml"
    f.write_text("station_id = \n")
    with pytest.raises(StationConfigError, match="not valid toml"):
        load_station(f)
    with pytest.raises(StationConfigError, match="cannot read"):
        load_station(tmp_path / "missing.toml")
