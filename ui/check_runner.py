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
import shutil
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal

from session import paths
from ui.bridge import Bridge, TaskRunner
from ui.workers import SourcePump, register

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


class HeardWorker:
    """Turns the checks page's microphone blocks into text ("We heard: ...") with the live
    captioner, on its own thread so the level meter never waits for Whisper. Without the
    speech models it quietly does nothing: the level result still shows."""

    def __init__(self, on_text: Callable[[str], None], every_s: float = 1.0) -> None:
        self._on_text = on_text
        self._every = every_s
        self._q: queue.Queue[Any] = queue.Queue(maxsize=400)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="heard-worker", daemon=False)

    def start(self) -> HeardWorker:
        register(self)
        self._thread.start()
        return self

    def request_stop(self) -> None:
        self._stop.set()

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

    def stop(self, timeout: float = 2.0) -> bool:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout)
        return not self._thread.is_alive()


class CheckRunner(QObject):
    """Owns the check workers for one visit of the checks page. ``start()`` / ``stop()``.

    Signals (GUI thread): ``result(Result)``, ``frame(VideoFrame, faces)``, ``level(dB)``,
    ``thumbnail(object)`` (screen-share thumbnail, BGR array), ``speaker_played()``.
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
        self.bridge.error.connect(lambda r: self.result.emit(r))
        self.heard = self.bridge.heard
        self._pumps: list[SourcePump] = []
        self._heard: HeardWorker | None = None
        self._speaker_check: Any = None
        self._lock = threading.Lock()

    # --- life cycle -------------------------------------------------------------------------
    def start(self) -> None:
        self.stop(0.5)
        self._start_camera()
        self._start_microphone()
        self._run_once("disk", self._disk)
        if self.settings.backend_url:
            self._run_once("network", self._network)
        if self.settings.need_screen:
            self._run_once("screen", self._screen)

    def stop(self, timeout: float = 2.0) -> bool:
        """Stops every worker, each within ``timeout``; idempotent."""
        ok = True
        pumps, self._pumps = self._pumps, []
        for p in pumps:
            ok = p.stop(timeout) and ok
        heard, self._heard = self._heard, None
        if heard is not None:
            ok = heard.stop(timeout) and ok
        return ok

    def active(self) -> bool:
        return bool(self._pumps) or self._heard is not None

    def _post_result(self, r: Any) -> None:
        self.bridge.post("error", Result.of(r))

    # --- camera and face --------------------------------------------------------------------
    def _start_camera(self) -> None:
        try:
            from capture.camera import CameraSource
            from session.checks import FaceCheck
        except ImportError as e:
            self.result.emit(_device_failure("camera", e))
            return
        clock = self.settings.clock
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
        try:
            if _is_source(src):
                source = src
            else:
                source = CameraSource(src, clock) if clock else CameraSource(src)
        except Exception as e:  # bad source description: say so on the camera row
            self.result.emit(_device_failure("camera", e))
            return
        face = FaceCheck()
        first = [True]

        def on_frame(frame: Any) -> None:
            if first[0]:
                first[0] = False
                info = source.info()
                self._post_result(Result("camera", True, True, f"{info.name} is working.", "", {}))
            r = face.update(frame)
            data = getattr(r, "data", None) or {}
            self.bridge.post("frame", frame, data.get("faces") or data.get("boxes") or [])
            self._post_result(r)

        def on_error(e: BaseException) -> None:
            self._post_result(_device_failure("camera", e))

        self._pumps.append(SourcePump(source, on_frame, on_error, "camera-check").start())

    # --- microphone -------------------------------------------------------------------------
    def _start_microphone(self) -> None:
        try:
            from capture.microphone import open_microphone
            from session.checks import MicrophoneCheck
        except ImportError as e:
            self.result.emit(_device_failure("microphone", e))
            return
        try:
            src = self.settings.mic
            if _is_source(src):
                source = src
            else:
                source = open_microphone(src, self.settings.clock or time.monotonic, 0.1)
        except Exception as e:
            self.result.emit(_device_failure("microphone", e))
            return
        mic = MicrophoneCheck()
        heard = None
        if self.settings.transcribe:
            heard = HeardWorker(lambda text: self.bridge.post("heard", text)).start()
            self._heard = heard

        def on_block(block: Any) -> None:
            if heard is not None:
                heard.feed(block)
            r = mic.update(block)
            data = getattr(r, "data", None) or {}
            db = data.get("level_dbfs", data.get("rms_db", data.get("level_db")))
            if db is not None:
                self.bridge.post("level", float(db))
            self._post_result(r)

        def on_error(e: BaseException) -> None:
            self._post_result(_device_failure("microphone", e))

        self._pumps.append(SourcePump(source, on_block, on_error, "mic-check").start())

    # --- speaker ----------------------------------------------------------------------------
    def play_test_sound(self) -> None:
        def play() -> Any:
            from session.checks import SpeakerCheck

            with self._lock:
                if self._speaker_check is None:
                    self._speaker_check = _make(SpeakerCheck, device=self.settings.speaker)
                check = self._speaker_check
            return _call_first(check, ("play", "start", "run"))

        def failed(e: BaseException) -> None:
            self.result.emit(
                _device_failure("speaker", e)
                if getattr(e, "fix", "")
                else Result(
                    "speaker",
                    False,
                    True,
                    f"The test sound could not be played ({e}).",
                    "Plug in speakers or headphones, turn the volume up, then try again.",
                )
            )

        self._runner.run(play, lambda _r: self.speaker_played.emit(), failed)

    def confirm_speaker(self, heard: bool) -> None:
        check = self._speaker_check
        if check is not None:
            self.result.emit(Result.of(check.confirm(heard)))
            return
        self.result.emit(
            Result(
                "speaker",
                heard,
                True,
                "You heard the test sound." if heard else "You did not hear the test sound.",
                ""
                if heard
                else "Turn the volume up, unmute, choose the right output, then play it again.",
            )
        )

    # --- one-shot checks --------------------------------------------------------------------
    def _run_once(self, name: str, fn: Callable[[], Any]) -> None:
        def done(r: Any) -> None:
            r = Result.of(r)
            if r.data.get("thumbnail") is not None:
                self.thumbnail.emit(r.data["thumbnail"])
            self.result.emit(r)

        self._runner.run(
            fn, done, lambda e: self.result.emit(_device_failure(name, e, name != "network"))
        )

    def _disk(self) -> Any:
        try:
            from session.checks import DiskCheck
        except ImportError:
            folder = self.settings.data_dir or paths.data_dir()
            free_gb = shutil.disk_usage(folder).free / 1e9
            ok = free_gb >= 2.0
            return Result(
                "disk",
                ok,
                True,
                f"{free_gb:.1f} GB free.",
                "" if ok else "Free at least 2 GB of disk space, then press Check again.",
            )
        folder = self.settings.data_dir or paths.data_dir()
        return _call_first(_make(DiskCheck, folder=folder, path=folder), ("run", "check"))

    def _network(self) -> Any:
        from session.checks import NetworkCheck

        check = NetworkCheck(self.settings.backend_url, self.settings.min_mbps)
        return _call_first(check, ("run", "check"))

    def _screen(self) -> Any:
        from session.checks import ScreenCheck

        return _call_first(_make(ScreenCheck), ("run", "check"))


def _is_source(x: Any) -> bool:
    return all(callable(getattr(x, m, None)) for m in ("open", "read", "close"))


def _make(cls: type, **kwargs: Any) -> Any:
    """Builds a check, passing only the keyword arguments its constructor accepts."""
    import inspect

    try:
        params = inspect.signature(cls).parameters
    except (TypeError, ValueError):
        return cls()
    return cls(**{k: v for k, v in kwargs.items() if k in params and v is not None})


def _call_first(obj: Any, names: tuple[str, ...]) -> Any:
    for n in names:
        fn = getattr(obj, n, None)
        if callable(fn):
            return fn()
    raise AttributeError(f"{type(obj).__name__} has none of {names}")
