"""Garbage made on a worker thread is collected on the GUI thread."""

from __future__ import annotations

import gc
import threading
from typing import ClassVar

import pytest
from PySide6.QtWidgets import QApplication, QWidget

from ui.qt.gui_gc import GuiThreadCollector


class _Cycle:
    """A widget kept alive only by a reference cycle; records the thread that frees it."""

    freed_on: ClassVar[list[str]] = []

    def __init__(self) -> None:
        self.me = self
        self.widget = QWidget()

    def __del__(self) -> None:
        _Cycle.freed_on.append(threading.current_thread().name)


@pytest.fixture
def collector(qtbot):
    c = GuiThreadCollector(interval_ms=20)
    yield c
    c.stop()


def test_automatic_collection_is_off_while_the_collector_runs(qtbot):
    was = gc.isenabled()
    c = GuiThreadCollector(interval_ms=20)
    assert not gc.isenabled()
    c.stop()
    assert gc.isenabled() == was


def test_a_cycle_left_by_a_worker_thread_is_freed_on_the_gui_thread(qtbot, collector):
    gc.collect()
    _Cycle.freed_on.clear()
    # The widget must be made on the GUI thread; the worker only drops the last reference.
    holder: list[_Cycle] = [_Cycle()]

    kept: list[list[int]] = []

    def worker() -> None:
        holder.clear()
        # New container objects that outlive the thread, many times the first generation's
        # threshold: with automatic collection on, this thread would collect right here.
        kept.extend([i] for i in range(20 * gc.get_threshold()[0]))

    t = threading.Thread(target=worker, name="task-runner-worker")
    t.start()
    t.join()
    assert _Cycle.freed_on == []  # nothing collected on the worker
    qtbot.waitUntil(lambda: _Cycle.freed_on != [], timeout=3000)
    assert _Cycle.freed_on == [threading.main_thread().name]
    assert QApplication.instance() is not None
