"""The one place that turns device descriptions into devices and an interview engine.

The desktop app, the kiosk, ``main.py run`` and ``main.py check`` describe devices the same
way (an index, a name, a device path or a file; see ``capture.devices.parse_device_spec``)
and get them built here, so adding a device option, a file-backed source or a different
speaker touches this module only. Devices are returned unopened: whoever runs them (the
engine, the checks) opens and closes them on its own threads.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import cv2

from capture.camera import CameraSource
from capture.devices import (
    DeviceSpec,
    list_cameras,
    list_microphones,
    list_speakers,
    parse_device_spec,
)
from capture.microphone import MicrophoneSource, WavFileSource, open_microphone, read_wav_16k
from capture.scripted_microphone import ScriptedMicrophone
from capture.speaker import NullSpeaker, Speaker
from capture.types import Clock, DeviceInfo
from session.attempt.playback import AnswerPlayer
from session.attempt.store import Attempt
from session.checks.session import CheckDevices
from session.interview.config import InterviewConfig
from session.interview.devices import InterviewDevices
from session.interview.engine import InterviewEngine
from session.interview.listener import EngineListener
from session.interview.options import EngineOptions, EngineParts
from session.station.config import StationConfig

log = logging.getLogger(__name__)

VOICE_RATE = 22050  # the bundled Piper voice's sample rate
MIC_BLOCK_S = 0.1

Microphone = MicrophoneSource | WavFileSource | ScriptedMicrophone
AnySpeaker = Speaker | NullSpeaker


def camera(
    spec: str | int | None,
    clock: Clock,
    *,
    loop: bool = True,
    size: tuple[int, int] | None = None,
    fps: float | None = None,
) -> CameraSource:
    """A camera index, device path, image or video file (files loop unless ``loop=False``);
    ``size`` (width, height) and ``fps`` ask for a mode (None: the device's own)."""
    parsed = parse_device_spec(spec)
    width, height = size if size is not None else (None, None)
    return CameraSource(0 if parsed is None else parsed, clock, width, height, fps, loop)


def microphone(
    spec: str | int | None, clock: Clock, *, loop: bool = False
) -> MicrophoneSource | WavFileSource:
    """A live input (None: the default one) or an audio file played in real time (over and
    over with ``loop``)."""
    return open_microphone(parse_device_spec(spec), clock, MIC_BLOCK_S, loop=loop)


def speaker(spec: str | int | AnySpeaker | None = None, *, silent: bool = False) -> AnySpeaker:
    """The output device named by ``spec`` (None: the default); ``silent`` plays into
    nothing at real-time pace (unattended runs). An already built speaker is kept."""
    if isinstance(spec, (Speaker, NullSpeaker)):
        return spec
    if silent:
        return NullSpeaker(VOICE_RATE)
    return Speaker(parse_device_spec(spec), rate=VOICE_RATE)


def answer_player(
    attempt_dir: Path, spec: str | int | AnySpeaker | None = None, *, silent: bool = False
) -> AnswerPlayer:
    """Plays the candidate's own answers from the recording, on the interview's speaker."""
    return AnswerPlayer(attempt_dir, speaker(spec, silent=silent))


def live_devices(
    camera_spec: str | int | None,
    mic_spec: str | int | None,
    speaker_spec: str | int | AnySpeaker | None,
    clock: Clock,
    *,
    loop_camera: bool = True,
) -> InterviewDevices:
    """The candidate's own camera (None: no camera), microphone and speaker. A camera file
    plays once through unless ``loop_camera``."""
    cam = camera(camera_spec, clock, loop=loop_camera) if camera_spec is not None else None
    return InterviewDevices(cam, microphone(mic_spec, clock), speaker(speaker_spec))


def scripted_devices(
    camera_spec: str | int | None, clock: Clock, *, audible: bool = False
) -> InterviewDevices:
    """A looped camera file and a microphone that plays the answers it is handed: for
    unattended runs, where a simulated candidate answers. The interviewer is heard only
    when ``audible``."""
    mic = ScriptedMicrophone(clock, MIC_BLOCK_S)
    return InterviewDevices(camera(camera_spec, clock), mic, speaker(silent=not audible), mic)


def answer_clips(folder: Path) -> list[Any]:
    """The answers of an unattended run: every WAV in ``folder``, sorted by name, as 16 kHz
    mono samples."""
    return [read_wav_16k(p) for p in sorted(Path(folder).glob("*.wav"))]


def build_engine(
    config: InterviewConfig,
    attempt: Attempt | Path,
    devices: InterviewDevices,
    clock: Clock,
    listener: EngineListener | None = None,
    options: EngineOptions | None = None,
    parts: EngineParts | None = None,
) -> InterviewEngine:
    """The interview engine on ``devices``, everything on one session clock."""
    return InterviewEngine(config, attempt, devices, listener, options, clock=clock, parts=parts)


def list_devices() -> list[dict[str, Any]]:
    """Cameras, microphones and speakers, one entry each ({"kind", "name"}; a kind whose
    listing failed gives {"kind", "error"}, itself worth reporting). Slow: call it off the
    GUI thread."""
    out: list[dict[str, Any]] = []
    listers: dict[str, Callable[[], list[DeviceInfo]]] = {
        "camera": list_cameras,
        "microphone": list_microphones,
        "speaker": list_speakers,
    }
    for kind, lister in listers.items():
        try:
            out.extend({"kind": kind, "name": d.name} for d in lister())
        except Exception as e:
            out.append({"kind": kind, "error": str(e)})
    return out


def first_camera() -> DeviceSpec:
    """The first camera the system lists (0 when listing fails); None when there is none."""
    try:
        cams = list_cameras()
    except Exception as e:
        log.info("camera list unavailable: %s", e)
        return 0
    return cams[0].source if cams else None


def _still_image(spec: DeviceSpec) -> bool:
    """An image file (not a video, not a device): its picture never changes on purpose."""
    return (
        isinstance(spec, str)
        and not spec.startswith("/dev/")
        and Path(spec).is_file()
        and bool(cv2.haveImageReader(spec))
    )


def check_devices(
    camera_spec: str | int | None,
    mic_spec: str | int | None,
    speaker_spec: str | int | None,
    clock: Clock,
    *,
    no_camera: bool = False,
    realtime_mic: bool = True,
) -> CheckDevices:
    """The devices of one run of the checks, unopened: camera (None: the default one;
    ``no_camera``: the computer has none), microphone and a speaker built on first use.
    With ``realtime_mic=False`` an audio file is read as fast as the check takes it (a
    one-shot run judges its first seconds without waiting for them)."""
    cam_spec = parse_device_spec(camera_spec)
    mic = microphone(mic_spec, clock)
    if isinstance(mic, WavFileSource) and not realtime_mic:
        mic.realtime = False
    return CheckDevices(
        camera=None if no_camera else camera(cam_spec, clock),
        microphone=mic,
        speaker=lambda: speaker(speaker_spec),
        still_camera=_still_image(cam_spec),
    )


def probe_station_devices(cfg: StationConfig, seconds: float = 1.5) -> list[tuple[str, bool, str]]:
    """A proctoring station's configured camera (with a face check) and microphone, for its
    status panel: (name, ok, detail) per check. Never raises: a probe must not take the
    panel down."""
    from session.checks import CheckPlan, CheckSession

    plan = CheckPlan(disk=False, seconds=seconds)
    try:
        devices = check_devices(
            cfg.camera, cfg.microphone, cfg.speaker, time.monotonic, realtime_mic=False
        )
        results = CheckSession(devices, plan).run_once()
    except Exception as e:
        return [("devices", False, f"could not run the device checks: {e}")]
    return [(r.name, r.ok or not r.required, r.detail) for r in results]
