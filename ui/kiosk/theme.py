"""Kiosk look: a calm default and a high-contrast theme (yellow on black, thick focus
rings), both scaled by a text factor for candidates who need larger text."""

from __future__ import annotations

import functools

from PySide6.QtGui import QFont
from PySide6.QtWidgets import QApplication

from ui.qt.style import STYLE_DIR

BASE_PT = 13


def stylesheet(high_contrast: bool, scale: float = 1.0) -> str:
    pt = round(BASE_PT * scale)
    big = round(pt * 1.8)
    if high_contrast:
        bg, fg, card, accent, border, muted = (
            "#000000",
            "#ffff00",
            "#000000",
            "#00ffff",
            "#ffffff",
            "#ffffff",
        )
        focus = "3px solid #00ffff"
    else:
        bg, fg, card, accent, border, muted = (
            "#f4f6f8",
            "#1b2430",
            "#ffffff",
            "#1f5fbf",
            "#c9d1da",
            "#4a5665",
        )
        focus = "3px solid #1f5fbf"
    on_accent = bg if high_contrast else "#ffffff"
    return f"""
    QWidget#KioskRoot, QWidget[kioskPage="true"] {{ background: {bg}; color: {fg}; }}
    QWidget {{ font-size: {pt}pt; color: {fg}; }}
    QLabel[role="title"], QLabel#pageTitle {{ font-size: {big}pt; font-weight: 600; }}
    QLabel#questionText {{ font-size: {round(pt * 1.7)}pt; }}
    QLabel#questionProgress, QLabel#timeLeft, QLabel#sectionTitle {{ font-size: {pt}pt; }}
    QLabel[role="muted"] {{ color: {muted}; }}
    QLabel[role="alert"] {{ color: {"#ff6060" if high_contrast else "#a4161a"}; font-weight: 600; }}
    QFrame[role="card"] {{ background: {card}; border: 2px solid {border}; border-radius: 10px; }}
    QWidget[role="scrim"] {{ background: rgba(0, 0, 0, 170); }}
    QLineEdit, QPlainTextEdit {{
        background: {card}; color: {fg}; border: 2px solid {border}; border-radius: 6px;
        padding: 6px; min-height: {pt * 2}px; }}
    QAbstractSpinBox {{ background: {card}; color: {fg}; border: 2px solid {border};
        border-radius: 6px; min-height: {pt * 2}px; }}
    QAbstractSpinBox QLineEdit {{ border: none; padding: 0 6px; min-height: 0;
        background: transparent; }}
    QAbstractSpinBox::up-button, QAbstractSpinBox::down-button {{ width: 0; border: none; }}
    QPushButton[role="step"] {{ padding: 0; min-width: {pt * 3}px; font-weight: 700; }}
    QPushButton {{ background: {card}; color: {fg}; border: 2px solid {border};
        border-radius: 6px; padding: 8px 18px; min-height: {pt * 2}px; }}
    QPushButton[role="primary"] {{ background: {accent}; color: {on_accent};
        border-color: {accent}; font-weight: 600; }}
    QPushButton[role="quiet"] {{ border: 1px solid transparent; color: {muted};
        font-size: {max(9, pt - 3)}pt; padding: 2px 8px; min-height: 0; }}
    QPushButton:focus, QLineEdit:focus, QPlainTextEdit:focus, QAbstractSpinBox:focus {{
        border: {focus}; }}
    QCheckBox:focus {{ color: {accent}; }}
    QProgressBar {{ border: 2px solid {border}; border-radius: 5px; text-align: center;
        background: {card}; min-height: {pt * 2}px; }}
    QProgressBar::chunk {{ background: {accent}; }}
    """


@functools.cache
def _app_style() -> str:
    """The desktop app's style sheet, so the interview pages look the same in the kiosk.
    Read once: the theme is applied again for every candidate, on the GUI thread."""
    try:
        return (STYLE_DIR / "app.qss").read_text(encoding="utf-8")
    except OSError:
        return ""


def apply_theme(app: QApplication, high_contrast: bool, scale: float = 1.0) -> None:
    font = QFont(app.font())
    font.setPointSize(round(BASE_PT * scale))
    app.setFont(font)
    # High contrast replaces every colour, so the desktop sheet (its own colours) is left out.
    base = "" if high_contrast else _app_style()
    app.setStyleSheet(base + "\n" + stylesheet(high_contrast, scale))


class KioskLook:
    """The look on screen: the station's, until a candidate picks theirs at sign-in."""

    def __init__(self, high_contrast: bool, text_scale: float) -> None:
        self.text_scale = text_scale
        self._station = (high_contrast, text_scale > 1.0)
        self.high_contrast, self.larger = self._station

    def reset(self) -> None:
        """Back to the station's look (the previous candidate's choices were theirs)."""
        self.set(*self._station)

    def set(self, high_contrast: bool, larger: bool) -> None:
        self.high_contrast, self.larger = high_contrast, larger
        self.apply()

    def apply(self) -> None:
        app = QApplication.instance()
        if isinstance(app, QApplication):
            scale = max(self.text_scale, 1.35) if self.larger else self.text_scale
            apply_theme(app, self.high_contrast, scale)
