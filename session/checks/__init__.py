"""Pre-interview checks, without Qt: camera, face, microphone, speaker, screen, network, disk.

Each check can be fed as data arrives (``update`` with frames and audio blocks) or asked for
its verdict (``finish``); ``CheckSession`` runs them all for one visit, live for the checks
page or one-shot for ``main.py check`` and station probes. Every result says what is wrong
in plain words and, in ``fix``, what to do about it.
"""

from session.checks.camera import CameraCheck
from session.checks.face import (
    MANY_FACES,
    NO_FACE,
    OUT_OF_FRAME,
    TOO_DARK,
    TOO_FAR,
    FaceCheck,
)
from session.checks.listener import CheckListener, QuietListener
from session.checks.microphone import MicrophoneCheck, SpeechDetector, dbfs
from session.checks.result import (
    DEVICE_FIXES,
    CheckResult,
    all_required_ok,
    device_failed,
    no_camera,
)
from session.checks.session import CheckDevices, CheckPlan, CheckSession
from session.checks.system import (
    MARGIN_BYTES,
    RECORDING_BYTES,
    SpeakerCheck,
    check_disk,
    check_network,
    check_screen,
)

__all__ = [
    "DEVICE_FIXES",
    "MANY_FACES",
    "MARGIN_BYTES",
    "NO_FACE",
    "OUT_OF_FRAME",
    "RECORDING_BYTES",
    "TOO_DARK",
    "TOO_FAR",
    "CameraCheck",
    "CheckDevices",
    "CheckListener",
    "CheckPlan",
    "CheckResult",
    "CheckSession",
    "FaceCheck",
    "MicrophoneCheck",
    "QuietListener",
    "SpeakerCheck",
    "SpeechDetector",
    "all_required_ok",
    "check_disk",
    "check_network",
    "check_screen",
    "dbfs",
    "device_failed",
    "no_camera",
]
