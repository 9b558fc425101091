"""Attempts, submission with a signed receipt, interview configs, the speed test."""

from __future__ import annotations

import json
import logging
import os
import re
import uuid
from pathlib import Path
from typing import Any

import yaml
from fastapi import APIRouter, HTTPException, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy import delete, func, select

from backend import receipts
from backend.auth import Auth, Principal
from backend.db import Attempt, Upload, utcnow
from backend.tus import safe_relative_path
from backend.upload_store import UploadStore

log = logging.getLogger("backend.attempts")

MAX_OFFICIAL_ATTEMPTS = 3
SPEEDTEST_MAX = 8 * 1024 * 1024
_ID = re.compile(r"^[A-Za-z0-9_.\-]{1,200}$")

router = APIRouter()


class AttemptIn(BaseModel):
    interview_id: str = Field(min_length=1, max_length=200)
    attempt_number: int | None = Field(default=None, ge=1, le=1000)
    practice: bool = False
    # Who sits the interview; a home install's token is the candidate, a station's token
    # serves many candidates, so the station names each one.
    candidate: str | None = Field(default=None, max_length=200)
    # The client's own key for this attempt, so a retried create never counts twice.
    client_ref: str | None = Field(default=None, max_length=128)


def attempt_json(a: Attempt) -> dict[str, Any]:
    return {
        "id": a.id,
        "interview_id": a.interview_id,
        "attempt_number": a.attempt_number,
        "practice": a.practice,
        "candidate": a.candidate,
        "state": a.state,
        "created_at": a.created_at.isoformat() + "Z",
        "submitted_at": a.submitted_at.isoformat() + "Z" if a.submitted_at else None,
    }


def _get_owned(request: Request, attempt_id: str, who: Principal) -> Attempt:
    with request.app.state.sessions() as db:
        a = db.get(Attempt, attempt_id)
    if a is None or (a.owner_id != who.token_id and not who.is_reviewer):
        raise HTTPException(404, f"No attempt {attempt_id!r} reachable with this token.")
    return a


@router.get("/health")
def health() -> dict[str, bool]:
    return {"ok": True}


@router.post("/api/speedtest")
async def speedtest(request: Request) -> Response:
    n = 0
    async for piece in request.stream():
        n += len(piece)
        if n > SPEEDTEST_MAX:
            return JSONResponse({"detail": "Speed test bodies are limited to 8 MB."}, 413)
    return JSONResponse({"bytes": n})


@router.get("/api/interviews/{interview_id}")
def interview(interview_id: str, request: Request) -> Response:
    folder: Path | None = request.app.state.interviews_dir
    if not _ID.match(interview_id) or folder is None:
        raise HTTPException(404, f"No interview {interview_id!r}.")
    for ext in (".json", ".yaml", ".yml"):
        path = folder / f"{interview_id}{ext}"
        if path.is_file():
            try:
                text = path.read_text(encoding="utf-8")
                data = json.loads(text) if ext == ".json" else yaml.safe_load(text)
            except (OSError, ValueError, yaml.YAMLError) as e:
                log.error("interview %s unreadable: %s", path, e)
                raise HTTPException(500, f"Interview {interview_id!r} is not valid: {e}") from e
            return JSONResponse(data)
    raise HTTPException(404, f"No interview {interview_id!r} on this server.")


@router.post("/api/attempts", status_code=201)
def create_attempt(
    body: AttemptIn, request: Request, response: Response, who: Auth
) -> dict[str, Any]:
    if body.practice:
        raise HTTPException(
            403,
            "Practice attempts are never uploaded: they stay on the candidate's machine. "
            "Start an official attempt to submit answers.",
        )
    candidate = body.candidate or who.name
    with request.app.state.sessions.begin() as db:
        if body.client_ref:
            same = db.scalars(
                select(Attempt).where(
                    Attempt.owner_id == who.token_id, Attempt.client_ref == body.client_ref
                )
            ).first()
            if same is not None:
                response.status_code = 200  # a retried create: the same attempt again
                return attempt_json(same)
        used = db.scalar(
            select(func.count(Attempt.id)).where(
                Attempt.candidate == candidate,
                Attempt.interview_id == body.interview_id,
                Attempt.practice.is_(False),
            )
        )
        if used >= MAX_OFFICIAL_ATTEMPTS:
            raise HTTPException(
                409,
                f"Candidate {candidate!r} already has {used} official attempts at interview "
                f"{body.interview_id!r}; at most {MAX_OFFICIAL_ATTEMPTS} are allowed. "
                "Please contact support to ask for another attempt.",
            )
        a = Attempt(
            id=uuid.uuid4().hex,
            owner_id=who.token_id,
            candidate=candidate,
            interview_id=body.interview_id,
            attempt_number=body.attempt_number or used + 1,
            practice=False,
            client_ref=body.client_ref,
        )
        db.add(a)
    log.info("attempt %s created (%s, %s #%d)", a.id, candidate, a.interview_id, a.attempt_number)
    return attempt_json(a)


@router.get("/api/attempts")
def list_attempts(request: Request, who: Auth) -> list[dict[str, Any]]:
    q = select(Attempt).order_by(Attempt.created_at.desc())
    if not who.is_reviewer:
        q = q.where(Attempt.owner_id == who.token_id)
    with request.app.state.sessions() as db:
        return [attempt_json(a) for a in db.scalars(q).all()]


@router.get("/api/attempts/{attempt_id}")
def get_attempt(attempt_id: str, request: Request, who: Auth) -> dict:
    a = _get_owned(request, attempt_id, who)
    out = attempt_json(a)
    if a.receipt:
        out["receipt"] = a.receipt
    return out


def _manifest_files(manifest: Any) -> list[dict[str, Any]]:
    files = manifest.get("files") if isinstance(manifest, dict) else None
    if not isinstance(files, list) or not files:
        raise HTTPException(422, "The manifest has no 'files' list: nothing to submit.")
    out = []
    for i, f in enumerate(files):
        try:
            path = safe_relative_path(str(f["path"]))
            size, sha = int(f["size"]), str(f["sha256"]).lower()
        except (KeyError, TypeError, ValueError) as e:
            raise HTTPException(422, f"Manifest file #{i} is malformed: {e}") from e
        out.append({"path": path, "size": size, "sha256": sha})
    return out


def _manifest_gaps(manifest: dict[str, Any]) -> list[dict[str, Any]]:
    """The recording gaps the station listed, reduced to plain, bounded fields (the
    manifest is the client's word: never more than a list of small records)."""
    summary = manifest.get("summary")
    raw = summary.get("recording_gaps") if isinstance(summary, dict) else None
    out: list[dict[str, Any]] = []
    for g in raw if isinstance(raw, list) else []:
        if not isinstance(g, dict):
            continue
        try:
            start, end = float(g.get("from", 0)), float(g.get("to", 0))
        except (TypeError, ValueError):
            continue
        out.append(
            {
                "device": str(g.get("device", ""))[:32],
                "error": str(g.get("error", "lost"))[:16],
                "from": round(start, 3),
                "to": round(end, 3),
                "duration_s": round(max(0.0, end - start), 1),
                "message": str(g.get("message", ""))[:200],
            }
        )
    return out[:100]


@router.post("/api/attempts/{attempt_id}/submit")
def submit(
    attempt_id: str, manifest: dict[str, Any], request: Request, who: Auth
) -> dict[str, Any]:
    a = _get_owned(request, attempt_id, who)
    if a.owner_id != who.token_id:
        raise HTTPException(403, "Only the token that created an attempt can submit it.")
    if a.state == "submitted" and a.receipt:
        return a.receipt  # a retried submit (the client crashed before keeping the receipt)
    files = _manifest_files(manifest)
    store: UploadStore = request.app.state.uploads
    problems: list[dict[str, Any]] = []
    chosen: dict[str, Upload] = {}
    with store.sessions() as db:
        uploads = db.scalars(
            select(Upload).where(Upload.attempt_id == attempt_id).order_by(Upload.created_at.desc())
        ).all()
    # Complete means every byte is on disk. The flag may lag behind after a crash between
    # the chunk's fsync and the database write, so the file size decides.
    uploads = [u for u in uploads if u.complete or store.offset(u.id) == u.length]
    for f in files:
        candidates = [u for u in uploads if u.filename == f["path"]]
        if not candidates:
            problems.append({"path": f["path"], "problem": "missing: never uploaded"})
            continue
        match = None
        for u in candidates:
            if u.length == f["size"] and store.sha256_of(u) == f["sha256"]:
                match = u
                break
        if match is None:
            u = candidates[0]
            problems.append(
                {
                    "path": f["path"],
                    "problem": "size or sha256 differs from the manifest",
                    "expected": {"size": f["size"], "sha256": f["sha256"]},
                    "uploaded": {"size": u.length, "sha256": store.sha256_of(u)},
                }
            )
            continue
        chosen[f["path"]] = match
    if problems:
        raise HTTPException(
            409,
            {
                "message": f"{len(problems)} file(s) are missing or differ: upload them again.",
                "problems": problems,
            },
        )
    folder = request.app.state.attempts_dir / attempt_id
    for path, up in chosen.items():
        dest = folder / path
        dest.parent.mkdir(parents=True, exist_ok=True)
        os.replace(store.path(up.id), dest)
    manifest_upload = next(
        (u for u in uploads if u.filename == "attempt.json" and "attempt.json" not in chosen),
        None,
    )
    if manifest_upload is not None and store.path(manifest_upload.id).exists():
        folder.mkdir(parents=True, exist_ok=True)
        os.replace(store.path(manifest_upload.id), folder / "attempt.json")
    gaps = _manifest_gaps(manifest)
    receipt = receipts.sign(
        {
            "attempt_id": attempt_id,
            "interview_id": a.interview_id,
            "attempt_number": a.attempt_number,
            "files": files,
            # Every file arrived intact; whether they hold the whole interview is the
            # station's account, repeated here so no one reads "complete" into a gap.
            "recording_gaps": gaps,
            "complete": not gaps,
            "server_time": utcnow().isoformat() + "Z",
        },
        request.app.state.secret,
    )
    with store.sessions.begin() as db:
        row = db.get(Attempt, attempt_id)
        row.state = "submitted"
        row.submitted_at = utcnow()
        row.manifest = manifest
        row.receipt = receipt
        leftovers = db.scalars(select(Upload.id).where(Upload.attempt_id == attempt_id)).all()
        db.execute(delete(Upload).where(Upload.attempt_id == attempt_id))
    for uid in leftovers:
        store.path(uid).unlink(missing_ok=True)
        store.forget(uid)
    log.info("attempt %s submitted: %d files", attempt_id, len(files))
    on_submit = getattr(request.app.state, "on_submit", None)
    if on_submit is not None:
        on_submit(folder)
    return receipt


@router.post("/api/receipts/verify")
def verify_receipt(receipt: dict[str, Any], request: Request, who: Auth) -> dict[str, Any]:
    """Tells a client whether a receipt was signed by this server and still matches the
    attempt it names."""
    genuine = receipts.is_genuine(receipt, request.app.state.secret)
    matches = False
    if genuine:
        with request.app.state.sessions() as db:
            a = db.get(Attempt, str(receipt.get("attempt_id", "")))
        reachable = a is not None and (a.owner_id == who.token_id or who.is_reviewer)
        matches = reachable and a.receipt is not None and a.receipt == receipt
    return {"valid": genuine and matches, "signature_ok": genuine, "on_record": matches}
