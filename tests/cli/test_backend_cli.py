"""`python main.py backend ...` as an administrator types it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import httpx
import pytest

from cli.backend_process import free_port
from tests.conftest import ROOT, run_main

pytestmark = pytest.mark.server


def token_create(data, role: str, name: str):
    return run_main(
        *("backend", "token", "create", "--data", str(data), "--role", role, "--name", name),
        timeout=60,
    )


def test_token_create_prints_only_the_token_and_it_works(tmp_path):
    data = tmp_path / "data"
    r = token_create(data, "reviewer", "Rita")
    assert r.returncode == 0, r.stderr
    token = r.stdout.strip()
    assert r.stdout == token + "\n" and len(token) >= 40
    assert token not in (data / "backend.db").read_bytes().decode("latin-1")  # stored hashed
    bad = token_create(data, "admin", "x")
    assert bad.returncode == 2
    assert "invalid choice" in bad.stderr and "Traceback" not in bad.stderr

    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "main.py", "backend", "--data", str(data), "--port", str(port)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(url + "/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        headers = {"Authorization": f"Bearer {token}"}
        assert httpx.get(url + "/api/attempts", headers=headers).status_code == 200
        assert httpx.get(url + "/api/interviews/nothing-here").status_code == 404
    finally:
        os.kill(proc.pid, signal.SIGINT)
        out, _ = proc.communicate(timeout=15)
    assert "ready" in out
    assert "Traceback" not in out


def test_backend_without_data_folder_says_what_to_do():
    r = run_main("backend", "--port", "1", timeout=60)
    assert r.returncode == 2
    assert "--data" in r.stderr and "Traceback" not in r.stderr


def test_a_token_never_starts_with_a_dash_so_a_command_line_takes_it_as_a_value(
    tmp_path, monkeypatch
):
    import secrets

    from backend.auth import create_token_in

    monkeypatch.setattr(secrets, "token_urlsafe", lambda n: "-" + "x" * 42)
    token = create_token_in(tmp_path / "data", "station", "dash")
    assert not token.startswith("-")
    r = run_main("run", "--token", token, "--json", timeout=60)
    assert "expected one argument" not in r.stderr  # parsed as --token's value
