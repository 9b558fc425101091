"""The captions bar in a real (offscreen) window."""

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from ui.widgets.captions_bar import CaptionsBar

LONG = " ".join(f"word{i}" for i in range(300))


@pytest.fixture
def page(qtbot):
    window = QWidget()
    lay = QVBoxLayout(window)
    lay.addWidget(QLabel("question"), 1)
    bar = CaptionsBar(window)
    lay.addWidget(bar)
    window.resize(800, 500)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    return window, bar


def test_captions_are_on_by_default_and_show_both_speakers(page):
    _, bar = page
    assert bar.captions_on and bar.text.isVisible()
    bar.show_interviewer("Tell me about yourself.")
    bar.show_candidate("I studied", "phys")
    assert bar.plain_text() == "Interviewer: Tell me about yourself.\nYou: I studied phys"
    bar.show_candidate("I studied physics", "")
    assert bar.plain_text().endswith("You: I studied physics")  # the line is updated in place


def test_tentative_words_are_lighter_and_italic(page):
    _, bar = page
    bar.show_candidate("I think", "that maybe")
    html = bar.text.text()
    assert "italic" in html and "#8a8f98" in html
    # the committed words are not in the styled span
    assert html.index("I think") < html.index("italic")


def test_toggle_button_and_shortcut_hide_and_show_the_text(page, qtbot):
    window, bar = page
    bar.show_interviewer("Hello")
    height = bar.height()
    assert bar.toggle_button.accessibleName() == "Captions on/off"
    qtbot.mouseClick(bar.toggle_button, Qt.MouseButton.LeftButton)
    assert not bar.captions_on and not bar.text.isVisible()
    assert bar.height() == height
    assert bar.toggle_action.shortcut().toString() == "Ctrl+Shift+C"
    with qtbot.waitSignal(bar.captions_toggled, timeout=2000) as signal:
        qtbot.keyClick(
            window,
            Qt.Key.Key_C,
            Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
        )
    assert signal.args == [True]
    assert bar.captions_on and bar.text.isVisible()


def test_the_bar_keeps_two_lines_of_height_and_shows_the_newest_text(page, qtbot):
    window, bar = page
    height = bar.height()
    line = bar.text.fontMetrics().lineSpacing()
    assert 2 * line <= bar.text.height() < 3 * line
    bar.show_interviewer(LONG)
    bar.show_candidate(LONG, "tail")
    qtbot.wait(50)
    assert bar.height() == height
    window.resize(800, 700)
    qtbot.wait(50)
    assert bar.height() == height
    shown = bar.visible_lines()
    assert len(shown) == 2 and shown[-1].endswith("tail")  # the newest text, two whole lines
    bar.clear()
    assert bar.plain_text() == ""


def test_only_two_whole_lines_show_even_when_an_interviewer_line_wraps(page, qtbot):
    _, bar = page
    bar.show_interviewer("Tell me about a backend system you built. " * 6)
    bar.show_candidate("And so my fellow Americans", "ask not")
    qtbot.wait(50)
    shown = bar.visible_lines()
    assert len(shown) == 2
    assert shown[-1] == "You: And so my fellow Americans ask not"
    assert shown[0].endswith("built.")  # the end of the interviewer's line, not a sliver
    fm = bar.text.fontMetrics()
    assert all(fm.horizontalAdvance(line) <= bar.text.width() + 8 for line in shown)
    assert bar.text.text().count("<br>") == 1
