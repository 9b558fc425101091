"""What one interview runs on: a camera (or none), a microphone and a speaker.

The engine needs only these protocols; ``session.assemble`` builds the real ones (or files,
or a simulated candidate's microphone) from a device description.
"""

from __future__ import annotations

from dataclasses import dataclass

from capture.scripted_microphone import ScriptedMicrophone
from capture.types import AudioBlock, Source, VideoFrame
from speech.tts import SpeakerLike

__all__ = ["InterviewDevices", "SpeakerLike"]


@dataclass
class InterviewDevices:
    """``scripted`` is set when the microphone is a simulated candidate's (unattended
    runs): the same object as ``microphone``."""

    camera: Source[VideoFrame] | None
    microphone: Source[AudioBlock]
    speaker: SpeakerLike | None
    scripted: ScriptedMicrophone | None = None
