"""The checks page with real file-backed devices: Start stays disabled until every required
check passed; a failing camera shows its fix; everything works from the keyboard."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QPushButton

from tests.conftest import FACES, SPEECH
from ui.desktop.check_runner import CheckRunner, CheckSettings
from ui.desktop.checks_page import ChecksPage

MALE = FACES / "intel_head-pose-face-detection-male.mp4"
COFFEE = FACES / "skimage_coffee.png"
JFK = SPEECH / "jfk.wav"

pytestmark = pytest.mark.device


def make_page(qtbot, runner, tmp_path: Path, camera, mic=JFK, transcribe=False) -> ChecksPage:
    settings = CheckSettings(
        camera=str(camera), mic=str(mic), transcribe=transcribe, data_dir=tmp_path
    )
    page = ChecksPage(CheckRunner(settings, runner))
    qtbot.addWidget(page)
    page.resize(1100, 700)
    with qtbot.waitExposed(page):
        page.show()
    page.start()
    return page


def confirm_speaker(qtbot, page: ChecksPage) -> None:
    QTest.mouseClick(page.play_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(page.heard_yes.isEnabled, timeout=15000)
    QTest.mouseClick(page.heard_yes, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.rows["speaker"].passed, timeout=5000)


@pytest.mark.model  # the read-aloud line is transcribed with the bundled Whisper model
def test_start_enables_only_after_every_required_check_passed(qtbot, runner, tmp_path):
    page = make_page(qtbot, runner, tmp_path, MALE, transcribe=True)
    try:
        assert not page.start_button.isEnabled()
        qtbot.waitUntil(
            lambda: all(page.rows[n].passed for n in ("camera", "face", "microphone", "disk")),
            timeout=30000,
        )
        assert page.preview.frames > 0
        assert not page.start_button.isEnabled()  # the speaker is not confirmed yet
        confirm_speaker(qtbot, page)
        qtbot.waitUntil(page.start_button.isEnabled, timeout=2000)
        assert page.failing() == []
        # The read-aloud check shows the words it heard from the microphone (Whisper).
        qtbot.waitUntil(lambda: "country" in page.heard.text().lower(), timeout=40000)
    finally:
        assert page.stop(3.0)


def test_coffee_picture_fails_the_face_check_with_a_fix_and_start_stays_disabled(
    qtbot, runner, tmp_path
):
    page = make_page(qtbot, runner, tmp_path, COFFEE)
    try:
        qtbot.waitUntil(lambda: page.rows["face"].state == "fail", timeout=30000)
        confirm_speaker(qtbot, page)
        row = page.rows["face"]
        assert row.fix.isVisible() and row.fix.text().startswith("What to do: ")
        assert len(row.fix.text()) > len("What to do: ") + 10
        assert not page.start_button.isEnabled()
        assert "face" in page.failing()
    finally:
        assert page.stop(3.0)


def test_missing_camera_shows_its_fix_text_and_start_stays_disabled(qtbot, runner, tmp_path):
    page = make_page(qtbot, runner, tmp_path, tmp_path / "no-such-camera.mp4")
    try:
        qtbot.waitUntil(lambda: page.rows["camera"].state == "fail", timeout=15000)
        row = page.rows["camera"]
        assert row.fix.isVisible() and "What to do: " in row.fix.text()
        qtbot.waitUntil(lambda: page.rows["microphone"].passed, timeout=20000)
        confirm_speaker(qtbot, page)
        assert not page.start_button.isEnabled()
        assert "camera" in page.failing()
    finally:
        assert page.stop(3.0)


def test_tab_reaches_every_control_and_start_works_from_the_keyboard(qtbot, runner, tmp_path):
    page = make_page(qtbot, runner, tmp_path, MALE)
    try:
        confirm_speaker(qtbot, page)
        qtbot.waitUntil(page.start_button.isEnabled, timeout=30000)
        with qtbot.waitActive(page):
            page.activateWindow()
        page.play_button.setFocus()
        seen = []
        for _ in range(30):
            w = QApplication.focusWidget()
            seen.append(w)
            QTest.keyClick(w, Qt.Key.Key_Tab)
        buttons = [b for b in page.findChildren(QPushButton) if b.isVisible()]
        missing = [b.text() for b in buttons if b.isEnabled() and b not in seen]
        assert not missing, f"Tab never reaches {missing}"
        for b in buttons:
            assert b.accessibleName() or b.text(), "every control has a name"
        # Start by keyboard: Tab to it and press Space.
        while QApplication.focusWidget() is not page.start_button:
            QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        with qtbot.waitSignal(page.start_requested, timeout=2000):
            QTest.keyClick(page.start_button, Qt.Key.Key_Space)
        # And by its mnemonic, Alt+S.
        with qtbot.waitSignal(page.start_requested, timeout=2000):
            QTest.keyClick(page, Qt.Key.Key_S, Qt.KeyboardModifier.AltModifier)
    finally:
        assert page.stop(3.0)
