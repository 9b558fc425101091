"""Two candidates back to back, unattended, on one station config: the real kiosk app
(offscreen), the real interview flow and engine (bundled speech models, a file camera, a
scripted microphone answering with a real recording) and a real backend on 127.0.0.1.
The second candidate sees nothing of the first; the first's attempt is deleted once its
receipt is verified (retention 0); the integrity flags arrive at the backend."""

from __future__ import annotations

import json
import shutil

import pytest
from PySide6.QtWidgets import QAbstractButton, QLabel, QLineEdit, QPlainTextEdit, QTextEdit

from session.station.config import load_station
from session.station.pin import hash_pin
from tests.backend.server import backend_process
from tests.conftest import FACES, SPEECH
from ui.kiosk.app import KioskApp, KioskOptions

pytestmark = [pytest.mark.server, pytest.mark.model, pytest.mark.slow]

INTERVIEW = """\
id: station-dry-run
title: Station dry run
role: Tester
short_answer_words: 0
total_time_s: 120
silence: {end_of_turn_s: 1.0, long_pause_s: 20.0}
intro: Hello.
closing: Thank you, goodbye.
questions:
  - id: about
    text: Please tell me about your last project.
    time_limit_s: 40
"""
CLIP = SPEECH / "cathy_arctic_a0024_1592747999.wav"  # "It was my reports from the north ..."
# No face in view for the whole interview: each attempt ends with an open "face not
# visible" flag, closed when the interview ends, after the engine's last manifest.
CAMERA = FACES / "intel_bottle-detection.mp4"
CODES = ["ALICE-4711", "BOB-0815"]


def all_text(root) -> str:
    """Every string any widget in the window holds, shown or not."""
    parts = [root.windowTitle()]
    for w in root.findChildren(QLabel) + root.findChildren(QLineEdit):
        parts.append(w.text())
    for w in root.findChildren(QPlainTextEdit) + root.findChildren(QTextEdit):
        parts.append(w.toPlainText())
    for w in root.findChildren(QAbstractButton):
        parts.append(w.text())
    return "\n".join(parts)


@pytest.fixture
def station(tmp_path):
    interviews = tmp_path / "interviews"
    interviews.mkdir()
    (interviews / "dry-run.yaml").write_text(INTERVIEW)
    server = backend_process(tmp_path / "backend", interviews=interviews).start()
    (tmp_path / "token.txt").write_text(server.token("station", "room-1"))
    answers = tmp_path / "answers"
    answers.mkdir()
    shutil.copy(CLIP, answers / "01.wav")
    f = tmp_path / "station.toml"
    f.write_text(
        f'station_id = "room-1"\nbackend_url = "{server.url}"\ntoken_file = "token.txt"\n'
        f'data_dir = "data"\ninterview = "interviews/dry-run.yaml"\n'
        f'proctor_pin = "{hash_pin("2468", n=2**10)}"\nretention_hours = 0\n'
        # What is left between candidates is the point here, not the model's replies.
        'interviewer = "scripted"\n'
    )
    yield load_station(f), answers, server
    server.stop()


def test_two_candidates_back_to_back_leave_no_trace_of_the_first(qtbot, station):
    cfg, answers, server = station
    seen: list[tuple[str, dict]] = []
    welcome_text: list[str] = []
    k = KioskApp(
        cfg,
        KioskOptions(
            candidates=list(CODES),
            unattended={"answers": str(answers), "camera": str(CAMERA)},
            status_lines=False,
        ),
    )
    qtbot.addWidget(k.window)

    one_timeline: list[bool] = []

    def on_status(name: str, data: dict) -> None:
        seen.append((name, data))
        if name == "welcome":
            welcome_text.append(all_text(k.window))
        if name == "recording":  # the engine writes through the station's own timeline
            one_timeline.append(k.run.engine.events is k.run.events)

    k.status.connect(on_status)
    k.start()
    try:
        names = lambda n: [d for s, d in seen if s == n]  # noqa: E731
        qtbot.waitUntil(lambda: len(names("finished")) == 2, timeout=150_000)
        first = names("signed_in")[0]["attempt"]
        qtbot.waitUntil(
            lambda: any(d["attempt"] == first for d in names("attempt_deleted")), timeout=60_000
        )
    finally:
        k.shutdown()
        k.tasks.wait(10)

    starts = names("signed_in")
    assert len(starts) == 2 and starts[0]["attempt"] != starts[1]["attempt"]
    assert one_timeline == [True, True]
    # Each finished run took its upload listeners along: only the station's own are left.
    assert (len(k.upload_queue._progress), len(k.upload_queue._result)) == (1, 1)
    # The welcome page shown to the second candidate: nothing of the first.
    before_second = welcome_text[1]
    assert "ALICE" not in before_second
    for word in ("reports", "north", "project", "Station dry run"):
        assert word not in before_second, f"{word!r} of the first candidate is still on screen"
    # The first's attempt is uploaded (receipt verified) and gone from the station.
    uploaded = {d["attempt"] for d in names("uploaded")}
    assert first in uploaded
    assert not (cfg.attempts_dir / first).exists()
    # The backend has both attempts, attributed to the two candidates.
    import httpx

    token = cfg.read_token()
    r = httpx.get(f"{server.url}/api/attempts", headers={"Authorization": f"Bearer {token}"})
    rows = r.json()
    rows = rows.get("attempts", rows) if isinstance(rows, dict) else rows
    candidates = sorted(a.get("candidate") for a in rows if a.get("state") == "submitted")
    assert candidates == sorted(CODES), json.dumps(rows)[:2000]
    # The flags reached the backend inside verified uploads.
    stored = sorted(server.data_dir.rglob("events.jsonl"))
    assert len(stored) == 2
    for f in stored:
        flags = [json.loads(line) for line in f.read_text().splitlines() if "signal_id" in line]
        assert any(e["about"] == "face_lost" and e["duration_s"] >= 5 for e in flags), flags


def test_station_run_command_validates_its_arguments(tmp_path):
    from tests.conftest import run_main

    r = run_main("station", "run", "--config", str(tmp_path / "none.toml"), "--answers",
                 str(tmp_path))  # fmt: skip
    assert r.returncode == 2 and "field '(file)'" in r.stderr
    r = run_main("station", "run", "--config", "x.toml", "--answers", str(tmp_path / "no"))
    assert r.returncode == 2 and "answers folder not found" in r.stderr
