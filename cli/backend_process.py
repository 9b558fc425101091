"""The one way to start the reference backend as a child process on 127.0.0.1: for the demo
(`main.py demo`), the tests, the benchmarks and the frozen build's smoke test.

It runs `main.py backend` (or the frozen binary, which is its own main.py), waits until
/health answers, and stops it within a time bound; ``kill()`` is a power cut (SIGKILL) for
durability tests, after which ``start()`` brings it back on the same data and port.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def main_py(*args: str) -> list[str]:
    """The command line of one of our own sub-commands. A frozen build is its own
    interpreter and main.py at once."""
    if getattr(sys, "frozen", False):
        return [sys.executable, *args]
    return [sys.executable, str(ROOT / "main.py"), *args]


class BackendProcess:
    """A context manager too. ``bench`` adds the raw-upload route bench/upload.py compares
    against; ``log_path`` defaults to backend.log in the data folder."""

    def __init__(
        self,
        data_dir: Path,
        port: int | None = None,
        *,
        interviews: Path | None = None,
        database_url: str | None = None,
        bench: bool = False,
        log_path: Path | None = None,
        command: list[str] | None = None,  # another build of the app (the frozen one)
    ) -> None:
        self.data_dir = Path(data_dir)
        self.port = port or free_port()
        self.interviews = interviews
        self.database_url = database_url
        self.bench = bench
        self.log_path = log_path or self.data_dir / "backend.log"
        self.command = command
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def args(self) -> list[str]:
        args = ["backend", "--data", str(self.data_dir), "--port", str(self.port)]
        if self.bench:
            args.append("--bench")
        if self.interviews is not None:
            args += ["--interviews", str(self.interviews)]
        if self.database_url is not None:
            args += ["--database-url", self.database_url]
        return [*self.command, *args] if self.command else main_py(*args)

    def start(self, timeout: float = 30.0) -> BackendProcess:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        out = open(self.log_path, "ab")  # noqa: SIM115 - the child keeps writing to it
        self.proc = subprocess.Popen(self.args(), cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
        out.close()
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"the backend exited with code {self.proc.returncode}: {self._log_tail()}"
                )
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(self.url + "/health", timeout=1.0).status_code == 200:
                    return self
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"the backend did not answer within {timeout:.0f} s: {self._log_tail()}")

    def token(self, role: str = "station", name: str = "station-1") -> str:
        """A new access token, written straight into the backend's database."""
        from backend.auth import create_token_in

        return create_token_in(self.data_dir, role, name, self.database_url)

    def kill(self) -> None:
        """SIGKILL: no shutdown handler runs, as in a power cut."""
        if self.proc is not None and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)

    def stop(self, timeout: float = 10.0) -> None:
        """SIGTERM, then SIGKILL after ``timeout``; idempotent."""
        p = self.proc
        if p is None or p.poll() is not None:
            return
        p.terminate()
        try:
            p.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()

    def _log_tail(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-2000:]
        except OSError:
            return f"(no log at {self.log_path})"

    def __enter__(self) -> BackendProcess:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
