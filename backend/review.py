"""The reviewers' pages: server-rendered HTML, a little inline JS, nothing from a CDN.
A reviewer signs in once with /review/login?token=...; the token then lives in an HttpOnly,
SameSite=Strict cookie scoped to /review, and the address bar no longer shows it."""

from __future__ import annotations

import json
import re
from html import escape
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse
from sqlalchemy import select

from backend.auth import REVIEW_COOKIE, Principal, bearer, lookup
from backend.db import Attempt
from backend.media import playable_path
from backend.tus import safe_relative_path

router = APIRouter()

CSP = "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src 'self'"
STYLE = """
body{font-family:system-ui,sans-serif;margin:1.5rem;color:#222}
table{border-collapse:collapse}
td,th{padding:.3rem .8rem;border-bottom:1px solid #ddd;text-align:left}
.layout{display:flex;gap:1.5rem;align-items:flex-start}.media{flex:3}
.side{flex:2;max-height:80vh;overflow:auto}video{width:100%;background:#000}
.line{cursor:pointer;padding:.2rem .4rem;border-radius:4px}
.line:hover,.event:hover{background:#eef}.line.now{background:#ffd}
.flag{margin:.2rem 0 .2rem 1rem;padding:.1rem .4rem;border-left:3px solid #b35c00}
.flag{color:#7a3e00;font-size:.9em}
.t{color:#666;font-variant-numeric:tabular-nums}.speaker{font-weight:600;margin-right:.4rem}
.event{cursor:pointer}img.wb{max-width:45%;border:1px solid #ccc;margin:.3rem}
"""
SEEK_JS = """
const video = document.querySelector('video.main');
function seek(t){ if(video){ video.currentTime = t; video.play(); } }
document.querySelectorAll('[data-start]').forEach(el =>
  el.addEventListener('click', () => seek(parseFloat(el.dataset.start))));
if (video) video.addEventListener('timeupdate', () => {
  const now = video.currentTime;
  document.querySelectorAll('.line').forEach(el => el.classList.toggle('now',
    now >= parseFloat(el.dataset.start) && now < parseFloat(el.dataset.end)));
});
"""


def _page(title: str, body: str, status: int = 200) -> HTMLResponse:
    html = (
        f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{escape(title)}"
        f"</title><style>{STYLE}</style></head><body>{body}</body></html>"
    )
    return HTMLResponse(html, status, headers={"Content-Security-Policy": CSP})


def _reviewer(request: Request) -> Principal | HTMLResponse:
    token = (
        bearer(request)
        or request.cookies.get(REVIEW_COOKIE, "")
        or request.query_params.get("token", "")
    )
    who = lookup(request.app.state.sessions, token)
    if who is None:
        return _page(
            "Sign in",
            "<h1>Sign in</h1><p>Open <code>/review/login?token=YOUR_REVIEWER_TOKEN</code>. "
            "Create a token with <code>python main.py backend token create --role reviewer"
            "</code>.</p>",
            401,
        )
    if not who.is_reviewer:
        return _page("Not allowed", "<h1>Reviewers only</h1><p>This token cannot review.</p>", 403)
    return who


def _clock(t: Any) -> str:
    try:
        s = float(t)
    except (TypeError, ValueError):
        return "?"
    return f"{int(s // 60):02d}:{s % 60:04.1f}"


@router.get("/review/login")
def login(request: Request, token: str = "") -> Response:
    who = lookup(request.app.state.sessions, token)
    if who is None or not who.is_reviewer:
        return _page("Sign in", "<h1>Sign in failed</h1><p>Unknown or non-reviewer token.</p>", 401)
    resp = RedirectResponse("/review", 303)
    resp.set_cookie(
        REVIEW_COOKIE, token, httponly=True, samesite="strict", path="/review", max_age=12 * 3600
    )
    return resp


@router.get("/review")
def index(request: Request) -> Response:
    who = _reviewer(request)
    if isinstance(who, Response):
        return who
    with request.app.state.sessions() as db:
        rows = db.scalars(select(Attempt).order_by(Attempt.created_at.desc())).all()
    trs = "".join(
        f"<tr><td><a href='/review/attempts/{a.id}'>{escape(a.id[:8])}</a></td>"
        f"<td>{escape(a.candidate)}</td><td>{escape(a.interview_id)}</td>"
        f"<td>{a.attempt_number}</td><td>{escape(a.state)}</td>"
        f"<td>{a.submitted_at.isoformat(' ', 'seconds') if a.submitted_at else ''}</td></tr>"
        for a in rows
    )
    return _page(
        "Attempts",
        "<h1>Attempts</h1><table><tr><th>id</th><th>candidate</th><th>interview</th>"
        f"<th>#</th><th>state</th><th>submitted (UTC)</th></tr>{trs}</table>",
    )


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _read_events(path: Path) -> list[dict[str, Any]]:
    out = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return out
    for line in lines:
        try:
            item = json.loads(line)
        except ValueError:
            continue  # a torn last line after a crash
        if isinstance(item, dict):
            out.append(item)
    return out


def _video(folder: Path, attempt_id: str, mkv: Path, main: bool) -> str:
    mp4 = playable_path(mkv)
    base = f"/review/attempts/{attempt_id}/files/"
    # '#t=0.1' makes the browser fetch and show the first frame instead of a black box.
    sources = ""
    if mp4.exists():
        sources += f"<source src='{base}{escape(mp4.name)}#t=0.1' type='video/mp4'>"
    sources += f"<source src='{base}{escape(mkv.name)}#t=0.1' type='video/x-matroska'>"
    cls = "main" if main else "extra"
    return (
        f"<h3>{escape(mkv.name)}</h3><video class='{cls}' controls preload='metadata'>"
        f"{sources}</video>"
    )


def _in_order(folder: Path, stem: str) -> list[Path]:
    """recording.mkv, then recording-2.mkv, recording-3.mkv... (after resumed sessions)."""

    def part(p: Path) -> int:
        rest = p.stem[len(stem) :].lstrip("-")
        return int(rest) if rest.isdigit() else (1 if not rest else 10**6)

    return sorted(folder.glob(f"{stem}*.mkv"), key=lambda p: (part(p), p.name))


def _flag_for(flags: list[dict], line: dict) -> dict | None:
    """The candidate's flag on this transcript line (same start, speaker and text)."""
    for f in flags:
        try:
            same_start = abs(float(f.get("start", -1)) - float(line.get("start", -2))) < 0.01
        except (TypeError, ValueError):
            continue
        if same_start and f.get("speaker") == line.get("speaker") and f.get("text") == line.get(
            "text"
        ):
            return f
    return None


def _flag_html(flag: dict | None) -> str:
    if flag is None:
        return ""
    note = str(flag.get("note") or "")[:200]
    said = f": &ldquo;{escape(note)}&rdquo;" if note else ""
    return (
        "<div class='flag' role='note'>&#9873; The candidate flagged this line as not what "
        f"they said{said}</div>"
    )


@router.get("/review/attempts/{attempt_id}")
def attempt_page(attempt_id: str, request: Request) -> Response:
    who = _reviewer(request)
    if isinstance(who, Response):
        return who
    with request.app.state.sessions() as db:
        a = db.get(Attempt, attempt_id)
    if a is None:
        return _page("Not found", "<h1>No such attempt</h1>", 404)
    folder: Path = request.app.state.attempts_dir / attempt_id
    videos = _in_order(folder, "recording") + _in_order(folder, "screen")
    video_html = "".join(_video(folder, a.id, v, i == 0) for i, v in enumerate(videos))
    if not videos:
        video_html = "<p>No recording was uploaded.</p>"
    transcript = _read_json(folder / "transcript.json")
    flags = _read_json(folder / "flags.json")
    flags = [f for f in flags if isinstance(f, dict)] if isinstance(flags, list) else []
    lines = []
    for item in transcript if isinstance(transcript, list) else []:
        if not isinstance(item, dict):
            continue
        start, end = item.get("start", 0), item.get("end", item.get("start", 0))
        flag = _flag_for(flags, item)
        lines.append(
            f"<div class='line' data-start='{escape(str(start))}' data-end='{escape(str(end))}'>"
            f"<span class='t'>{_clock(start)}</span> "
            f"<span class='speaker'>{escape(str(item.get('speaker', '')))}</span>"
            f"{escape(str(item.get('text', '')))}{_flag_html(flag)}</div>"
        )
    events = []
    for ev in _read_events(folder / "events.jsonl"):
        extra = {k: v for k, v in ev.items() if k not in ("t", "type")}
        detail = escape(json.dumps(extra, ensure_ascii=False)) if extra else ""
        events.append(
            f"<li class='event' data-start='{escape(str(ev.get('t', 0)))}'>"
            f"<span class='t'>{_clock(ev.get('t'))}</span> <b>{escape(str(ev.get('type', '')))}"
            f"</b> <small>{detail}</small></li>"
        )
    boards = "".join(
        f"<img class='wb' alt='{escape(p.name)}' "
        f"src='/review/attempts/{a.id}/files/whiteboard/{escape(p.name)}'>"
        for p in sorted((folder / "whiteboard").glob("*.png"))
    )
    body = (
        f"<p><a href='/review'>&larr; all attempts</a></p>"
        f"<h1>{escape(a.candidate)} — {escape(a.interview_id)} #{a.attempt_number}</h1>"
        f"<p>State: {escape(a.state)}</p>"
        f"<div class='layout'><div class='media'>{video_html}"
        f"<h2>Events</h2><ol class='events'>{''.join(events) or '<li>No events.</li>'}</ol>"
        f"<h2>Whiteboard</h2>{boards or '<p>No whiteboard snapshots.</p>'}</div>"
        f"<div class='side'><h2>Transcript</h2><div class='transcript'>"
        f"{''.join(lines) or '<p>No transcript.</p>'}</div></div></div>"
        f"<script>{SEEK_JS}</script>"
    )
    return _page(f"Attempt {a.id[:8]}", body)


@router.get("/review/attempts/{attempt_id}/files/{path:path}")
def attempt_file(attempt_id: str, path: str, request: Request) -> Response:
    """Serves one stored file; FileResponse answers Range requests, so video seeks work."""
    who = _reviewer(request)
    if isinstance(who, Response):
        return who
    if not re.fullmatch(r"[0-9a-f]{32}", attempt_id):
        return _page("Not found", "<h1>No such file</h1>", 404)
    try:
        rel = safe_relative_path(path)
    except ValueError:
        return _page("Bad path", "<h1>Bad file path</h1>", 400)
    file = request.app.state.attempts_dir / attempt_id / rel
    if not file.is_file():
        return _page("Not found", "<h1>No such file</h1>", 404)
    media = {".mkv": "video/x-matroska", ".mp4": "video/mp4", ".png": "image/png"}
    return FileResponse(file, media_type=media.get(file.suffix))
