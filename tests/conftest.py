"""Shared fixtures. `make test` runs the suite inside scripts/test-env, which provides an
Xvfb display and a PulseAudio virtual speaker->microphone pair."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from tests import thread_guard

ROOT = Path(__file__).resolve().parent.parent
TESTDATA = (ROOT.parent / "shared" / "testdata").resolve()
SPEECH = TESTDATA / "speech"
FACES = TESTDATA / "faces"

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
thread_guard.install()


def _read_tsv(path: Path) -> list[dict[str, str]]:
    lines = path.read_text(encoding="utf-8").splitlines()
    head = lines[0].split("\t")
    return [dict(zip(head, line.split("\t"), strict=False)) for line in lines[1:] if line]


@pytest.fixture(scope="session")
def testdata() -> Path:
    if not TESTDATA.is_dir():
        pytest.fail(f"test data not found at {TESTDATA}: clone the project beside ../shared")
    return TESTDATA


@pytest.fixture(scope="session")
def speech_refs(testdata: Path) -> list[dict[str, str]]:
    return _read_tsv(testdata / "speech.tsv")


@pytest.fixture(scope="session")
def face_refs(testdata: Path) -> list[dict[str, str]]:
    return _read_tsv(testdata / "faces.tsv")


@pytest.fixture(autouse=True)
def no_leaked_threads():
    """Fails the test if a thread it started is still running after it (see thread_guard)."""
    before = set(threading.enumerate())
    yield
    leaked = thread_guard.leaked_since(before)
    if leaked:
        pytest.fail("the test left threads running:\n" + "\n".join(leaked), pytrace=False)


@pytest.fixture(autouse=True)
def kiosk_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own data and log folders; nothing touches the real ones."""
    home = tmp_path_factory.mktemp("kiosk-home")
    monkeypatch.setenv("INTERVIEW_KIOSK_HOME", str(home))
    return home


def _need_env(var: str, what: str) -> str:
    value = os.environ.get(var)
    if value:
        return value
    msg = f"{what} not available: run the suite with `make test` (scripts/test-env)"
    if os.environ.get("CI"):
        pytest.fail(msg)
    pytest.skip(msg)


@pytest.fixture
def virtual_speaker() -> str:
    """PulseAudio sink whose sound the virtual microphone hears."""
    return _need_env("KIOSK_TEST_SINK", "PulseAudio virtual speaker")


@pytest.fixture
def virtual_mic() -> str:
    """sounddevice input device name that reaches the virtual microphone."""
    return _need_env("KIOSK_TEST_MIC", "PulseAudio virtual microphone")


@pytest.fixture
def x_display() -> str:
    return _need_env("DISPLAY", "An X display")


@pytest.fixture
def play_to_mic(virtual_speaker: str):
    """Plays a WAV into the virtual speaker (so the virtual mic hears it). Returns the
    Popen; the fixture stops anything still playing at teardown."""
    procs: list[subprocess.Popen] = []

    def play(wav: Path) -> subprocess.Popen:
        p = subprocess.Popen(["paplay", f"--device={virtual_speaker}", str(wav)])
        procs.append(p)
        return p

    yield play
    for p in procs:
        if p.poll() is None:
            p.kill()
        p.wait()


@pytest.fixture(scope="session")
def python() -> str:
    return sys.executable


def run_main(
    *args: str, timeout: float = 300, env: dict | None = None
) -> subprocess.CompletedProcess:
    """Runs `python main.py ARGS` as a user would, from the repo root."""
    return subprocess.run(
        [sys.executable, str(ROOT / "main.py"), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
    )
