"""Interview Kiosk: entry point and sub-commands.

python main.py               the app (candidate at home)
python main.py demo          the app on the bundled demo interview, with a local backend
python main.py check ...     device checks, JSON for scripts
python main.py faces ...     count faces in images/videos
python main.py transcribe .. offline transcript with the live captioner's model
python main.py run ...       an unattended interview (station dry runs)
python main.py verify DIR    check an attempt folder end to end
python main.py backend ...   the reference server and its tokens
python main.py station ...   proctoring-station config
"""

from __future__ import annotations

import argparse
import importlib
import sys

# Sub-command name -> module in cli/. Imported lazily so `faces` never loads Qt or Whisper.
COMMANDS = {
    "app": "cli.app",
    "demo": "cli.demo",
    "check": "cli.check",
    "faces": "cli.faces",
    "transcribe": "cli.transcribe",
    "run": "cli.run",
    "verify": "cli.verify",
    "backend": "cli.backend",
    "station": "cli.station",
    "interviewer": "cli.interviewer",
}


class _Parser(argparse.ArgumentParser):
    """Bad arguments: one line on stderr and exit code 2, never a usage dump."""

    def error(self, message: str) -> None:  # type: ignore[override]
        sys.stderr.write(f"{self.prog}: error: {message}\n")
        raise SystemExit(2)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or (argv[0].startswith("-") and argv[0] not in ("-h", "--help")):
        argv = ["app", *argv]
    parser = _Parser(prog="main.py", description="Interview Kiosk")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    name = argv[0]
    if name in COMMANDS:
        module = importlib.import_module(COMMANDS[name])
        module.add_parser(sub)
    else:
        for mod in COMMANDS.values():
            try:
                importlib.import_module(mod).add_parser(sub)
            except ModuleNotFoundError:
                continue
    args = parser.parse_args(argv)
    module = importlib.import_module(COMMANDS[args.command])
    return int(module.run(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
