"""All checks one-shot, for ``main.py check`` and station probes."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

import cv2

from capture.faces import FaceDetector
from capture.types import DeviceError
from session.checks.camera import CameraCheck
from session.checks.face import FaceCheck
from session.checks.microphone import MicrophoneCheck
from session.checks.result import CheckResult, device_failed
from session.checks.system import SpeakerCheck, check_disk, check_network, check_screen


def _run_camera(
    camera_src: str | int | None,
    seconds: float,
    detector: FaceDetector | None,
    clock: Callable[[], float],
) -> list[CheckResult]:
    from capture.camera import CameraSource

    if camera_src is None:
        camera_src = 0
    still = (
        isinstance(camera_src, str)
        and not camera_src.startswith("/dev/")
        and Path(camera_src).is_file()
        and bool(cv2.haveImageReader(camera_src))
    )
    cam_check, face_check = CameraCheck(still_ok=still), FaceCheck(detector)
    source = CameraSource(camera_src, clock=clock)
    try:
        source.open()
    except DeviceError as e:
        failed = device_failed("camera", e)
        return [failed, CheckResult("face", False, True, "No camera picture", e.fix)]
    try:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                frame = source.read(timeout=min(1.0, max(0.05, deadline - time.monotonic())))
            except DeviceError as e:
                return [device_failed("camera", e), face_check.finish()]
            if frame is None:
                continue
            cam = cam_check.update(frame)
            face = face_check.update(frame)
            if cam.ok and face.ok:
                break
            if cam_check.frames >= 2 * cam_check.min_frames and face_check.frames >= 8:
                break  # enough evidence either way
    finally:
        source.close()
    return [cam_check.finish(), face_check.finish()]


def _run_microphone(
    mic_src: str | int | None, seconds: float, clock: Callable[[], float]
) -> CheckResult:
    from capture.microphone import WavFileSource, open_microphone

    source = open_microphone(mic_src, clock=clock)
    if isinstance(source, WavFileSource):
        source.realtime = False  # a file needn't be waited for; judge its first seconds
    try:
        source.open()
    except DeviceError as e:
        return device_failed("microphone", e)
    check = MicrophoneCheck()
    check.detector  # noqa: B018 - load the VAD before the clock starts
    try:
        heard = 0.0
        deadline = time.monotonic() + seconds + 2.0  # a live device needs ~1.5 s to start
        while heard < seconds and time.monotonic() < deadline:
            block = source.read(timeout=0.5)
            if block is None:
                if getattr(source, "exhausted", False):
                    break
                continue
            heard += block.duration
            if check.update(block).ok:
                break
    finally:
        source.close()
    return check.finish()


def run_checks(
    camera_src: str | int | None,
    mic_src: str | int | None,
    speaker: bool = False,
    screen: bool = False,
    backend_url: str | None = None,
    *,
    camera_seconds: float = 3.0,
    mic_seconds: float = 3.0,
    min_mbps: float = 1.0,
    disk: bool = True,
    camera: bool = True,
    microphone: bool = True,
    confirm_heard: Callable[[], bool | None] | None = None,
    detector: FaceDetector | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> list[CheckResult]:
    """Every requested check, one-shot. Camera+face and microphone run side by side.

    A ``None`` source means the system default (camera 0, the default input);
    ``camera=False`` / ``microphone=False`` skip those checks.

    ``confirm_heard`` asks the person whether they heard the chime (None: nobody to ask,
    the speaker check then stays unconfirmed and is not required)."""
    results: dict[str, list[CheckResult]] = {}

    def camera_job() -> None:
        results["camera"] = _run_camera(camera_src, camera_seconds, detector, clock)

    threads = []
    if camera:
        threads.append(threading.Thread(target=camera_job, name="check-camera", daemon=True))
        threads[-1].start()
    if microphone:
        results["microphone"] = [_run_microphone(mic_src, mic_seconds, clock)]
    for t in threads:
        t.join(timeout=camera_seconds + 30)
    out = results.get("camera", []) + results.get("microphone", [])
    if speaker:
        out.append(_run_speaker(confirm_heard))
    if screen:
        out.append(check_screen())
    if backend_url:
        out.append(check_network(backend_url, min_mbps=min_mbps))
    if disk:
        out.append(check_disk())
    return out


def _run_speaker(confirm_heard: Callable[[], bool | None] | None) -> CheckResult:
    from capture.speaker import Speaker

    check = SpeakerCheck(required=confirm_heard is not None)
    spk = Speaker()
    try:
        spk.start()
    except DeviceError as e:
        return device_failed("speaker", e, check.required)
    try:
        r = check.start(spk)
        if r.pending:
            spk.wait(3.0)
            answer = confirm_heard() if confirm_heard else None
            if answer is None:
                return CheckResult(
                    "speaker",
                    False,
                    False,
                    "Test sound played; nobody confirmed hearing it",
                    "Run the check interactively to confirm by ear.",
                )
            r = check.confirm(answer)
        return r
    finally:
        spk.close()

