"""Starts the frozen app headless, waits for its "ready" log line, fails on a traceback.

python installer/smoke_test.py dist/interview-kiosk/interview-kiosk
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def main(exe: str, timeout: float = 60.0) -> int:
    home = Path(tempfile.mkdtemp(prefix="kiosk-smoke-"))
    env = {**os.environ, "INTERVIEW_KIOSK_HOME": str(home), "QT_QPA_PLATFORM": "offscreen"}
    proc = subprocess.Popen([exe], env=env, stderr=subprocess.PIPE, text=True)
    log = home / "logs" / "kiosk.log"
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            text = log.read_text(encoding="utf-8") if log.exists() else ""
            if "Traceback" in text:
                print(text, file=sys.stderr)
                return 1
            if " ready" in text:
                print("smoke test passed: the app started and logged ready")
                return 0
            if proc.poll() is not None:
                print(f"the app exited early with code {proc.returncode}", file=sys.stderr)
                print(proc.stderr.read() if proc.stderr else "", file=sys.stderr)
                return 1
            time.sleep(0.5)
        print("no ready line within the time limit", file=sys.stderr)
        return 1
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
