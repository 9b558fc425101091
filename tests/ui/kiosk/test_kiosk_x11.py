"""The kiosk under a real X server with a window manager (openbox in scripts/test-env), on
Qt's xcb platform so keyboard grabs and window-manager shortcuts are real. The kiosk runs in
a subprocess; xdotool plays the candidate.

Run as a script (``python test_kiosk_x11.py STATION [CODE]``) it starts the real kiosk app
with a stand-in interview that stays in its interview phase, so the tests control timing.
"""

from __future__ import annotations

import ctypes
import json
import os
import queue
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
pytestmark = [pytest.mark.device]


# -- helpers -------------------------------------------------------------------------------
class Kiosk:
    """A kiosk subprocess whose ``kiosk-status`` lines are collected by a reader thread."""

    def __init__(self, station: Path, *codes: str, real: list[str] | None = None) -> None:
        """``real``: run the real kiosk app (``python -m ui.kiosk.app``) with these extra
        arguments instead of the stand-in interview."""
        env = {**os.environ, "QT_QPA_PLATFORM": "xcb", "PYTHONPATH": str(ROOT)}
        if real is not None:
            cmd = [sys.executable, "-m", "ui.kiosk.app", "--station", str(station), *real]
            cmd += [a for c in codes for a in ("--candidate", c)]
        else:
            cmd = [sys.executable, __file__, str(station), *codes]
        self.proc = subprocess.Popen(
            cmd,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=env,
            cwd=ROOT,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.log: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.log.append(line.rstrip())
            self.lines.put(line.rstrip())

    def wait_for(self, name: str, timeout: float = 20.0, **match) -> dict:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            try:
                line = self.lines.get(timeout=0.2)
            except queue.Empty:
                if self.proc.poll() is not None:
                    break
                continue
            if line.startswith(f"kiosk-status {name} "):
                data = json.loads(line.split(" ", 2)[2])
                if all(data.get(k) == v for k, v in match.items()):
                    return data
        raise AssertionError(
            f"no '{name}' {match} within {timeout}s; output:\n" + "\n".join(self.log)
        )

    def alive(self) -> bool:
        return self.proc.poll() is None

    def stop(self) -> None:
        if self.alive():
            self.proc.kill()
        self.proc.wait(10)


def xdo(*args: str) -> str:
    r = subprocess.run(["xdotool", *args], capture_output=True, text=True, timeout=10)
    return r.stdout.strip()


def active_window_name() -> str:
    return xdo("getactivewindow", "getwindowname")


def kiosk_windows() -> list[str]:
    return [w for w in xdo("search", "--name", "Interview Kiosk").split() if w]


def try_grab_keyboard() -> int:
    """XGrabKeyboard from a second X client: 0 GrabSuccess, 1 AlreadyGrabbed."""
    x11 = ctypes.cdll.LoadLibrary("libX11.so.6")
    x11.XOpenDisplay.restype = ctypes.c_void_p
    x11.XOpenDisplay.argtypes = [ctypes.c_char_p]
    x11.XDefaultRootWindow.restype = ctypes.c_ulong
    x11.XDefaultRootWindow.argtypes = [ctypes.c_void_p]
    i = ctypes.c_int
    x11.XGrabKeyboard.argtypes = [ctypes.c_void_p, ctypes.c_ulong, i, i, i, ctypes.c_ulong]
    x11.XUngrabKeyboard.argtypes = [ctypes.c_void_p, ctypes.c_ulong]
    x11.XCloseDisplay.argtypes = [ctypes.c_void_p]
    d = x11.XOpenDisplay(None)
    assert d, "cannot open the X display"
    try:
        rc = x11.XGrabKeyboard(d, x11.XDefaultRootWindow(d), 0, 1, 1, 0)
        if rc == 0:
            x11.XUngrabKeyboard(d, 0)
        return int(rc)
    finally:
        x11.XCloseDisplay(d)


INTERVIEW = """\
id: x11-real
title: Kiosk crash test
role: Tester
short_answer_words: 0
silence: {end_of_turn_s: 1.0, long_pause_s: 30.0}
intro: Hello.
closing: Thank you.
questions:
  - id: one
    text: Please tell me about your last project.
  - id: two
    text: What would you do differently?
"""


class _MonitorInfo(ctypes.Structure):
    _fields_ = [  # the layout of XRRMonitorInfo
        ("name", ctypes.c_ulong),
        ("primary", ctypes.c_int),
        ("automatic", ctypes.c_int),
        ("noutput", ctypes.c_int),
        ("x", ctypes.c_int),
        ("y", ctypes.c_int),
        ("width", ctypes.c_int),
        ("height", ctypes.c_int),
        ("mwidth", ctypes.c_int),
        ("mheight", ctypes.c_int),
        ("outputs", ctypes.POINTER(ctypes.c_ulong)),
    ]


def second_monitor(connect: bool) -> None:
    """Adds (or removes) a RandR monitor on the right half of the screen, as plugging in a
    second display does (`xrandr --setmonitor`, without needing xrandr installed)."""
    x11 = ctypes.cdll.LoadLibrary("libX11.so.6")
    xr = ctypes.cdll.LoadLibrary("libXrandr.so.2")
    x11.XOpenDisplay.restype = ctypes.c_void_p
    x11.XOpenDisplay.argtypes = [ctypes.c_char_p]
    x11.XDefaultRootWindow.restype = ctypes.c_ulong
    x11.XDefaultRootWindow.argtypes = [ctypes.c_void_p]
    x11.XInternAtom.restype = ctypes.c_ulong
    x11.XInternAtom.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int]
    x11.XSync.argtypes = [ctypes.c_void_p, ctypes.c_int]
    x11.XCloseDisplay.argtypes = [ctypes.c_void_p]
    xr.XRRSetMonitor.argtypes = [ctypes.c_void_p, ctypes.c_ulong, ctypes.POINTER(_MonitorInfo)]
    xr.XRRDeleteMonitor.argtypes = [ctypes.c_void_p, ctypes.c_ulong, ctypes.c_ulong]
    d = x11.XOpenDisplay(None)
    root, name = x11.XDefaultRootWindow(d), x11.XInternAtom(d, b"KIOSK-TEST-2", 0)
    if connect:
        info = _MonitorInfo(name, 0, 0, 0, 640, 0, 640, 400, 169, 106, None)
        xr.XRRSetMonitor(d, root, ctypes.byref(info))
    else:
        xr.XRRDeleteMonitor(d, root, name)
    x11.XSync(d, 0)
    x11.XCloseDisplay(d)


def write_station(tmp_path: Path, tries: int = 3, lockout_s: float = 4) -> Path:
    from session.station.pin import hash_pin

    (tmp_path / "token").write_text("unused")
    (tmp_path / "interview.yaml").write_text(INTERVIEW)
    station = tmp_path / "station.toml"
    station.write_text(
        f'station_id = "x11"\nbackend_url = "http://127.0.0.1:9"\ntoken_file = "token"\n'
        f'data_dir = "data"\ninterview = "interview.yaml"\n'
        f'proctor_pin = "{hash_pin("2468", n=2**10)}"\n'
        f"pin_max_tries = {tries}\npin_lockout_s = {lockout_s}\n"
    )
    return station


@pytest.fixture
def x11(x_display):
    for tool in ("xdotool", "xmessage"):
        if not shutil.which(tool):
            pytest.skip(f"{tool} is not installed")
    return x_display


@pytest.fixture
def other_window(x11):
    """Another application's window the candidate might try to switch to."""
    p = subprocess.Popen(["xmessage", "-geometry", "300x100+20+20", "another application"])
    for _ in range(50):
        if xdo("search", "--name", "xmessage"):
            break
        time.sleep(0.1)
    yield p
    p.kill()
    p.wait()


def type_pin(pin: str) -> None:
    xdo("type", "--delay", "30", pin)
    xdo("key", "Return")


# -- tests ---------------------------------------------------------------------------------
def test_window_manager_shortcuts_cannot_leave_and_the_pin_gates_exit(tmp_path, other_window):
    k = Kiosk(write_station(tmp_path), "CAND-001")
    try:
        k.wait_for("phase", phase="interview", grab=True)
        time.sleep(0.5)
        assert active_window_name().startswith("Interview Kiosk")
        assert try_grab_keyboard() == 1, "the kiosk should hold the keyboard during an interview"
        for keys in (["alt+F4"], ["alt+Tab"], ["Escape"], ["alt+Tab", "alt+Tab"], ["super"]):
            xdo("key", *keys)
            time.sleep(0.6)
            assert k.alive(), f"{keys} closed the kiosk"
            assert active_window_name().startswith("Interview Kiosk"), f"{keys} switched away"
        # A second monitor is connected: the candidate is told at once and adds a note.
        second_monitor(True)
        try:
            flag = k.wait_for("integrity_signal", kind="monitor_added")
            time.sleep(0.5)
            xdo("type", "--delay", "20", "The proctor plugged in a projector")
            xdo("key", "Tab", "Tab", "space")  # note -> "Continue without" -> "Save note"
            assert k.wait_for("candidate_note")["signal_id"] == flag["signal_id"]
        finally:
            second_monitor(False)
        events = [
            json.loads(line)
            for f in (tmp_path / "data" / "attempts").glob("*/events.jsonl")
            for line in f.read_text().splitlines()
        ]
        added = next(e for e in events if e.get("about") == "monitor_added")
        assert added["type"] == "integrity_flag"
        note = next(e for e in events if e["type"] == "candidate_note")
        assert added["signal_id"] == note["signal_id"] == flag["signal_id"]
        assert note["text"] == "The proctor plugged in a projector"
        assert active_window_name().startswith("Interview Kiosk")
        win = kiosk_windows()[0]
        state = subprocess.run(
            ["xprop", "-id", win, "_NET_WM_STATE"], capture_output=True, text=True
        ).stdout
        assert "_NET_WM_STATE_FULLSCREEN" in state and "_NET_WM_STATE_ABOVE" in state

        # Wrong PINs: rejected, then locked; while locked even the right PIN is refused.
        xdo("key", "ctrl+alt+p")
        k.wait_for("pin_prompt")
        type_pin("1111")
        assert k.wait_for("pin_rejected")["tries_left"] == 2
        type_pin("1112")
        type_pin("1113")
        assert k.wait_for("pin_rejected", tries_left=0)["locked_s"] > 0
        type_pin("2468")
        assert k.wait_for("pin_rejected", tries_left=0)["locked_s"] > 0
        time.sleep(0.5)
        assert k.alive() and active_window_name().startswith("Interview Kiosk")
        state_file = json.loads((tmp_path / "data" / "pin-state.json").read_text())
        assert state_file["locked_until"] > time.time()

        # After the lock-out the right PIN opens the panel, and "Exit kiosk" leaves.
        time.sleep(4.2)
        type_pin("2468")
        k.wait_for("pin_accepted")
        # The event is written as the panel opens; the X server sees the ungrab a moment later.
        released = time.monotonic() + 3.0
        while try_grab_keyboard() != 0 and time.monotonic() < released:
            time.sleep(0.1)
        assert try_grab_keyboard() == 0, "the panel must not hold the keyboard"
        xdo("key", "alt+x")
        k.wait_for("exit")
        assert k.proc.wait(15) == 0
        assert kiosk_windows() == []
        # Left mid-interview: the marker stays so the next start offers the attempt back.
        marker = json.loads((tmp_path / "data" / "kiosk-session.json").read_text())
        assert marker["state"] == "interview"
    finally:
        k.stop()


@pytest.mark.model
def test_sigkill_during_a_real_interview_leaves_nothing_locked_and_next_start_resumes(
    tmp_path, x11
):
    """The real kiosk app, engine and recorder (file camera, scripted microphone) is
    killed mid-interview: no window or keyboard grab survives it, the marker tells the next
    start, which offers recovery through the attempt store and resumes from the keyboard."""
    from tests.conftest import FACES, SPEECH

    station = write_station(tmp_path)
    answers = tmp_path / "answers"
    answers.mkdir()
    shutil.copy(SPEECH / "cathy_arctic_a0024_1592747999.wav", answers / "01.wav")
    real = [
        "--answers",
        str(answers),
        "--camera",
        str(FACES / "intel_head-pose-face-detection-female.mp4"),
    ]
    k = Kiosk(station, "CAND-REAL", real=real)
    try:
        name = k.wait_for("recording", timeout=60)["attempt"]
        assert try_grab_keyboard() == 1
        time.sleep(2.0)  # a couple of seconds on disk
        os.kill(k.proc.pid, signal.SIGKILL)
        k.proc.wait(10)
        time.sleep(0.3)
        assert try_grab_keyboard() == 0, "the keyboard is still grabbed after the kill"
        assert kiosk_windows() == []
        marker = json.loads((tmp_path / "data" / "kiosk-session.json").read_text())
        assert marker["state"] == "interview"
    finally:
        k.stop()
    recorded = list((tmp_path / "data" / "attempts" / name).glob("recording*.mkv"))
    assert recorded and recorded[0].stat().st_size > 10_000

    again = Kiosk(station, real=real)
    try:
        offer = again.wait_for("recovery_offered", timeout=30)
        assert offer["resumable"] is True and Path(offer["attempt"]).name == name
        time.sleep(0.5)
        xdo("key", "space")
        again.wait_for("recovery_resumed")
        again.wait_for("recording", timeout=60)  # the interview goes on in a new segment
        assert try_grab_keyboard() == 1
    finally:
        again.stop()


@pytest.mark.model
def test_sigterm_during_a_real_interview_ends_it_in_order(tmp_path, x11):
    """SIGTERM (a system shutdown, a service stop) goes through the kiosk's own shutdown:
    it exits by itself, the recording is closed (the attempt reads "interrupted", not
    cut off), and the marker stays so the next start offers to resume."""
    from session.attempt.manifest import read_manifest
    from tests.conftest import FACES, SPEECH

    station = write_station(tmp_path)
    answers = tmp_path / "answers"
    answers.mkdir()
    shutil.copy(SPEECH / "cathy_arctic_a0024_1592747999.wav", answers / "01.wav")
    real = ["--answers", str(answers), "--camera", str(FACES / "fr_obama_small.jpg")]
    k = Kiosk(station, "CAND-TERM", real=real)
    try:
        name = k.wait_for("recording", timeout=60)["attempt"]
        time.sleep(0.5)  # the first question is still being asked
        os.kill(k.proc.pid, signal.SIGTERM)
        try:
            code = k.proc.wait(30)
        except subprocess.TimeoutExpired:
            code = None
        assert code == 0, "\n".join(k.log)
        time.sleep(0.3)
        assert kiosk_windows() == []
        assert try_grab_keyboard() == 0
    finally:
        k.stop()
    attempt = tmp_path / "data" / "attempts" / name
    assert read_manifest(attempt)["state"] == "interrupted"
    marker = json.loads((tmp_path / "data" / "kiosk-session.json").read_text())
    assert marker["state"] == "interview"


# -- the subprocess side ---------------------------------------------------------------------
def _serve(station: str, codes: list[str]) -> int:
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from session.attempt.store import AttemptStore
    from session.interview.config import parse_interview
    from session.station.config import load_station
    from ui.kiosk.app import KioskApp, KioskOptions
    from ui.kiosk.candidate import CandidateRun, StatusPage

    interview = parse_interview(
        {"id": "x11", "title": "X11", "role": "Tester", "questions": [{"id": "q", "text": "Hi?"}]}
    )

    class InterviewInProgress(CandidateRun):
        """An interview that stays in progress, with a real attempt in a real store."""

        def __init__(self, req, cfg) -> None:
            super().__init__(req, cfg)
            self.widget = StatusPage("Question 1 of 3", "Tell us about a project you led.")
            self._t0 = time.monotonic()
            self.store = AttemptStore(cfg.data_dir / "attempts.sqlite", cfg.attempts_dir)
            if req.resume:
                self.attempt = self.store.resume(req.attempt_id)
            else:
                self.attempt = self.store.start_attempt(interview, req.attempt_dir)

        def recovery_info(self) -> dict:
            return {"store": str(self.store.db_path), "attempt_id": self.attempt.id}

        def start(self) -> None:
            QTimer.singleShot(100, lambda: self.phase.emit("interview"))

        def clock(self) -> float:
            return time.monotonic() - self._t0

    app = QApplication(sys.argv[:1])
    kiosk = KioskApp(load_station(station), KioskOptions(candidates=codes), InterviewInProgress)
    kiosk.start()
    return app.exec()


if __name__ == "__main__":
    sys.exit(_serve(sys.argv[1], sys.argv[2:]))
