"""The interview page: the current question large and readable, "Question k of n", time left,
a small self-view, captions at the bottom, mic level, candidate buttons (Repeat, Clarify,
I'm not finished, Next question), the whiteboard when the question needs it, a visible
"Screen is being shared" indicator, Help, and End interview (with confirmation).

The page never calls into devices: it shows what the ``Bridge`` signals carry and forwards
button presses to the engine, whose methods only queue a command for its own thread.
"""

from __future__ import annotations

import contextlib
import logging
import time
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from session.interview.captions import CaptionView
from ui.desktop.checks_page import VideoPreview
from ui.qt.bridge import Bridge, TaskRunner
from ui.widgets.captions_bar import CaptionsBar
from ui.widgets.level_meter import LevelMeter
from ui.widgets.whiteboard import WhiteboardPanel

log = logging.getLogger(__name__)

STATE_TEXT = {
    "speaking": "The interviewer is speaking\u2026",
    "listening": "Listening to you\u2026",
    "thinking": "One moment\u2026",
    "intro": "The interviewer is introducing the interview\u2026",
    "closing": "The interview is ending\u2026",
    "finished": "The interview has ended.",
    "starting": "Starting\u2026",
}


def fmt_time(seconds: float) -> str:
    s = max(0, round(seconds))
    return f"{s // 60}:{s % 60:02d}"


# What still works while a device is gone, said after its problem and fix.
_MEANWHILE = {
    "camera": "Your voice is still recorded; the camera reconnects by itself.",
    "microphone": "Until it works again, what you say is not recorded; "
    "the microphone reconnects by itself.",
    "speaker": "Every question is also shown here.",
    "disk": "Until then the interviewer waits and the question's time stands still.",
}


class InterviewPage(QWidget):
    """Attach an engine with ``attach(engine, bridge, attempt_dir)``; ``detach()`` afterwards.

    Signals: ``end_confirmed`` after the candidate confirmed "End interview" (the engine was
    told already), ``help_requested``."""

    end_confirmed = Signal()
    help_requested = Signal()

    def __init__(self, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("interviewPage")
        self._runner = runner
        self.engine: Any = None
        self.bridge: Bridge | None = None
        self.whiteboard: WhiteboardPanel | None = None
        self._attempt_dir: Path | None = None
        self._deadline: float | None = None
        self._question_index = -1
        self._focus_lost = False
        self.confirm_box: QMessageBox | None = None
        self.last_candidate_caption = ""

        self.progress = QLabel("", self)
        self.progress.setObjectName("questionProgress")
        self.time_left = QLabel("", self)
        self.time_left.setObjectName("timeLeft")
        self.time_left.setAccessibleName("Time left for this question")
        self.state_label = QLabel(STATE_TEXT["starting"], self)
        self.state_label.setObjectName("interviewState")
        self.share_indicator = QLabel("\u25cf  Screen is being shared", self)
        self.share_indicator.setObjectName("shareIndicator")
        self.share_indicator.setAccessibleName("Screen is being shared")
        self.share_indicator.hide()
        top = QHBoxLayout()
        top.addWidget(self.progress)
        top.addSpacing(16)
        top.addWidget(self.time_left)
        top.addStretch(1)
        top.addWidget(self.share_indicator)
        top.addSpacing(12)
        top.addWidget(self.state_label)

        # A camera or microphone that stopped mid-interview: what happened and what to do.
        self.device_problem = QLabel("", self)
        self.device_problem.setObjectName("deviceProblem")
        self.device_problem.setWordWrap(True)
        self.device_problem.setAccessibleName("Device problem")
        self.device_problem.hide()
        self._device_problems: dict[str, str] = {}
        # said once, not a problem to fix now (the AI interviewer is not available, ...)
        self.notice = QLabel("", self)
        self.notice.setObjectName("interviewNotice")
        self.notice.setWordWrap(True)
        self.notice.setAccessibleName("Notice")
        self.notice.hide()

        self.question = QLabel("The interview is about to start.", self)
        self.question.setObjectName("questionText")
        self.question.setWordWrap(True)
        self.question.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.question.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.question.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Minimum)
        self.question.setAccessibleName("Current question")
        self._board_slot = QVBoxLayout()
        centre = QVBoxLayout()
        # Without a whiteboard the question sits in the middle of the space, not at its top.
        self._top_stretch = QWidget(self)
        centre.addWidget(self._top_stretch, 2)
        centre.addWidget(self.question)
        centre.addLayout(self._board_slot, 1)
        self._centre_stretch = QWidget(self)
        centre.addWidget(self._centre_stretch, 3)

        self.self_view = VideoPreview(self, 240, 135)
        self.self_view.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.self_view.setFixedSize(320, 180)
        self.self_view.setAccessibleName("Your camera")
        self.self_view.show_message("Camera")
        self.meter = LevelMeter(self)
        side = QVBoxLayout()
        side.addWidget(self.self_view)
        side.addWidget(QLabel("Your microphone:", self))
        side.addWidget(self.meter)
        side.addStretch(1)

        self.repeat_button = QPushButton("&Repeat", self)
        self.repeat_button.setAccessibleDescription("Asks the interviewer to repeat the question")
        self.clarify_button = QPushButton("&Clarify", self)
        self.clarify_button.setAccessibleDescription("Asks the interviewer to explain the question")
        self.not_finished_button = QPushButton("I'm &not finished", self)
        self.not_finished_button.setAccessibleDescription("Tells the interviewer to keep listening")
        self.next_button = QPushButton("Ne&xt question", self)
        self.next_button.setAccessibleDescription("You have finished answering; go on")
        self.help_button = QPushButton("&Help", self)
        self.end_button = QPushButton("&End interview", self)
        self.end_button.setObjectName("danger")
        self.end_button.setAccessibleDescription("Ends the interview early; asks to confirm")
        buttons = QHBoxLayout()
        for b in (self.repeat_button, self.clarify_button, self.not_finished_button):
            buttons.addWidget(b)
        buttons.addWidget(self.next_button)
        buttons.addStretch(1)
        buttons.addWidget(self.help_button)
        buttons.addWidget(self.end_button)

        self.captions = CaptionsBar(self)

        body = QHBoxLayout()
        body.addLayout(centre, 1)
        body.addSpacing(12)
        body.addLayout(side)
        lay = QVBoxLayout(self)
        lay.addLayout(top)
        lay.addWidget(self.device_problem)
        lay.addWidget(self.notice)
        lay.addLayout(body, 1)
        lay.addLayout(buttons)
        lay.addWidget(self.captions)

        self.repeat_button.clicked.connect(lambda: self._command("repeat"))
        self.clarify_button.clicked.connect(lambda: self._command("clarify"))
        self.not_finished_button.clicked.connect(lambda: self._command("not_finished"))
        self.next_button.clicked.connect(lambda: self._command("next_question"))
        self.help_button.clicked.connect(self.help_requested)
        self.end_button.clicked.connect(self.confirm_end)

        self._tick = QTimer(self)
        self._tick.setInterval(500)
        self._tick.timeout.connect(self._update_time)
        QGuiApplication.instance().applicationStateChanged.connect(self._on_app_state)

    # --- engine -----------------------------------------------------------------------------
    def attach(self, engine: Any, bridge: Bridge, attempt_dir: Path | None = None) -> None:
        """Shows what ``bridge`` carries and sends button presses to ``engine``."""
        self.detach()
        self.engine, self.bridge = engine, bridge
        self._attempt_dir = Path(attempt_dir) if attempt_dir else None
        for sig, slot in self._connections(bridge):
            sig.connect(slot)
        self._device_problems.clear()
        self._refresh_device_problem()
        self.show_notice("")
        self._set_buttons_enabled(True)
        self._tick.start()

    def detach(self) -> None:
        """Stops showing the engine (at the end, or before attaching another one)."""
        self._tick.stop()
        if self.bridge is not None:
            for sig, slot in self._connections(self.bridge):
                with contextlib.suppress(RuntimeError, TypeError):
                    sig.disconnect(slot)
        if self.whiteboard is not None:
            self.whiteboard.flush()
            self.whiteboard.stop()
        self.engine = None
        self.bridge = None

    def _connections(self, bridge: Bridge) -> list[tuple[Any, Any]]:
        """The bridge's signals this page shows, with their slots (connected in ``attach``,
        disconnected in ``detach``)."""
        return [
            (bridge.question, self.show_question),
            (bridge.prompt, self.show_prompt),
            (bridge.caption, self.show_caption),
            (bridge.level, self.meter.set_level),
            (bridge.state, self.show_state),
            (bridge.frame, self.self_view.show_frame),
            (bridge.device, self.show_device_problem),
            (bridge.notice, self.show_notice),
            (bridge.whiteboard, self.show_whiteboard),
            (bridge.screen_share, self.set_screen_shared),
        ]

    def _command(self, name: str) -> None:
        if self.engine is None:
            return
        getattr(self.engine, name)()
        log.info("candidate pressed %s", name)

    # --- what the engine tells us -----------------------------------------------------------
    def show_question(self, index: int, count: int, question: Any) -> None:
        text = getattr(question, "text", str(question))
        self.progress.setText(f"Question {index + 1} of {count}")
        self.progress.setAccessibleName(self.progress.text())
        self.question.setText(" ".join(str(text).split()))
        limit = float(getattr(question, "time_limit_s", 0) or 0)
        self._deadline = time.monotonic() + limit if limit > 0 else None
        self._question_index = index
        self._update_time()

    def show_prompt(self, text: str, kind: str) -> None:
        """A follow-up or clarification takes the question's place (captions may be off)."""
        self.question.setText(" ".join(text.split()))
        label = "clarification" if kind == "clarification" else "follow-up"
        base = self.progress.text().split(" · ")[0]
        self.progress.setText(f"{base} · {label}")
        self.progress.setAccessibleName(self.progress.text())

    def show_whiteboard(self, visible: bool) -> None:
        """The engine's word, right after the question it belongs to."""
        self.set_whiteboard_visible(visible, self._question_index)

    def show_caption(self, view: CaptionView) -> None:
        if view.speaker == "interviewer":
            self.captions.show_interviewer(view.committed)
        else:
            text = f"{view.committed} {view.tentative}".strip()
            if text:
                self.last_candidate_caption = text
            self.captions.show_candidate(view.committed, view.tentative)

    def show_device_problem(self, kind: str, problem: str, fix: str) -> None:
        """A device stopped (problem and fix) or works again (problem "")."""
        if problem:
            meanwhile = _MEANWHILE.get(kind, "")
            self._device_problems[kind] = f"{problem}. {fix} {meanwhile}".strip()
        else:
            self._device_problems.pop(kind, None)
        self._refresh_device_problem()

    def show_notice(self, text: str) -> None:
        self.notice.setText(text)
        self.notice.setVisible(bool(text))

    def _refresh_device_problem(self) -> None:
        text = "\n".join(self._device_problems.values())
        self.device_problem.setText(text)
        self.device_problem.setVisible(bool(text))

    def show_state(self, state: str) -> None:
        key = state.lower()
        self.state_label.setText(STATE_TEXT.get(key, state.replace("_", " ").capitalize()))
        if key in ("finished", "stopped"):
            self._set_buttons_enabled(False)
            if self.whiteboard is not None:
                self.whiteboard.flush()
        if key in ("screen_share", "screen_sharing"):
            self.set_screen_shared(True)

    def set_screen_shared(self, shared: bool) -> None:
        self.share_indicator.setVisible(shared)

    def set_whiteboard_visible(self, visible: bool, question_index: int | None = None) -> None:
        if visible and self.whiteboard is None:
            folder = (self._attempt_dir or Path(".")) / "whiteboard"
            self.whiteboard = WhiteboardPanel(folder, self._runner, self)
            self.whiteboard.setAccessibleName("Whiteboard")
            self._board_slot.addWidget(self.whiteboard)
        if self.whiteboard is not None:
            if question_index is not None:
                self.whiteboard.set_question(question_index)
            self.whiteboard.setVisible(visible)
        self._centre_stretch.setVisible(not visible)
        self._top_stretch.setVisible(not visible)

    def _update_time(self) -> None:
        time_left = getattr(self.engine, "time_left", None)
        if callable(time_left) and self._question_index >= 0:
            # The engine's own count includes accommodations (extra time) and pauses.
            question_left, total_left = time_left()
            self.time_left.setText(
                f"Time left: {fmt_time(question_left)}  \u00b7  interview: {fmt_time(total_left)}"
            )
            return
        if self._deadline is None:
            self.time_left.setText("")
            return
        left = self._deadline - time.monotonic()
        self.time_left.setText(f"Time left: {fmt_time(left)}")

    def _set_buttons_enabled(self, on: bool) -> None:
        for b in (
            self.repeat_button,
            self.clarify_button,
            self.not_finished_button,
            self.next_button,
            self.end_button,
        ):
            b.setEnabled(on)

    # --- end interview ----------------------------------------------------------------------
    def confirm_end(self) -> None:
        """Asks before ending; the dialog is non-blocking (``finished`` carries the answer)."""
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle("End the interview?")
        box.setText("Do you want to end the interview now?")
        box.setInformativeText(
            "Your answers so far are kept and submitted. You cannot come back to the "
            "remaining questions in this attempt."
        )
        box.setStandardButtons(QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No)
        box.setDefaultButton(QMessageBox.StandardButton.No)
        box.button(QMessageBox.StandardButton.Yes).setText("&End interview")
        box.button(QMessageBox.StandardButton.No).setText("&Keep going")
        box.setWindowModality(Qt.WindowModality.WindowModal)
        box.finished.connect(lambda code: self._end_answered(box, code))
        self.confirm_box = box
        box.open()

    def _end_answered(self, box: QMessageBox, _code: int) -> None:
        yes = box.clickedButton() is box.button(QMessageBox.StandardButton.Yes)
        self.confirm_box = None
        box.deleteLater()
        if yes:
            self.end_now()

    def end_now(self) -> None:
        if self.whiteboard is not None:
            self.whiteboard.flush()
        if self.engine is not None:
            self.engine.end_interview()
        self._set_buttons_enabled(False)
        self.state_label.setText("Ending the interview\u2026")
        self.end_confirmed.emit()

    # --- focus ------------------------------------------------------------------------------
    def _on_app_state(self, state: Qt.ApplicationState) -> None:
        if self.engine is None or not self.isVisible():
            return
        active = state == Qt.ApplicationState.ApplicationActive
        if not active and not self._focus_lost:
            self._focus_lost = True
            self.engine.note_focus_lost()
        elif active and self._focus_lost:
            self._focus_lost = False
            self.engine.note_focus_gained()
