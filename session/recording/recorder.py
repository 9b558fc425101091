"""The camera + microphone recorder: capture threads hand over frames and audio blocks
without ever waiting; one worker thread encodes them into ``recording.mkv``.

States: idle -> recording -> stopping -> stopped | failed. Stop reasons: ok, bad_path,
no_space, encode_error, device_lost. The output path is checked before anything starts;
a full disk stops the recording cleanly and keeps every byte already written.
"""

from __future__ import annotations

import contextlib
import logging
import os
import queue
import shutil
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

import numpy as np

from capture.microphone import resample
from capture.types import AUDIO_RATE, AudioBlock, Clock, VideoFrame
from session.recording import timeline as ev
from session.recording.media_writer import EncodeError, MediaWriter, NoSpaceError

log = logging.getLogger(__name__)

MIN_FREE_BYTES = 200 * 1024 * 1024  # a 20-minute interview needs < 300 MB; refuse below this
RESERVE_BYTES = 32 * 1024 * 1024  # stop cleanly before the disk is completely full
HOLD_FRAME_S = 1.0  # while the camera is lost, repeat the last frame this often
EARLY_FRAME_S = 1.0  # a frame this much older than t0 still opens the recording at 0
CHECK_EVERY_S = 2.0  # free-space check and fsync period


class RecorderState(StrEnum):
    IDLE = "idle"
    RECORDING = "recording"
    STOPPING = "stopping"
    STOPPED = "stopped"
    FAILED = "failed"


class StopReason(StrEnum):
    OK = "ok"
    BAD_PATH = "bad_path"
    NO_SPACE = "no_space"
    ENCODE_ERROR = "encode_error"
    DEVICE_LOST = "device_lost"


class RecordingError(Exception):
    """The recording cannot start. ``reason`` is a StopReason, ``fix`` says what to do."""

    def __init__(self, message: str, reason: StopReason, fix: str = "") -> None:
        super().__init__(message)
        self.reason = reason
        self.fix = fix


@dataclass
class RecordingStats:
    frames_written: int = 0
    frames_dropped: int = 0  # queue full (encoder behind) or arrived after stop/out of order
    frames_held: int = 0  # last frame repeated while the camera was lost
    audio_seconds: float = 0.0  # audio in the file, silence fills included
    audio_blocks_dropped: int = 0
    silence_seconds: float = 0.0
    bytes: int = 0
    duration_s: float = 0.0  # recording time of the last thing written


def check_output_path(path: Path, min_free_bytes: int) -> None:
    """Raises RecordingError (bad_path / no_space) unless ``path`` can be created and its
    folder has at least ``min_free_bytes`` free."""
    path = Path(path)
    if path.exists():
        raise RecordingError(
            f"{path} already exists; an existing recording is never overwritten.",
            StopReason.BAD_PATH,
            "Record into the next segment (next_segment_path) or choose a new folder.",
        )
    folder = path.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / f".write-test-{os.getpid()}-{threading.get_ident()}"
        probe.write_bytes(b"ok")
        probe.unlink()
    except OSError as e:
        raise RecordingError(
            f"Cannot write to {folder}: {e.strerror or e}.",
            StopReason.BAD_PATH,
            "Choose a folder you can write to, or check the disk is connected.",
        ) from e
    free = shutil.disk_usage(folder).free
    if free < min_free_bytes:
        raise RecordingError(
            f"Only {free / 1e6:.0f} MB free on the disk holding {folder}; "
            f"the recording needs at least {min_free_bytes / 1e6:.0f} MB.",
            StopReason.NO_SPACE,
            "Free some disk space (delete old files or empty the trash) and try again.",
        )


class Recorder:
    """Records VideoFrames and AudioBlocks (session-clock times) into one Matroska file.

    ``add_video`` / ``add_audio`` never block: a full queue drops the item and counts it.
    ``t0`` (the session time the recording's clock reads 0) is ``clock()`` at ``start()``
    unless given; the transcript uses it so captions line up with the video.
    """

    has_audio = True

    def __init__(
        self,
        path: Path,
        clock: Clock,
        width: int = 1280,
        height: int = 720,
        fps: float = 30.0,
        audio_rate: int = AUDIO_RATE,
        video_bitrate: int | None = None,
        *,
        events: ev.Timeline | None = None,
        on_stopped: Callable[[StopReason], None] | None = None,
        on_space: Callable[[bool, int], None] | None = None,
        t0: float | None = None,
        preset: str = "ultrafast",  # bench: veryfast takes ~2x the CPU, dropped 7 % under load
        min_free_bytes: int = MIN_FREE_BYTES,
        reserve_bytes: int = RESERVE_BYTES,
        video_queue_size: int = 20,
        audio_queue_size: int = 500,
    ) -> None:
        self.path = Path(path)
        self.clock = clock
        self.width, self.height, self.fps = width, height, fps
        self.audio_rate = audio_rate
        self.video_bitrate = video_bitrate
        self.events = events
        self.on_stopped = on_stopped
        # With on_space the recording pauses at the reserve and resumes once space is freed
        # (on_space(False, free) / on_space(True, free)); without it, it stops there.
        self.on_space = on_space
        self._space_paused = False
        self.t0 = t0
        self.preset = preset
        self.min_free_bytes = min_free_bytes
        self.reserve_bytes = reserve_bytes
        self.state = RecorderState.IDLE
        self.stop_reason: StopReason | None = None
        self.error: str | None = None
        self.stats = RecordingStats()
        self._video_q: queue.Queue[VideoFrame] = queue.Queue(video_queue_size)
        self._audio_q: queue.Queue[AudioBlock] = queue.Queue(audio_queue_size)
        self._lost: dict[str, float] = {}  # "camera" / "microphone" -> session time lost
        self._slow: set[str] = set()  # delivering far below their frame rate
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._done = threading.Event()
        self._thread: threading.Thread | None = None
        self._writer: MediaWriter | None = None
        self._last_image: np.ndarray | None = None
        self._last_drop_log = 0.0
        self._stop_reason_pending = StopReason.OK

    # -- control ---------------------------------------------------------------------
    def start(self) -> None:
        """Checks the path, opens the file and starts the encoder thread. Raises
        RecordingError (bad_path, no_space, encode_error) with a message and a fix."""
        if self.state != RecorderState.IDLE:
            raise RuntimeError(f"Recorder.start() called in state {self.state}")
        try:
            check_output_path(self.path, self.min_free_bytes)
            self._writer = self._open_writer()
        except RecordingError as e:
            self._finish_state(e.reason, str(e))
            raise
        if self.t0 is None:
            self.t0 = self.clock()
        self.state = RecorderState.RECORDING
        if self.events is not None:
            self.events.write(ev.RECORDING_STARTED, t=self.t0, file=self.path.name)
        self._thread = threading.Thread(
            target=self._run, name=f"recorder-{self.path.name}", daemon=True
        )
        self._thread.start()
        log.info("recording started: %s (t0=%.3f)", self.path, self.t0)

    def _open_writer(self) -> MediaWriter | None:
        writer = MediaWriter(
            self.path,
            self.width,
            self.height,
            self.fps,
            self.audio_rate if self.has_audio else None,
            self.video_bitrate,
            preset=self.preset,
            keyframe_s=1.0,
        )
        self._open(writer)
        return writer

    def _open(self, writer: MediaWriter) -> None:
        try:
            writer.open()
        except (NoSpaceError, EncodeError) as e:
            reason = StopReason.NO_SPACE if isinstance(e, NoSpaceError) else StopReason.BAD_PATH
            raise RecordingError(
                f"Cannot create {self.path}: {e}", reason, "Check the disk and try again."
            ) from e

    def stop(self, timeout: float = 10.0) -> StopReason:
        """Writes what is queued, closes the file and returns why it stopped. Idempotent."""
        if self.state == RecorderState.IDLE:
            self._finish_state(StopReason.OK, None)
            return StopReason.OK
        self._begin_stopping()
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            if self._thread.is_alive():
                log.error("recorder did not stop within %.1f s", timeout)
                return self.stop_reason or StopReason.ENCODE_ERROR
        return self.stop_reason or StopReason.OK

    @property
    def backlog(self) -> tuple[int, int]:
        """(video frames, audio blocks) waiting for the encoder."""
        return self._video_q.qsize(), self._audio_q.qsize()

    def wait_stopped(self, timeout: float | None = None) -> bool:
        """True once the recording has ended (stop(), a full disk, an encoder failure)."""
        return self._done.wait(timeout)

    # -- capture side: never blocks ----------------------------------------------------
    def add_video(self, frame: VideoFrame) -> None:
        if self.state != RecorderState.RECORDING:
            return
        try:
            self._video_q.put_nowait(frame)
        except queue.Full:
            self._count_drop()

    def add_audio(self, block: AudioBlock) -> None:
        if self.state != RecorderState.RECORDING or not self.has_audio:
            return
        try:
            self._audio_q.put_nowait(block)
        except queue.Full:
            with self._lock:
                self.stats.audio_blocks_dropped += 1

    def _count_drop(self) -> None:
        with self._lock:
            self.stats.frames_dropped += 1
            n = self.stats.frames_dropped
        now = time.monotonic()
        if now - self._last_drop_log > 5.0:  # throttled: drops come in bursts
            self._last_drop_log = now
            log.warning("recorder %s: %d frames dropped so far", self.path.name, n)

    def device_lost(
        self, kind: str, t: float | None = None, message: str = "", fix: str = "", **about: Any
    ) -> None:
        """The "camera" or "microphone" stopped. The other stream keeps recording; the gap is
        filled (last frame held / silence) and written to the events timeline, with the
        device's own `message` and `fix` when the caller has them."""
        t = self.clock() if t is None else t
        with self._lock:
            self._lost[kind] = t
            everything_lost = {"camera", "microphone"} <= self._lost.keys() or (
                not self.has_audio and "camera" in self._lost
            )
        log.warning("recorder %s: %s lost at %.3f", self.path.name, kind, t)
        if self.events is not None:
            self.events.write(
                ev.DEVICE_ERROR,
                t=t,
                device=kind,
                error="lost",
                message=message,
                fix=fix,
                recording=self.path.name,
                **about,
            )
        if everything_lost and self._begin_stopping():
            self._stop_reason_pending = StopReason.DEVICE_LOST
            self._stop.set()

    def device_slow(
        self, kind: str, t: float | None = None, message: str = "", fix: str = "", **about: Any
    ) -> None:
        """The device delivers, but far too few frames: recorded as it comes, and written
        to the timeline as a problem (the reviewer sees a jerky stretch explained)."""
        with self._lock:
            self._slow.add(kind)
        if self.events is not None:
            self.events.write(
                ev.DEVICE_ERROR, t=self.clock() if t is None else t, device=kind,
                error="slow", message=message, fix=fix, recording=self.path.name, **about,
            )  # fmt: skip

    def device_restored(self, kind: str, t: float | None = None) -> None:
        with self._lock:
            if kind not in self._lost and kind not in self._slow:
                return
            self._lost.pop(kind, None)
            self._slow.discard(kind)
        if self.events is not None:
            self.events.write(
                ev.DEVICE_RESTORED, t=self.clock() if t is None else t, device=kind,
                recording=self.path.name,
            )  # fmt: skip

    # -- worker ------------------------------------------------------------------------
    def _run(self) -> None:
        reason = StopReason.OK
        error: str | None = None
        next_check = time.monotonic() + CHECK_EVERY_S
        try:
            while True:
                stopping = self._stop.is_set()
                self._drain_audio()
                try:
                    frame = self._video_q.get(timeout=0 if stopping else 0.02)
                except queue.Empty:
                    frame = None
                if frame is not None:
                    self._write_frame(frame)
                self._fill_gaps()
                if time.monotonic() >= next_check:
                    next_check = time.monotonic() + CHECK_EVERY_S
                    self._periodic()
                if stopping and frame is None and self._audio_q.empty():
                    break
            reason = self._stop_reason_pending
            self._close_writer()
        except NoSpaceError as e:
            reason, error = StopReason.NO_SPACE, str(e)
        except EncodeError as e:
            reason, error = StopReason.ENCODE_ERROR, str(e)
        except Exception as e:  # never let the worker die silently
            log.exception("recorder %s: unexpected error", self.path.name)
            reason, error = StopReason.ENCODE_ERROR, f"{type(e).__name__}: {e}"
        if error is not None:
            log.error("recorder %s stopped: %s (%s)", self.path.name, reason, error)
            if self._writer is not None:
                self._writer.abort()
        self._update_stats()
        self._finish_state(reason, error)
        if self.events is not None:
            self.events.write(
                ev.RECORDING_STOPPED, file=self.path.name, reason=str(reason),
                frames=self.stats.frames_written, dropped=self.stats.frames_dropped,
            )  # fmt: skip
        if self.on_stopped is not None:
            try:
                self.on_stopped(reason)
            except Exception:
                log.exception("on_stopped callback failed")

    def _begin_stopping(self) -> bool:
        """recording -> stopping; False if it was not recording (the worker may have ended
        it already: a stopped/failed state is never overwritten)."""
        with self._lock:
            if self.state != RecorderState.RECORDING:
                return False
            self.state = RecorderState.STOPPING
            return True

    def _finish_state(self, reason: StopReason, error: str | None) -> None:
        ok = reason in (StopReason.OK, StopReason.NO_SPACE, StopReason.DEVICE_LOST)
        with self._lock:
            self.stop_reason = reason
            self.error = error
            self.state = RecorderState.STOPPED if ok else RecorderState.FAILED
        self._done.set()

    def _close_writer(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer.sync_to_disk()

    def _rel(self, t: float) -> float:
        return t - (self.t0 or 0.0)

    def _drain_audio(self) -> None:
        w = self._writer
        while True:
            try:
                block = self._audio_q.get_nowait()
            except queue.Empty:
                return
            if w is None or self._space_paused:
                continue
            if block.t > self._lost.get("microphone", block.t):
                self.device_restored("microphone", block.t)
            rel = self._rel(block.t)
            samples = block.samples
            if rel < 0:  # captured before the recording started
                cut = round(-rel * block.rate)
                samples, rel = samples[cut:], 0.0
            if len(samples) == 0:
                continue
            if block.rate != self.audio_rate:  # a source that ignored the 16 kHz convention
                samples = resample(samples, block.rate, self.audio_rate)
            w.write_audio(samples, rel)

    def _write_frame(self, frame: VideoFrame) -> None:
        w = self._writer
        if w is None or self._space_paused:
            return
        if frame.t > self._lost.get("camera", frame.t):  # a frame taken after the loss
            self.device_restored("camera", frame.t)
        rel = self._rel(frame.t)
        if -EARLY_FRAME_S <= rel < 0:
            rel = 0.0  # e.g. the camera's first frame, read before the recording started
        if rel < 0 or not w.write_video(frame.image, rel):
            self._count_drop()
            return
        self._last_image = frame.image
        self.stats.frames_written += 1

    def _fill_gaps(self) -> None:
        """Keeps the lost stream's timeline moving so the muxer never holds the other one
        back (and a crash during a gap still leaves everything up to now in the file)."""
        w = self._writer
        if w is None or not self._lost or self._space_paused:
            return
        now = self._rel(self.clock())
        if "microphone" in self._lost and self.has_audio:
            w.write_silence(round((now - 0.5 - w.audio_end) * self.audio_rate))
        if "camera" in self._lost and self._last_image is not None:
            last = w.last_video_t if w.last_video_t is not None else 0.0
            if now - last >= HOLD_FRAME_S and w.write_video(self._last_image, now):
                self.stats.frames_held += 1

    def _periodic(self) -> None:
        if self._writer is None:
            return
        self._writer.sync_to_disk()
        self._update_stats()
        if self.reserve_bytes > 0:
            free = shutil.disk_usage(self.path.parent).free
            if self.on_space is not None:
                self._watch_space(free)
            elif free < self.reserve_bytes:
                log.error("recorder %s: only %d bytes free, stopping", self.path.name, free)
                self._close_writer()
                raise NoSpaceError(28, "disk almost full; stopped before running out")

    def _watch_space(self, free: int) -> None:
        """Pauses at the reserve, resumes at twice the reserve (no flapping at the edge)."""
        paused = self._space_paused
        if free >= self.reserve_bytes if not paused else free < 2 * self.reserve_bytes:
            return
        self._space_paused = not paused
        kind = ev.RECORDING_RESUMED if paused else ev.RECORDING_PAUSED
        log.log(logging.INFO if paused else logging.ERROR, "recorder %s: %s, %d bytes free",
                self.path.name, kind, free)  # fmt: skip
        if self.events is not None:
            self.events.write(kind, file=self.path.name, reason="no_space", free_bytes=free)
        try:
            self.on_space(paused, free)  # type: ignore[misc]
        except Exception:
            log.exception("on_space callback failed")

    def _update_stats(self) -> None:
        w = self._writer
        if w is None:
            return
        s = self.stats
        rate = w.audio_rate or 1
        s.audio_seconds = w.audio_samples / rate
        s.silence_seconds = w.silence_samples / rate
        s.duration_s = max(w.last_video_t or 0.0, w.audio_end if w.audio_rate else 0.0)
        with contextlib.suppress(OSError):
            s.bytes = self.path.stat().st_size
