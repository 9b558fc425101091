"""Screen share recording: ``screen.mkv`` at the screen's full resolution and a low frame
rate (text stays sharp, the file stays small). Video only."""

from __future__ import annotations

from pathlib import Path

from capture.types import Clock, VideoFrame
from session.recording.media_writer import MediaWriter
from session.recording.recorder import Recorder

SCREEN_CRF = 30  # screens are mostly static text: high quality at low bitrate


class ScreenRecorder(Recorder):
    """Same states, stop reasons, faults and stats as Recorder; no audio. The size is taken
    from the first frame (later frames of another size are scaled to it); frames arriving
    faster than ``fps`` are skipped, not counted as dropped."""

    has_audio = False

    def __init__(self, path: Path, clock: Clock, fps: float = 2.0, **kwargs) -> None:
        kwargs.setdefault("preset", "veryfast")
        kwargs.setdefault("video_queue_size", 4)
        super().__init__(path, clock, width=0, height=0, fps=fps, **kwargs)
        self._next_t: float | None = None  # earliest time of the next frame to keep

    def _open_writer(self) -> MediaWriter | None:
        return None  # opened at the first frame, once the screen's size is known

    def _write_frame(self, frame: VideoFrame) -> None:
        step = 1.0 / self.fps
        if self._next_t is not None and frame.t < self._next_t - 0.01:
            return
        if self._writer is None:
            h, w = frame.image.shape[:2]
            self.width, self.height = w, h
            writer = MediaWriter(
                self.path, w, h, self.fps, None, self.video_bitrate,
                preset=self.preset, crf=SCREEN_CRF, keyframe_s=2.0,
            )  # fmt: skip
            writer.open()
            self._writer = writer
        # Keep a steady pace; after a pause in the frames start counting again from now.
        late = self._next_t is None or frame.t - self._next_t >= step
        self._next_t = frame.t + step if late else self._next_t + step
        super()._write_frame(frame)
