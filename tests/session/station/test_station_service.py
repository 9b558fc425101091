"""The station's Qt-free work: status lines, upload results, sweeps one at a time, device
problems, and when an unattended run may quit."""

from __future__ import annotations

from pathlib import Path

from session.station.config import parse_station
from session.station.service import IdleOutcome, StationService, attempt_name
from session.upload.queue import UploadResult


def service(tmp_path, **over):
    (tmp_path / "token").write_text("t")
    data = {
        "station_id": "s1",
        "backend_url": "http://127.0.0.1:9",
        "token_file": "token",
        "data_dir": "data",
        "kiosk": False,
        **over,
    }
    lines: list[tuple[str, dict]] = []
    cfg = parse_station(data, tmp_path / "station.toml")
    return StationService(
        cfg, status_lines=False, on_status=lambda n, d: lines.append((n, d))
    ), lines


def test_upload_results_become_status_lines_and_a_submitted_one_asks_for_a_sweep(tmp_path):
    st, lines = service(tmp_path)
    folder = st.cfg.attempts_dir / "a1"
    assert not st.begin_upload(folder)  # no queue opened yet
    assert lines[-1] == ("upload_unavailable", {"attempt": "a1"})
    st.upload_queue = st.open_upload_queue()
    try:
        assert st.begin_upload(folder) and st.uploading == {"a1"}
        assert not st.upload_result(UploadResult("retry", folder, "offline"))
        assert st.upload_result(UploadResult("submitted", folder))
        assert st.uploading == set()
        assert [n for n, _ in lines] == [
            "upload_unavailable",
            "upload_queued",
            "upload_retry",
            "uploaded",
        ]
    finally:
        st.upload_queue.close()


def test_one_sweep_at_a_time_and_one_asked_for_meanwhile_follows(tmp_path):
    st, _ = service(tmp_path)
    assert st.start_sweep()
    assert not st.start_sweep()  # asked while the first runs
    assert st.sweep_done(st.sweep()) is True
    assert st.start_sweep()
    assert st.sweep_done(None) is False


def test_device_problems_are_kept_until_the_device_is_back(tmp_path):
    st, lines = service(tmp_path)
    st.device("camera", "Camera stopped", "Plug it in.")
    assert st.device_problems == {"camera": "Camera stopped. Plug it in."}
    st.device("camera", "", "")
    st.device("camera", "", "")  # back twice: one line
    assert [n for n, _ in lines] == ["device_problem", "device_back"]


def test_an_unattended_run_waits_for_uploads_then_exits_0_only_if_all_were_confirmed(tmp_path):
    st, lines = service(tmp_path)
    st.upload_queue = st.open_upload_queue()
    try:
        pending = IdleOutcome(["queued", "submitted"], 2)
        assert st.keep_waiting(pending, runs_alive=False, step_s=0.5)
        done = IdleOutcome(["submitted", "submitted"], 2)
        assert st.keep_waiting(done, runs_alive=True, step_s=0.5)  # a run still stopping
        assert not st.keep_waiting(done, runs_alive=False, step_s=0.5)
        assert st.idle_exit_code(done, None) == 0
        assert lines[-1] == ("idle", {"uploaded": 2, "total": 2})
        assert st.idle_exit_code(IdleOutcome(["submitted", "refused"], 2), None) == 1
        st.idle_waited_s = 900.0
        assert not st.keep_waiting(pending, runs_alive=True, step_s=0.5)  # gave up waiting
    finally:
        st.upload_queue.close()


def test_attempt_folder_names_do_not_hold_the_candidates_code(tmp_path):
    name = attempt_name("s1", "ALICE-7781")
    assert "ALICE" not in name and name != attempt_name("s1", "ALICE-7781")
    assert Path(name).name == name
