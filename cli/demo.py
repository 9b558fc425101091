"""`python main.py demo` (what `make run` does): a local backend in a subprocess, a station
token for it, then the app on the bundled demo interviews against it. The backend stops when
the app exits."""

from __future__ import annotations

import argparse
import contextlib
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

from cli.app import (
    DEMO_INTERVIEWS,
    ROOT,
    add_app_arguments,
    display_problem,
    end_process,
    run_app,
)

# A practice interview to warm up on, then an official one (with whiteboard and screen share).
DEMO_INTERVIEW_FILES = ["demo-practice-support.yaml", "demo-backend-engineer.yaml"]


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    p = subparsers.add_parser("demo", help="the app on the demo interview with a local backend")
    add_app_arguments(p)
    p.add_argument("--port", type=int, default=0, help="backend port (default: a free one)")
    return p


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


class LocalBackend:
    """The reference backend as a child process on 127.0.0.1; a context manager."""

    def __init__(self, data: Path, port: int = 0) -> None:
        self.data = Path(data)
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None
        self.log_path = self.data / "backend.log"

    def start(self, timeout: float = 30.0) -> LocalBackend:
        self.data.mkdir(parents=True, exist_ok=True)
        log = open(self.log_path, "ab")  # noqa: SIM115 (the child keeps writing to it)
        self.proc = subprocess.Popen(
            main_py("backend", "--data", str(self.data), "--port", str(self.port)),
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"the local backend exited with code {self.proc.returncode}; "
                    f"see {self.log_path}"
                )
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(self.url + "/health", timeout=1.0).status_code == 200:
                    return self
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"the local backend did not answer within {timeout:.0f} s")

    def create_token(self, name: str = "demo-station") -> str:
        out = subprocess.run(
            main_py(
                "backend",
                "token",
                "create",
                "--data",
                str(self.data),
                "--role",
                "station",
                "--name",
                name,
            ),
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
        )
        if out.returncode != 0 or not out.stdout.strip():
            raise RuntimeError(f"could not create a station token: {out.stderr.strip()}")
        return out.stdout.strip().splitlines()[-1]

    def stop(self, timeout: float = 10.0) -> None:
        p, self.proc = self.proc, None
        if p is None or p.poll() is not None:
            return
        p.terminate()
        try:
            p.wait(timeout)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait(5)

    def __enter__(self) -> LocalBackend:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def run(args: argparse.Namespace) -> int:
    problem = display_problem()
    if problem:
        sys.stderr.write(f"main.py demo: {problem}\n")
        return 1
    from session.runtime import paths
    if not args.interview:
        args.interview = [str(DEMO_INTERVIEWS / name) for name in DEMO_INTERVIEW_FILES]
    data = paths.data_dir() / "demo-backend"
    try:
        backend = LocalBackend(data, args.port).start()
    except (RuntimeError, OSError) as e:
        sys.stderr.write(f"main.py demo: {e}\n")
        return 1
    try:
        args.token = backend.create_token()
        args.backend = backend.url
        print(f"demo backend at {backend.url} (data in {data}); review page: {backend.url}/")
        sys.stdout.flush()
        code = run_app(args)
    except RuntimeError as e:
        sys.stderr.write(f"main.py demo: {e}\n")
        return 1
    finally:
        backend.stop()
    end_process(code)
    return code
