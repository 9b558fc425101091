"""The finish page: thanks, what was recorded, the upload's progress (bytes, rate, time left)
and then the receipt the backend sent back (which files it verified)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from session.attempt.gaps import describe_gaps

COMPLETE = "Thank you \u2014 the interview is complete"
SAVED = "Thank you \u2014 your interview is saved"


def fmt_bytes(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if abs(n) < 1000 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    return f"{n:.1f} GB"


def fmt_eta(s: float | None) -> str:
    if s is None or not math.isfinite(s) or s < 0:  # unknown (inf/NaN) at the first chunk
        return "estimating time left"
    s = round(s)
    if s < 60:
        return f"about {s} s left"
    if s < 3600:
        return f"about {s // 60} min {s % 60:02d} s left"
    return f"about {s // 3600} h {s % 3600 // 60:02d} min left"


class FinishPage(QWidget):
    """``show_summary(summary)``, ``set_progress(sent, total, rate_bps, eta_s)``,
    ``show_receipt(receipt)``, ``show_upload_problem(text)``, ``show_practice()``.
    ``done_requested`` when the candidate presses Close / Done."""

    done_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("finishPage")
        self.title = QLabel(COMPLETE, self)
        self.title.setObjectName("pageTitle")
        self.title.setWordWrap(True)
        self._gaps_text = ""  # what the recording is missing, from the summary
        self.summary = QLabel("", self)
        self.summary.setWordWrap(True)
        self.summary.setObjectName("finishSummary")
        self.upload_title = QLabel("Sending your interview", self)
        self.upload_title.setObjectName("sectionTitle")
        self.bar = QProgressBar(self)
        self.bar.setRange(0, 1000)
        self.bar.setValue(0)
        self.bar.setTextVisible(True)
        self.bar.setFormat("%p%")
        self.bar.setAccessibleName("Upload progress")
        self.upload_detail = QLabel("Waiting to start\u2026", self)
        self.upload_detail.setObjectName("uploadDetail")
        self.upload_detail.setWordWrap(True)
        self.upload_hint = QLabel(
            "You can keep this window open until it finishes. If you close the app, the "
            "upload continues the next time you open it; nothing is lost.",
            self,
        )
        self.upload_hint.setWordWrap(True)
        self.upload_hint.setObjectName("hint")
        self.receipt = QLabel("", self)
        self.receipt.setWordWrap(True)
        self.receipt.setObjectName("receipt")
        self.receipt.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.receipt.hide()
        self.done_button = QPushButton("&Done", self)
        self.done_button.setObjectName("primary")
        self.done_button.clicked.connect(self.done_requested)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(48, 36, 48, 36)
        lay.setSpacing(12)
        lay.addStretch(1)  # the block sits a little above the middle, not glued to the top
        lay.addWidget(self.title)
        lay.addWidget(self.summary)
        lay.addSpacing(16)
        lay.addWidget(self.upload_title)
        lay.addWidget(self.bar)
        lay.addWidget(self.upload_detail)
        lay.addWidget(self.upload_hint)
        lay.addWidget(self.receipt)
        lay.addStretch(2)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.done_button)
        lay.addLayout(row)

    def show_summary(self, summary: Any) -> None:
        """``summary``: the engine's summary (mapping or object: questions answered, count,
        duration_s, reason)."""
        get = (
            summary.get
            if isinstance(summary, Mapping)
            else lambda k, d=None: getattr(summary, k, d)
        )
        answered = get("answered", get("questions_answered"))
        if isinstance(answered, (list, tuple)):
            answered = len(answered)
        spoken = get("answered_with_words")  # questions moved on from with words heard
        silent = answered - spoken if isinstance(spoken, int) and answered else 0
        if isinstance(spoken, int):
            answered = spoken
        count = get("count", get("question_count"))
        duration = get("duration_s")
        parts = []
        if answered is not None and count:
            parts.append(f"You answered {answered} of {count} questions")
        if duration:
            parts.append(f"in {int(duration) // 60} min {int(duration) % 60:02d} s")
        text = " ".join(parts) + ("." if parts else "")
        if silent:
            text += f" {_plural(silent, 'question')} ended with nothing said."
        self._gaps_text = describe_gaps(list(get("recording_gaps") or []))
        if self._gaps_text:
            text += f" {self._gaps_text}"
        # "complete" only for an interview that ran to its end with nothing missing
        ended_early = get("reason") in ("ended_by_candidate", "stopped", "finished_as_is")
        self.title.setText(SAVED if ended_early or self._gaps_text else COMPLETE)
        if get("reason") == "ended_by_candidate":
            text += " You ended the interview early; your answers so far are kept."
        elif get("reason") == "time_up":
            text += " The time for the interview ran out; your answers are kept."
        self.summary.setText(text.strip() or "Your interview is saved on this computer.")

    def show_practice(self) -> None:
        self.title.setText("Well done \u2014 the practice interview is complete")
        self.upload_title.setText("Practice interviews stay on this computer")
        self.bar.hide()
        self.upload_detail.setText("Nothing is sent: practice interviews are never shared.")
        self.upload_hint.hide()

    def set_progress(self, sent: int, total: int, rate_bps: float, eta_s: float) -> None:
        frac = sent / total if total else 0.0
        self.bar.setValue(int(frac * 1000))
        self.bar.setFormat(f"{frac * 100:.0f}%")
        rate = f"{fmt_bytes(rate_bps)}/s" if rate_bps and rate_bps > 0 else "starting"
        left = fmt_eta(eta_s) if sent < total else "finishing"
        text = f"{fmt_bytes(sent)} of {fmt_bytes(total)} \u00b7 {rate} \u00b7 {left}"
        self.upload_detail.setText(text)
        self.bar.setAccessibleDescription(text)

    def show_upload_problem(self, text: str) -> None:
        self.upload_detail.setText(
            f"{text} Your interview is safe on this computer; we will keep trying."
        )

    def show_receipt(self, receipt: Mapping[str, Any]) -> None:
        """The backend's confirmation: per-file checksums it verified."""
        self.bar.setValue(1000)
        self.bar.setFormat("100%")
        self.upload_title.setText("Sent and confirmed")
        self.upload_hint.hide()
        files = receipt.get("files") or []
        if isinstance(files, Mapping):
            files = [{"name": k, **(v if isinstance(v, Mapping) else {})} for k, v in files.items()]
        lines = []
        for f in files:
            name = f.get("name") or f.get("path") or "file"
            size = f.get("size")
            ok = f.get("verified", f.get("ok", True))
            mark = "\u2713" if ok else "\u2717"
            lines.append(f"{mark} {name}" + (f" ({fmt_bytes(size)})" if size else ""))
        rid = receipt.get("receipt_id") or receipt.get("id") or receipt.get("attempt_id")
        gaps = describe_gaps(list(receipt.get("recording_gaps") or [])) or self._gaps_text
        if gaps:  # every file arrived, but what they hold is not the whole interview
            head = f"The server confirmed it received every file. {gaps}"
        else:
            head = "The server confirmed it received every file intact."
        if rid:
            head += f" Receipt number: {rid}."
        self.upload_detail.setText(head)
        self.receipt.setText("\n".join(lines))
        self.receipt.setVisible(bool(lines))


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"
