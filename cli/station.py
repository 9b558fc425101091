"""`main.py station ...`: the proctoring station's config and unattended runs.

station init  [--out FILE] [flags]   write a config (asks for what is missing on a terminal)
station check [--config FILE]        validate it and run the station checks
station run   --config FILE --candidates N --answers DIR [--camera SRC]
              N candidates back to back through the kiosk app, unattended (dry runs, tests)
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import shutil
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

DEFAULT_FILE = Path("station.toml")


def add_parser(subparsers: Any) -> None:
    p = subparsers.add_parser("station", help="proctoring-station config, checks, dry runs")
    sub = p.add_subparsers(dest="station_command", required=True, parser_class=type(p))

    i = sub.add_parser("init", help="write a station config")
    i.add_argument("--out", type=Path, default=DEFAULT_FILE, help="config file to write")
    i.add_argument("--force", action="store_true", help="overwrite an existing file")
    i.add_argument("--station-id")
    i.add_argument("--backend-url")
    i.add_argument("--token-file")
    i.add_argument("--data-dir")
    i.add_argument("--interview", help="interview file every candidate takes")
    i.add_argument("--camera")
    i.add_argument("--microphone")
    i.add_argument("--speaker")
    i.add_argument("--kiosk", action=argparse.BooleanOptionalAction, default=None)
    i.add_argument("--pin", help="proctor PIN (4-12 digits); only its hash is written")
    i.add_argument("--pin-stdin", action="store_true", help="read the proctor PIN from stdin")
    i.add_argument("--retention-hours", type=float)
    i.add_argument("--extra-time-pct", type=int)
    i.add_argument("--extra-silence-s", type=float, help="added to end-of-turn silence")
    i.add_argument("--high-contrast", action=argparse.BooleanOptionalAction, default=None)
    i.add_argument("--text-scale", type=float)

    c = sub.add_parser("check", help="validate a station config and run the station checks")
    c.add_argument("--config", type=Path, default=DEFAULT_FILE)
    c.add_argument("--no-devices", action="store_true", help="skip camera/microphone checks")
    c.add_argument("--json", action="store_true", help="print one JSON object")

    r = sub.add_parser("run", help="candidates back to back through the kiosk, unattended")
    r.add_argument("--config", type=Path, required=True)
    r.add_argument("--candidates", type=int, default=1, help="how many candidates")
    r.add_argument("--answers", type=Path, required=True, help="folder of answer WAVs")
    r.add_argument("--camera", help="camera index or video file (default: the station's)")
    r.add_argument("--code-prefix", default="DRYRUN", help="candidate codes: PREFIX-1, -2, ...")


def _err(msg: str, code: int = 1) -> int:
    sys.stderr.write(f"main.py station: {msg}\n")
    return code


# -- init ------------------------------------------------------------------------------------
def _ask(label: str, default: str | None, interactive: bool, flag: str) -> str:
    if not interactive:
        if default is None:
            raise SystemExit(_err(f"{flag} is required (or run on a terminal to be asked)", 2))
        return default
    suffix = f" [{default}]" if default else ""
    while True:
        value = input(f"{label}{suffix}: ").strip()
        if value or default is not None:
            return value or str(default)


def _ask_pin(args: argparse.Namespace, interactive: bool) -> str:
    if args.pin_stdin:
        return sys.stdin.readline().strip()
    if args.pin:
        return str(args.pin)
    if not interactive:
        raise SystemExit(_err("--pin or --pin-stdin is required for a kiosk station", 2))
    while True:
        first = getpass.getpass("Proctor PIN (4-12 digits): ")
        if getpass.getpass("Repeat the PIN: ") == first:
            return first
        print("The two PINs differ; try again.")


def _init(args: argparse.Namespace) -> int:
    from session.runtime.atomic_file import write_text_atomic
    from session.station.config import (
        Accommodations,
        StationConfig,
        StationConfigError,
        dump_station,
        load_station,
        parse_station,
    )
    from session.station.pin import PinFormatError, hash_pin

    out: Path = args.out
    if out.exists() and not args.force:
        return _err(f"{out} exists: use --force to overwrite it", 2)
    interactive = sys.stdin.isatty() and not args.pin_stdin
    station_id = _ask("Station id", args.station_id, interactive, "--station-id")
    backend = _ask("Backend URL", args.backend_url, interactive, "--backend-url")
    token_file = _ask("Token file", args.token_file or "station-token.txt", interactive, "")
    data_dir = _ask("Data folder", args.data_dir or "station-data", interactive, "")
    interview = args.interview
    if interview is None and interactive:
        interview = _ask("Interview file", "", True, "--interview") or None
    kiosk = args.kiosk if args.kiosk is not None else True
    pin_hash = ""
    if kiosk or args.pin or args.pin_stdin:
        try:
            pin_hash = hash_pin(_ask_pin(args, interactive))
        except PinFormatError as e:
            return _err(f"field 'proctor_pin': {e}", 2)
    base = out.resolve().parent
    acc = Accommodations()
    draft = {
        "station_id": station_id,
        "backend_url": backend,
        "token_file": token_file,
        "data_dir": data_dir,
        "kiosk": kiosk,
        "proctor_pin": pin_hash,
        "accommodations": {
            "extra_time_pct": args.extra_time_pct
            if args.extra_time_pct is not None
            else acc.extra_time_pct,
            "extra_silence_s": args.extra_silence_s
            if args.extra_silence_s is not None
            else acc.extra_silence_s,
        },
    }
    for key, value in (
        ("interview", interview),
        ("camera", args.camera),
        ("microphone", args.microphone),
        ("speaker", args.speaker),
        ("retention_hours", args.retention_hours),
        ("high_contrast", args.high_contrast),
        ("text_scale", args.text_scale),
    ):
        if value is not None:
            draft[key] = value
    try:
        cfg: StationConfig = parse_station(draft, out.resolve())
    except StationConfigError as e:
        return _err(str(e), 2)
    # Paths are written as given (relative to the file) so a station folder can be moved.
    text = dump_station(
        replace(
            cfg,
            token_file=Path(os.path.relpath(cfg.token_file, base)),
            data_dir=Path(os.path.relpath(cfg.data_dir, base)),
            interview=Path(os.path.relpath(cfg.interview, base)) if cfg.interview else None,
        )
    )
    write_text_atomic(out, text)  # its temp file is owner-only (mkstemp): it holds the PIN hash
    load_station(out)  # what was written must read back
    print(f"wrote {out}")
    if not cfg.token_file.exists():
        print(
            f"next: put the station's backend token in {cfg.token_file} "
            "(python main.py backend token create --role station ...)"
        )
    return 0


# -- check -----------------------------------------------------------------------------------
def station_checks(cfg: Any, devices: bool = True) -> list[dict[str, Any]]:
    """Every check as {name, ok, message, fix}; never raises."""
    from session.station.config import StationConfigError

    out: list[dict[str, Any]] = []

    def add(name: str, ok: bool, message: str, fix: str = "") -> None:
        out.append({"name": name, "ok": ok, "message": message, "fix": "" if ok else fix})

    try:
        cfg.read_token()
        add("token_file", True, f"{cfg.token_file} readable")
    except StationConfigError as e:
        add("token_file", False, str(e), "create a station token with `main.py backend token`")
    try:
        cfg.data_dir.mkdir(parents=True, exist_ok=True)
        probe = cfg.data_dir / ".write-test"
        probe.write_bytes(b"x")
        probe.unlink()
        free = shutil.disk_usage(cfg.data_dir).free / 1e9
        add("data_dir", free >= 2.0, f"{cfg.data_dir}: {free:.1f} GB free", "free up disk space")
    except OSError as e:
        add("data_dir", False, f"{cfg.data_dir} is not writable: {e.strerror}", "fix its rights")
    if cfg.interview is None:
        add("interview", False, "no interview file set", "set 'interview' in the config")
    else:
        try:
            from session.interview.config import load_interview

            iv = load_interview(cfg.interview)
            add("interview", True, f"{iv.title} ({len(iv.questions)} questions)")
        except Exception as e:
            add("interview", False, str(e), "fix the interview file")
    from session.checks.system import backend_reachable

    ok, detail = backend_reachable(cfg.backend_url)
    add("backend", ok, f"{cfg.backend_url}: {detail}", "check the network and the backend URL")
    if devices:
        import time

        from session import assemble
        from session.checks import CheckPlan, CheckSession

        try:
            kit = assemble.check_devices(
                cfg.camera, cfg.microphone, cfg.speaker, time.monotonic, realtime_mic=False
            )
            results = CheckSession(kit, CheckPlan(speaker=True, disk=False)).run_once()
        except Exception as e:
            add("devices", False, f"device checks failed: {e}", "see the log")
            results = []
        for r in results:
            # An unconfirmed speaker (nobody to say they heard the chime) is not a failure.
            add(r.name, bool(r.ok or not r.required), r.detail, r.fix)
    return out


def _check(args: argparse.Namespace) -> int:
    from session.station.config import StationConfigError, load_station

    try:
        cfg = load_station(args.config)
    except StationConfigError as e:
        if args.json:
            print(json.dumps({"ok": False, "field": e.field, "error": str(e)}))
        return _err(str(e), 2)
    results = station_checks(cfg, devices=not args.no_devices)
    ok = all(r["ok"] for r in results)
    if args.json:
        print(json.dumps({"ok": ok, "station_id": cfg.station_id, "checks": results}))
    else:
        print(f"station {cfg.station_id}: config OK ({cfg.source})")
        for r in results:
            mark = "ok  " if r["ok"] else "FAIL"
            fix = f" — {r['fix']}" if r["fix"] else ""
            print(f"  {mark} {r['name']}: {r['message']}{fix}")
    return 0 if ok else 1


# -- run -------------------------------------------------------------------------------------
def _run(args: argparse.Namespace) -> int:
    if args.candidates < 1:
        return _err("--candidates must be 1 or more", 2)
    if not args.answers.is_dir():
        return _err(f"answers folder not found: {args.answers}", 2)
    from ui.kiosk.app import run_kiosk

    ns = argparse.Namespace(
        candidate=[f"{args.code_prefix}-{i + 1}" for i in range(args.candidates)],
        answers=str(args.answers),
        camera=args.camera,
        quit_when_idle=True,
    )
    return run_kiosk(args.config, ns)


def run(args: argparse.Namespace) -> int:
    return {"init": _init, "check": _check, "run": _run}[args.station_command](args)
