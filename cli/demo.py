"""`python main.py demo` (what `make run` does): a local backend in a subprocess, a station
token for it, then the app on the bundled demo interviews against it. The backend stops when
the app exits."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from cli.app import (
    DEMO_INTERVIEWS,
    add_app_arguments,
    display_problem,
    end_process,
    run_app,
)
from cli.backend_process import BackendProcess

# A practice interview to warm up on, then an official one (with whiteboard and screen share).
DEMO_INTERVIEW_FILES = ["demo-practice-support.yaml", "demo-backend-engineer.yaml"]


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    p = subparsers.add_parser("demo", help="the app on the demo interview with a local backend")
    add_app_arguments(p)
    p.add_argument("--port", type=int, default=0, help="backend port (default: a free one)")
    return p


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
        backend = BackendProcess(data, args.port).start()
    except (RuntimeError, OSError) as e:
        sys.stderr.write(f"main.py demo: {e}\n")
        return 1
    try:
        args.token = backend.token("station", "demo-station")
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
