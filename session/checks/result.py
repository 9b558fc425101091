"""The shape every check reports: what is wrong, and what to do about it."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from capture.types import DeviceError


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
