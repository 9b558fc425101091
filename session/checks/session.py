"""One visit's device checks, without Qt: camera and face, microphone (and what it heard),
speaker, screen, network and disk.

The caller hands over the devices (built by ``session.assemble.check_devices``) and a
listener; the session runs every check on worker threads and reports through the listener.
Live (the checks page): ``start()``, then ``play_test_sound()`` / ``confirm_speaker()`` as the
person answers, until ``stop()``. One-shot (``main.py check``, station probes):
``run_once()`` returns every verdict once each check has one or its time is up.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from capture.faces import FaceDetector
from capture.speaker import NullSpeaker, Speaker
from capture.types import AudioBlock, DeviceError, Source, VideoFrame
from session.checks.listener import CheckListener, Gate, QuietListener
from session.checks.result import CheckResult, device_failed, no_camera
from session.checks.streams import CameraStream, MicrophoneStream
from session.checks.system import SpeakerCheck, check_disk, check_network, check_screen
from session.checks.workers import TaskThread
from session.runtime.worker import WorkerThread

# One-shot time limits beyond ``seconds``: a live microphone takes ~1.5 s to deliver its
# first block; a camera that never sends a picture gets its open timeout (5 s) and a bit.
MIC_START_S = 2.0
CAMERA_START_S = 6.0
TASK_WAIT_S = 30.0  # a network check gives up after 10 s; a screen grab is quick


@dataclass
class CheckDevices:
    """What the checks run on, unopened. ``camera`` None: the computer has none (the camera
    check says so); ``still_camera``: the camera is a still image, so a picture that never
    changes is not "frozen". ``speaker`` builds the output on first use (the chime)."""

    camera: Source[VideoFrame] | None
    microphone: Source[AudioBlock] | None
    speaker: Callable[[], Speaker | NullSpeaker]
    still_camera: bool = False


@dataclass
class CheckPlan:
    """Which checks run. ``speaker`` is for one-shot runs (the chime is played once; live,
    the page plays it on request); ``seconds`` is how long a one-shot run watches and
    listens; ``transcribe`` shows what the microphone heard (needs the speech models)."""

    camera: bool = True
    microphone: bool = True
    speaker: bool = False
    screen: bool = False
    backend_url: str | None = None
    min_mbps: float = 1.0
    disk: bool = True
    data_dir: Path | None = None
    transcribe: bool = False
    seconds: float = 3.0


class CheckSession:
    """Owns the check workers of one visit. Methods may be called from any thread; the
    listener is called on the workers."""

    def __init__(
        self,
        devices: CheckDevices,
        plan: CheckPlan | None = None,
        listener: CheckListener | None = None,
        *,
        detector: FaceDetector | None = None,
    ) -> None:
        self.devices = devices
        self.plan = plan or CheckPlan()
        self._out = Gate(listener or QuietListener())
        self._detector = detector
        self._camera: CameraStream | None = None
        self._mic: MicrophoneStream | None = None
        self._tasks: list[TaskThread[CheckResult]] = []
        self._once: dict[str, CheckResult] = {}  # the one-shot checks' verdicts
        self._lock = threading.Lock()
        self._speaker: Speaker | NullSpeaker | None = None
        self._speaker_check: SpeakerCheck | None = None
        self._started = self._stopped = False

    # --- life cycle -------------------------------------------------------------------------
    def start(self) -> None:
        """Starts every planned check; returns at once."""
        if self._started:
            return
        self._started = True
        plan, devices = self.plan, self.devices
        if plan.camera:
            if devices.camera is None:
                self._out.result(no_camera())
            else:
                self._camera = CameraStream(
                    devices.camera, self._out, still=devices.still_camera, detector=self._detector
                )
                self._camera.start()
        if plan.microphone and devices.microphone is not None:
            if self._mic is None:
                self._mic = self._microphone()
            self._mic.start()
        if plan.screen:
            self._task("screen", check_screen)
        if plan.backend_url:
            url, mbps = plan.backend_url, plan.min_mbps
            self._task("network", lambda: check_network(url, mbps))
        if plan.disk:
            folder = plan.data_dir
            self._task("disk", lambda: check_disk(folder))

    def _microphone(self) -> MicrophoneStream:
        assert self.devices.microphone is not None
        return MicrophoneStream(
            self.devices.microphone,
            self._out,
            transcribe=self.plan.transcribe,
            seconds=self.plan.seconds,
        )

    def stop(self, timeout: float = 2.0) -> bool:
        """Stops the device workers, each within ``timeout``, and releases the speaker;
        idempotent. Nothing is reported after this. True when every device worker ended
        (one-shot jobs still running finish on their own; their results are dropped)."""
        self._stopped = True
        self._out.close()
        workers = self._device_workers()
        for w in workers:
            w.request_stop()
        ok = all([w.stop(timeout) for w in workers])
        with self._lock:
            speaker, self._speaker = self._speaker, None
        if speaker is not None:
            with contextlib.suppress(Exception):  # a broken output must not stop the stop
                speaker.close()
        return ok

    def active(self) -> bool:
        """Started and not stopped yet."""
        return self._started and not self._stopped

    def _device_workers(self) -> list[WorkerThread]:
        streams = [s for s in (self._camera, self._mic) if s is not None]
        return [w for s in streams for w in s.workers]

    # --- one-shot checks (disk, network, screen) -------------------------------------------
    def _task(self, name: str, job: Callable[[], CheckResult]) -> None:
        def done(r: CheckResult) -> None:
            self._once[name] = r
            if r.data.get("thumbnail") is not None:
                self._out.thumbnail(r.data["thumbnail"])
            self._out.result(r)

        def failed(e: Exception) -> None:
            done(device_failed(name, e, name != "network"))

        self._tasks.append(TaskThread(job, done, failed, f"{name}-check").start())

    # --- speaker (live) ---------------------------------------------------------------------
    def play_test_sound(self) -> None:
        """Plays the chime on a worker; ``speaker_played`` follows (or a failed result)."""

        def play() -> CheckResult:
            with self._lock:
                if self._speaker is None:
                    self._speaker = self.devices.speaker()
                if self._speaker_check is None:
                    self._speaker_check = SpeakerCheck()
                speaker, check = self._speaker, self._speaker_check
            return check.start(speaker)

        def done(r: CheckResult) -> None:
            if r.ok or r.pending:
                self._out.speaker_played()
            else:
                self._out.result(r)

        def failed(e: Exception) -> None:
            self._out.result(device_failed("speaker", e))

        self._tasks.append(TaskThread(play, done, failed, "speaker-check").start())

    def confirm_speaker(self, heard: bool) -> None:
        """The person's answer to "did you hear the chime?"."""
        check = self._speaker_check
        if check is not None:
            self._out.result(check.confirm(heard))

    # --- one-shot run -----------------------------------------------------------------------
    def run_once(self, confirm_heard: Callable[[], bool | None] | None = None) -> list[CheckResult]:
        """Every planned check until each has a verdict or its time is up; blocks. Order:
        camera, face, microphone, speaker, screen, network, disk.

        ``confirm_heard`` asks the person whether they heard the chime (None: nobody to ask;
        the speaker check then stays unconfirmed and is not required)."""
        if self.plan.microphone and self.devices.microphone is not None:
            self._mic = self._microphone()
            self._mic.load()
        try:
            self.start()
            self._wait_for_streams()
            out = self._stream_verdicts()
            if self.plan.speaker:
                out.append(self._speaker_once(confirm_heard))
            for t in self._tasks:
                t.stop(TASK_WAIT_S)
            out += [self._once[n] for n in ("screen", "network", "disk") if n in self._once]
            return out
        finally:
            self.stop()

    def _wait_for_streams(self) -> None:
        t0, seconds = time.monotonic(), self.plan.seconds
        cam, mic = self._camera, self._mic
        waiting = [s for s in (cam, mic) if s is not None]
        while waiting:
            now = time.monotonic()
            if cam in waiting and cam is not None:
                late = now >= t0 + seconds + CAMERA_START_S
                if cam.first_frame_at is not None:  # it runs: watch it for ``seconds``
                    late = late or now >= cam.first_frame_at + seconds
                if cam.settled.is_set() or late:
                    waiting.remove(cam)
                    self._stop_workers(cam.workers)  # let go of the camera at once
            if mic in waiting and mic is not None:
                late = now >= t0 + seconds + MIC_START_S
                if mic.settled.is_set() or mic.exhausted or late:
                    waiting.remove(mic)
                    self._stop_workers(mic.workers)
            if waiting:
                time.sleep(0.05)

    @staticmethod
    def _stop_workers(workers: list[WorkerThread]) -> None:
        for w in workers:
            w.request_stop()
        for w in workers:
            w.stop(5.0)

    def _stream_verdicts(self) -> list[CheckResult]:
        out: list[CheckResult] = []
        if self.plan.camera:
            out += self._camera.verdict() if self._camera is not None else [no_camera()]
        if self._mic is not None:
            out.append(self._mic.verdict())
        return out

    def _speaker_once(self, confirm_heard: Callable[[], bool | None] | None) -> CheckResult:
        check = SpeakerCheck(required=confirm_heard is not None)
        try:
            speaker = self.devices.speaker()
            speaker.start()
        except DeviceError as e:
            return device_failed("speaker", e, check.required)
        try:
            r = check.start(speaker)
            if not r.pending:
                return r
            speaker.wait(3.0)
            answer = confirm_heard() if confirm_heard else None
            if answer is None:
                return CheckResult(
                    "speaker",
                    False,
                    False,
                    "Test sound played; nobody confirmed hearing it",
                    "Run the check interactively to confirm by ear.",
                )
            return check.confirm(answer)
        finally:
            speaker.close()
