"""`python main.py [app]`: the desktop app (a candidate at home), or with --station the
proctoring-centre kiosk."""

from __future__ import annotations

import argparse
import importlib.util
import logging
import os
import sys
from pathlib import Path
from typing import Any

from cli import add_whisper_option
from cli.brain_option import add_brain_option

ROOT = Path(__file__).resolve().parent.parent
DEMO_INTERVIEWS = ROOT / "assets" / "interviews"
log = logging.getLogger("kiosk.app")


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    p = subparsers.add_parser("app", help="the interview app (default)")
    add_app_arguments(p)
    p.add_argument("--station", metavar="FILE", help="run as a proctoring-station kiosk")
    return p


def add_app_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--interview", metavar="FILE", action="append", help="interview YAML file")
    p.add_argument("--camera", metavar="SRC", help="camera index or video/image file")
    p.add_argument("--mic", metavar="SRC", help="microphone name/index or WAV file")
    p.add_argument("--speaker", metavar="DEV", help="output device name or index")
    p.add_argument("--backend", metavar="URL", help="backend base URL, e.g. http://127.0.0.1:8000")
    p.add_argument("--token", metavar="TOKEN", help="station token for the backend")
    add_brain_option(p, "--interviewer")
    add_whisper_option(p)


def display_problem() -> str | None:
    """Why Qt could not open a window here, or None. Checked before QApplication exists, so
    a missing display is a clear message instead of Qt aborting the process."""
    if os.environ.get("QT_QPA_PLATFORM"):
        return None
    if sys.platform.startswith("linux") and not (
        os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
    ):
        return (
            "no display found (neither DISPLAY nor WAYLAND_DISPLAY is set): start the app "
            "from a desktop session, or set QT_QPA_PLATFORM=offscreen for a headless run"
        )
    return None


def interview_files(args: argparse.Namespace) -> list[Path]:
    if getattr(args, "interview", None):
        return [Path(p) for p in args.interview]
    return sorted(DEMO_INTERVIEWS.glob("*.yaml"))


def check_files(files: list[Path]) -> str | None:
    from session.interview.config import InterviewConfigError, load_interview

    for f in files:
        try:
            load_interview(f)
        except InterviewConfigError as e:
            return str(e)
    return None if files else f"no interview files found in {DEMO_INTERVIEWS}"


def run(args: argparse.Namespace) -> int:
    if getattr(args, "station", None):
        if importlib.util.find_spec("ui.kiosk.app") is None:
            sys.stderr.write("main.py app: error: kiosk mode is not available in this build\n")
            return 2
        problem = display_problem()
        if problem:
            sys.stderr.write(f"main.py app: {problem}\n")
            return 1
        from ui.kiosk.app import run_kiosk

        return int(run_kiosk(args.station, args) or 0)
    code = run_app(args)
    if code == 0 or getattr(args, "_window_opened", False):
        end_process(code)
    return code


def end_process(code: int) -> None:
    """Leaves without the interpreter's final clean-up. By now every worker was stopped and
    every file closed; what may remain are native library threads (speech models, audio,
    camera) parked in C++ code, and tearing the interpreter down under them aborts the
    process ("terminate called without an active exception") instead of a clean exit."""
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def run_app(args: argparse.Namespace, on_ready: Any = None) -> int:
    """Starts the desktop app; returns its exit code. ``on_ready(window)`` runs once the
    window shows (the demo command uses it)."""
    files = interview_files(args)
    problem = check_files(files) or display_problem()
    if problem:
        sys.stderr.write(f"main.py app: {problem}\n")
        return 2 if "interview" in problem else 1
    if bool(args.backend) != bool(args.token):
        sys.stderr.write("main.py app: error: --backend and --token go together\n")
        return 2
    from ui.qt.bootstrap import start_qt_app

    qt = start_qt_app()
    app = qt.app

    from session.interview.options import EngineOptions
    from ui.desktop.flow import FlowOptions
    from ui.desktop.main_window import AppOptions, MainWindow

    queue = None
    if args.backend:
        from session.runtime import paths
        from session.upload.queue import UploadQueue

        queue = UploadQueue(paths.data_dir() / "upload-queue.sqlite", args.backend, args.token)
    from capture.devices import parse_device_spec
    from session import assemble

    camera = parse_device_spec(args.camera) if args.camera is not None else assemble.first_camera()
    flow = FlowOptions(
        camera=camera,
        mic=parse_device_spec(args.mic),
        speaker=parse_device_spec(args.speaker),
        backend_url=args.backend,
        token=args.token,
        upload_queue=queue,
        engine_options=EngineOptions(
            brain=args.interviewer, whisper_model_dir=getattr(args, "whisper_model", None)
        ),
    )
    window = MainWindow(AppOptions(interviews=files, flow=flow))
    window.show()
    args._window_opened = True
    if queue is not None:
        window.flow.bridge.watch_uploads(queue)
        window.runner.run(queue.start)  # attempts left from an earlier run carry on

    def quit_() -> None:
        window.close()
        app.quit()

    qt.quit_on_signals(quit_)
    if on_ready is not None:
        on_ready(window)
    log.info("ready (log: %s)", qt.log_path)
    code = app.exec()
    window.shutdown()
    return int(code)
