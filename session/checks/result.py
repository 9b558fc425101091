"""The shape every check reports: what is wrong, and what to do about it."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any


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


# What to do when a device failed without saying (a DeviceError brings its own fix).
DEVICE_FIXES = {
    "camera": "Plug in a camera, close other apps that use it, then press Check again.",
    "microphone": "Plug in a microphone, check it is not muted, then press Check again.",
}
OTHER_FIX = "Press Check again. If it keeps failing, open Help."


def device_failed(name: str, err: BaseException, required: bool = True) -> CheckResult:
    """A check that could not run because its device (or the check itself) failed."""
    fix = getattr(err, "fix", "") or DEVICE_FIXES.get(name, OTHER_FIX)
    return CheckResult(name, False, required, str(err) or type(err).__name__, fix)


def no_camera() -> CheckResult:
    """The computer has no camera at all (nothing to open)."""
    return CheckResult(
        "camera",
        False,
        True,
        "No camera was found on this computer.",
        "Plug in a camera (or open the laptop lid), then press Check again.",
    )


def all_required_ok(results: list[CheckResult]) -> bool:
    return all(r.ok for r in results if r.required)
