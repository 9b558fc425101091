"""The app's style sheet (assets/style/app.qss)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QApplication

STYLE_DIR = Path(__file__).resolve().parents[2] / "assets" / "style"  # the repository root
BASE_POINT_SIZE = 11


def apply_style(app: QApplication, name: str = "app.qss") -> bool:
    """Loads the style sheet at start-up (before any window shows). False when missing."""
    font = app.font()
    font.setPointSize(BASE_POINT_SIZE)
    app.setFont(font)
    path = STYLE_DIR / name
    try:
        app.setStyleSheet(path.read_text(encoding="utf-8"))
    except OSError:
        return False
    return True
