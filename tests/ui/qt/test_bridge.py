"""Engine events reported on worker threads arrive as signals on the GUI thread."""

from __future__ import annotations

import threading

import pytest
from PySide6.QtCore import QThread

from ui.qt.bridge import Bridge


def test_events_from_a_worker_run_connected_slots_on_the_gui_thread(qtbot):
    bridge = Bridge()
    seen: list[tuple] = []
    bridge.question.connect(lambda i, n, q: seen.append((i, n, q, QThread.currentThread())))
    t = threading.Thread(target=lambda: bridge.on_question(1, 4, "Why us?"))
    t.start()
    t.join()
    qtbot.waitUntil(lambda: len(seen) == 1, timeout=2000)
    assert seen[0][:3] == (1, 4, "Why us?")
    assert seen[0][3] is bridge.thread()


def test_frames_are_coalesced_so_only_the_newest_reaches_a_slow_gui(qtbot):
    bridge = Bridge()
    frames: list[int] = []
    bridge.frame.connect(lambda f, faces: frames.append(f))

    def burst():
        for i in range(200):
            bridge.post("frame", i, [])

    t = threading.Thread(target=burst)
    t.start()
    t.join()
    qtbot.waitUntil(lambda: bool(frames) and frames[-1] == 199, timeout=2000)
    assert len(frames) < 200


def test_task_runner_reports_success_and_failure_on_the_gui_thread(qtbot, runner):
    got: dict[str, object] = {}
    gui = QThread.currentThread()

    def boom():
        raise ValueError("disk full")

    runner.run(lambda: 41 + 1, lambda r: got.update(ok=(r, QThread.currentThread() is gui)))
    runner.run(boom, on_error=lambda e: got.update(err=(str(e), QThread.currentThread() is gui)))
    qtbot.waitUntil(lambda: len(got) == 2, timeout=3000)
    assert got["ok"] == (42, True)
    assert got["err"] == ("disk full", True)


@pytest.mark.parametrize("name", ["level", "state"])
def test_engine_events_cover_level_and_state(qtbot, name):
    bridge = Bridge()
    out: list = []
    getattr(bridge, name).connect(lambda v: out.append(v))
    event = getattr(bridge, f"on_{name}")
    threading.Thread(target=lambda: event(-12.5 if name == "level" else "x")).start()
    qtbot.waitUntil(lambda: bool(out), timeout=2000)
    assert out == ([-12.5] if name == "level" else ["x"])


def test_many_signals_do_not_drain_the_reference_count_of_true(qtbot):
    """PySide6 6.12's emit() hands back True without a reference; ui.qt.compat gives it
    back. Without that, a few thousand signals abort the process."""
    import sys

    bridge = Bridge()
    before = sys.getrefcount(True)
    for _ in range(5000):
        bridge.state.emit("x")
    assert sys.getrefcount(True) >= before


def test_a_dropped_bridge_is_freed_at_once_without_the_cycle_collector(qtbot):
    """A cycle of Qt objects waits for a garbage collection, which may run on any thread;
    freeing Qt objects off the GUI thread crashes. The bridge must not be in one."""
    import gc
    import weakref

    from ui.qt.bridge import Bridge

    was = gc.isenabled()
    gc.disable()
    try:
        bridge = Bridge()
        gone = weakref.ref(bridge)
        del bridge
        assert gone() is None
    finally:
        if was:
            gc.enable()
