"""`python main.py backend ...`: the reference server and its access tokens.

backend --data DIR [--port 8765] [--host 127.0.0.1] [--interviews DIR]
backend token create --data DIR --role station|reviewer --name NAME
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("backend", help="run the reference server, manage its tokens")
    p.add_argument("--data", type=Path, help="folder for the database, uploads and secret")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8765)
    p.add_argument(
        "--interviews",
        type=Path,
        default=ROOT / "assets" / "interviews",
        help="folder of interview configs (YAML/JSON) served at /api/interviews/ID",
    )
    p.add_argument("--database-url", help="SQLAlchemy URL (default: SQLite in --data)")
    p.add_argument("--bench", action="store_true", help="add PUT /api/raw-sink for bench/upload.py")
    sub = p.add_subparsers(dest="backend_command", parser_class=type(p))
    token = sub.add_parser("token", help="access tokens")
    tsub = token.add_subparsers(dest="token_command", required=True, parser_class=type(p))
    create = tsub.add_parser("create", help="create a token and print it")
    create.add_argument("--data", type=Path, dest="token_data", help="the server's --data folder")
    create.add_argument("--role", choices=("station", "reviewer"), required=True)
    create.add_argument("--name", required=True)
    create.add_argument("--database-url", dest="token_database_url")


def run(args: argparse.Namespace) -> int:
    if args.backend_command == "token":
        return _create_token(args)
    if args.data is None:
        sys.stderr.write("backend: error: --data DIR is required (where uploads are kept)\n")
        return 2
    from backend.app import serve

    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    interviews = args.interviews if args.interviews and args.interviews.is_dir() else None
    try:
        serve(
            args.data,
            host=args.host,
            port=args.port,
            database_url=args.database_url,
            interviews_dir=interviews,
            bench=args.bench,
        )
    except OSError as e:
        sys.stderr.write(f"backend: cannot start: {e}\n")
        return 1
    except KeyboardInterrupt:
        pass
    return 0


def _create_token(args: argparse.Namespace) -> int:
    from backend.auth import create_token_in

    data = args.token_data or args.data
    if data is None:
        sys.stderr.write("backend token create: error: --data DIR is required\n")
        return 2
    if not args.name.strip():
        sys.stderr.write("backend token create: error: --name must not be empty\n")
        return 2
    try:
        url = args.token_database_url or args.database_url
        token = create_token_in(data, args.role, args.name, url)
    except Exception as e:  # a bad folder or database URL: say so plainly
        sys.stderr.write(f"backend token create: cannot store the token: {e}\n")
        return 1
    print(token)
    return 0
