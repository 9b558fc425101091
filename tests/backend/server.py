"""A real backend on 127.0.0.1 for tests: a `python main.py backend` subprocess that can be
killed (SIGKILL) and restarted on the same data folder and port."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from cli.demo import free_port

ROOT = Path(__file__).resolve().parents[2]


class BackendProcess:
    def __init__(
        self,
        data_dir: Path,
        port: int | None = None,
        interviews: Path | None = None,
        database_url: str | None = None,
    ):
        self.data_dir = Path(data_dir)
        self.database_url = database_url
        self.port = port or free_port()
        self.interviews = interviews
        self.proc: subprocess.Popen | None = None
        self.log = self.data_dir.parent / f"backend-{self.port}.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 30.0) -> BackendProcess:
        args = [sys.executable, str(ROOT / "main.py"), "backend", "--data", str(self.data_dir)]
        args += ["--port", str(self.port), "--bench"]
        if self.interviews is not None:
            args += ["--interviews", str(self.interviews)]
        if self.database_url is not None:
            args += ["--database-url", self.database_url]
        self.data_dir.mkdir(parents=True, exist_ok=True)
        out = open(self.log, "ab")  # noqa: SIM115 - the child owns it until it exits
        self.proc = subprocess.Popen(args, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
        out.close()
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if self.proc.poll() is not None:
                raise RuntimeError(f"backend exited: {self.log.read_text()[-2000:]}")
            try:
                if httpx.get(self.url + "/health", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
        raise RuntimeError(f"backend not ready in {timeout} s: {self.log.read_text()[-2000:]}")

    def kill(self) -> None:
        """SIGKILL: no shutdown handler runs, as in a power cut."""
        if self.proc and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()

    def token(self, role: str = "station", name: str = "station-1") -> str:
        from backend.auth import create_token_in

        return create_token_in(self.data_dir, role, name, self.database_url)


class ThreadedBackend:
    """uvicorn in a thread, for tests that need create_app() options (short expiry)."""

    def __init__(self, app) -> None:
        import threading

        import uvicorn

        self.port = free_port()
        self.server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning")
        )
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> ThreadedBackend:
        self.thread.start()
        end = time.monotonic() + 10
        while not self.server.started and time.monotonic() < end:
            time.sleep(0.02)
        assert self.server.started, "uvicorn did not start"
        return self

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(10)
