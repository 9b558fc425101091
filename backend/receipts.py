"""Signed receipts: HMAC-SHA256 over the canonical JSON of the receipt (all keys but
`signature`), with a secret that never leaves the data folder."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
from pathlib import Path
from typing import Any

SECRET_FILE = "receipt-secret.key"


def load_secret(data_dir: Path) -> bytes:
    """Creates the secret on first use (readable by the owner only)."""
    path = Path(data_dir) / SECRET_FILE
    if not path.exists():
        tmp = path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(secrets.token_bytes(32))
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    return path.read_bytes()


def canonical(receipt: dict[str, Any]) -> bytes:
    body = {k: v for k, v in receipt.items() if k != "signature"}
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def sign(receipt: dict[str, Any], secret: bytes) -> dict[str, Any]:
    signed = dict(receipt)
    signed["signature"] = hmac.new(secret, canonical(receipt), hashlib.sha256).hexdigest()
    return signed


def is_genuine(receipt: dict[str, Any], secret: bytes) -> bool:
    given = receipt.get("signature")
    if not isinstance(given, str):
        return False
    expected = hmac.new(secret, canonical(receipt), hashlib.sha256).hexdigest()
    return hmac.compare_digest(given, expected)
