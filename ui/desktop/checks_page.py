"""The device checks page: camera preview with the face box, microphone level with a sentence
to read aloud, speaker test, screen share (when the interview needs it), network, disk.

Each check row shows a state icon, what we found and, when it failed, a plain fix. "Start
interview" stays disabled until every required check passed. Fully keyboard-operable.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable
from typing import Any

import numpy as np
from PySide6.QtCore import QRectF, Qt, Signal
from PySide6.QtGui import QColor, QImage, QPainter, QPen, QPixmap
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from session.checks import CheckResult
from ui.desktop.check_runner import CheckRunner
from ui.widgets.level_meter import LevelMeter

log = logging.getLogger(__name__)

READ_ALOUD = "The quick brown fox jumps over the lazy dog."

# name -> (title, required unless the result says otherwise)
ROWS: dict[str, tuple[str, bool]] = {
    "camera": ("Camera", True),
    "face": ("Your face is visible", True),
    "microphone": ("Microphone", True),
    "speaker": ("Speakers or headphones", True),
    "screen": ("Screen sharing", True),
    "network": ("Internet connection", False),
    "disk": ("Free disk space", True),
}

ICON = {"pending": "\u2026", "ok": "\u2713", "warn_ok": "\u2713", "fail": "\u2717", "warn": "!"}
ICON_COLOUR = {
    "pending": "#6e7781",
    "ok": "#1a7f37",
    "warn_ok": "#9a6700",
    "fail": "#cf222e",
    "warn": "#9a6700",
}


def bgr_to_qimage(image: np.ndarray) -> QImage:
    """A QImage that owns its pixels (copied), from an OpenCV BGR array."""
    rgb = np.ascontiguousarray(image[:, :, ::-1])
    h, w = rgb.shape[:2]
    return QImage(rgb.data, w, h, 3 * w, QImage.Format.Format_RGB888).copy()


class VideoPreview(QLabel):
    """Shows the latest frame scaled to fit, with face boxes drawn over it."""

    def __init__(self, parent: QWidget | None = None, min_w: int = 320, min_h: int = 180) -> None:
        super().__init__(parent)
        self.setMinimumSize(min_w, min_h)
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setObjectName("videoPreview")
        self.setText("Starting the camera\u2026")
        self.frames = 0

    def show_frame(self, frame: Any, faces: Any = ()) -> None:
        image = getattr(frame, "image", frame)
        if not isinstance(image, np.ndarray) or image.ndim != 3:
            return
        self.frames += 1
        if self.property("live") is not True:
            self._set_live(True)
        qimg = bgr_to_qimage(image)
        pix = QPixmap.fromImage(qimg)
        if faces:
            p = QPainter(pix)
            p.setPen(QPen(QColor("#3fb950"), max(2, image.shape[1] // 200)))
            for box in faces:
                x, y, w, h = (float(v) for v in _box(box))
                p.drawRect(QRectF(x, y, w, h))
            p.end()
        self.setPixmap(
            pix.scaled(
                self.size(),
                Qt.AspectRatioMode.KeepAspectRatio,
                Qt.TransformationMode.SmoothTransformation,
            )
        )

    def show_message(self, text: str) -> None:
        self._set_live(False)
        self.clear()
        self.setText(text)

    def _set_live(self, live: bool) -> None:
        # The dark panel frames a message; around a live picture it would show as bars.
        self.setProperty("live", live)
        self.style().unpolish(self)
        self.style().polish(self)


def _box(box: Any) -> tuple[float, float, float, float]:
    if isinstance(box, dict):
        return box["x"], box["y"], box["w"], box["h"]
    for attrs in (("x", "y", "w", "h"), ("x", "y", "width", "height")):
        if all(hasattr(box, a) for a in attrs):
            return tuple(getattr(box, a) for a in attrs)  # type: ignore[return-value]
    return tuple(box)[:4]  # type: ignore[return-value]


class CheckRow(QFrame):
    """One line: icon, title, what we found, and the fix when it failed."""

    def __init__(self, name: str, title: str, required: bool, parent: QWidget | None = None):
        super().__init__(parent)
        self.name, self.title, self.required = name, title, required
        self.state = "pending"
        self.setObjectName("checkRow")
        self.icon = QLabel(self)
        self.icon.setFixedWidth(22)
        self.icon.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignHCenter)
        self.icon.setObjectName("checkIcon")
        self.title_label = QLabel(title + ("" if required else "  (recommended)"), self)
        self.title_label.setObjectName("checkTitle")
        self.detail = QLabel("Checking\u2026", self)
        self.detail.setWordWrap(True)
        self.detail.setObjectName("checkDetail")
        self.fix = QLabel(self)
        self.fix.setWordWrap(True)
        self.fix.setObjectName("checkFix")
        self.fix.hide()
        grid = QGridLayout(self)
        grid.setContentsMargins(6, 4, 6, 4)
        grid.setHorizontalSpacing(8)
        grid.setVerticalSpacing(1)
        grid.addWidget(self.icon, 0, 0, 3, 1)
        grid.addWidget(self.title_label, 0, 1)
        grid.addWidget(self.detail, 1, 1)
        grid.addWidget(self.fix, 2, 1)
        grid.setColumnStretch(1, 1)
        self._paint()

    def set_result(self, r: CheckResult) -> None:
        self.required = r.required
        warning = r.data.get("warning")
        if r.data.get("pending"):
            self.state = "pending"  # still deciding: say what we are waiting for
        elif r.ok:
            self.state = "warn_ok" if warning else "ok"
        else:
            self.state = "fail" if r.required else "warn"
        self.detail.setText(r.detail or ("Working." if r.ok else "Not working."))
        if self.state in ("pending", "ok") or not r.fix:
            self.fix.hide()
        else:
            self.fix.setText("What to do: " + r.fix)
            self.fix.show()
        self._paint()

    def reset(self) -> None:
        self.state = "pending"
        self.detail.setText(
            "Press \u201cPlay test sound\u201d, then tell us if you heard it."
            if self.name == "speaker"
            else "Checking\u2026"
        )
        self.fix.hide()
        self._paint()

    @property
    def passed(self) -> bool:
        return self.state in ("ok", "warn_ok")

    def _paint(self) -> None:
        self.icon.setText(ICON[self.state])
        self.icon.setStyleSheet(
            f"color: {ICON_COLOUR[self.state]}; font-weight: bold; font-size: 16px;"
        )
        words = {
            "pending": "checking",
            "ok": "passed",
            "warn_ok": "passed with a warning",
            "fail": "failed",
            "warn": "warning",
        }
        self.setAccessibleName(f"{self.title}: {words[self.state]}")
        self.setAccessibleDescription(
            " ".join(t for t in (self.detail.text(), self.fix.text()) if t and self.fix.isVisible())
            or self.detail.text()
        )


class ChecksPage(QWidget):
    """Shows the checks of a ``CheckRunner``. ``start_requested`` fires when the candidate
    presses Start (only possible once every required check passed). ``help_requested`` and
    ``report_requested`` let the window show Help / save a support report."""

    start_requested = Signal()
    help_requested = Signal()
    report_requested = Signal()

    def __init__(
        self,
        runner: CheckRunner,
        parent: QWidget | None = None,
        title: str = "Let's check your camera, microphone and speakers",
        transcriber: Callable[[], str] | None = None,
    ) -> None:
        super().__init__(parent)
        self.runner = runner
        self._transcriber = transcriber
        self.setObjectName("checksPage")
        self.rows: dict[str, CheckRow] = {}

        heading = QLabel(title, self)
        heading.setObjectName("pageTitle")
        heading.setWordWrap(True)

        # Left: preview, level, read-aloud prompt.
        self.preview = VideoPreview(self)
        self.preview.setAccessibleName("Camera preview")
        self.meter = LevelMeter(self)
        self.prompt = QLabel(f"Please read this sentence aloud: \u201c{READ_ALOUD}\u201d", self)
        self.prompt.setWordWrap(True)
        self.prompt.setObjectName("readAloud")
        self.heard = QLabel("We heard: nothing yet.", self)
        self.heard.setWordWrap(True)
        self.heard.setObjectName("weHeard")
        self.heard.setAccessibleName("What the microphone heard")
        left = QVBoxLayout()
        left.addWidget(self.preview, 1)
        mic_line = QHBoxLayout()
        mic_label = QLabel("Microphone:", self)
        mic_line.addWidget(mic_label)
        mic_line.addWidget(self.meter, 1)
        left.addLayout(mic_line)
        left.addWidget(self.prompt)
        left.addWidget(self.heard)

        # Right: the rows, speaker test, screen thumbnail.
        rows_box = QVBoxLayout()
        rows_box.setSpacing(2)
        needed = ["camera", "face", "microphone", "speaker"]
        if runner.settings.need_screen:
            needed.append("screen")
        if runner.settings.backend_url:
            needed.append("network")
        needed.append("disk")
        for name in needed:
            title_, required = ROWS[name]
            row = CheckRow(name, title_, required, self)
            self.rows[name] = row
            rows_box.addWidget(row)
            if name == "speaker":
                rows_box.addLayout(self._speaker_controls())
            if name == "screen":
                self.screen_thumb = QLabel(self)
                self.screen_thumb.setFixedHeight(90)
                self.screen_thumb.setAccessibleName("Screen share preview")
                self.screen_thumb.hide()
                rows_box.addWidget(self.screen_thumb)
        rows_box.addStretch(1)
        self.problem = QLabel("", self)
        self.problem.setWordWrap(True)
        self.problem.setObjectName("checkFix")
        self.problem.hide()
        rows_box.addWidget(self.problem)
        self.status = QLabel("", self)
        self.status.setWordWrap(True)
        self.status.setObjectName("statusLine")
        rows_box.addWidget(self.status)

        self.recheck_button = QPushButton("Check &again", self)
        self.recheck_button.setAccessibleDescription("Runs every check again")
        self.help_button = QPushButton("&Help", self)
        self.help_button.setAccessibleDescription("Troubleshooting and contact support")
        self.report_button = QPushButton("Save support &report", self)
        self.report_button.setAccessibleDescription(
            "Saves logs, device list, check results and a screenshot; never your recording"
        )
        self.start_button = QPushButton("&Start interview", self)
        self.start_button.setObjectName("primary")
        self.start_button.setEnabled(False)
        self.start_button.setAccessibleDescription("Available once every required check has passed")
        self.start_button.setDefault(True)
        buttons = QHBoxLayout()
        buttons.addWidget(self.help_button)
        buttons.addWidget(self.report_button)
        buttons.addStretch(1)
        buttons.addWidget(self.recheck_button)
        buttons.addWidget(self.start_button)

        body = QHBoxLayout()
        body.addLayout(left, 3)
        body.addSpacing(12)
        body.addLayout(rows_box, 2)
        lay = QVBoxLayout(self)
        lay.addWidget(heading)
        lay.addLayout(body, 1)
        lay.addLayout(buttons)

        self.recheck_button.clicked.connect(self.recheck)
        self.help_button.clicked.connect(self.help_requested)
        self.report_button.clicked.connect(self.report_requested)
        self.start_button.clicked.connect(self._start)
        runner.result.connect(self.show_result)
        runner.frame.connect(self.preview.show_frame)
        runner.level.connect(self._on_level)
        runner.heard.connect(self._on_heard)
        runner.thumbnail.connect(self._on_thumbnail)
        runner.speaker_played.connect(self._on_speaker_played)
        self._fix_tab_order()

    def _speaker_controls(self) -> QHBoxLayout:
        self.play_button = QPushButton("&Play test sound", self)
        self.play_button.setAccessibleDescription("Plays a short sound on your speakers")
        self.heard_yes = QPushButton("I h&eard it", self)
        self.heard_no = QPushButton("I &didn't hear it", self)
        self.heard_yes.setEnabled(False)
        self.heard_no.setEnabled(False)
        self.play_button.clicked.connect(self._play)
        self.heard_yes.clicked.connect(lambda: self._confirm(True))
        self.heard_no.clicked.connect(lambda: self._confirm(False))
        line = QHBoxLayout()
        line.setContentsMargins(36, 0, 0, 4)
        for b in (self.play_button, self.heard_yes, self.heard_no):
            line.addWidget(b)
        line.addStretch(1)
        return line

    def _fix_tab_order(self) -> None:
        order = [
            self.play_button,
            self.heard_yes,
            self.heard_no,
            self.help_button,
            self.report_button,
            self.recheck_button,
            self.start_button,
        ]
        for a, b in itertools.pairwise(order):
            QWidget.setTabOrder(a, b)

    # --- life cycle -------------------------------------------------------------------------
    def start(self) -> None:
        """Starts the checks (call when the page is shown)."""
        self._heard_text = ""
        for row in self.rows.values():
            row.reset()
        self.preview.show_message("Starting the camera\u2026")
        self._update_ready()
        self.runner.start()

    def stop(self, timeout: float = 2.0) -> bool:
        """Stops the check workers (safe from a worker thread: touches no widget)."""
        return self.runner.stop(timeout)

    def show_problem(self, text: str) -> None:
        """A message that stays until Start is pressed again (e.g. the interview could not
        start)."""
        self.problem.setText(text)
        self.problem.setVisible(bool(text))

    def runner_active(self) -> bool:
        return self.runner.active()

    def recheck(self) -> None:
        self.status.setText("")
        speaker = self.rows.get("speaker")
        keep = speaker.state if speaker else "pending"
        self.start()
        if speaker is not None and keep == "ok":
            speaker.set_result(CheckResult("speaker", True, True, "You heard the test sound."))
            self._update_ready()

    # --- results ----------------------------------------------------------------------------
    def show_result(self, r: CheckResult) -> None:
        name = r.name.lower()
        row = self.rows.get(name)
        if row is None:
            if name not in ROWS:
                log.info("check %s has no row: %s", r.name, r.detail)
            return
        row.set_result(r)
        if name == "camera" and not r.ok and not r.data.get("pending"):
            self.preview.show_message(f"{r.detail}\n\n{r.fix}".strip())
            face = self.rows.get("face")
            if face is not None:
                face.set_result(
                    CheckResult("face", False, True, "No camera picture.", "Fix the camera first.")
                )
        if name == "microphone":
            self._show_heard(r)
        self._update_ready()

    def _on_heard(self, text: str) -> None:
        self._heard_text = text
        self.heard.setText(f"We heard: \u201c{text}\u201d")

    def _show_heard(self, r: CheckResult) -> None:
        if getattr(self, "_heard_text", ""):
            return  # the words we heard say more than the level does
        text = r.data.get("transcript") or r.data.get("heard")
        if text:
            self.heard.setText(f"We heard: \u201c{text}\u201d")
        elif r.ok:
            self.heard.setText("We heard: your voice, loud and clear.")
        else:
            self.heard.setText("We heard: nothing yet. Read the sentence above aloud.")

    def _on_level(self, db: float) -> None:
        self.meter.set_level(db)

    def _on_thumbnail(self, image: Any) -> None:
        thumb = getattr(self, "screen_thumb", None)
        if thumb is None or not isinstance(image, np.ndarray):
            return
        pix = QPixmap.fromImage(bgr_to_qimage(image))
        thumb.setPixmap(pix.scaledToHeight(90, Qt.TransformationMode.SmoothTransformation))
        thumb.show()

    def _play(self) -> None:
        self.play_button.setEnabled(False)
        self.rows["speaker"].detail.setText("Playing the test sound\u2026")
        self.runner.play_test_sound()

    def _on_speaker_played(self) -> None:
        self.play_button.setEnabled(True)
        self.play_button.setText("&Play it again")
        self.rows["speaker"].detail.setText("Did you hear the sound?")
        self.heard_yes.setEnabled(True)
        self.heard_no.setEnabled(True)
        self.heard_yes.setFocus()

    def _confirm(self, heard: bool) -> None:
        self.runner.confirm_speaker(heard)
        self.play_button.setEnabled(True)

    # --- start ------------------------------------------------------------------------------
    def failing(self) -> list[str]:
        """Names of required checks that have not passed (yet)."""
        return [n for n, r in self.rows.items() if r.required and not r.passed]

    @property
    def ready(self) -> bool:
        return not self.failing()

    def _update_ready(self) -> None:
        ready = self.ready
        self.start_button.setEnabled(ready)
        if ready:
            self.status.setText("All checks passed. You can start when you are ready.")
        else:
            titles = ", ".join(self.rows[n].title.lower() for n in self.failing())
            self.status.setText(f"Waiting for: {titles}.")

    def _start(self) -> None:
        if self.ready:
            self.show_problem("")
            self.start_requested.emit()

    def results(self) -> list[dict[str, Any]]:
        """The rows as plain data, for the support report."""
        return [
            {
                "name": r.name,
                "state": r.state,
                "required": r.required,
                "detail": r.detail.text(),
                "fix": r.fix.text() if r.fix.isVisible() else "",
            }
            for r in self.rows.values()
        ]
