"""Runs the device checks off the GUI thread and reports through signals.

Camera frames and microphone blocks are pulled by ``SourcePump`` workers; the incremental
checks (``FaceCheck.update``, ``MicrophoneCheck.update``) run on those workers too, so face
detection never touches the GUI thread. One-shot checks (speaker, screen, network, disk) go
through the ``TaskRunner``. Everything the page sees arrives as a signal on the GUI thread.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal

from session.runtime import paths
from session.runtime.worker import SourcePump, WorkerThread
from ui.qt.bridge import Bridge, TaskRunner

log = logging.getLogger(__name__)


@dataclass
class CheckSettings:
    """What to check. ``camera``/``mic``: device index, name or file path (file-backed
    sources in tests and screenshots), or an already built source (anything with
    ``open``/``read``/``close``); ``speaker``: output device or None for the default."""

    camera: Any = 0
    mic: Any = None
    speaker: str | int | None = None
    need_screen: bool = False
    backend_url: str | None = None
    min_mbps: float = 1.0
    transcribe: bool = True  # show what the mic heard as text (needs the speech models)
    data_dir: Path | None = None
    clock: Callable[[], float] | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Result:
    """The page's view of a check result (``session.checks.CheckResult`` has the same
    fields; anything with them is accepted)."""

    name: str
    ok: bool
    required: bool
    detail: str = ""
    fix: str = ""
    data: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def of(cls, r: Any) -> Result:
        if isinstance(r, Result):
            return r
        return cls(
            str(r.name),
            bool(r.ok),
            bool(getattr(r, "required", True)),
            str(getattr(r, "detail", "") or ""),
            str(getattr(r, "fix", "") or ""),
            dict(getattr(r, "data", None) or {}),
        )


def _device_failure(name: str, e: BaseException, required: bool = True) -> Result:
    fix = getattr(e, "fix", "") or {
        "camera": "Plug in a camera, close other apps that use it, then press Check again.",
        "microphone": "Plug in a microphone, check it is not muted, then press Check again.",
    }.get(name, "Press Check again. If it keeps failing, open Help.")
    return Result(name, False, required, str(e) or type(e).__name__, fix)


class HeardWorker(WorkerThread):
    """Turns the checks page's microphone blocks into text ("We heard: ...") with the live
    captioner, on its own thread so the level meter never waits for Whisper. Without the
    speech models it quietly does nothing: the level result still shows."""

    def __init__(self, on_text: Callable[[str], None], every_s: float = 1.0) -> None:
        super().__init__("heard-worker")
        self._on_text = on_text
        self._every = every_s
        self._q: queue.Queue[Any] = queue.Queue(maxsize=400)

    def feed(self, block: Any) -> None:
        # When the captioner falls behind, drop audio rather than block the mic.
        with contextlib.suppress(queue.Full):
            self._q.put_nowait(block)

    def _run(self) -> None:
        try:
            from speech.captioner import StreamingCaptioner
            from speech.models import load_whisper

            captioner = StreamingCaptioner(load_whisper())
        except Exception as e:  # no models in this build: the level result is enough
            log.info("no transcript on the checks page: %s", e)
            return
        last, shown = time.monotonic(), ""
        while not self._stop.is_set():
            try:
                block = self._q.get(timeout=0.2)
            except queue.Empty:
                continue
            captioner.insert_audio(block.samples, block.t)
            if time.monotonic() - last < self._every:
                continue
            last = time.monotonic()
            update = captioner.process()
            text = " ".join(t for t in (captioner.committed_text, update.tentative_text) if t)
            if text and text != shown:
                shown = text
                self._on_text(text)


class LatestFrameWorker(WorkerThread):
    """Runs a slow per-frame job (face detection) on its own thread, always on the newest
    frame: the preview stays smooth while detection takes what time it needs."""

    def __init__(self, job: Callable[[Any], None], name: str = "face-check") -> None:
        super().__init__(name)
        self._job = job
        self._cond = threading.Condition()
        self._frame: Any = None

    def offer(self, frame: Any) -> None:
        with self._cond:
            self._frame = frame
            self._cond.notify()

    def _run(self) -> None:
        while not self._stop.is_set():
            with self._cond:
                if self._frame is None:
                    self._cond.wait(0.2)
                frame, self._frame = self._frame, None
            if frame is not None and not self._stop.is_set():
                self._job(frame)

    def request_stop(self) -> None:
        super().request_stop()
        with self._cond:
            self._cond.notify()


STILL_IMAGE = (".png", ".jpg", ".jpeg", ".bmp", ".webp", ".tif", ".tiff")


class CheckRunner(QObject):
    """Owns the check workers for one visit of the checks page. ``start()`` / ``stop()``.

    Signals (GUI thread): ``result(Result)``, ``frame(VideoFrame, boxes)``, ``level(dB)``,
    ``heard(text)``, ``thumbnail(BGR array)`` (screen share), ``speaker_played()``.
    """

    result = Signal(object)
    thumbnail = Signal(object)
    speaker_played = Signal()

    def __init__(
        self, settings: CheckSettings, runner: TaskRunner, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.settings = settings
        self._runner = runner
        self.bridge = Bridge(self)
        self.frame = self.bridge.frame
        self.level = self.bridge.level
        self.heard = self.bridge.heard
        self.bridge.error.connect(lambda r: self.result.emit(r))
        self._workers: list[Any] = []
        self._speaker_check: Any = None
        self._speaker: Any = None
        self._lock = threading.Lock()

    # --- life cycle -------------------------------------------------------------------------
    def start(self) -> None:
        """Starts the checks; a running set is stopped first, on a worker (a real camera
        opens only once its previous user let go of it)."""
        old, self._workers = self._workers, []
        if not old:
            self._start_all()
            return

        def stop_old() -> None:
            for w in old:
                w.request_stop()
            for w in old:
                w.stop(2.0)

        self._runner.run(
            stop_old, lambda _r: self._start_all(), lambda _e: self._start_all(), owner=self
        )

    def _start_all(self) -> None:
        self._start_camera()
        self._start_microphone()
        self._run_once("disk", self._disk)
        if self.settings.backend_url:
            self._run_once("network", self._network)
        if self.settings.need_screen:
            self._run_once("screen", self._screen)

    def stop(self, timeout: float = 2.0) -> bool:
        """Stops every worker, each within ``timeout``; idempotent; safe from any thread."""
        ok = True
        workers, self._workers = self._workers, []
        for w in workers:
            w.request_stop()
        for w in workers:
            ok = w.stop(timeout) and ok
        with self._lock:
            speaker, self._speaker = self._speaker, None
        if speaker is not None:
            with contextlib.suppress(Exception):
                speaker.close()
        return ok

    def active(self) -> bool:
        return bool(self._workers)

    def _post_result(self, r: Any) -> None:
        self.bridge.post("error", Result.of(r))

    # --- camera and face --------------------------------------------------------------------
    def _start_camera(self) -> None:
        from session import assemble
        from session.checks import CameraCheck, FaceCheck

        src = self.settings.camera
        if src is None:
            self.result.emit(
                Result(
                    "camera",
                    False,
                    True,
                    "No camera was found on this computer.",
                    "Plug in a camera (or open the laptop lid), then press Check again.",
                )
            )
            return
        if _is_source(src):
            source = src
        else:
            source = assemble.camera(src, self.settings.clock or time.monotonic)
        still = isinstance(src, str) and src.lower().endswith(STILL_IMAGE)
        camera = CameraCheck(still_ok=still)
        face = FaceCheck()
        boxes: list[list[int]] = []

        def detect(frame: Any) -> None:
            r = face.update(frame)
            boxes[:] = r.data.get("boxes", [])
            self._post_result(r)

        faces = LatestFrameWorker(detect).start()
        self._workers.append(faces)

        def on_frame(frame: Any) -> None:
            self._post_result(camera.update(frame))
            self.bridge.post("frame", frame, list(boxes))
            faces.offer(frame)

        def on_error(e: BaseException) -> None:
            self._post_result(_device_failure("camera", e))

        self._workers.append(SourcePump(source, on_frame, on_error, "camera-check").start())

    # --- microphone -------------------------------------------------------------------------
    def _start_microphone(self) -> None:
        from session import assemble
        from session.checks import MicrophoneCheck

        src = self.settings.mic
        if _is_source(src):
            source = src
        else:
            source = assemble.microphone(src, self.settings.clock or time.monotonic)
        mic = MicrophoneCheck()
        heard = None
        if self.settings.transcribe:
            heard = HeardWorker(lambda text: self.bridge.post("heard", text)).start()
            self._workers.append(heard)

        def on_block(block: Any) -> None:
            if heard is not None:
                heard.feed(block)
            r = mic.update(block)
            db = r.data.get("level_dbfs")
            self.bridge.post("level", float(db) if db is not None else -90.0)
            self._post_result(r)

        def on_error(e: BaseException) -> None:
            self._post_result(_device_failure("microphone", e))

        self._workers.append(SourcePump(source, on_block, on_error, "mic-check").start())

    # --- speaker ----------------------------------------------------------------------------
    def play_test_sound(self) -> None:
        """Plays the chime on a worker; ``speaker_played`` follows (or a failed result)."""

        def play() -> Any:
            from session import assemble
            from session.checks import SpeakerCheck

            with self._lock:
                if self._speaker is None:
                    self._speaker = assemble.speaker(self.settings.speaker)
                if self._speaker_check is None:
                    self._speaker_check = SpeakerCheck()
                speaker, check = self._speaker, self._speaker_check
            return check.start(speaker)

        def done(r: Any) -> None:
            r = Result.of(r)
            if r.ok or r.data.get("pending"):
                self.speaker_played.emit()
            else:
                self.result.emit(r)

        self._runner.run(
            play, done, lambda e: self.result.emit(_device_failure("speaker", e)), owner=self
        )

    def confirm_speaker(self, heard: bool) -> None:
        check = self._speaker_check
        if check is None:
            return
        self.result.emit(Result.of(check.confirm(heard)))

    # --- one-shot checks --------------------------------------------------------------------
    def _run_once(self, name: str, fn: Callable[[], Any]) -> None:
        def done(r: Any) -> None:
            r = Result.of(r)
            if r.data.get("thumbnail") is not None:
                self.thumbnail.emit(r.data["thumbnail"])
            self.result.emit(r)

        self._runner.run(
            fn,
            done,
            lambda e: self.result.emit(_device_failure(name, e, name != "network")),
            owner=self,
        )

    def _disk(self) -> Any:
        from session.checks import check_disk

        return check_disk(self.settings.data_dir or paths.data_dir())

    def _network(self) -> Any:
        from session.checks import check_network

        return check_network(str(self.settings.backend_url), self.settings.min_mbps)

    def _screen(self) -> Any:
        from session.checks import check_screen

        return check_screen()


def _is_source(x: Any) -> bool:
    return all(callable(getattr(x, m, None)) for m in ("open", "read", "close"))
