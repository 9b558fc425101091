"""Speaker, screen, network and disk checks."""

from __future__ import annotations

import shutil
import time
from pathlib import Path
from typing import Any

from capture.types import DeviceError
from session.checks.result import CheckResult, device_failed


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


def backend_reachable(url: str, timeout: float = 3.0) -> tuple[bool, str]:
    """Only ``GET /health``: cheap enough for a proctor panel to repeat (no speed test)."""
    import httpx

    try:
        r = httpx.get(url.rstrip("/") + "/health", timeout=timeout)
    except httpx.HTTPError as e:
        return False, f"not reachable: {type(e).__name__}"
    if r.status_code >= 500:
        return False, f"server error {r.status_code}"
    return True, f"reachable (HTTP {r.status_code})"


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


RECORDING_BYTES = 300 * 1024 * 1024  # ~20 minutes of camera + microphone
MARGIN_BYTES = 200 * 1024 * 1024


def check_disk(
    folder: Path | None = None,
    need_bytes: int = RECORDING_BYTES + MARGIN_BYTES,
    required: bool = True,
) -> CheckResult:
    if folder is None:
        from session.runtime.paths import data_dir

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
