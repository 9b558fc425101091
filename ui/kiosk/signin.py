"""The welcome / sign-in page: candidate code or token, and the accommodations a candidate
asks for. A new page is built for every candidate, so nothing typed by the previous one
survives in a widget."""

from __future__ import annotations

import re
from dataclasses import dataclass

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QCheckBox,
    QDoubleSpinBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from session.station.config import Accommodations

_CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{2,199}$")


def check_candidate_code(code: str) -> str | None:
    """An error message, or None when the code looks right."""
    code = code.strip()
    if not code:
        return "Enter the code from your invitation."
    if not _CODE_RE.match(code):
        return "That code has characters it cannot contain. Check your invitation and retry."
    return None


@dataclass(frozen=True)
class SignIn:
    code: str
    accommodations: Accommodations
    high_contrast: bool
    larger_text: bool


def _stepper(spin: QAbstractSpinBox, what: str) -> QWidget:
    """A spin box with large − and + buttons (a style sheet hides Qt's own tiny arrows)."""
    spin.setAccessibleDescription("Use the Up and Down arrow keys, or type a number")
    box = QWidget()
    row = QHBoxLayout(box)
    row.setContentsMargins(0, 0, 0, 0)
    minus, plus = QPushButton("\u2212"), QPushButton("+")
    for b, name, step in (
        (minus, f"Less {what}", spin.stepDown),
        (plus, f"More {what}", spin.stepUp),
    ):
        b.setProperty("role", "step")
        b.setAccessibleName(name)
        b.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the spin box itself takes the arrow keys
        b.clicked.connect(step)
    row.addWidget(minus)
    row.addWidget(spin, 1)
    row.addWidget(plus)
    return box


class SignInPage(QWidget):
    signed_in = Signal(object)  # SignIn
    proctor_clicked = Signal()
    look_changed = Signal(bool, bool)  # high contrast, larger text

    def __init__(
        self,
        station_id: str,
        defaults: Accommodations,
        high_contrast: bool = False,
        larger_text: bool = False,
        notice: str = "",
    ) -> None:
        super().__init__()
        self.setProperty("kioskPage", "true")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setAccessibleName("Sign-in")
        self.defaults = defaults
        card = QFrame()
        card.setProperty("role", "card")
        card.setMaximumWidth(720)
        body = QVBoxLayout(card)
        body.setContentsMargins(40, 32, 40, 32)
        body.setSpacing(14)
        title = QLabel("Welcome")
        title.setProperty("role", "title")
        title.setAccessibleName("Welcome")
        lead = QLabel(
            "Sign in with the candidate code from your invitation. The interview is read "
            "aloud, with captions; you answer out loud."
        )
        lead.setWordWrap(True)
        self.notice = QLabel(notice)
        self.notice.setWordWrap(True)
        self.notice.setProperty("role", "alert")
        self.notice.setAccessibleName("Station notice")
        self.notice.setVisible(bool(notice))
        self.code = QLineEdit()
        self.code.setAccessibleName("Candidate code")
        self.code.setPlaceholderText("Candidate code or token")
        self.code.setMaxLength(200)
        self.error = QLabel("")
        self.error.setProperty("role", "alert")
        self.error.setAccessibleName("Sign-in problem")
        self.error.setWordWrap(True)

        form = QFormLayout()
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)  # larger text fits
        self.extra = QSpinBox()
        self.extra.setRange(defaults.extra_time_pct, 200)
        self.extra.setSingleStep(25)
        self.extra.setSuffix(" %")
        self.extra.setValue(defaults.extra_time_pct)
        self.extra.setAccessibleName("Extra time, percent")
        self.silence = QDoubleSpinBox()
        self.silence.setRange(defaults.extra_silence_s, 10.0)
        self.silence.setPrefix("+ ")
        self.silence.setSingleStep(0.5)
        self.silence.setDecimals(1)
        self.silence.setSuffix(" s")
        self.silence.setValue(defaults.extra_silence_s)
        self.silence.setAccessibleName("Longer pause before your turn ends, extra seconds")
        self.contrast = QCheckBox("High contrast")
        self.contrast.setChecked(high_contrast)
        self.contrast.setAccessibleName("High contrast")
        self.larger = QCheckBox("Larger text")
        self.larger.setChecked(larger_text)
        self.larger.setAccessibleName("Larger text")
        form.addRow("Extra time", _stepper(self.extra, "extra time"))
        form.addRow("Pause before your turn ends", _stepper(self.silence, "pause"))
        looks = QVBoxLayout()
        looks.addWidget(self.contrast)
        looks.addWidget(self.larger)
        form.addRow("Display", looks)

        self.start = QPushButton("Start")
        self.start.setProperty("role", "primary")
        self.start.setAccessibleName("Sign in and start the checks")
        self.start.setDefault(True)
        for w in (title, lead, self.notice, self.code, self.error):
            body.addWidget(w)
        body.addLayout(form)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.start)
        body.addLayout(row)

        proctor = QPushButton("Proctor")
        proctor.setProperty("role", "quiet")
        proctor.setAccessibleName("Proctor panel (PIN required)")
        proctor.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        station = QLabel(f"Station {station_id}")
        station.setProperty("role", "muted")
        station.setAccessibleName(f"Station {station_id}")
        foot = QHBoxLayout()
        foot.addWidget(station)
        foot.addStretch(1)
        foot.addWidget(proctor)

        center = QHBoxLayout()
        center.addStretch(1)
        center.addWidget(card, 4)
        center.addStretch(1)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(24, 24, 24, 12)
        outer.addStretch(1)
        outer.addLayout(center)
        outer.addStretch(2)
        outer.addLayout(foot)

        self.start.clicked.connect(self._submit)
        self.code.returnPressed.connect(self._submit)
        proctor.clicked.connect(self.proctor_clicked.emit)
        self.contrast.toggled.connect(self._look)
        self.larger.toggled.connect(self._look)
        self.setTabOrder(self.code, self.extra)

    def focus_code(self) -> None:
        self.code.setFocus(Qt.FocusReason.OtherFocusReason)

    def _look(self) -> None:
        self.look_changed.emit(self.contrast.isChecked(), self.larger.isChecked())

    def show_error(self, message: str) -> None:
        self.error.setText(message)
        self.code.setEnabled(True)
        self.start.setEnabled(True)
        self.focus_code()

    def submit(self, code: str | None = None) -> None:
        """Signs in as if the candidate typed ``code`` and pressed Start."""
        if code is not None:
            self.code.setText(code)
        self._submit()

    def _submit(self) -> None:
        code = self.code.text().strip()
        problem = check_candidate_code(code)
        if problem:
            self.show_error(problem)
            return
        acc = self.defaults.merged(
            extra_time_pct=self.extra.value(),
            extra_silence_s=round(self.silence.value(), 1),
        )
        self.error.clear()
        self.signed_in.emit(SignIn(code, acc, self.contrast.isChecked(), self.larger.isChecked()))
