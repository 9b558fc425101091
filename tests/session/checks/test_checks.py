from __future__ import annotations

import http.server
import threading
import time
from collections.abc import Iterator

import cv2
import numpy as np
import pytest

from capture.faces import FaceBox, FaceDetector
from capture.microphone import MicrophoneSource, WavFileSource
from capture.speaker import NullSpeaker
from capture.types import AudioBlock, VideoFrame
from session.checks import (
    MANY_FACES,
    NO_FACE,
    OUT_OF_FRAME,
    TOO_DARK,
    TOO_FAR,
    CameraCheck,
    CheckResult,
    FaceCheck,
    MicrophoneCheck,
    SpeakerCheck,
    check_disk,
    check_network,
)
from tests.conftest import FACES, SPEECH

# -- camera ---------------------------------------------------------------------------


def _frames(images: list[np.ndarray]) -> Iterator[VideoFrame]:
    for i, img in enumerate(images):
        yield VideoFrame(img, i / 30, i)


def test_camera_check_passes_on_a_live_noisy_picture() -> None:
    rng = np.random.default_rng(1)
    check = CameraCheck()
    for f in _frames([rng.integers(60, 200, (480, 640, 3), np.uint8) for _ in range(6)]):
        r = check.update(f)
    assert r.ok and "640×480" in r.detail and r.data["fps"] == pytest.approx(30, abs=1)


def test_camera_check_fails_on_black_and_frozen_pictures() -> None:
    black = CameraCheck()
    for f in _frames([np.zeros((480, 640, 3), np.uint8)] * 6):
        r = black.update(f)
    assert not r.ok and "black" in r.detail and r.fix

    frozen = CameraCheck()
    still = np.random.default_rng(2).integers(60, 200, (480, 640, 3), np.uint8)
    for f in _frames([still] * 6):
        r = frozen.update(f)
    assert not r.ok and "frozen" in r.detail
    # ... unless the source is a still image on purpose.
    allowed = CameraCheck(still_ok=True)
    for f in _frames([still] * 6):
        r = allowed.update(f)
    assert r.ok


def test_camera_check_without_frames_says_no_picture() -> None:
    r = CameraCheck().finish()
    assert not r.ok and not r.pending and "no picture" in r.detail


# -- face -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def detector() -> FaceDetector:
    return FaceDetector()


@pytest.fixture(scope="module")
def astronaut() -> np.ndarray:
    img = cv2.imread(str(FACES / "skimage_astronaut.png"))
    assert img is not None
    return img


def _face_verdict(detector: FaceDetector, image: np.ndarray, frames: int = 3) -> CheckResult:
    check = FaceCheck(detector, stable_frames=3)
    for _ in range(frames):
        r = check.update(image)
    return r


def test_face_check_passes_once_one_face_is_stable(detector, astronaut) -> None:
    check = FaceCheck(detector, stable_frames=3)
    assert not check.update(astronaut).ok  # one good frame is not enough yet
    assert not check.update(astronaut).ok
    r = check.update(astronaut)
    assert r.ok and r.data["faces"] == 1


def test_face_check_reasons(detector, astronaut, testdata) -> None:
    coffee = cv2.imread(str(FACES / "skimage_coffee.png"))
    assert _face_verdict(detector, coffee).detail == NO_FACE

    two = cv2.imread(str(FACES / "fr_two_people.jpg"))
    assert _face_verdict(detector, two).detail == MANY_FACES

    dark = (astronaut.astype(np.float32) * 0.12).astype(np.uint8)
    r = _face_verdict(detector, dark)
    assert r.detail == TOO_DARK and r.fix

    # The face (box x≈176..273, y≈65..162) pushed against the left, then the top edge.
    assert _face_verdict(detector, np.ascontiguousarray(astronaut[:, 176:])).detail == OUT_OF_FRAME
    assert _face_verdict(detector, np.ascontiguousarray(astronaut[65:, :])).detail == OUT_OF_FRAME

    # A face the detector finds but that is small in the picture (10-15% of its height).
    check = FaceCheck(detector)
    small = FaceBox(300, 300, 60, 60, 1.0)
    assert check.judge(np.full((480, 640, 3), 128, np.uint8), [small]) == TOO_FAR
    big = FaceBox(260, 150, 120, 120, 1.0)
    assert check.judge(np.full((480, 640, 3), 128, np.uint8), [big]) == ""


def test_face_check_on_a_real_webcam_like_video(detector, testdata) -> None:
    from capture.faces import sample_video_frames

    check = FaceCheck(detector)
    results = [
        check.update(f)
        for f in sample_video_frames(FACES / "intel_head-pose-face-detection-male.mp4", 5)
    ]
    assert results[-1].ok


# -- microphone -----------------------------------------------------------------------


def _blocks(x: np.ndarray, block: int = 1600) -> Iterator[AudioBlock]:
    for i in range(0, len(x) - block + 1, block):
        yield AudioBlock(x[i : i + block].astype(np.float32), i / 16000)


def _run_mic(x: np.ndarray, check: MicrophoneCheck | None = None) -> CheckResult:
    check = check or MicrophoneCheck()
    r = None
    for b in _blocks(x):
        r = check.update(b)
        if r.ok:
            break
    assert r is not None
    return check.finish()


@pytest.fixture(scope="module")
def jfk() -> np.ndarray:
    src = WavFileSource(SPEECH / "jfk.wav", realtime=False)
    src.open()
    parts = []
    while (b := src.read()) is not None:
        parts.append(b.samples)
    return np.concatenate(parts)[: 16000 * 4]


def test_microphone_check_passes_on_speech(jfk) -> None:
    r = _run_mic(jfk)
    assert r.ok and r.data["speech_s"] >= 0.6
    assert r.data["max_level_dbfs"] > -30 and 0 < r.data["peak"] <= 1


def test_microphone_check_failures_say_why(jfk) -> None:
    r = _run_mic(np.zeros(16000 * 3, np.float32))
    assert not r.ok and "silent or muted" in r.detail and r.fix

    r = _run_mic(jfk * 0.003)
    assert not r.ok and "quiet" in r.detail.lower()

    noise = np.random.default_rng(3).normal(0, 0.05, 16000 * 3).astype(np.float32)
    r = _run_mic(noise)
    assert not r.ok and "noise" in r.detail.lower()

    r = _run_mic(np.clip(jfk * 30, -1, 1))
    assert not r.ok and "clipping" in r.detail


@pytest.mark.device
def test_microphone_check_passes_through_the_real_portaudio_path(
    virtual_mic: str, play_to_mic, testdata
) -> None:
    check = MicrophoneCheck()
    _ = check.detector
    with MicrophoneSource(virtual_mic) as mic:
        assert mic.read(timeout=5.0) is not None  # stream is running
        play_to_mic(SPEECH / "jfk.wav")
        r = None
        deadline = time.monotonic() + 6.0
        while time.monotonic() < deadline:
            b = mic.read(timeout=1.0)
            if b is not None and (r := check.update(b)).ok:
                break
    assert r is not None and r.ok, r


@pytest.mark.device
def test_microphone_check_fails_on_silence_through_the_real_portaudio_path(
    virtual_mic: str,
) -> None:
    check = MicrophoneCheck()
    _ = check.detector
    with MicrophoneSource(virtual_mic) as mic:
        deadline = time.monotonic() + 4.0
        while time.monotonic() < deadline:
            b = mic.read(timeout=1.0)
            if b is not None:
                check.update(b)
    r = check.finish()
    assert not r.ok and "silent" in r.detail and r.data["heard_s"] >= 1.5


# -- speaker, network, disk -----------------------------------------------------------


def test_speaker_check_passes_only_when_the_person_heard_it() -> None:
    spk = NullSpeaker()
    try:
        check = SpeakerCheck()
        r = check.start(spk)
        assert not r.ok and r.pending and spk.playing
        assert not check.confirm(False).ok
        assert check.confirm(True).ok
    finally:
        spk.close()


class _Handler(http.server.BaseHTTPRequestHandler):
    speedtest = True

    def do_GET(self) -> None:
        if self.path == "/health":
            self._send(200, b'{"ok": true}')
        else:
            self._send(404, b"{}")

    def do_POST(self) -> None:
        n = int(self.headers.get("Content-Length", 0))
        self.rfile.read(n)
        if self.path == "/api/speedtest" and self.speedtest:
            self._send(200, b'{"bytes": %d}' % n)
        else:
            self._send(404, b"{}")

    def _send(self, code: int, body: bytes) -> None:
        self.send_response(code)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def server() -> Iterator[tuple[str, type[_Handler]]]:
    handler = type("H", (_Handler,), {"speedtest": True})
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    try:
        yield f"http://127.0.0.1:{srv.server_address[1]}", handler
    finally:
        srv.shutdown()
        srv.server_close()
        t.join(2)


@pytest.mark.server
def test_network_check_measures_upload_speed(server) -> None:
    url, _ = server
    r = check_network(url, min_mbps=1.0, upload_bytes=500_000)
    assert r.ok and r.data["measured"] and r.data["upload_mbps"] > 1.0
    slow = check_network(url, min_mbps=1e9, upload_bytes=500_000)
    assert not slow.ok and "slow" in slow.detail and slow.fix


@pytest.mark.server
def test_network_check_without_speed_test_says_it_did_not_measure(server) -> None:
    url, handler = server
    handler.speedtest = False
    r = check_network(url)
    assert r.ok and r.data["measured"] is False and "not measured" in r.detail


def test_network_check_fails_plainly_when_the_server_is_unreachable() -> None:
    import socket

    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # nothing listens there now
    r = check_network(f"http://127.0.0.1:{port}", timeout=2)
    assert not r.ok and "Can't reach" in r.detail and r.fix


def test_disk_check_compares_free_space_with_a_recording(tmp_path) -> None:
    assert check_disk(tmp_path).ok
    r = check_disk(tmp_path, need_bytes=1 << 60)
    assert not r.ok and "Not enough free disk space" in r.detail and r.fix


def test_results_serialise_without_arrays() -> None:
    r = CheckResult("screen", True, True, "ok", data={"thumbnail": np.zeros((2, 2)), "n": 1})
    assert r.to_json()["data"] == {"n": 1}
