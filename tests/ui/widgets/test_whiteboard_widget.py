"""The whiteboard widget: drawing with the mouse, undo/redo shortcuts, autosave of strokes
and PNG snapshots, restore after a crash."""

from __future__ import annotations

import json

from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QImage
from PySide6.QtTest import QTest

from tests.ui.mouse import draw
from ui.widgets.whiteboard import WhiteboardPanel


def make_panel(qtbot, runner, folder, restore=True):
    with qtbot.waitSignal(runner._sig.done, timeout=3000, raising=restore):
        panel = WhiteboardPanel(folder, runner, autosave_s=0.2, restore=restore)
    qtbot.addWidget(panel)
    panel.resize(700, 480)
    with qtbot.waitExposed(panel):
        panel.show()
    return panel


def test_drawn_strokes_are_autosaved_and_restored_after_a_crash(qtbot, runner, tmp_path):
    folder = tmp_path / "whiteboard"
    panel = make_panel(qtbot, runner, folder)
    draw(panel.canvas, [QPoint(40, 40), QPoint(90, 60), QPoint(150, 120)])
    panel.set_tool("rect")
    draw(panel.canvas, [QPoint(200, 50), QPoint(320, 150)])
    assert len(panel.model.strokes) == 2
    with qtbot.waitSignal(panel.saved, timeout=3000):
        pass  # the timer wrote strokes.json
    saved = json.loads((folder / "strokes.json").read_text())
    assert [s["tool"] for s in saved["pages"]["0"]] == ["pen", "rect"]
    assert saved["pages"]["0"][0]["points"][0] == [40.0, 40.0]

    with qtbot.waitSignal(panel.snapshot_saved, timeout=3000) as snap:
        panel.set_question(1)  # question change: PNG of question 1, then an empty page
    png = QImage(snap.args[0])
    assert snap.args[0].endswith("snapshot-1-1.png") and not png.isNull()
    # The pen stroke is in the picture: a dark pixel where the line passed.
    assert QImage(png).pixelColor(90, 60).lightness() < 128

    # "Crash": a new panel on the same folder shows the same strokes on the same page.
    panel.stop()
    again = make_panel(qtbot, runner, folder)
    again.model.set_page(0)
    assert [s.tool for s in again.model.strokes] == ["pen", "rect"]
    again.stop()


def test_autosave_writes_only_when_something_changed(qtbot, runner, tmp_path):
    panel = make_panel(qtbot, runner, tmp_path, restore=False)
    draw(panel.canvas, [QPoint(10, 10), QPoint(60, 60)])
    with qtbot.waitSignal(panel.saved, timeout=3000):
        pass
    mtime = (tmp_path / "strokes.json").stat().st_mtime_ns
    with qtbot.assertNotEmitted(panel.saved, wait=700):
        pass
    assert (tmp_path / "strokes.json").stat().st_mtime_ns == mtime
    panel.stop()


def test_ctrl_z_and_ctrl_y_undo_and_redo(qtbot, runner, tmp_path):
    panel = make_panel(qtbot, runner, tmp_path, restore=False)
    draw(panel.canvas, [QPoint(10, 10), QPoint(60, 60)])
    draw(panel.canvas, [QPoint(100, 10), QPoint(160, 60)])
    with qtbot.waitActive(panel):
        panel.activateWindow()
    panel.canvas.setFocus()
    QTest.keyClick(panel.canvas, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert len(panel.model.strokes) == 1
    QTest.keyClick(panel.canvas, Qt.Key.Key_Y, Qt.KeyboardModifier.ControlModifier)
    assert len(panel.model.strokes) == 2
    panel.clear_button.click()
    assert panel.model.strokes == [] and panel.undo_button.isEnabled()
    panel.stop()


def test_text_tool_places_typed_text(qtbot, runner, tmp_path):
    panel = make_panel(qtbot, runner, tmp_path, restore=False)
    panel.set_tool("text")
    QTest.mouseClick(panel.canvas, Qt.MouseButton.LeftButton, pos=QPoint(50, 80))
    editor = panel.canvas._editor
    assert editor is not None
    QTest.keyClicks(editor, "O(n log n)")
    QTest.keyClick(editor, Qt.Key.Key_Return)
    (stroke,) = panel.model.strokes
    assert stroke.tool == "text" and stroke.text == "O(n log n)"
    panel.stop()
