"""Cyclic garbage collection on the GUI thread only.

Python's collector runs on whichever thread happens to allocate when a threshold is crossed:
often a task-runner, caption or recorder thread. If a reference cycle it breaks holds a Qt
widget, the widget is deleted on that thread, which Qt does not allow, and the process can
crash. So automatic collection is turned off and a GUI-thread timer does the same work:
each tick collects the oldest generation whose allocation count passed its threshold, as
the automatic collector would have.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer


class GuiThreadCollector(QObject):
    """Owns collection while it exists; `stop()` hands it back to the interpreter."""

    def __init__(self, parent: QObject | None = None, interval_ms: int = 500) -> None:
        super().__init__(parent)
        self._was_enabled = gc.isenabled()
        gc.disable()
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.collect)
        self._timer.start()

    def collect(self) -> int | None:
        """Collects the generation that is due, if any; returns it."""
        due = None
        for generation, (count, threshold) in enumerate(
            zip(gc.get_count(), gc.get_threshold(), strict=True)
        ):
            if threshold and count > threshold:
                due = generation
        if due is not None:
            gc.collect(due)
        return due

    def stop(self) -> None:
        self._timer.stop()
        gc.collect()
        if self._was_enabled:
            gc.enable()


def collect_on_gui_thread(app: QObject) -> GuiThreadCollector:
    """Installs the collector for the life of `app` (the QApplication)."""
    collector = GuiThreadCollector(app)
    app.aboutToQuit.connect(collector.stop)
    return collector
