"""Reading recordings back: decode end to end (verify), and remux a file cut off by a
crash into a clean one (finalize)."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from pathlib import Path

import av

log = logging.getLogger(__name__)

TAIL_S = 2.0  # a decode error this close to the end is the torn tail of a killed recording


@dataclass
class MediaScan:
    path: Path
    opened: bool = False
    complete: bool = False  # closed cleanly (has its duration) and holds all of it
    header_duration: float | None = None  # written by a clean close
    video_frames: int = 0
    audio_s: float = 0.0
    video_start: float | None = None
    video_end: float | None = None
    audio_start: float | None = None
    audio_end: float | None = None
    errors: list[tuple[float | None, str]] = field(default_factory=list)

    @property
    def duration_s(self) -> float:
        ends = [e for e in (self.video_end, self.audio_end) if e is not None]
        return max(ends, default=0.0)

    @property
    def av_offset_ms(self) -> float | None:
        """Where video starts relative to audio (0 = together)."""
        if self.video_start is None or self.audio_start is None:
            return None
        return round((self.video_start - self.audio_start) * 1000, 1)

    def errors_before_tail(self) -> list[str]:
        """Decode errors that are not the torn last second or two of a cut-off file."""
        limit = self.duration_s - TAIL_S
        return [msg for t, msg in self.errors if t is None or t < limit]


def scan_media(path: Path, decode: bool = True) -> MediaScan:
    """Decodes every video frame and audio sample (or only reads packets when ``decode``
    is False). Never raises: problems land in ``errors``."""
    scan = MediaScan(Path(path))
    try:
        container = av.open(str(path))
    except Exception as e:
        scan.errors.append((None, f"cannot open: {e}"))
        return scan
    scan.opened = True
    with container:
        if container.duration is not None:
            scan.header_duration = container.duration / 1_000_000
        streams = [s for s in container.streams if s.type in ("video", "audio")]
        for s in streams:
            if s.type == "video":
                s.thread_type = "AUTO"
        last_t: float | None = None
        try:
            for packet in container.demux(streams):
                if packet.pts is not None:
                    last_t = float(packet.pts * packet.time_base)
                if not decode:
                    _account_packet(scan, packet)
                    continue
                try:
                    frames = packet.decode()
                except av.FFmpegError as e:
                    scan.errors.append((last_t, f"{packet.stream.type} decode error: {e}"))
                    continue
                for frame in frames:
                    _account_frame(scan, frame)
        except av.FFmpegError as e:
            scan.errors.append((last_t, f"read error: {e}"))
    if scan.header_duration is not None:
        # A cleanly closed file that ends early was cut afterwards (copy, disk damage).
        scan.complete = scan.duration_s >= scan.header_duration - 0.5
        if not scan.complete:
            scan.errors.append(
                (
                    None,
                    f"truncated: ends at {scan.duration_s:.1f} s but was closed "
                    f"at {scan.header_duration:.1f} s",
                )
            )
    return scan


def _account_frame(scan: MediaScan, frame) -> None:
    t = frame.time
    if isinstance(frame, av.VideoFrame):
        scan.video_frames += 1
        if t is not None:
            scan.video_start = t if scan.video_start is None else min(scan.video_start, t)
            scan.video_end = t if scan.video_end is None else max(scan.video_end, t)
    else:
        dur = frame.samples / frame.sample_rate
        scan.audio_s += dur
        if t is not None:
            scan.audio_start = t if scan.audio_start is None else min(scan.audio_start, t)
            end = t + dur
            scan.audio_end = end if scan.audio_end is None else max(scan.audio_end, end)


def _account_packet(scan: MediaScan, packet) -> None:
    if packet.pts is None or packet.size == 0:
        return
    t = float(packet.pts * packet.time_base)
    dur = float(packet.duration * packet.time_base) if packet.duration else 0.0
    if packet.stream.type == "video":
        scan.video_frames += 1
        scan.video_start = t if scan.video_start is None else min(scan.video_start, t)
        scan.video_end = t if scan.video_end is None else max(scan.video_end, t)
    else:
        scan.audio_s += dur
        scan.audio_start = t if scan.audio_start is None else min(scan.audio_start, t)
        scan.audio_end = t + dur if scan.audio_end is None else max(scan.audio_end, t + dur)


def remux(src: Path, dst: Path) -> int:
    """Copies every intact packet of ``src`` into a cleanly closed Matroska ``dst`` (no
    re-encoding). Returns the number of packets. Raises on failure; ``src`` is untouched."""
    n = 0
    with av.open(str(src)) as inp, av.open(str(dst), "w", format="matroska") as out:
        streams = [s for s in inp.streams if s.type in ("video", "audio")]
        mapping = {s.index: out.add_stream_from_template(s) for s in streams}
        try:
            for packet in inp.demux(streams):
                if packet.dts is None or packet.size == 0 or packet.is_corrupt:
                    continue
                packet.stream = mapping[packet.stream.index]
                out.mux(packet)
                n += 1
        except av.FFmpegError as e:  # the torn tail: keep everything before it
            log.info("remux of %s stopped at the torn tail: %s", Path(src).name, e)
    with open(dst, "rb") as f:
        os.fsync(f.fileno())
    return n
