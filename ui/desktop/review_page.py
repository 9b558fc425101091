"""The candidate's review before submitting: the transcript by question, their own answer
played back at any line, and a flag ("not what I said", with a short note) on any of their
lines. Nothing can be edited. The final transcript pass runs meanwhile, with a progress
bar; Submit (or Finish, for practice) hands over to the finish page."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from session.attempt.by_question import QuestionGroup, asked_questions, group_by_question
from session.attempt.final_transcript import FinalPass
from session.attempt.flags import NOTE_MAX, clear_flag, flag_for, load_flags, set_flag
from session.attempt.manifest import refresh_manifest
from session.attempt.transcript import load_transcript
from ui.qt.bridge import TaskRunner

log = logging.getLogger(__name__)

LINE_ROLE = Qt.ItemDataRole.UserRole
INTRO = (
    "Read what was heard, question by question. Select one of your lines to play it back. "
    "If a line is not what you said, flag it with a short note: the people who review your "
    "interview see the note beside the line. The transcript itself cannot be changed."
)
FLAG_MARK = "\u2691"


def clock(t: float) -> str:
    t = max(0, int(t))
    return f"{t // 60}:{t % 60:02d}"


class _Progress(QObject):
    """Carries the final pass's progress from its worker thread to the page."""

    share = Signal(float)


class ReviewPage(QWidget):
    """``begin(attempt_dir, practice, final_pass, player)``; ``submit_requested`` when the
    candidate submits (after the final pass, if it was still running)."""

    submit_requested = Signal()

    def __init__(self, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("reviewPage")
        self.runner = runner
        self.dir: Path | None = None
        self.player: Any = None
        self.final_done = False
        self._submit_pending = False
        self._reads = 0  # reloads started; only the newest fills the tree
        self._flags: list[dict[str, Any]] = []
        self._progress = _Progress(self)
        self._progress.share.connect(self._on_progress)

        self.title = QLabel("Review your interview", self)
        self.title.setObjectName("pageTitle")
        intro = QLabel(INTRO, self)
        intro.setWordWrap(True)
        intro.setObjectName("hint")
        self.status = QLabel("Preparing the final transcript\u2026", self)
        self.status.setWordWrap(True)
        self.status.setObjectName("reviewStatus")
        self.bar = QProgressBar(self)
        self.bar.setRange(0, 1000)
        self.bar.setAccessibleName("Final transcript progress")
        self.tree = QTreeWidget(self)
        self.tree.setHeaderHidden(True)
        self.tree.setWordWrap(True)
        self.tree.setUniformRowHeights(False)
        self.tree.setAccessibleName("Transcript by question")
        self.tree.currentItemChanged.connect(lambda *_: self._update_buttons())
        self.play_button = QPushButton("\u25b6 &Play this line", self)
        self.play_button.clicked.connect(self.play_selected)
        self.stop_button = QPushButton("&Stop", self)
        self.stop_button.clicked.connect(self.stop_playback)
        self.note = QLineEdit(self)
        self.note.setMaxLength(NOTE_MAX)
        self.note.setPlaceholderText("What you actually said (optional)")
        self.note.setAccessibleName("Note for the flag")
        self.flag_button = QPushButton(f"{FLAG_MARK} &Not what I said", self)
        self.flag_button.clicked.connect(self.flag_selected)
        self.unflag_button = QPushButton("&Remove flag", self)
        self.unflag_button.clicked.connect(self.unflag_selected)
        self.submit_button = QPushButton("S&ubmit interview", self)
        self.submit_button.setObjectName("primary")
        self.submit_button.clicked.connect(self.submit)

        lay = QVBoxLayout(self)
        lay.setContentsMargins(36, 24, 36, 24)
        lay.setSpacing(10)
        lay.addWidget(self.title)
        lay.addWidget(intro)
        lay.addWidget(self.status)
        lay.addWidget(self.bar)
        lay.addWidget(self.tree, 1)
        actions = QHBoxLayout()
        for w in (self.play_button, self.stop_button):
            actions.addWidget(w)
        actions.addSpacing(16)
        actions.addWidget(self.note, 1)
        actions.addWidget(self.flag_button)
        actions.addWidget(self.unflag_button)
        lay.addLayout(actions)
        bottom = QHBoxLayout()
        bottom.addStretch(1)
        bottom.addWidget(self.submit_button)
        lay.addLayout(bottom)
        self._update_buttons()

    # --- set-up -----------------------------------------------------------------------------
    def begin(
        self,
        attempt_dir: Path,
        practice: bool,
        final_pass: Callable[[Path, Callable[[float], None]], Any] | None,
        player: Any = None,
    ) -> None:
        """Shows the live transcript at once and starts ``final_pass(dir, progress)`` on a
        worker (None: no pass, the transcript is final as it is)."""
        self.dir = Path(attempt_dir)
        self.player = player
        self.final_done = False
        self._submit_pending = False
        self.submit_button.setText("&Finish practice" if practice else "S&ubmit interview")
        self.submit_button.setEnabled(True)
        if final_pass is None:
            self._final_finished(None)
            return
        self.reload()  # the live lines, while the pass runs
        self.bar.setValue(0)
        self.bar.show()
        self.status.setText(
            "Preparing the final transcript from your recording\u2026 You can read the live "
            "captions meanwhile; flagging opens once it is ready."
        )
        folder = self.dir
        self.runner.run(
            lambda: final_pass(folder, self._progress.share.emit),
            self._final_finished,
            self._final_failed,
            self,
        )

    def reload(self, then: Callable[[], None] | None = None) -> None:
        """Reads the folder's transcript, flags and questions on a worker, then fills the
        tree (and calls ``then``) on the GUI thread."""
        assert self.dir is not None
        folder = self.dir
        self._reads += 1
        read_no = self._reads

        def filled(read: tuple[list[QuestionGroup], list[dict[str, Any]]]) -> None:
            if read_no != self._reads:
                return  # a later read is on its way (the live lines after the final ones)
            self._fill(*read)
            if then is not None:
                then()

        self.runner.run(lambda: _read_review(folder), filled, self._read_failed, self)

    def _read_failed(self, e: BaseException) -> None:
        log.error("the transcript cannot be read: %s", e)
        self.status.setText(f"The transcript cannot be shown ({e}). Your recording is kept.")

    def _fill(self, groups: list[QuestionGroup], flags: list[dict[str, Any]]) -> None:
        self._flags = flags
        self.tree.clear()
        for group in groups:
            head = QTreeWidgetItem([group.title])
            font = head.font(0)
            font.setBold(True)
            head.setFont(0, font)
            head.setFlags(Qt.ItemFlag.ItemIsEnabled)
            self.tree.addTopLevelItem(head)
            for line in group.lines:
                text = self._line_text(line)
                item = QTreeWidgetItem([text])
                item.setData(0, LINE_ROLE, line)
                item.setToolTip(0, text)
                head.addChild(item)
            head.setExpanded(True)
        if not groups:
            self.tree.addTopLevelItem(QTreeWidgetItem(["Nothing was heard in this interview."]))
        self._update_buttons()

    def _line_text(self, line: dict[str, Any]) -> str:
        who = "You" if line["speaker"] == "candidate" else "Interviewer"
        text = f"{clock(line['start'])}  {who}: {line['text']}"
        flag = flag_for(self._flags, line)
        if flag is not None:
            note = f": \u201c{flag['note']}\u201d" if flag.get("note") else ""
            text += f"\n      {FLAG_MARK} flagged as not what you said{note}"
        return text

    # --- the final pass -----------------------------------------------------------------------
    def _on_progress(self, share: float) -> None:
        self.bar.setValue(int(max(0.0, min(1.0, share)) * 1000))

    def _final_finished(self, result: Any) -> None:
        self.bar.setValue(1000)
        self.bar.hide()
        if result is not None and getattr(result, "source", "final") != "final":
            self.status.setText(
                f"This is the live transcript: a final one could not be made "
                f"({getattr(result, 'reason', 'unknown reason')}). Your recording is kept "
                "in full, and reviewers can listen to it."
            )
        else:
            self.status.setText("The final transcript is ready.")
        self.reload(self._final_shown)

    def _final_shown(self) -> None:
        self.final_done = True  # the final text is on screen: flags may be set now
        self._update_buttons()
        if self._submit_pending:
            self.submit_requested.emit()

    def _final_failed(self, e: BaseException) -> None:
        log.error("the final transcript failed: %s", e)
        self._final_finished(FinalPass("live", str(e)))

    # --- actions ----------------------------------------------------------------------------
    def selected_line(self) -> dict[str, Any] | None:
        item = self.tree.currentItem()
        line = item.data(0, LINE_ROLE) if item is not None else None
        return line if isinstance(line, dict) else None

    def select_line(self, predicate: Callable[[dict[str, Any]], bool]) -> dict[str, Any] | None:
        """Selects the first line ``predicate`` accepts (keyboard users and tests)."""
        for i in range(self.tree.topLevelItemCount()):
            head = self.tree.topLevelItem(i)
            for j in range(head.childCount()):
                item = head.child(j)
                line = item.data(0, LINE_ROLE)
                if isinstance(line, dict) and predicate(line):
                    self.tree.setCurrentItem(item)
                    return line
        return None

    def _update_buttons(self) -> None:
        line = self.selected_line()
        mine = line is not None and line["speaker"] == "candidate"
        flagged = mine and flag_for(self._flags, line) is not None
        self.play_button.setEnabled(mine and self.player is not None)
        self.stop_button.setEnabled(self.player is not None)
        can_flag = mine and self.final_done
        self.note.setEnabled(can_flag)
        self.flag_button.setEnabled(can_flag)
        self.unflag_button.setEnabled(can_flag and flagged)

    def play_selected(self) -> None:
        line, player = self.selected_line(), self.player
        if line is None or player is None:
            return
        self.status.setText(f"Playing your answer from {clock(line['start'])}\u2026")

        def failed(e: BaseException) -> None:
            self.status.setText(f"It could not be played ({e}). Your recording is kept.")

        self.runner.run(
            lambda: player.play(float(line["start"]), float(line["end"])), None, failed, self
        )

    def stop_playback(self) -> None:
        if self.player is not None:
            self.runner.run(self.player.stop, owner=self)

    def flag_selected(self) -> None:
        line, folder = self.selected_line(), self.dir
        if line is None or folder is None or not self.final_done:
            return
        note = self.note.text()

        def save() -> None:
            set_flag(folder, line, note)
            refresh_manifest(folder)

        self._save(save, "Flag saved: the reviewers will see it beside the line.")
        self.note.clear()

    def unflag_selected(self) -> None:
        line, folder = self.selected_line(), self.dir
        if line is None or folder is None:
            return

        def save() -> None:
            clear_flag(folder, line)
            refresh_manifest(folder)

        self._save(save, "Flag removed.")

    def _save(self, fn: Callable[[], None], done_text: str) -> None:
        line = self.selected_line()

        def shown() -> None:
            if line is not None:
                self.select_line(lambda x: x == line)
            self.status.setText(done_text)

        def done(_r: object) -> None:
            self.reload(shown)

        def failed(e: BaseException) -> None:
            self.status.setText(f"The flag could not be saved ({e}). Try again.")

        self.runner.run(fn, done, failed, self)

    def submit(self) -> None:
        self.stop_playback()
        if not self.final_done:
            self._submit_pending = True
            self.submit_button.setEnabled(False)
            self.submit_button.setText("Submitting when the transcript is ready\u2026")
            return
        self.submit_button.setEnabled(False)
        self.submit_requested.emit()

    def close_player(self) -> None:
        player, self.player = self.player, None
        if player is not None:
            self.runner.run(player.close)


def _read_review(folder: Path) -> tuple[list[QuestionGroup], list[dict[str, Any]]]:
    """The transcript by question and the flags (disk work: on a worker)."""
    try:
        entries = load_transcript(folder)
    except ValueError as e:  # a malformed transcript: say so, show nothing
        log.error("the transcript cannot be read: %s", e)
        entries = []
    return group_by_question(entries, asked_questions(folder)), load_flags(folder)
