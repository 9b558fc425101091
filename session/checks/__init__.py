"""Pre-interview checks, without Qt: camera, face, microphone, speaker, screen, network, disk.

Each check can be fed as data arrives (the checks page calls ``update`` with frames and
audio blocks from its workers) or run one-shot (``run_checks`` for ``main.py check``).
Every result says what is wrong in plain words and, in ``fix``, what to do about it.
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
from session.checks.microphone import MicrophoneCheck, SpeechDetector, dbfs
from session.checks.result import CheckResult, device_failed
from session.checks.run import all_required_ok, run_checks
from session.checks.system import (
    MARGIN_BYTES,
    RECORDING_BYTES,
    SpeakerCheck,
    check_disk,
    check_network,
    check_screen,
)

__all__ = [
    "MANY_FACES",
    "MARGIN_BYTES",
    "NO_FACE",
    "OUT_OF_FRAME",
    "RECORDING_BYTES",
    "TOO_DARK",
    "TOO_FAR",
    "CameraCheck",
    "CheckResult",
    "FaceCheck",
    "MicrophoneCheck",
    "SpeakerCheck",
    "SpeechDetector",
    "all_required_ok",
    "check_disk",
    "check_network",
    "check_screen",
    "dbfs",
    "device_failed",
    "run_checks",
]
