"""Bearer tokens. A `station` token reaches only the attempts it created; a `reviewer` token
reaches all of them. Only the sha256 of a token is stored."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from backend.db import Token, open_db

ROLES = ("station", "reviewer")
REVIEW_COOKIE = "kiosk_review"
TOKEN_PREFIX = "ik_"


@dataclass(frozen=True)
class Principal:
    token_id: int
    role: str
    name: str

    @property
    def is_reviewer(self) -> bool:
        return self.role == "reviewer"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_token(sessions: sessionmaker, role: str, name: str) -> str:
    """Returns the new token; only its hash is kept."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}: use one of {', '.join(ROLES)}")
    # A fixed prefix: a bare urlsafe token starts with "-" one time in 64, and a command
    # line (`--token -xyz`) would take it for an option.
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with sessions.begin() as db:
        db.add(Token(token_hash=hash_token(token), role=role, name=name))
    return token


def create_token_in(data_dir: Path, role: str, name: str, database_url: str | None = None) -> str:
    return create_token(open_db(data_dir, database_url), role, name)


def lookup(sessions: sessionmaker, token: str) -> Principal | None:
    if not token:
        return None
    wanted = hash_token(token)
    with sessions() as db:
        row = db.scalars(select(Token).where(Token.token_hash == wanted)).first()
    if row is None or row.revoked or not hmac.compare_digest(row.token_hash, wanted):
        return None
    return Principal(row.id, row.role, row.name)


def bearer(request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" else ""


_CACHE_S = 10.0
_cache: dict[tuple[int, str], tuple[Principal, float]] = {}


def cached_lookup(sessions: sessionmaker, token: str) -> Principal | None:
    """`lookup` with valid tokens remembered for a few seconds: every tus chunk carries the
    token, and a database round trip per chunk is wasted time. Unknown tokens are not
    remembered, so a token created a moment ago works at once."""
    key = (id(sessions), hash_token(token))
    hit = _cache.get(key)
    now = time.monotonic()
    if hit and hit[1] > now:
        return hit[0]
    principal = lookup(sessions, token)
    if principal is not None:
        _cache[key] = (principal, now + _CACHE_S)
    return principal


async def require(request: Request) -> Principal:
    """FastAPI dependency: a valid bearer token or 401. Async, so it runs on the event loop
    without a thread hop (the lookup is one indexed row, usually cached)."""
    principal = cached_lookup(request.app.state.sessions, bearer(request))
    if principal is None:
        raise HTTPException(
            401,
            "Missing or unknown access token: send 'Authorization: Bearer <token>'. "
            "Ask the administrator for a token (python main.py backend token create).",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return principal


# Annotated dependency: `who: Auth` in an endpoint's signature.
Auth = Annotated[Principal, Depends(require)]
