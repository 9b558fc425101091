"""The proctor panel, behind the PIN: station status, the upload queue with progress,
retry uploads, save a support report, exit kiosk."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from session.station.status import StationStatus


def _mark(ok: bool) -> str:
    return "OK" if ok else "PROBLEM"


class ProctorPanel(QWidget):
    refresh_requested = Signal()
    retry_requested = Signal()
    report_requested = Signal()
    exit_requested = Signal()
    back_requested = Signal()

    def __init__(self, station_id: str) -> None:
        super().__init__()
        self.setProperty("kioskPage", "true")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setAccessibleName("Proctor panel")
        title = QLabel(f"Proctor panel — station {station_id}")
        title.setProperty("role", "title")
        title.setAccessibleName(f"Proctor panel, station {station_id}")

        self.status_card = QFrame()
        self.status_card.setProperty("role", "card")
        self.status_grid = QGridLayout(self.status_card)
        self.status_grid.setContentsMargins(20, 16, 20, 16)
        self.status_grid.setHorizontalSpacing(24)
        self.queue_card = QFrame()
        self.queue_card.setProperty("role", "card")
        self.queue_box = QVBoxLayout(self.queue_card)
        self.queue_box.setContentsMargins(20, 16, 20, 16)
        self.message = QLabel("Gathering station status…")
        self.message.setWordWrap(True)
        self.message.setAccessibleName("Proctor panel message")

        self.refresh = QPushButton("Refresh")
        self.retry = QPushButton("Retry uploads")
        self.report = QPushButton("Save support report")
        self.back = QPushButton("Back to welcome screen")
        self.exit = QPushButton("Exit kiosk")
        self.exit.setProperty("role", "primary")
        for b, name in (
            (self.refresh, "Refresh station status"),
            (self.retry, "Retry uploads"),
            (self.report, "Save support report"),
            (self.back, "Back to the welcome screen"),
            (self.exit, "Exit kiosk mode"),
        ):
            b.setAccessibleName(name)
        self.exit.setShortcut("Alt+X")
        buttons = QHBoxLayout()
        for b in (self.refresh, self.retry, self.report):
            buttons.addWidget(b)
        buttons.addStretch(1)
        buttons.addWidget(self.back)
        buttons.addWidget(self.exit)

        lay = QVBoxLayout(self)
        lay.setContentsMargins(40, 32, 40, 32)
        lay.setSpacing(16)
        lay.addWidget(title)
        head = QLabel("Station")
        head.setProperty("role", "muted")
        lay.addWidget(head)
        lay.addWidget(self.status_card)
        qhead = QLabel("Upload queue")
        qhead.setProperty("role", "muted")
        lay.addWidget(qhead)
        lay.addWidget(self.queue_card)
        lay.addWidget(self.message)
        lay.addStretch(1)
        lay.addLayout(buttons)

        self.refresh.clicked.connect(self.refresh_requested.emit)
        self.retry.clicked.connect(self.retry_requested.emit)
        self.report.clicked.connect(self.report_requested.emit)
        self.exit.clicked.connect(self.exit_requested.emit)
        self.back.clicked.connect(self.back_requested.emit)
        self._bars: dict[str, QProgressBar] = {}

    def _clear(self, layout) -> None:
        while layout.count():
            item = layout.takeAt(0)
            w = item.widget()
            if w is not None:
                w.deleteLater()

    def set_message(self, text: str) -> None:
        self.message.setText(text)

    def show_status(self, s: StationStatus) -> None:
        self._clear(self.status_grid)
        rows = list(s.devices)
        rows.append(("disk", s.disk_ok, f"{s.disk_free_gb:.1f} GB free"))
        rows.append(("backend", s.backend_ok, s.backend_detail))
        for i, (name, ok, detail) in enumerate(rows):
            a, b, c = QLabel(name), QLabel(_mark(ok)), QLabel(detail)
            b.setProperty("role", "" if ok else "alert")
            c.setWordWrap(True)
            a.setAccessibleName(f"{name}: {_mark(ok)}, {detail}")
            self.status_grid.addWidget(a, i, 0)
            self.status_grid.addWidget(b, i, 1)
            self.status_grid.addWidget(c, i, 2)
        self.status_grid.setColumnStretch(2, 1)
        self._clear(self.queue_box)
        self._bars.clear()
        if not s.queue:
            empty = QLabel("Nothing waiting: every interview on this station is uploaded.")
            empty.setAccessibleName(empty.text())
            self.queue_box.addWidget(empty)
        for item in s.queue:
            row = QHBoxLayout()
            label = QLabel(f"{item.attempt} — {item.state}")
            bar = QProgressBar()
            bar.setRange(0, 1000)
            frac = (
                (item.sent / item.total) if item.total else (1.0 if item.state == "uploaded" else 0)
            )
            bar.setValue(int(frac * 1000))
            bar.setFormat(f"{frac * 100:.0f} %")
            bar.setAccessibleName(
                f"Upload of {item.attempt}: {item.state}, {frac * 100:.0f} percent"
            )
            row.addWidget(label, 2)
            row.addWidget(bar, 3)
            bar.setVisible(item.state in ("waiting", "uploading", "uploaded"))
            holder = QWidget()
            holder.setLayout(row)
            self.queue_box.addWidget(holder)
            self._bars[item.attempt] = bar
        self.message.setText("")

    def show_progress_total(self, sent: int, total: int) -> None:
        """The upload in flight (the queue sends one attempt at a time)."""
        uploading = [b for b in self._bars.values() if b.value() < 1000]
        if uploading and total > 0:
            frac = sent / total
            uploading[0].setValue(int(frac * 1000))
            uploading[0].setFormat(f"{frac * 100:.0f} %")
