"""Source pumps stop within their time bound; Help is readable and offers the report."""

from __future__ import annotations

import threading
import time

from PySide6.QtWidgets import QTextBrowser

from capture.scripted_microphone import ScriptedMicrophone
from capture.types import DeviceError
from session.runtime.worker import SourcePump
from ui.desktop.help_dialog import HelpDialog


def test_pump_delivers_blocks_and_stops_within_its_bound():
    got: list = []
    pump = SourcePump(ScriptedMicrophone(block_s=0.05), got.append, lambda e: None).start()
    deadline = time.monotonic() + 5
    while len(got) < 3 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert len(got) >= 3
    t0 = time.monotonic()
    assert pump.stop(2.0)
    assert time.monotonic() - t0 < 1.0
    assert pump.stop(2.0)  # idempotent
    assert not pump.running


def test_pump_reports_an_open_failure_once_with_its_fix():
    class Broken:
        def open(self):
            raise DeviceError("camera 3 not found", "Plug in a camera")

        def close(self):
            pass

    errors: list = []
    done = threading.Event()
    pump = SourcePump(Broken(), lambda i: None, lambda e: (errors.append(e), done.set()))
    pump.start()
    assert done.wait(2)
    assert pump.stop(1.0)
    assert len(errors) == 1 and errors[0].fix == "Plug in a camera"


def test_help_covers_permissions_connection_retakes_and_support(qtbot):
    saved: list = []
    dlg = HelpDialog(save_report=lambda: saved.append(1))
    qtbot.addWidget(dlg)

    html = dlg.findChildren(QTextBrowser)[0]
    plain = html.toPlainText()
    for words in ("Windows", "macOS", "Linux", "connection", "retake", "support report"):
        assert words.lower() in plain.lower(), words
    assert "never contains your recording" in plain
    dlg.report_button.click()
    assert saved == [1]
