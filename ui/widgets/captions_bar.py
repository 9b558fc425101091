"""The captions bar at the bottom of the interview page.

Always two lines high, so live text never pushes the page around: the text is wrapped
here, word by word, and only the newest two whole lines are shown (a scrolled text box
showed a sliver of a third line whenever line heights did not divide its height).
The interviewer's lines and the candidate's live words are shown; the candidate's
tentative words (still being recognised) are lighter and in italics. Captions are on by
default; the button or Ctrl+Shift+C hides and shows the text.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QFont, QFontMetrics, QKeySequence
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSizePolicy, QToolButton, QWidget

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

        self.text = QLabel(self)
        self.text.setObjectName("captionsText")
        self.text.setTextFormat(Qt.TextFormat.RichText)
        self.text.setWordWrap(False)  # wrapped by _visual_lines, so the height is exact
        self.text.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.text.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.text.setAccessibleName("Live captions")
        self.text.setMinimumWidth(1)
        self.text.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
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
        """Every kept line, one per speaker turn (what a screen reader is given)."""
        return "\n".join(
            f"{_who(line)}: {' '.join(p for p in (line.committed, line.tentative) if p)}"
            for line in self._lines
        )

    def visible_lines(self) -> list[str]:
        """The (at most two) lines on screen now, as plain text."""
        return [" ".join(word for _, word in row) for row in self._visual_lines()]

    # -- internals -------------------------------------------------------------------

    def _add(self, line: _Line) -> None:
        if not line.committed and not line.tentative:
            return
        self._lines.append(line)
        del self._lines[:-MAX_LINES_KEPT]
        self._render()

    def _fonts(self) -> dict[str, QFontMetrics]:
        base = self.text.font()
        bold, italic = QFont(base), QFont(base)
        bold.setBold(True)
        italic.setItalic(True)
        return {
            "label": QFontMetrics(bold),
            "said": QFontMetrics(base),
            "tentative": QFontMetrics(italic),
        }

    def _visual_lines(self) -> list[list[tuple[str, str]]]:
        """Word-wraps every kept line at the label's width; returns the newest two rows of
        (style, word). A new speaker always starts a new row."""
        width = max(1, self.text.width() - 4)
        fonts = self._fonts()
        space = fonts["said"].horizontalAdvance(" ")
        rows: list[list[tuple[str, str]]] = []
        for line in self._lines:
            tokens = [("label", f"{_who(line)}:")]
            tokens += [("said", w) for w in line.committed.split()]
            tokens += [("tentative", w) for w in line.tentative.split()]
            row: list[tuple[str, str]] = []
            used = 0
            for style, word in tokens:
                w = fonts[style].horizontalAdvance(word)
                if row and used + space + w > width:
                    rows.append(row)
                    row, used = [], 0
                used += (space if row else 0) + w
                row.append((style, word))
            rows.append(row)
        return rows[-LINES_SHOWN:]

    def _render(self) -> None:
        html_rows = []
        for row in self._visual_lines():
            parts: list[str] = []
            for style, word in row:
                word = html.escape(word)
                if style == "label":
                    parts.append(f"<b>{word}</b>")
                elif style == "tentative":
                    parts.append(f'<span style="{TENTATIVE_STYLE}">{word}</span>')
                else:
                    parts.append(word)
            html_rows.append(" ".join(parts))
        self.text.setText("<br>".join(html_rows))
        self.text.setAccessibleDescription(self.plain_text())

    def _fix_height(self) -> None:
        line = self.text.fontMetrics().lineSpacing()
        self.text.setFixedHeight(LINES_SHOWN * line + 4)
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
        self._render()  # the wrap depends on the width

    def changeEvent(self, event) -> None:
        super().changeEvent(event)
        if event.type() in (event.Type.FontChange, event.Type.StyleChange):
            self._fix_height()
            self._render()


def _who(line: _Line) -> str:
    return "Interviewer" if line.speaker == "interviewer" else "You"
