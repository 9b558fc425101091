"""Records a synthetic camera and microphone in real time into ATTEMPT_DIR/recording.mkv
until the process is killed. Prints "recording" once the recorder runs.

Used by the crash test: python tests/session/recording/_record_until_killed.py ATTEMPT_DIR
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _recording_helpers import picture, tone  # noqa: E402

from capture.types import AUDIO_RATE, AudioBlock, VideoFrame  # noqa: E402
from session.recording.recorder import Recorder  # noqa: E402
from session.runtime.clock import SessionClock  # noqa: E402


def main() -> None:
    folder = Path(sys.argv[1])
    clock = SessionClock()
    rec = Recorder(folder / "recording.mkv", clock, 640, 360, min_free_bytes=0)
    rec.start()
    print("recording", flush=True)
    fps, block = 30.0, AUDIO_RATE // 10
    i = samples = 0
    while True:
        t = rec.t0 + i / fps
        while samples / AUDIO_RATE <= i / fps:
            rec.add_audio(AudioBlock(tone(block, samples), rec.t0 + samples / AUDIO_RATE))
            samples += block
        time.sleep(max(0.0, t - clock()))
        rec.add_video(VideoFrame(picture(i), clock(), i))
        i += 1


if __name__ == "__main__":
    main()
