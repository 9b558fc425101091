"""The checks fed by a stream: camera and face on one camera, the microphone (and what it
heard). Each pulls its source on a ``SourcePump`` and says, through ``settled``, when a
one-shot run has seen enough to give its verdict; a live run ignores that and keeps going."""

from __future__ import annotations

import threading
import time

from capture.faces import FaceDetector
from capture.types import AUDIO_RATE, AudioBlock, Source, VideoFrame
from session.checks.camera import CameraCheck
from session.checks.face import FaceCheck
from session.checks.heard import HeardWorker
from session.checks.listener import Boxes, CheckListener
from session.checks.microphone import MicrophoneCheck
from session.checks.result import CheckResult, device_failed
from session.checks.workers import LatestFrameWorker
from session.runtime.worker import SourcePump, WorkerThread

# One-shot: frames enough to judge either way (a frozen or faceless picture won't improve).
FACE_FRAMES_ENOUGH = 8


class CameraStream:
    """Camera check on every frame (on the pump), face detection on the newest frame (on its
    own worker, so the preview stays smooth)."""

    def __init__(
        self,
        source: Source[VideoFrame],
        listener: CheckListener,
        *,
        still: bool = False,
        detector: FaceDetector | None = None,
    ) -> None:
        self.camera = CameraCheck(still_ok=still)
        self.face = FaceCheck(detector)
        self._out = listener
        self.settled = threading.Event()
        self.error: BaseException | None = None
        self.first_frame_at: float | None = None  # time.monotonic() of the first frame
        self._boxes: Boxes = []
        self._camera_ok = self._face_ok = False
        self._faces: LatestFrameWorker[VideoFrame] = LatestFrameWorker(self._detect)
        self._pump = SourcePump(source, self._on_frame, self._on_error, "camera-check")

    @property
    def workers(self) -> list[WorkerThread]:
        return [self._pump, self._faces]

    def start(self) -> None:
        self._faces.start()
        self._pump.start()

    def _on_frame(self, frame: VideoFrame) -> None:
        if self.first_frame_at is None:
            self.first_frame_at = time.monotonic()
        r = self.camera.update(frame)
        self._camera_ok = r.ok
        self._out.result(r)
        self._out.frame(frame, list(self._boxes))
        self._faces.offer(frame)
        self._judge()

    def _detect(self, frame: VideoFrame) -> None:
        r = self.face.update(frame)
        self._boxes = r.data.get("boxes", [])
        self._face_ok = r.ok
        self._out.result(r)
        self._judge()

    def _judge(self) -> None:
        enough = (
            self.camera.frames >= 2 * self.camera.min_frames
            and self.face.frames >= FACE_FRAMES_ENOUGH
        )
        if (self._camera_ok and self._face_ok) or enough:
            self.settled.set()

    def _on_error(self, e: BaseException) -> None:
        self.error = e
        self._out.result(device_failed("camera", e))
        self.settled.set()

    def verdict(self) -> list[CheckResult]:
        """Camera and face, once the workers stopped."""
        if self.error is not None:
            if self.face.frames:
                face = self.face.finish()
            else:
                fix = getattr(self.error, "fix", "")
                face = CheckResult("face", False, True, "No camera picture", fix)
            return [device_failed("camera", self.error), face]
        return [self.camera.finish(), self.face.finish()]


class MicrophoneStream:
    """The microphone check on every block, with the level for the meter; ``transcribe``
    also shows the words heard (on a worker of their own). A one-shot run settles once
    speech was heard or ``seconds`` of audio went by."""

    def __init__(
        self,
        source: Source[AudioBlock],
        listener: CheckListener,
        *,
        transcribe: bool = False,
        seconds: float = 3.0,
    ) -> None:
        self.check = MicrophoneCheck()
        self.source = source
        self._out = listener
        self._seconds = seconds
        self.settled = threading.Event()
        self.error: BaseException | None = None
        self._heard = HeardWorker(listener.heard) if transcribe else None
        self._pump = SourcePump(source, self._on_block, self._on_error, "mic-check")

    @property
    def workers(self) -> list[WorkerThread]:
        return [self._pump] + ([self._heard] if self._heard is not None else [])

    def start(self) -> None:
        if self._heard is not None:
            self._heard.start()
        self._pump.start()

    def load(self) -> None:
        """Loads the VAD now, so a one-shot run's time limit is spent listening."""
        self.check.detector  # noqa: B018

    def _on_block(self, block: AudioBlock) -> None:
        if self._heard is not None:
            self._heard.feed(block)
        r = self.check.update(block)
        db = r.data.get("level_dbfs")
        self._out.level(float(db) if db is not None else -90.0)
        self._out.result(r)
        if r.ok or self.check.samples / AUDIO_RATE >= self._seconds:
            self.settled.set()

    def _on_error(self, e: BaseException) -> None:
        self.error = e
        self._out.result(device_failed("microphone", e))
        self.settled.set()

    @property
    def exhausted(self) -> bool:
        """An audio file played once through has nothing more to say."""
        return bool(getattr(self.source, "exhausted", False))

    def verdict(self) -> CheckResult:
        if self.error is not None:
            return device_failed("microphone", self.error)
        return self.check.finish()
