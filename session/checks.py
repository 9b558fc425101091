"""Pre-interview checks, without Qt: camera, face, microphone, speaker, screen, network, disk.

Each check can be fed as data arrives (the checks page calls ``update`` with frames and
audio blocks from its workers) or run one-shot (``run_checks`` for ``main.py check``).
Every result says what is wrong in plain words and, in ``fix``, what to do about it.
"""

from __future__ import annotations

import collections
import math
import shutil
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from capture.faces import FaceBox, FaceDetector
from capture.types import AUDIO_RATE, AudioBlock, DeviceError, VideoFrame


@dataclass
class CheckResult:
    name: str
    ok: bool
    required: bool
    detail: str
    fix: str = ""
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def pending(self) -> bool:
        """Not decided yet (still waiting for frames, audio or the person's answer)."""
        return bool(self.data.get("pending"))

    def to_json(self) -> dict[str, Any]:
        """JSON-safe: arrays (like the screen thumbnail) are left out of ``data``."""
        data = {k: v for k, v in self.data.items() if _json_safe(v)}
        return {
            "name": self.name,
            "ok": self.ok,
            "required": self.required,
            "detail": self.detail,
            "fix": self.fix,
            "data": data,
        }


def _json_safe(v: Any) -> bool:
    if isinstance(v, str | int | float | bool) or v is None:
        return not (isinstance(v, float) and not math.isfinite(v))
    if isinstance(v, list | tuple):
        return all(_json_safe(x) for x in v)
    if isinstance(v, dict):
        return all(isinstance(k, str) and _json_safe(x) for k, x in v.items())
    return False


def device_failed(name: str, err: DeviceError, required: bool = True) -> CheckResult:
    """A check that could not start because its device did not open."""
    return CheckResult(name, False, required, str(err), err.fix)


# -- camera ---------------------------------------------------------------------------


class CameraCheck:
    """Frames arrive, are not black, and change (a frozen driver repeats one buffer).

    ``still_ok`` skips the frozen test for a still-image source (demos, tests)."""

    name = "camera"

    def __init__(self, min_frames: int = 5, still_ok: bool = False, required: bool = True):
        self.min_frames = min_frames
        self.still_ok = still_ok
        self.required = required
        self.frames = 0
        self._first_t: float | None = None
        self._last_t = 0.0
        self._first_index = self._last_index = 0
        self._prev: np.ndarray | None = None
        self._levels: collections.deque[float] = collections.deque(maxlen=10)
        self._diffs: collections.deque[float] = collections.deque(maxlen=10)
        self._size = (0, 0)

    def update(self, frame: VideoFrame) -> CheckResult:
        small = cv2.resize(frame.image, (64, 48), interpolation=cv2.INTER_AREA)
        gray = cv2.cvtColor(small, cv2.COLOR_BGR2GRAY).astype(np.float32)
        self._levels.append(float(gray.mean()))
        if self._prev is not None:
            self._diffs.append(float(np.abs(gray - self._prev).mean()))
        self._prev = gray
        self.frames += 1
        self._size = (frame.image.shape[1], frame.image.shape[0])
        if self._first_t is None:
            self._first_t, self._first_index = frame.t, frame.index
        self._last_t, self._last_index = frame.t, frame.index
        return self.result()

    def result(self) -> CheckResult:
        span = self._last_t - (self._first_t or 0.0)
        # From the source's frame numbers: frames dropped because we were slow still count.
        delivered = self._last_index - self._first_index
        fps = delivered / span if delivered > 0 and span > 0 else 0.0
        data: dict[str, Any] = {
            "frames": self.frames,
            "width": self._size[0],
            "height": self._size[1],
            "fps": round(fps, 1),
            "brightness": round(self._levels[-1], 1) if self._levels else None,
        }
        if self.frames == 0:
            return CheckResult(
                self.name,
                False,
                self.required,
                "Camera sends no picture",
                "Close other apps that use the camera, or pick another camera.",
                {**data, "pending": True},
            )
        if self.frames < self.min_frames:
            return CheckResult(
                self.name,
                False,
                self.required,
                "Starting the camera…",
                "",
                {**data, "pending": True},
            )
        if max(self._levels) < 8:
            return CheckResult(
                self.name,
                False,
                self.required,
                "The camera picture is black",
                "Open the camera's privacy shutter or lens cover, or pick another camera.",
                data,
            )
        if not self.still_ok and self._diffs and max(self._diffs) < 0.05:
            return CheckResult(
                self.name,
                False,
                self.required,
                "The camera picture is frozen",
                "Unplug and replug the camera, or close other apps that use it.",
                data,
            )
        w, h = self._size
        return CheckResult(self.name, True, self.required, f"{w}×{h} at {fps:.0f} fps", "", data)

    def finish(self) -> CheckResult:
        """The verdict when no more frames will come."""
        r = self.result()
        if r.pending and self.frames:
            return CheckResult(
                self.name,
                False,
                self.required,
                f"The camera sent only {self.frames} picture(s)",
                "Close other apps that use the camera, or pick another camera.",
                {k: v for k, v in r.data.items() if k != "pending"},
            )
        if r.pending:
            r.data.pop("pending", None)
        return r


# -- face -----------------------------------------------------------------------------

NO_FACE = "No face found"
MANY_FACES = "More than one person in view"
TOO_DARK = "Too dark — move closer to a light"
OUT_OF_FRAME = "Partly out of frame"
TOO_FAR = "Move closer to the camera"

_FACE_FIXES = {
    NO_FACE: "Sit in front of the camera, facing it, with your face visible.",
    MANY_FACES: "Make sure you are alone in the picture.",
    TOO_DARK: "Turn on a light in front of you, not behind you.",
    OUT_OF_FRAME: "Move so your whole face is in the middle of the picture.",
    TOO_FAR: "Sit closer so your face fills more of the picture.",
}


class FaceCheck:
    """Exactly one face, fully inside the picture, big and bright enough, for
    ``stable_frames`` frames in a row. Feed it frames as fast as detection allows."""

    name = "face"

    def __init__(
        self,
        detector: FaceDetector | None = None,
        stable_frames: int = 3,
        min_face_height: float = 0.15,  # of the picture's height
        min_brightness: float = 50.0,  # mean grey level 0..255
        required: bool = True,
    ) -> None:
        self.detector = detector or FaceDetector("accurate")
        self.stable_frames = stable_frames
        self.min_face_height = min_face_height
        self.min_brightness = min_brightness
        self.required = required
        self._recent: collections.deque[str] = collections.deque(maxlen=max(5, stable_frames))
        self._streak = 0
        self.frames = 0
        self.last_faces: list[FaceBox] = []

    def judge(self, image: np.ndarray, faces: list[FaceBox]) -> str:
        """The reason this one picture fails, or "" when it is fine."""
        h, w = image.shape[:2]
        gray = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY) if image.ndim == 3 else image
        if not faces:
            return TOO_DARK if float(gray.mean()) < self.min_brightness else NO_FACE
        if len(faces) > 1:
            return MANY_FACES
        f = faces[0]
        # Haar boxes cover eyes to mouth; the head reaches ~10% of a box further out.
        margin = max(0.01 * min(w, h), 0.1 * f.w)
        if f.x < margin or f.y < margin or f.x + f.w > w - margin or f.y + f.h > h - margin:
            return OUT_OF_FRAME
        face = gray[max(0, f.y) : f.y + f.h, max(0, f.x) : f.x + f.w]
        if face.size and float(face.mean()) < self.min_brightness:
            return TOO_DARK
        if f.h < self.min_face_height * h:
            return TOO_FAR
        return ""

    def update(self, frame: VideoFrame | np.ndarray) -> CheckResult:
        image = frame.image if isinstance(frame, VideoFrame) else frame
        faces = self.detector.detect(image)
        self.last_faces = faces
        reason = self.judge(image, faces)
        self.frames += 1
        self._recent.append(reason)
        self._streak = self._streak + 1 if not reason else 0
        return self.result()

    def result(self) -> CheckResult:
        data: dict[str, Any] = {
            "faces": len(self.last_faces),
            "boxes": [[b.x, b.y, b.w, b.h] for b in self.last_faces],
            "frames": self.frames,
            "stable": self._streak,
        }
        if self._streak >= self.stable_frames:
            return CheckResult(self.name, True, self.required, "One face, well placed", "", data)
        if not self._recent:
            return CheckResult(
                self.name,
                False,
                self.required,
                "Looking for your face…",
                "",
                {**data, "pending": True},
            )
        # The most common recent reason, so one missed frame doesn't flip the message.
        problems = [r for r in self._recent if r]
        if not problems:
            data["pending"] = True
            return CheckResult(self.name, False, self.required, "Hold still…", "", data)
        reason = collections.Counter(problems).most_common(1)[0][0]
        return CheckResult(self.name, False, self.required, reason, _FACE_FIXES[reason], data)

    def finish(self) -> CheckResult:
        r = self.result()
        if r.pending:
            r.data.pop("pending", None)
            if not self._recent:
                return CheckResult(
                    self.name, False, self.required, "No picture to look for a face in", "", r.data
                )
            r.detail, r.fix = "Your face was not steady in view", _FACE_FIXES[NO_FACE]
        return r


# -- microphone -----------------------------------------------------------------------


def dbfs(x: np.ndarray) -> float:
    """RMS level in dB relative to full scale (-inf for digital silence)."""
    if len(x) == 0:
        return -math.inf
    rms = float(np.sqrt(np.mean(np.square(x, dtype=np.float64))))
    return 20 * math.log10(rms) if rms > 0 else -math.inf


class SpeechDetector:
    """Silero VAD (shipped inside faster-whisper): seconds of speech in some audio."""

    def __init__(self) -> None:
        from faster_whisper.vad import VadOptions, get_vad_model

        get_vad_model()  # load now, not on the first block
        self._options = VadOptions(min_speech_duration_ms=200)

    def speech(self, samples: np.ndarray) -> list[tuple[int, int]]:
        from faster_whisper.vad import get_speech_timestamps

        return [
            (s["start"], s["end"])
            for s in get_speech_timestamps(samples, self._options, sampling_rate=AUDIO_RATE)
        ]


class MicrophoneCheck:
    """Passes once speech is heard at a usable level without clipping.

    Live level (RMS dBFS, peak) is in ``data`` for the meter. Fails with: silent/muted,
    too quiet, clipping, only noise."""

    name = "microphone"

    def __init__(
        self,
        detector: SpeechDetector | None = None,
        window_s: float = 3.0,
        min_speech_s: float = 0.6,
        quiet_dbfs: float = -42.0,
        silent_dbfs: float = -65.0,
        required: bool = True,
    ) -> None:
        self._detector = detector
        self.window = int(window_s * AUDIO_RATE)
        self.min_speech_s = min_speech_s
        self.quiet_dbfs = quiet_dbfs
        self.silent_dbfs = silent_dbfs
        self.required = required
        self._buf = np.zeros(0, np.float32)
        self._since_vad = 0
        self.heard_s = 0.0
        self.speech_s = 0.0  # speech at a usable level found so far
        self.loud_speech_s = 0.0
        self.quiet_speech_s = 0.0
        self.clipped = 0
        self.samples = 0
        self.level = -math.inf
        self.peak = 0.0
        self.max_level = -math.inf

    @property
    def detector(self) -> SpeechDetector:
        if self._detector is None:
            self._detector = SpeechDetector()
        return self._detector

    def update(self, block: AudioBlock) -> CheckResult:
        x = block.samples
        self.samples += len(x)
        self.level = dbfs(x)
        self.peak = float(np.max(np.abs(x))) if len(x) else 0.0
        self.max_level = max(self.max_level, self.level)
        self.clipped += int(np.count_nonzero(np.abs(x) >= 0.99))
        self._buf = np.concatenate([self._buf, x])[-self.window :]
        self._since_vad += len(x)
        # Run the VAD on the rolling window every ~0.5 s of new audio.
        if self._since_vad >= AUDIO_RATE // 2 and len(self._buf) >= AUDIO_RATE // 2:
            self._analyse(self._since_vad)
            self._since_vad = 0
        return self.result()

    def _analyse(self, new: int) -> None:
        buf = self._buf
        for start, end in self.detector.speech(buf):
            # Count only speech inside the newest part of the window, once.
            s = max(start, len(buf) - new)
            if end <= s:
                continue
            seg = buf[s:end]
            secs = len(seg) / AUDIO_RATE
            if dbfs(seg) >= self.quiet_dbfs:
                self.speech_s += secs
            else:
                self.quiet_speech_s += secs

    def result(self) -> CheckResult:
        heard = self.samples / AUDIO_RATE
        data = {
            "level_dbfs": _rounded(self.level),
            "peak": round(self.peak, 3),
            "max_level_dbfs": _rounded(self.max_level),
            "speech_s": round(self.speech_s, 2),
            "heard_s": round(heard, 2),
        }
        clip_ratio = self.clipped / max(1, self.samples)
        if clip_ratio > 0.002:
            return CheckResult(
                self.name,
                False,
                self.required,
                "The sound is clipping (too loud)",
                "Turn the microphone's input volume down or move it further away.",
                data,
            )
        if self.speech_s >= self.min_speech_s:
            return CheckResult(
                self.name,
                True,
                self.required,
                f"Speech heard at {_rounded(self.max_level)} dBFS",
                "",
                data,
            )
        if heard < 1.0:
            return CheckResult(
                self.name, False, self.required, "Listening…", "", {**data, "pending": True}
            )
        if self.max_level < self.silent_dbfs:
            return CheckResult(
                self.name,
                False,
                self.required,
                "The microphone is silent or muted",
                "Unmute the microphone (check its switch and the system sound settings).",
                data,
            )
        if self.quiet_speech_s >= self.min_speech_s / 2:
            return CheckResult(
                self.name,
                False,
                self.required,
                "Your voice is too quiet",
                "Move closer to the microphone or turn its input volume up.",
                data,
            )
        if self.max_level < self.quiet_dbfs:
            return CheckResult(
                self.name,
                False,
                self.required,
                "Too quiet — say a few words",
                "Speak in your normal voice; if you are, turn the input volume up.",
                {**data, "pending": True},
            )
        return CheckResult(
            self.name,
            False,
            self.required,
            "Only noise, no speech heard yet",
            "Say a few words; if you are, move away from noise (fans, music).",
            {**data, "pending": True},
        )

    def finish(self) -> CheckResult:
        r = self.result()
        r.data.pop("pending", None)
        if r.detail == "Listening…":
            r.detail = "Not enough sound to judge"
            r.fix = "Speak for a few seconds."
        return r


def _rounded(v: float) -> float | None:
    return round(v, 1) if math.isfinite(v) else None


# -- speaker --------------------------------------------------------------------------


class SpeakerCheck:
    """Plays the test chime; passes only when the person says they heard it."""

    name = "speaker"

    def __init__(self, required: bool = True) -> None:
        self.required = required
        self._state = "idle"  # idle | playing | heard | not_heard | failed
        self._error: DeviceError | None = None

    def start(self, speaker) -> CheckResult:
        from capture.speaker import play_test_sound

        try:
            play_test_sound(speaker)
        except DeviceError as e:
            self._state, self._error = "failed", e
        else:
            self._state = "playing"
        return self.result()

    def confirm(self, heard: bool) -> CheckResult:
        if self._state != "failed":
            self._state = "heard" if heard else "not_heard"
        return self.result()

    def result(self) -> CheckResult:
        if self._state == "failed" and self._error is not None:
            return device_failed(self.name, self._error, self.required)
        if self._state == "heard":
            return CheckResult(self.name, True, self.required, "You heard the test sound")
        if self._state == "not_heard":
            return CheckResult(
                self.name,
                False,
                self.required,
                "The test sound was not heard",
                "Turn the volume up, unmute, or pick other speakers or headphones.",
            )
        detail = "Did you hear the chime?" if self._state == "playing" else "Play the test sound"
        return CheckResult(self.name, False, self.required, detail, "", {"pending": True})


# -- screen ---------------------------------------------------------------------------


def check_screen(required: bool = True) -> CheckResult:
    """Full-screen capture works; a warning (not a failure) with more than one monitor."""
    from capture.screen import grab_thumbnail, list_monitors, screen_capture_status

    ok, reason = screen_capture_status()
    if not ok:
        return CheckResult("screen", False, required, reason.split(". ")[0], reason)
    try:
        thumb = grab_thumbnail(320)
    except DeviceError as e:
        return device_failed("screen", e, required)
    mons = list_monitors()
    data: dict[str, Any] = {"thumbnail": thumb, "monitors": len(mons)}
    if len(mons) > 1:
        data["warning"] = "More than one monitor: only the main one is shared"
        return CheckResult(
            "screen",
            True,
            required,
            f"Screen sharing works; {len(mons)} monitors found (only the main one is shared)",
            "Disconnect extra monitors if the interview rules ask for one screen.",
            data,
        )
    return CheckResult("screen", True, required, "Screen sharing works", "", data)


# -- network --------------------------------------------------------------------------


def check_network(
    url: str,
    min_mbps: float = 1.0,
    upload_bytes: int = 1_000_000,
    timeout: float = 10.0,
    required: bool = True,
) -> CheckResult:
    """The backend answers ``GET /health``; upload speed from ``POST /api/speedtest``."""
    import httpx

    base = url.rstrip("/")
    try:
        with httpx.Client(timeout=timeout) as client:
            t = time.perf_counter()
            r = client.get(f"{base}/health")
            rtt = time.perf_counter() - t
            if r.status_code >= 400:
                return CheckResult(
                    "network",
                    False,
                    required,
                    f"The interview server answered {r.status_code}",
                    "Try again in a few minutes; if it persists, contact support.",
                    {"rtt_ms": round(rtt * 1000)},
                )
            data: dict[str, Any] = {"rtt_ms": round(rtt * 1000, 1)}
            body = b"\0" * upload_bytes
            t = time.perf_counter()
            s = client.post(
                f"{base}/api/speedtest",
                content=body,
                headers={"Content-Type": "application/octet-stream"},
            )
            took = time.perf_counter() - t
    except httpx.HTTPError as e:
        return CheckResult(
            "network",
            False,
            required,
            f"Can't reach the interview server ({type(e).__name__})",
            "Check your internet connection (Wi-Fi, cable) and try again.",
        )
    if s.status_code in (404, 405):
        data["measured"] = False
        return CheckResult(
            "network",
            True,
            required,
            f"Server reachable ({data['rtt_ms']:.0f} ms round trip); upload speed not "
            "measured: the server has no speed test, so only the round trip was checked",
            "",
            data,
        )
    if s.status_code >= 400:
        return CheckResult(
            "network",
            False,
            required,
            f"Upload test failed: the server answered {s.status_code}",
            "Check your internet connection and try again.",
            data,
        )
    mbps = upload_bytes * 8 / max(took, 1e-6) / 1e6
    data.update(measured=True, upload_mbps=round(mbps, 1), min_mbps=min_mbps)
    if mbps < min_mbps:
        return CheckResult(
            "network",
            False,
            required,
            f"Upload is slow: {mbps:.1f} Mbit/s (needs {min_mbps:g})",
            "Move closer to the Wi-Fi router, use a cable, or stop other uploads.",
            data,
        )
    return CheckResult(
        "network", True, required, f"Server reachable, upload {mbps:.1f} Mbit/s", "", data
    )


# -- disk -----------------------------------------------------------------------------

RECORDING_BYTES = 300 * 1024 * 1024  # ~20 minutes of camera + microphone
MARGIN_BYTES = 200 * 1024 * 1024


def check_disk(
    folder: Path | None = None,
    need_bytes: int = RECORDING_BYTES + MARGIN_BYTES,
    required: bool = True,
) -> CheckResult:
    if folder is None:
        from session.paths import data_dir

        folder = data_dir()
    try:
        free = shutil.disk_usage(folder).free
    except OSError as e:
        return CheckResult(
            "disk", False, required, f"Can't check free space in {folder}: {e}", "Check the disk."
        )
    data = {"free_mb": free // 2**20, "need_mb": need_bytes // 2**20, "folder": str(folder)}
    if free < need_bytes:
        return CheckResult(
            "disk",
            False,
            required,
            f"Not enough free disk space: {free // 2**20} MB free, {need_bytes // 2**20} MB needed",
            "Delete files you don't need or empty the bin, then check again.",
            data,
        )
    return CheckResult("disk", True, required, f"{free // 2**30:.0f} GB free", "", data)


# -- one-shot ---------------------------------------------------------------------------


def _run_camera(
    camera_src: str | int | None,
    seconds: float,
    detector: FaceDetector | None,
    clock: Callable[[], float],
) -> list[CheckResult]:
    from capture.camera import CameraSource

    if camera_src is None:
        camera_src = 0
    still = (
        isinstance(camera_src, str)
        and not camera_src.startswith("/dev/")
        and Path(camera_src).is_file()
        and bool(cv2.haveImageReader(camera_src))
    )
    cam_check, face_check = CameraCheck(still_ok=still), FaceCheck(detector)
    source = CameraSource(camera_src, clock=clock)
    try:
        source.open()
    except DeviceError as e:
        failed = device_failed("camera", e)
        return [failed, CheckResult("face", False, True, "No camera picture", e.fix)]
    try:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                frame = source.read(timeout=min(1.0, max(0.05, deadline - time.monotonic())))
            except DeviceError as e:
                return [device_failed("camera", e), face_check.finish()]
            if frame is None:
                continue
            cam = cam_check.update(frame)
            face = face_check.update(frame)
            if cam.ok and face.ok:
                break
            if cam_check.frames >= 2 * cam_check.min_frames and face_check.frames >= 8:
                break  # enough evidence either way
    finally:
        source.close()
    return [cam_check.finish(), face_check.finish()]


def _run_microphone(
    mic_src: str | int | None, seconds: float, clock: Callable[[], float]
) -> CheckResult:
    from capture.microphone import WavFileSource, open_microphone

    source = open_microphone(mic_src, clock=clock)
    if isinstance(source, WavFileSource):
        source.realtime = False  # a file needn't be waited for; judge its first seconds
    try:
        source.open()
    except DeviceError as e:
        return device_failed("microphone", e)
    check = MicrophoneCheck()
    check.detector  # noqa: B018 - load the VAD before the clock starts
    try:
        heard = 0.0
        deadline = time.monotonic() + seconds + 2.0  # a live device needs ~1.5 s to start
        while heard < seconds and time.monotonic() < deadline:
            block = source.read(timeout=0.5)
            if block is None:
                if getattr(source, "exhausted", False):
                    break
                continue
            heard += block.duration
            if check.update(block).ok:
                break
    finally:
        source.close()
    return check.finish()


def run_checks(
    camera_src: str | int | None,
    mic_src: str | int | None,
    speaker: bool = False,
    screen: bool = False,
    backend_url: str | None = None,
    *,
    camera_seconds: float = 3.0,
    mic_seconds: float = 3.0,
    min_mbps: float = 1.0,
    disk: bool = True,
    camera: bool = True,
    microphone: bool = True,
    confirm_heard: Callable[[], bool | None] | None = None,
    detector: FaceDetector | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> list[CheckResult]:
    """Every requested check, one-shot. Camera+face and microphone run side by side.

    A ``None`` source means the system default (camera 0, the default input);
    ``camera=False`` / ``microphone=False`` skip those checks.

    ``confirm_heard`` asks the person whether they heard the chime (None: nobody to ask,
    the speaker check then stays unconfirmed and is not required)."""
    results: dict[str, list[CheckResult]] = {}

    def camera_job() -> None:
        results["camera"] = _run_camera(camera_src, camera_seconds, detector, clock)

    threads = []
    if camera:
        threads.append(threading.Thread(target=camera_job, name="check-camera", daemon=True))
        threads[-1].start()
    if microphone:
        results["microphone"] = [_run_microphone(mic_src, mic_seconds, clock)]
    for t in threads:
        t.join(timeout=camera_seconds + 30)
    out = results.get("camera", []) + results.get("microphone", [])
    if speaker:
        out.append(_run_speaker(confirm_heard))
    if screen:
        out.append(check_screen())
    if backend_url:
        out.append(check_network(backend_url, min_mbps=min_mbps))
    if disk:
        out.append(check_disk())
    return out


def _run_speaker(confirm_heard: Callable[[], bool | None] | None) -> CheckResult:
    from capture.speaker import Speaker

    check = SpeakerCheck(required=confirm_heard is not None)
    spk = Speaker()
    try:
        spk.start()
    except DeviceError as e:
        return device_failed("speaker", e, check.required)
    try:
        r = check.start(spk)
        if r.pending:
            spk.wait(3.0)
            answer = confirm_heard() if confirm_heard else None
            if answer is None:
                return CheckResult(
                    "speaker",
                    False,
                    False,
                    "Test sound played; nobody confirmed hearing it",
                    "Run the check interactively to confirm by ear.",
                )
            r = check.confirm(answer)
        return r
    finally:
        spk.close()


def all_required_ok(results: list[CheckResult]) -> bool:
    return all(r.ok for r in results if r.required)
