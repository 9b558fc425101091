"""Fixtures for the UI tests: real widgets on the offscreen platform (or the test Xvfb)."""

from __future__ import annotations

import gc

import pytest

from ui.qt.bridge import TaskRunner


@pytest.fixture
def runner(qtbot):
    r = TaskRunner()
    yield r
    assert r.wait(10), "background jobs still running at the end of the test"


@pytest.fixture(autouse=True)
def collect_qt_garbage_on_the_gui_thread():
    """Widgets left in reference cycles by a test are freed here, on the GUI thread. Left to
    the cyclic garbage collector, they could be freed later on whatever thread happened to
    allocate (a task-runner worker), and deleting Qt objects off the GUI thread crashes."""
    yield
    gc.collect()
