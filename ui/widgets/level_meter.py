"""A horizontal microphone level meter (dBFS), with an accessible text value."""

from __future__ import annotations

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import QSizePolicy, QWidget

FLOOR_DB = -60.0


class LevelMeter(QWidget):
    """Shows the latest level; green above ``good_db`` (the voice is loud enough)."""

    def __init__(self, parent: QWidget | None = None, good_db: float = -40.0) -> None:
        super().__init__(parent)
        self._db = FLOOR_DB
        self._good = good_db
        self.setMinimumSize(120, 14)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setAccessibleName("Microphone level")
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)

    def sizeHint(self) -> QSize:
        return QSize(200, 16)

    @property
    def db(self) -> float:
        return self._db

    def set_level(self, db: float) -> None:
        db = max(FLOOR_DB, min(0.0, float(db)))
        if abs(db - self._db) < 0.2:
            return
        self._db = db
        self.setAccessibleDescription(f"{db:.0f} dB")
        self.update()

    def paintEvent(self, _event) -> None:
        p = QPainter(self)
        r = QRectF(self.rect()).adjusted(0.5, 0.5, -0.5, -0.5)
        p.setPen(QColor("#8a8f98"))
        p.setBrush(QColor("#1f2329"))
        p.drawRoundedRect(r, 3, 3)
        frac = (self._db - FLOOR_DB) / -FLOOR_DB
        if frac > 0:
            fill = QRectF(r.x() + 1, r.y() + 1, (r.width() - 2) * frac, r.height() - 2)
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(QColor("#3fb950") if self._db >= self._good else QColor("#d29922"))
            p.drawRoundedRect(fill, 2, 2)
        p.end()
