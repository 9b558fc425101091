"""The whiteboard widget: pen, eraser, colours, line / rectangle / text, undo/redo, clear.

It draws the Qt-free ``session.attempt.whiteboard.WhiteboardModel``. Autosave: every few seconds
(only when something changed) and at every question change the strokes are written to
``whiteboard/strokes.json`` and a PNG snapshot of the board to
``whiteboard/snapshot-<question>-<n>.png``, both on a worker. A saved board is restored
from strokes.json when the panel starts (after a crash).
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, QTimer, Signal
from PySide6.QtGui import (
    QColor,
    QImage,
    QKeySequence,
    QMouseEvent,
    QPainter,
    QPainterPath,
    QPen,
    QShortcut,
)
from PySide6.QtWidgets import (
    QButtonGroup,
    QHBoxLayout,
    QLineEdit,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from session.attempt.whiteboard import (
    Autosaver,
    Stroke,
    WhiteboardModel,
    load_strokes,
    save_strokes,
    snapshot_name,
)
from ui.qt.bridge import TaskRunner

log = logging.getLogger(__name__)

BACKGROUND = "#ffffff"
COLOURS = (("Black", "#1f2328"), ("Blue", "#0969da"), ("Red", "#cf222e"), ("Green", "#1a7f37"))
# Mnemonics chosen not to clash with the interview page's (Repeat, Clarify, not finished,
# Next, Help, End interview).
TOOL_LABELS = (
    ("pen", "&Pen"),
    ("eraser", "Er&aser"),
    ("line", "&Line"),
    ("rect", "Rectan&gle"),
    ("text", "&Text"),
)
PEN_WIDTH = 3.0
ERASER_WIDTH = 24.0


def paint_stroke(p: QPainter, s: Stroke) -> None:
    colour = QColor(BACKGROUND if s.tool == "eraser" else s.color)
    pen = QPen(colour, s.width, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap)
    pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    p.setPen(pen)
    p.setBrush(Qt.BrushStyle.NoBrush)
    pts = [QPointF(x, y) for x, y in s.points]
    if not pts:
        return
    if s.tool in ("pen", "eraser"):
        if len(pts) == 1:
            p.drawPoint(pts[0])
            return
        path = QPainterPath(pts[0])
        for q in pts[1:]:
            path.lineTo(q)
        p.drawPath(path)
    elif s.tool == "line" and len(pts) >= 2:
        p.drawLine(pts[0], pts[-1])
    elif s.tool == "rect" and len(pts) >= 2:
        p.drawRect(QRectF(pts[0], pts[-1]).normalized())
    elif s.tool == "text":
        f = p.font()
        f.setPointSizeF(max(10.0, s.width * 5))
        p.setFont(f)
        p.drawText(pts[0], s.text)


class WhiteboardCanvas(QWidget):
    """The drawing surface. Emits ``changed`` after every edit."""

    changed = Signal()

    def __init__(self, model: WhiteboardModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.tool = "pen"
        self.color = COLOURS[0][1]
        self._current: list[tuple[float, float]] = []
        self._editor: QLineEdit | None = None
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.setMinimumSize(320, 220)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setCursor(Qt.CursorShape.CrossCursor)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setAccessibleName("Whiteboard drawing area")
        self.setAccessibleDescription("Draw with the mouse or a pen; Ctrl+Z undoes, Ctrl+Y redoes")

    def sizeHint(self) -> QSize:
        return QSize(640, 420)

    def set_model(self, model: WhiteboardModel) -> None:
        self.model = model
        self.update()

    def _width(self) -> float:
        return ERASER_WIDTH if self.tool == "eraser" else PEN_WIDTH

    def _pending_stroke(self) -> Stroke | None:
        if not self._current:
            return None
        return Stroke(self.tool, self.color, self._width(), tuple(self._current))

    def mousePressEvent(self, e: QMouseEvent) -> None:
        if e.button() != Qt.MouseButton.LeftButton:
            return
        pos = e.position()
        if self.tool == "text":
            self._start_text(pos)
            return
        self._current = [(pos.x(), pos.y())]
        self.update()

    def mouseMoveEvent(self, e: QMouseEvent) -> None:
        if not self._current:
            return
        pos = (e.position().x(), e.position().y())
        if self.tool in ("line", "rect"):
            self._current = [self._current[0], pos]
        else:
            self._current.append(pos)
        self.update()

    def mouseReleaseEvent(self, e: QMouseEvent) -> None:
        if e.button() != Qt.MouseButton.LeftButton or not self._current:
            return
        pos = (e.position().x(), e.position().y())
        if self.tool in ("line", "rect"):
            self._current = [self._current[0], pos]
        elif self._current[-1] != pos:
            self._current.append(pos)
        stroke = self._pending_stroke()
        self._current = []
        if stroke is not None:
            self.model.add(stroke)
            self.changed.emit()
        self.update()

    def _start_text(self, pos: QPointF) -> None:
        self._finish_text()
        ed = QLineEdit(self)
        ed.setAccessibleName("Text to place on the whiteboard")
        ed.setPlaceholderText("Type, then press Enter")
        ed.move(int(pos.x()), int(pos.y()) - 12)
        ed.resize(220, ed.sizeHint().height())
        ed.setProperty("anchor", (pos.x(), pos.y() + 8))
        ed.returnPressed.connect(self._finish_text)
        ed.show()
        ed.setFocus()
        self._editor = ed

    def _finish_text(self) -> None:
        ed, self._editor = self._editor, None
        if ed is None:
            return
        text = ed.text().strip()
        x, y = ed.property("anchor")
        ed.deleteLater()
        if text:
            self.model.add(Stroke("text", self.color, 4.0, ((x, y),), text))
            self.changed.emit()
            self.update()

    def paintEvent(self, _event) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.fillRect(self.rect(), QColor(BACKGROUND))
        for s in self.model.strokes:
            paint_stroke(p, s)
        pending = self._pending_stroke()
        if pending is not None:
            paint_stroke(p, pending)
        p.setPen(QPen(QColor("#d0d7de"), 1))
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawRect(QRectF(self.rect()).adjusted(0.5, 0.5, -0.5, -0.5))
        p.end()

    def render_image(self) -> QImage:
        """The board as an image (GUI thread); saving it to disk is a worker's job."""
        return self.grab().toImage()


class WhiteboardPanel(QWidget):
    """Tool bar + canvas + autosave into ``folder`` (the attempt's ``whiteboard/``).

    ``restored`` fires once the saved board (if any) was loaded; ``saved(path)`` after each
    strokes.json write, ``snapshot_saved(path)`` after each PNG."""

    restored = Signal()
    saved = Signal(str)
    snapshot_saved = Signal(str)

    def __init__(
        self,
        folder: Path,
        runner: TaskRunner,
        parent: QWidget | None = None,
        autosave_s: float = 3.0,
        restore: bool = True,
    ) -> None:
        super().__init__(parent)
        self.folder = Path(folder)
        self._runner = runner
        self.model = WhiteboardModel()
        self._autosaver = Autosaver(self.model)
        self._snapshots: dict[int, int] = {}
        self._saving = False

        self.canvas = WhiteboardCanvas(self.model, self)
        self.canvas.changed.connect(self._sync_buttons)
        bar = QHBoxLayout()
        bar.setSpacing(4)
        self._tools = QButtonGroup(self)
        for name, label in TOOL_LABELS:
            b = QToolButton(self)
            b.setText(label)
            b.setCheckable(True)
            b.setAccessibleName(f"{label.replace('&', '')} tool")
            b.setChecked(name == "pen")
            b.clicked.connect(lambda _=False, n=name: self.set_tool(n))
            self._tools.addButton(b)
            bar.addWidget(b)
        bar.addSpacing(8)
        self._colours = QButtonGroup(self)
        for name, hexcode in COLOURS:
            b = QToolButton(self)
            b.setCheckable(True)
            b.setChecked(hexcode == self.canvas.color)
            b.setFixedSize(26, 26)
            b.setStyleSheet(
                f"QToolButton {{ background: {hexcode}; border: 2px solid #d0d7de; "
                "border-radius: 13px; } QToolButton:checked { border: 3px solid #fb8f44; }"
            )
            b.setToolTip(name)
            b.setAccessibleName(f"{name} colour")
            b.clicked.connect(lambda _=False, c=hexcode: self.set_colour(c))
            self._colours.addButton(b)
            bar.addWidget(b)
        bar.addStretch(1)
        self.undo_button = QToolButton(self)
        self.undo_button.setText("Undo")
        self.undo_button.setToolTip("Undo (Ctrl+Z)")
        self.undo_button.setAccessibleName("Undo")
        self.undo_button.clicked.connect(self.undo)
        self.redo_button = QToolButton(self)
        self.redo_button.setText("Redo")
        self.redo_button.setToolTip("Redo (Ctrl+Y)")
        self.redo_button.setAccessibleName("Redo")
        self.redo_button.clicked.connect(self.redo)
        self.clear_button = QToolButton(self)
        self.clear_button.setText("Clear")
        self.clear_button.setAccessibleName("Clear the whiteboard")
        self.clear_button.clicked.connect(self.clear)
        for b in (self.undo_button, self.redo_button, self.clear_button):
            bar.addWidget(b)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addLayout(bar)
        lay.addWidget(self.canvas, 1)

        # Ctrl+Z / Ctrl+Y everywhere, plus the platform's own undo/redo keys; one shortcut
        # per action, since two shortcuts on the same keys cancel each other out.
        redo_keys = QKeySequence.keyBindings(QKeySequence.StandardKey.Redo)
        if QKeySequence("Ctrl+Y") not in redo_keys:
            redo_keys.append(QKeySequence("Ctrl+Y"))
        for keys, slot in (
            (QKeySequence.keyBindings(QKeySequence.StandardKey.Undo), self.undo),
            (redo_keys, self.redo),
        ):
            sc = QShortcut(self)
            sc.setKeys(keys)
            sc.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            sc.activated.connect(slot)
        self._sync_buttons()

        self._timer = QTimer(self)
        self._timer.setInterval(int(autosave_s * 1000))
        self._timer.timeout.connect(self.autosave)
        self._timer.start()
        if restore:
            self._runner.run(
                lambda: load_strokes(self.folder),
                self._on_restored,
                self._on_restore_failed,
                owner=self,
            )

    # --- tools ------------------------------------------------------------------------------
    def set_tool(self, tool: str) -> None:
        self.canvas._finish_text()
        self.canvas.tool = tool
        for b, (name, _) in zip(self._tools.buttons(), TOOL_LABELS, strict=True):
            b.setChecked(name == tool)

    def set_colour(self, hexcode: str) -> None:
        self.canvas.color = hexcode

    def undo(self) -> None:
        if self.model.undo():
            self.canvas.update()
        self._sync_buttons()

    def redo(self) -> None:
        if self.model.redo():
            self.canvas.update()
        self._sync_buttons()

    def clear(self) -> None:
        self.model.clear()
        self.canvas.update()
        self._sync_buttons()

    def _sync_buttons(self) -> None:
        self.undo_button.setEnabled(self.model.can_undo())
        self.redo_button.setEnabled(self.model.can_redo())

    # --- restore and autosave ---------------------------------------------------------------
    def _on_restored(self, model: WhiteboardModel) -> None:
        if self.model.revision == 0 and not self.model.strokes:
            model.set_page(self.model.page)
            self.model = model
            self._autosaver = Autosaver(model)
            self._autosaver.mark_saved(model.revision)
            self.canvas.set_model(model)
            self._sync_buttons()
        self.restored.emit()

    def _on_restore_failed(self, e: BaseException) -> None:
        log.warning("whiteboard restore failed: %s", e)
        self.restored.emit()

    def set_question(self, index: int) -> None:
        """At a question change: save the board of the question that ends, then switch page."""
        if index == self.model.page:
            return
        if self.model.strokes:
            self.save_snapshot()
        self.model.set_page(index)
        self.canvas.update()
        self._sync_buttons()
        self.autosave()

    def autosave(self) -> None:
        """Writes strokes.json on a worker when something changed since the last write."""
        if self._saving:
            return
        pending = self._autosaver.pending()
        if pending is None:
            return
        revision, snapshot = pending
        self._saving = True

        def done(path: Path) -> None:
            self._saving = False
            self._autosaver.mark_saved(revision)
            self.saved.emit(str(path))

        def failed(e: BaseException) -> None:
            self._saving = False
            log.error("whiteboard autosave failed: %s", e)

        self._runner.run(lambda: save_strokes(self.folder, snapshot), done, failed, owner=self)

    def save_snapshot(self) -> Path:
        """Renders the board now and writes the PNG on a worker. Returns the path it will have."""
        question = self.model.page + 1
        n = self._snapshots.get(question, 0) + 1
        self._snapshots[question] = n
        path = self.folder / snapshot_name(question, n)
        image = self.canvas.render_image()

        def write() -> Path:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(path.name + ".part.png")
            if not image.save(str(tmp), "PNG"):
                raise OSError(f"could not write {path}")
            tmp.replace(path)
            return path

        self._runner.run(write, lambda p: self.snapshot_saved.emit(str(p)), owner=self)
        return path

    def flush(self) -> None:
        """At the end of the interview or on close: snapshot and strokes, now."""
        if self.model.strokes:
            self.save_snapshot()
        self.autosave()

    def stop(self) -> None:
        self._timer.stop()
