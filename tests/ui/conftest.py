"""Fixtures for the UI tests: real widgets on the offscreen platform (or the test Xvfb)."""

from __future__ import annotations

import pytest

from ui.bridge import TaskRunner


@pytest.fixture
def runner(qtbot):
    r = TaskRunner()
    yield r
    assert r.wait(10), "background jobs still running at the end of the test"
