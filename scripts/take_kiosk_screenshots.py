"""Screenshots of the real kiosk for the docs: the sign-in screen, an interview in progress
(an unattended candidate answering with a recording) and the proctor panel.

    scripts/test-env .venv/bin/python -m scripts.take_kiosk_screenshots --station station.toml \\
        --answers answers/ --camera face.mp4 --pin 2468 --out docs/screenshots

Runs on the X display (Qt's xcb platform) so the shots are what a station shows.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication

from session.station.config import load_station
from ui.kiosk.app import KioskApp, KioskOptions, dispose


def _shot(path: Path) -> None:
    screen = QGuiApplication.primaryScreen()
    pix = screen.grabWindow(0)
    path.parent.mkdir(parents=True, exist_ok=True)
    if not pix.save(str(path)):
        raise SystemExit(f"could not save {path}")
    print(f"saved {path} ({pix.width()}x{pix.height()})", flush=True)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="kiosk_screenshots")
    p.add_argument("--station", required=True, type=Path)
    p.add_argument("--answers", required=True)
    p.add_argument("--camera", required=True)
    p.add_argument("--pin", required=True)
    p.add_argument("--out", type=Path, default=Path("docs/screenshots"))
    p.add_argument("--interview-after-s", type=float, default=14.0)
    args = p.parse_args(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "xcb")
    app = QApplication(sys.argv[:1])
    cfg = load_station(args.station)
    kiosk = KioskApp(
        cfg,
        KioskOptions(unattended={"answers": args.answers, "camera": args.camera}),
    )
    steps: list[tuple[float, Callable[[], None]]] = []
    seen: dict[str, dict] = {}
    kiosk.status.connect(lambda name, data: seen.__setitem__(name, data))

    def signin_shot() -> None:
        assert kiosk.signin is not None
        kiosk.signin.code.setText("CAND-0042")
        kiosk.signin.extra.setValue(25)
        kiosk.signin.silence.setValue(1.0)
        kiosk.signin.code.setFocus()
        QTimer.singleShot(300, lambda: _shot(args.out / "kiosk-signin.png"))

    def high_contrast(on: bool) -> None:
        assert kiosk.signin is not None
        kiosk.signin.contrast.setChecked(on)
        kiosk.signin.larger.setChecked(on)

    def sign_in() -> None:
        assert kiosk.signin is not None
        kiosk.signin.submit()

    def interview_shot() -> None:
        if seen.get("phase", {}).get("phase") != "interview":
            print(f"warning: the interview is not running (last status: {seen})", flush=True)
        _shot(args.out / "kiosk-interview.png")

    def open_panel() -> None:
        kiosk.open_pin()
        assert kiosk.pin is not None
        kiosk.pin.field.setText(args.pin)
        kiosk.pin.field.returnPressed.emit()

    def quit_() -> None:
        kiosk.shutdown()

    steps += [
        (2.0, signin_shot),
        (1.0, lambda: high_contrast(True)),
        (1.0, lambda: _shot(args.out / "kiosk-signin-high-contrast.png")),
        (0.5, lambda: high_contrast(False)),
        (0.5, sign_in),
        (args.interview_after_s, interview_shot),
        (0.5, open_panel),
        (5.0, lambda: _shot(args.out / "kiosk-proctor-panel.png")),
        (0.5, quit_),
    ]

    def run_steps(i: int = 0) -> None:
        if i >= len(steps):
            return
        delay, fn = steps[i]

        def go() -> None:
            fn()
            run_steps(i + 1)

        QTimer.singleShot(int(delay * 1000), go)

    kiosk.start()
    run_steps()
    rc = app.exec()
    dispose(kiosk)
    return rc


if __name__ == "__main__":
    sys.exit(main())
