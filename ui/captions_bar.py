"""The captions bar at the bottom of the interview page.

Always two lines high, so live text never pushes the page around: old lines scroll away
upwards. The interviewer's lines and the candidate's live words are shown; the candidate's
tentative words (still being recognised) are lighter and in italics. Captions are on by
default; the button or Ctrl+Shift+C hides and shows the text.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QKeySequence, QTextOption
from PySide6.QtWidgets import QFrame, QHBoxLayout, QSizePolicy, QTextEdit, QToolButton, QWidget

SHORTCUT = "Ctrl+Shift+C"
LINES_SHOWN = 2
TENTATIVE_STYLE = "color:#8a8f98; font-style:italic;"
MAX_LINES_KEPT = 8  # older lines are dropped; only the last two are visible anyway


@dataclass
class _Line:
    speaker: str  # "interviewer" | "candidate"
    committed: str
    tentative: str = ""


class CaptionsBar(QWidget):
    captions_toggled = Signal(bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("captionsBar")
        self._lines: list[_Line] = []

        self.text = QTextEdit(self)
        self.text.setObjectName("captionsText")
        self.text.setReadOnly(True)
        self.text.setFrameShape(QFrame.Shape.NoFrame)
        self.text.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.NoTextInteraction)
        self.text.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.text.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.text.setWordWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
        self.text.setAccessibleName("Live captions")
        self.text.document().setDocumentMargin(2)
        policy = self.text.sizePolicy()
        policy.setRetainSizeWhenHidden(True)  # the button stays put when the text is off
        self.text.setSizePolicy(policy)

        self.toggle_action = QAction("Captions on", self)
        self.toggle_action.setCheckable(True)
        self.toggle_action.setChecked(True)
        self.toggle_action.setShortcut(QKeySequence(SHORTCUT))
        self.toggle_action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self.toggle_action.setToolTip(f"Show or hide the captions ({SHORTCUT})")
        self.toggle_action.toggled.connect(self._set_visible)
        self.addAction(self.toggle_action)

        self.toggle_button = QToolButton(self)
        self.toggle_button.setObjectName("captionsToggle")
        self.toggle_button.setDefaultAction(self.toggle_action)
        self.toggle_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.toggle_button.setAccessibleName("Captions on/off")
        self.toggle_button.setAccessibleDescription(f"Shows or hides the captions ({SHORTCUT})")

        lay = QHBoxLayout(self)
        lay.setContentsMargins(8, 4, 8, 4)
        lay.addWidget(self.text, 1)
        lay.addWidget(self.toggle_button, 0, Qt.AlignmentFlag.AlignVCenter)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self._fix_height()

    # -- public slots ----------------------------------------------------------------

    @property
    def captions_on(self) -> bool:
        return self.toggle_action.isChecked()

    def set_captions_on(self, on: bool) -> None:
        self.toggle_action.setChecked(on)

    def show_interviewer(self, text: str) -> None:
        self._add(_Line("interviewer", text.strip()))

    def show_candidate(self, committed: str, tentative: str) -> None:
        """The candidate's current line: everything committed so far plus the live tail."""
        last = self._lines[-1] if self._lines else None
        if last is not None and last.speaker == "candidate":
            last.committed, last.tentative = committed.strip(), tentative.strip()
            self._render()
        else:
            self._add(_Line("candidate", committed.strip(), tentative.strip()))

    def clear(self) -> None:
        self._lines.clear()
        self._render()

    def plain_text(self) -> str:
        return self.text.toPlainText()

    # -- internals -------------------------------------------------------------------

    def _add(self, line: _Line) -> None:
        if not line.committed and not line.tentative:
            return
        self._lines.append(line)
        del self._lines[:-MAX_LINES_KEPT]
        self._render()

    def _render(self) -> None:
        parts = []
        for line in self._lines:
            who = "Interviewer" if line.speaker == "interviewer" else "You"
            body = html.escape(line.committed)
            if line.tentative:
                tail = html.escape(line.tentative)
                body = f'{body} <span style="{TENTATIVE_STYLE}">{tail}</span>'.strip()
            parts.append(f"<b>{who}:</b> {body}")
        self.text.setHtml("<br>".join(parts))
        self._scroll_to_end()

    def _scroll_to_end(self) -> None:
        bar = self.text.verticalScrollBar()
        bar.setValue(bar.maximum())

    def _fix_height(self) -> None:
        line = self.text.fontMetrics().lineSpacing()
        margin = 2 * int(self.text.document().documentMargin()) + 2
        self.text.setFixedHeight(LINES_SHOWN * line + margin)
        layout = self.layout()
        if layout is None:
            return
        m = layout.contentsMargins()
        self.setFixedHeight(self.text.height() + m.top() + m.bottom())

    def _set_visible(self, on: bool) -> None:
        # The text is hidden, not the bar: the page keeps its layout either way.
        self.text.setVisible(on)
        self.toggle_action.setText("Captions on" if on else "Captions off")
        self.captions_toggled.emit(on)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._scroll_to_end()

    def changeEvent(self, event) -> None:
        super().changeEvent(event)
        if event.type() in (event.Type.FontChange, event.Type.StyleChange):
            self._fix_height()
