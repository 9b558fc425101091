"""The support report zip: logs, versions, devices, checks, screenshot — never recordings."""

from __future__ import annotations

import json
import zipfile

from session.runtime.support_report import build_support_report, system_versions


def test_report_holds_logs_versions_checks_and_screenshot_but_no_recordings(tmp_path):
    logs = tmp_path / "logs"
    logs.mkdir()
    (logs / "kiosk.log").write_text("INFO ready\n")
    (logs / "kiosk.log.1").write_text("older\n")
    (logs / "recording.mkv").write_bytes(b"\x1a\x45\xdf\xa3 video")
    (logs / "screen.mkv.log.mkv").write_bytes(b"video")
    out = build_support_report(
        tmp_path / "out" / "report.zip",
        log_dir=logs,
        versions=system_versions({"qt": "6.12.0"}),
        devices=[{"kind": "camera", "name": "Test cam"}],
        checks=[{"name": "camera", "ok": False, "fix": "Plug in a camera"}],
        screenshot_png=b"\x89PNG fake",
    )
    with zipfile.ZipFile(out) as z:
        names = set(z.namelist())
        report = json.loads(z.read("report.json"))
    assert names == {"report.json", "logs/kiosk.log", "logs/kiosk.log.1", "screenshot.png"}
    assert report["versions"]["qt"] == "6.12.0" and report["versions"]["python"]
    assert report["checks"][0]["fix"] == "Plug in a camera"
    assert report["devices"][0]["name"] == "Test cam"


def test_report_without_log_folder_or_screenshot_still_builds(tmp_path):
    out = build_support_report(tmp_path / "r.zip", log_dir=None, versions={"os": "x"})
    with zipfile.ZipFile(out) as z:
        assert z.namelist() == ["report.json"]
