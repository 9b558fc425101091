"""The Qt-free whiteboard model: undo/redo, pages, JSON round trip, atomic autosave."""

from __future__ import annotations

import json

from session.attempt.whiteboard import (
    Autosaver,
    Stroke,
    WhiteboardModel,
    load_strokes,
    save_strokes,
    snapshot_name,
)


def _pen(x: float) -> Stroke:
    return Stroke("pen", "#112233", 3.0, ((x, 0.0), (x + 5, 5.0)))


def test_undo_and_redo_walk_back_and_forth_through_changes():
    m = WhiteboardModel()
    m.add(_pen(1))
    m.add(_pen(2))
    m.clear()
    assert m.strokes == []
    assert m.undo() and len(m.strokes) == 2
    assert m.undo() and m.strokes == [_pen(1)]
    assert m.redo() and len(m.strokes) == 2
    m.add(_pen(3))  # a new change drops the redo history
    assert not m.can_redo()


def test_each_question_has_its_own_page():
    m = WhiteboardModel()
    m.set_page(1)
    m.add(_pen(1))
    m.set_page(2)
    assert m.strokes == []
    m.add(Stroke("text", "#000000", 2.0, ((10.0, 20.0),), "hello"))
    m.set_page(1)
    assert m.strokes == [_pen(1)]
    assert m.page_strokes(2)[0].text == "hello"


def test_saved_strokes_restore_the_same_pages(tmp_path):
    m = WhiteboardModel()
    m.set_page(3)
    m.add(_pen(1))
    m.add(Stroke("rect", "#ff0000", 2.0, ((0.0, 0.0), (50.0, 40.0))))
    save_strokes(tmp_path, m.to_dict())
    back = load_strokes(tmp_path)
    assert back.page == 3
    assert back.strokes == m.strokes
    assert not list(tmp_path.glob("*.tmp"))  # the temp file was renamed, not left behind


def test_a_damaged_strokes_file_gives_an_empty_board_and_is_kept_aside(tmp_path):
    (tmp_path / "strokes.json").write_text('{"version": 1, "pages": {"0": [{"tool"')
    m = load_strokes(tmp_path)
    assert m.strokes == []
    assert (tmp_path / "strokes.json.damaged").exists()


def test_unknown_tool_in_file_is_treated_as_damage(tmp_path):
    bad = {
        "version": 1,
        "pages": {"0": [{"tool": "laser", "color": "#0", "width": 1, "points": [[0, 0]]}]},
    }
    (tmp_path / "strokes.json").write_text(json.dumps(bad))
    assert load_strokes(tmp_path).strokes == []


def test_autosaver_asks_for_a_write_only_after_a_change():
    m = WhiteboardModel()
    a = Autosaver(m)
    rev, _snap = a.pending()
    a.mark_saved(rev)
    assert a.pending() is None
    m.add(_pen(1))
    rev2, snap2 = a.pending()
    assert rev2 > rev and len(snap2["pages"]["0"]) == 1


def test_snapshot_names_follow_the_attempt_folder_contract():
    assert snapshot_name(2, 1) == "snapshot-2-1.png"
