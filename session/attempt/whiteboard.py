"""The whiteboard as vector strokes, Qt-free, plus its autosave to ``whiteboard/strokes.json``.

The widget in ``ui/widgets/whiteboard.py`` draws these strokes and renders PNG snapshots;
this module only knows points, colours and JSON, so it can be tested headless and
restored after a crash.
One page of strokes per question (keyed by question index).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from session.runtime.atomic_file import write_bytes_atomic

log = logging.getLogger(__name__)

SCHEMA_VERSION = 1
TOOLS = ("pen", "eraser", "line", "rect", "text")
STROKES_FILE = "strokes.json"


@dataclass(frozen=True, slots=True)
class Stroke:
    """One pen path, eraser path, line, rectangle (two corner points) or text (one point)."""

    tool: str
    color: str  # "#rrggbb"
    width: float
    points: tuple[tuple[float, float], ...]
    text: str = ""

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "tool": self.tool,
            "color": self.color,
            "width": self.width,
            "points": [[round(x, 1), round(y, 1)] for x, y in self.points],
        }
        if self.text:
            d["text"] = self.text
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Stroke:
        tool = str(d["tool"])
        if tool not in TOOLS:
            raise ValueError(f"unknown tool {tool!r}")
        points = tuple((float(p[0]), float(p[1])) for p in d["points"])
        return cls(tool, str(d["color"]), float(d["width"]), points, str(d.get("text", "")))


@dataclass
class _Page:
    strokes: list[Stroke] = field(default_factory=list)
    undo: list[list[Stroke]] = field(default_factory=list)
    redo: list[list[Stroke]] = field(default_factory=list)


class WhiteboardModel:
    """Strokes per page with undo/redo. ``revision`` grows on every change, so an autosave
    can tell whether anything changed since it last wrote."""

    MAX_UNDO = 200

    def __init__(self) -> None:
        self._pages: dict[int, _Page] = {0: _Page()}
        self.page = 0
        self.revision = 0

    # --- editing the current page -------------------------------------------------------
    @property
    def strokes(self) -> list[Stroke]:
        return list(self._pages[self.page].strokes)

    def _change(self, new: list[Stroke]) -> None:
        p = self._pages[self.page]
        p.undo.append(p.strokes)
        del p.undo[: -self.MAX_UNDO]
        p.redo.clear()
        p.strokes = new
        self.revision += 1

    def add(self, stroke: Stroke) -> None:
        self._change([*self._pages[self.page].strokes, stroke])

    def clear(self) -> None:
        if self._pages[self.page].strokes:
            self._change([])

    def can_undo(self) -> bool:
        return bool(self._pages[self.page].undo)

    def can_redo(self) -> bool:
        return bool(self._pages[self.page].redo)

    def undo(self) -> bool:
        p = self._pages[self.page]
        return self._restore(p, p.undo, p.redo)

    def redo(self) -> bool:
        p = self._pages[self.page]
        return self._restore(p, p.redo, p.undo)

    def _restore(self, p: _Page, take: list[list[Stroke]], keep: list[list[Stroke]]) -> bool:
        """The page's strokes become the last ones saved in ``take``; the current ones go
        to ``keep``. False when ``take`` is empty."""
        if not take:
            return False
        keep.append(p.strokes)
        p.strokes = take.pop()
        self.revision += 1
        return True

    # --- pages ----------------------------------------------------------------------------
    def set_page(self, page: int) -> None:
        """Switches to the page of question ``page`` (created empty when new)."""
        self._pages.setdefault(page, _Page())
        if page != self.page:
            self.page = page
            self.revision += 1

    def pages(self) -> list[int]:
        return sorted(self._pages)

    def page_strokes(self, page: int) -> list[Stroke]:
        p = self._pages.get(page)
        return list(p.strokes) if p else []

    # --- JSON -----------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        return {
            "version": SCHEMA_VERSION,
            "current_page": self.page,
            "pages": {
                str(k): [s.to_dict() for s in p.strokes]
                for k, p in sorted(self._pages.items())
                if p.strokes or k == self.page
            },
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> WhiteboardModel:
        if int(d.get("version", 0)) > SCHEMA_VERSION:
            raise ValueError(f"strokes file version {d.get('version')} is newer than this app")
        m = cls()
        m._pages = {
            int(k): _Page([Stroke.from_dict(s) for s in v]) for k, v in d.get("pages", {}).items()
        }
        m.page = int(d.get("current_page", 0))
        m._pages.setdefault(m.page, _Page())
        return m


def save_strokes(folder: Path, snapshot: dict[str, Any]) -> Path:
    """Writes a ``WhiteboardModel.to_dict()`` snapshot to ``folder/strokes.json`` atomically.
    Safe to call from a worker thread: the snapshot is plain data."""
    path = Path(folder) / STROKES_FILE
    write_bytes_atomic(path, json.dumps(snapshot, separators=(",", ":")).encode("utf-8"))
    return path


def load_strokes(folder: Path) -> WhiteboardModel:
    """The saved whiteboard, or an empty one when there is none. A damaged file is logged and
    kept aside (``strokes.json.damaged``) rather than crashing the interview."""
    path = Path(folder) / STROKES_FILE
    if not path.exists():
        return WhiteboardModel()
    try:
        return WhiteboardModel.from_dict(json.loads(path.read_text(encoding="utf-8")))
    except (ValueError, KeyError, TypeError, IndexError, OSError) as e:
        log.warning("whiteboard file %s could not be read (%s); starting empty", path, e)
        with contextlib.suppress(OSError):
            os.replace(path, path.with_name(STROKES_FILE + ".damaged"))
        return WhiteboardModel()


def snapshot_name(question: int, n: int) -> str:
    """File name of the n-th PNG snapshot of question ``question`` (1-based question)."""
    return f"snapshot-{question}-{n}.png"


class Autosaver:
    """Decides when the whiteboard needs writing: only when the model changed since the last
    save. The caller does the writing (on a worker) and reports back with ``saved``."""

    def __init__(self, model: WhiteboardModel) -> None:
        self.model = model
        self._saved_revision = -1

    def pending(self) -> tuple[int, dict[str, Any]] | None:
        """(revision, snapshot) to write, or None when nothing changed since the last save."""
        if self.model.revision == self._saved_revision:
            return None
        return self.model.revision, self.model.to_dict()

    def mark_saved(self, revision: int) -> None:
        self._saved_revision = revision
