"""The proctor PIN: stored only as a salted scrypt hash, compared in constant time, with a
limit on wrong tries whose lock-out survives a restart (the state lives in a file)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

# scrypt cost: ~50 ms on this project's 2-core machines; slow enough to make guessing a
# stolen hash costly, fast enough for a proctor typing at the station.
N, R, P = 2**14, 8, 1
PIN_MIN, PIN_MAX = 4, 12


class PinFormatError(ValueError):
    pass


def check_pin_text(pin: str) -> str:
    """A PIN is 4 to 12 digits; returns it, or raises PinFormatError saying what's wrong."""
    if not pin.isdigit() or not PIN_MIN <= len(pin) <= PIN_MAX:
        raise PinFormatError(f"a proctor PIN is {PIN_MIN} to {PIN_MAX} digits")
    return pin


def _b64(b: bytes) -> str:
    return base64.b64encode(b).decode("ascii")


def hash_pin(pin: str, n: int = N, r: int = R, p: int = P) -> str:
    """``scrypt$n$r$p$salt$hash`` (salt and hash base64)."""
    check_pin_text(pin)
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(pin.encode(), salt=salt, n=n, r=r, p=p, dklen=32)
    return f"scrypt${n}${r}${p}${_b64(salt)}${_b64(digest)}"


def parse_hash(stored: str) -> tuple[int, int, int, bytes, bytes]:
    parts = stored.split("$")
    if len(parts) != 6 or parts[0] != "scrypt":
        raise PinFormatError(
            "must be a hash made by `python main.py station init` (scrypt$n$r$p$salt$hash), "
            "never the PIN itself"
        )
    try:
        n, r, p = int(parts[1]), int(parts[2]), int(parts[3])
        salt, digest = (
            base64.b64decode(parts[4], validate=True),
            base64.b64decode(parts[5], validate=True),
        )
    except ValueError as e:
        raise PinFormatError(f"is a damaged scrypt hash ({e})") from e
    if n < 2**10 or n & (n - 1) or not 1 <= r <= 32 or not 1 <= p <= 16 or len(salt) < 8:
        raise PinFormatError("has scrypt parameters that are too weak or invalid")
    if not digest:
        raise PinFormatError("has an empty hash")
    return n, r, p, salt, digest


def verify_pin(pin: str, stored: str) -> bool:
    n, r, p, salt, digest = parse_hash(stored)
    got = hashlib.scrypt(pin.encode(), salt=salt, n=n, r=r, p=p, dklen=len(digest))
    return hmac.compare_digest(got, digest)


@dataclass(frozen=True)
class PinResult:
    ok: bool
    tries_left: int
    locked_for_s: float  # > 0 while the PIN is locked after too many wrong tries

    @property
    def message(self) -> str:
        if self.ok:
            return "PIN accepted."
        if self.locked_for_s > 0:
            mins = max(1, round(self.locked_for_s / 60))
            if self.locked_for_s < 90:
                return f"Too many wrong PINs. Try again in {int(self.locked_for_s + 0.99)} s."
            return f"Too many wrong PINs. Try again in about {mins} min."
        return f"Wrong PIN. {self.tries_left} tries left."


class PinGuard:
    """Checks PIN tries against the stored hash. After ``max_tries`` wrong ones the PIN is
    locked for ``lockout_s``; the count and the lock-out end (wall-clock time, so it
    survives a restart) are written to ``state_path`` after every try."""

    def __init__(
        self,
        stored_hash: str,
        state_path: Path,
        max_tries: int = 5,
        lockout_s: float = 300.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        parse_hash(stored_hash)
        self._hash = stored_hash
        self.state_path = Path(state_path)
        self.max_tries = max_tries
        self.lockout_s = lockout_s
        self._clock = clock
        self._wrong, self._locked_until = self._load()

    def _load(self) -> tuple[int, float]:
        try:
            d = json.loads(self.state_path.read_text(encoding="utf-8"))
            return int(d.get("wrong", 0)), float(d.get("locked_until", 0.0))
        except (OSError, ValueError, TypeError, AttributeError):
            return 0, 0.0  # no file yet, or damaged: start clean rather than lock forever

    def _save(self) -> None:
        self.state_path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.state_path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"wrong": self._wrong, "locked_until": self._locked_until}))
        os.replace(tmp, self.state_path)

    def locked_for(self) -> float:
        remaining = self._locked_until - self._clock()
        # A clock set backwards must not lock the PIN for longer than one lock-out.
        return max(0.0, min(remaining, self.lockout_s))

    def attempt(self, pin: str) -> PinResult:
        locked = self.locked_for()
        if locked > 0:
            return PinResult(False, 0, locked)
        if self._locked_until:  # a lock-out just ended: a fresh set of tries
            self._wrong, self._locked_until = 0, 0.0
        if verify_pin(pin, self._hash):
            self._wrong, self._locked_until = 0, 0.0
            self._save()
            return PinResult(True, self.max_tries, 0.0)
        self._wrong += 1
        if self._wrong >= self.max_tries:
            self._locked_until = self._clock() + self.lockout_s
            self._save()
            return PinResult(False, 0, self.lockout_s)
        self._save()
        return PinResult(False, self.max_tries - self._wrong, 0.0)
