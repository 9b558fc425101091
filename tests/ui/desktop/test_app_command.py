"""`python main.py app` and `python main.py demo` as a user starts them."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.conftest import ROOT, run_main


def _env(home: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env.pop("QT_QPA_PLATFORM", None)
    env["INTERVIEW_KIOSK_HOME"] = str(home)
    env.update(extra)
    return env


def test_no_display_gives_one_clear_line_not_a_qt_abort(kiosk_home):
    r = subprocess.run(
        [sys.executable, str(ROOT / "main.py")],
        cwd=ROOT,
        env=_env(kiosk_home),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert r.returncode == 1
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "no display found" in lines[0], r.stderr
    assert "Traceback" not in r.stderr


def test_bad_interview_file_is_named_in_a_one_line_error(kiosk_home, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: x\nquestions: []\n")
    r = run_main("app", "--interview", str(bad), env={"QT_QPA_PLATFORM": "offscreen"})
    assert r.returncode == 2
    assert "bad.yaml" in r.stderr and "questions" in r.stderr
    assert "Traceback" not in r.stderr


def _wait_for_ready(proc: subprocess.Popen, log: Path, timeout: float = 60) -> str:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        text = log.read_text(encoding="utf-8") if log.exists() else ""
        if ": ready" in text:
            return text
        if proc.poll() is not None:
            pytest.fail(f"exited with {proc.returncode}: {proc.stderr.read()}")
        time.sleep(0.2)
    pytest.fail("no ready line")


@pytest.mark.server
def test_demo_starts_a_backend_logs_ready_and_stops_the_backend_on_exit(kiosk_home):
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "main.py"), "demo", "--camera", "/nonexistent.mp4"],
        cwd=ROOT,
        env=_env(kiosk_home, QT_QPA_PLATFORM="offscreen"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        text = _wait_for_ready(proc, kiosk_home / "logs" / "kiosk.log")
        assert "Traceback" not in text
        first = proc.stdout.readline()
        assert first.startswith("demo backend at http://127.0.0.1:")
        url = first.split()[3]
        assert httpx.get(url + "/health", timeout=5).status_code == 200
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(30) == 0
        with pytest.raises(httpx.HTTPError):
            httpx.get(url + "/health", timeout=2)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
