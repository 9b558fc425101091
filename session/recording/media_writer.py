"""Encodes frames and audio into a Matroska file that survives a killed process.

Why Matroska: its clusters are self-contained, so a file cut off anywhere plays up to the
last complete cluster. Clusters are closed at every keyframe (~1 s) and flushed to the OS
right away, so a ``kill -9`` loses about a second. Plain MP4 writes its index at the end
and is unreadable when cut.

Timestamps are seconds on the recording's clock (session time minus the recording's t0).
Video is variable frame rate: each frame keeps its capture time. Audio is kept as one
continuous run of samples; gaps are filled with silence and small clock drift is absorbed,
so audio and video stay in sync over a 20-minute interview.
"""

from __future__ import annotations

import contextlib
import errno
import os
from collections import deque
from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np

MS = Fraction(1, 1000)
# Muxer settings: clusters of at most ~1 s, flushed as soon as they close; packets of one
# stream may wait at most 3 s for the other (a stalled stream must not hold the file back).
MKV_OPTIONS = {"cluster_time_limit": "1000", "cluster_size_limit": "4000000"}
CONTAINER_OPTIONS = {"flush_packets": "1", "max_interleave_delta": "3000000"}
# Size goal: a 20-minute 720p interview well under 300 MB (<= 15 MB/min all streams).
DEFAULT_CRF = 27
DEFAULT_MAXRATE = 1_600_000  # bit/s, caps busy scenes so the size goal holds
AUDIO_BITRATE = 32_000  # Opus speech at 16 kHz: clear at 32 kbit/s
# Audio clock handling: a jump bigger than this is a gap (filled with silence) or an overlap
# (dropped); smaller persistent drift is corrected once the whole recent window agrees.
AUDIO_GAP_S = 0.1
AUDIO_DRIFT_S = 0.03
AUDIO_DRIFT_WINDOW = 25
NO_SPACE_ERRNOS = {errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC), errno.EFBIG}


class NoSpaceError(OSError):
    """The disk (or quota) is full; everything written before is kept."""


class EncodeError(RuntimeError):
    """The encoder or muxer failed for a reason other than a full disk."""


def _wrap(e: Exception) -> Exception:
    if isinstance(e, OSError) and e.errno in NO_SPACE_ERRNOS:
        return NoSpaceError(e.errno, os.strerror(e.errno or errno.ENOSPC))
    return EncodeError(f"{type(e).__name__}: {e}")


def fit_frame(image: np.ndarray, width: int, height: int) -> np.ndarray:
    """BGR uint8 of exactly width x height: scaled to fit keeping the aspect, black bars
    for the rest. Grey and BGRA inputs are converted."""
    if image.ndim == 2:
        image = cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
    elif image.shape[2] == 4:
        image = cv2.cvtColor(image, cv2.COLOR_BGRA2BGR)
    if image.dtype != np.uint8:
        image = np.clip(image, 0, 255).astype(np.uint8)
    h, w = image.shape[:2]
    if (w, h) == (width, height):
        return np.ascontiguousarray(image)
    scale = min(width / w, height / h)
    nw, nh = max(1, round(w * scale)), max(1, round(h * scale))
    interp = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
    resized = cv2.resize(image, (nw, nh), interpolation=interp)
    if (nw, nh) == (width, height):
        return resized
    top, left = (height - nh) // 2, (width - nw) // 2
    return cv2.copyMakeBorder(
        resized, top, height - nh - top, left, width - nw - left, cv2.BORDER_CONSTANT, value=0
    )


def even(n: int) -> int:
    """x264 with 4:2:0 chroma needs even sizes."""
    return max(2, n - (n % 2))


class MediaWriter:
    """One Matroska file: an H.264 video stream and optionally one audio stream.

    Not thread-safe: one worker thread owns it. Raises ``NoSpaceError`` or ``EncodeError``.
    """

    def __init__(
        self,
        path: Path,
        width: int,
        height: int,
        fps: float = 30.0,
        audio_rate: int | None = 16_000,
        video_bitrate: int | None = None,
        preset: str = "veryfast",
        crf: int = DEFAULT_CRF,
        keyframe_s: float = 1.0,
        audio_codec: str = "libopus",
    ) -> None:
        self.path = Path(path)
        self.width, self.height = even(width), even(height)
        self.fps = fps
        self.audio_rate = audio_rate
        self._video_bitrate = video_bitrate
        self._preset = preset
        self._crf = crf
        self._keyframe_s = keyframe_s
        self._audio_codec = audio_codec
        self._out: av.container.OutputContainer | None = None
        self._vs = None
        self._as = None
        self._last_pts_ms = -1
        self._next_sample = 0  # audio pts (in samples) of the next sample to write
        self._drifts: deque[float] = deque(maxlen=AUDIO_DRIFT_WINDOW)
        self.video_frames = 0
        self.audio_samples = 0
        self.silence_samples = 0
        self.last_video_t: float | None = None

    # -- lifecycle -------------------------------------------------------------------
    def open(self) -> None:
        try:
            self._out = av.open(
                str(self.path),
                "w",
                format="matroska",
                options=MKV_OPTIONS,
                container_options=CONTAINER_OPTIONS,
            )
            self._vs = self._out.add_stream(
                "libx264", rate=Fraction(self.fps).limit_denominator(1001), options=self._x264()
            )
            self._vs.width, self._vs.height, self._vs.pix_fmt = self.width, self.height, "yuv420p"
            self._vs.codec_context.time_base = MS
            if self.audio_rate:
                self._as = self._out.add_stream(self._audio_codec, rate=self.audio_rate)
                self._as.layout = "mono"
                self._as.codec_context.bit_rate = AUDIO_BITRATE
        except Exception as e:
            self.abort()
            raise _wrap(e) from e

    def _x264(self) -> dict[str, str]:
        gop = max(1, round(self.fps * self._keyframe_s))
        opts = {"preset": self._preset, "g": str(gop), "keyint_min": str(max(1, gop // 2))}
        if self._video_bitrate:
            opts |= {
                "b": str(self._video_bitrate),
                "maxrate": str(int(self._video_bitrate * 1.25)),
                "bufsize": str(self._video_bitrate * 2),
            }
        else:
            # CRF keeps quiet scenes small; the cap keeps busy ones inside the size goal.
            opts |= {
                "crf": str(self._crf),
                "maxrate": str(DEFAULT_MAXRATE),
                "bufsize": str(DEFAULT_MAXRATE * 2),
            }
        return opts

    def close(self) -> None:
        """Flushes the encoders and writes the index. Raises on failure; the file keeps
        whatever clusters were written."""
        if self._out is None:
            return
        try:
            for stream in (self._vs, self._as):
                if stream is not None:
                    self._out.mux(stream.encode(None))
            self._out.close()
        except Exception as e:
            self.abort()
            raise _wrap(e) from e
        self._out = None

    def abort(self) -> None:
        """Closes without flushing the encoders (after an error); never raises."""
        out, self._out = self._out, None
        if out is None:
            return
        # The disk may still be full: the clusters already written stay as they are.
        with contextlib.suppress(Exception):
            out.close()

    # -- writing ---------------------------------------------------------------------
    def write_video(self, image: np.ndarray, t: float) -> bool:
        """Encodes one BGR frame captured at ``t`` seconds. False if it was skipped because
        its time is not after the previous frame's."""
        assert self._out is not None and self._vs is not None
        pts = round(t * 1000)
        if pts <= self._last_pts_ms:
            if self._last_pts_ms - pts > 1:
                return False  # out of order: keep the timeline monotonic
            pts = self._last_pts_ms + 1
        yuv = cv2.cvtColor(fit_frame(image, self.width, self.height), cv2.COLOR_BGR2YUV_I420)
        frame = av.VideoFrame.from_ndarray(yuv, format="yuv420p")
        frame.pts, frame.time_base = pts, MS
        try:
            self._out.mux(self._vs.encode(frame))
        except Exception as e:
            raise _wrap(e) from e
        self._last_pts_ms = pts
        self.video_frames += 1
        self.last_video_t = pts / 1000
        return True

    def write_audio(self, samples: np.ndarray, t: float) -> None:
        """Appends mono float32 samples whose first sample was captured at ``t`` seconds."""
        assert self.audio_rate and self._as is not None
        rate = self.audio_rate
        drift = t - self._next_sample / rate  # > 0: a gap before this block; < 0: overlap
        self._drifts.append(drift)
        full = len(self._drifts) == self._drifts.maxlen
        if drift > AUDIO_GAP_S or (full and min(self._drifts) > AUDIO_DRIFT_S):
            fix = drift if drift > AUDIO_GAP_S else min(self._drifts)
            self.write_silence(round(fix * rate))
        elif drift < -AUDIO_GAP_S or (full and max(self._drifts) < -AUDIO_DRIFT_S):
            fix = -drift if drift < -AUDIO_GAP_S else -max(self._drifts)
            samples = samples[round(fix * rate) :]
            self._drifts.clear()
        if len(samples):
            self._encode_audio(samples)

    def write_silence(self, n: int) -> None:
        """Appends n samples of silence (a device gap); n <= 0 does nothing."""
        if n <= 0:
            return
        self._drifts.clear()
        chunk = np.zeros(self.audio_rate or 16_000, dtype=np.float32)
        while n > 0:
            k = min(n, len(chunk))
            self._encode_audio(chunk[:k])
            self.silence_samples += k
            n -= k

    @property
    def audio_end(self) -> float:
        """Recording time just after the last audio sample written."""
        return self._next_sample / (self.audio_rate or 1)

    def _encode_audio(self, samples: np.ndarray) -> None:
        samples = np.ascontiguousarray(samples, dtype=np.float32).reshape(1, -1)
        frame = av.AudioFrame.from_ndarray(samples, format="flt", layout="mono")
        frame.sample_rate = self.audio_rate
        frame.pts, frame.time_base = self._next_sample, Fraction(1, self.audio_rate)
        try:
            self._out.mux(self._as.encode(frame))
        except Exception as e:
            raise _wrap(e) from e
        self._next_sample += samples.shape[1]
        self.audio_samples += samples.shape[1]

    def sync_to_disk(self) -> None:
        """fsync, so a power cut (not only a killed process) keeps what was written."""
        try:
            fd = os.open(self.path, os.O_RDONLY)
        except OSError:
            return
        try:
            os.fsync(fd)
        except OSError:
            pass
        finally:
            os.close(fd)
