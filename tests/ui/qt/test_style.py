"""The app's style sheet is found where the package keeps it and is applied."""

from __future__ import annotations

from PySide6.QtWidgets import QApplication

from ui.qt.style import apply_style


def test_the_style_sheet_loads_and_styles_the_device_banner(qapp):
    before, font = qapp.styleSheet(), qapp.font()
    try:
        assert apply_style(qapp) is True
        assert "QLabel#deviceProblem" in QApplication.instance().styleSheet()
        assert apply_style(qapp, "no-such.qss") is False
    finally:
        qapp.setStyleSheet(before)
        qapp.setFont(font)
