"""Sub-commands of main.py. Each module has ``add_parser(subparsers)`` and ``run(args) -> int``."""

from __future__ import annotations

import json


def print_file_error(name: str, error: Exception, as_json: bool) -> None:
    """One line for a file a per-file command could not read: JSON or plain text."""
    if as_json:
        print(json.dumps({"file": name, "error": str(error)}), flush=True)
    else:
        print(f"{name}: error: {error}", flush=True)
