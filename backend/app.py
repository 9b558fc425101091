"""Builds the FastAPI app and serves it with uvicorn.

Wire format (Authorization: Bearer <token> unless noted; station tokens reach only their own
attempts, reviewer tokens reach all):

    GET  /health                          {"ok": true} (no token)
    POST /api/speedtest                   body <= 8 MB -> {"bytes": n} (no token)
    GET  /api/interviews/{id}             interview config (YAML/JSON file) as JSON (no token)
    POST /api/attempts                    {interview_id, attempt_number?, practice, candidate?,
                                          client_ref?} -> 201 {id, attempt_number, state, ...};
                                          practice -> 403; 4th official attempt -> 409
    GET  /api/attempts[/{id}]             own attempts (reviewers: all)
    POST /api/attempts/{id}/submit        the manifest {files: [{path, size, sha256}]} ->
                                          signed receipt {attempt_id, interview_id,
                                          attempt_number, files, server_time, signature};
                                          409 {detail: {message, problems: [...]}}
    POST /api/receipts/verify             a receipt -> {valid, signature_ok, on_record}
    OPTIONS/POST /files/, HEAD/PATCH/DELETE /files/{id}
                                          tus 1.0: creation, checksum (sha256; 460 on
                                          mismatch), termination, expiration; metadata
                                          attempt_id, filename (path in the attempt folder),
                                          role
    GET  /review, /review/attempts/{id}   reviewers' HTML (sign in: /review/login?token=...)
    GET  /review/attempts/{id}/files/{path}   stored files, with Range support
"""

from __future__ import annotations

import logging
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from backend import attempts, receipts, review, tus
from backend.db import open_db
from backend.media import remux_attempt_async
from backend.upload_store import UploadStore

log = logging.getLogger("backend")

DEFAULT_MAX_SIZE = 20 * 1024**3  # 20 GiB: a long 1080p interview fits
DEFAULT_UPLOAD_TTL_S = 7 * 24 * 3600.0


def create_app(
    data_dir: Path,
    database_url: str | None = None,
    interviews_dir: Path | None = None,
    *,
    bench: bool = False,
    max_upload_size: int = DEFAULT_MAX_SIZE,
    upload_ttl_s: float = DEFAULT_UPLOAD_TTL_S,
    remux: bool = True,
) -> FastAPI:
    """`bench=True` adds PUT /api/raw-sink (a plain upload to compare tus against) and
    GET /api/bench/stats (bytes the tus endpoint received, to count resent bytes)."""
    data_dir = Path(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    app = FastAPI(
        title="Interview Kiosk backend", docs_url=None, redoc_url=None, lifespan=_lifespan
    )
    app.state.sessions = open_db(data_dir, database_url)
    app.state.secret = receipts.load_secret(data_dir)
    app.state.interviews_dir = Path(interviews_dir) if interviews_dir else None
    app.state.attempts_dir = data_dir / "attempts"
    app.state.attempts_dir.mkdir(exist_ok=True)
    app.state.uploads = UploadStore(data_dir, app.state.sessions, max_upload_size, upload_ttl_s)
    app.state.uploads.purge_expired()
    app.state.on_submit = remux_attempt_async if remux else None
    app.include_router(attempts.router)
    app.include_router(tus.router)
    app.include_router(review.router)
    if bench:
        _add_raw_sink(app, data_dir)
    return app


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    yield
    app.state.uploads.close()  # the hashing thread ends with the server


def _add_raw_sink(app: FastAPI, data_dir: Path) -> None:
    sink = data_dir / "raw-sink.bin"

    @app.put("/api/raw-sink")
    async def raw_sink(request: Request) -> JSONResponse:
        n = 0
        fd = os.open(sink, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            async for piece in request.stream():
                view = memoryview(piece)
                while view:
                    view = view[os.write(fd, view) :]
                n += len(piece)
            os.fsync(fd)
        finally:
            os.close(fd)
        return JSONResponse({"bytes": n})

    @app.get("/api/bench/stats")
    def bench_stats() -> dict[str, int]:
        return {"tus_bytes_received": app.state.uploads.bytes_received}


def serve(
    data_dir: Path,
    host: str = "127.0.0.1",
    port: int = 8765,
    database_url: str | None = None,
    interviews_dir: Path | None = None,
    *,
    bench: bool = False,
    log_level: str = "warning",
) -> None:
    """Blocks until interrupted. Logs 'ready' once the socket accepts connections."""
    import threading
    import time

    import uvicorn

    app = create_app(data_dir, database_url, interviews_dir, bench=bench)
    server = uvicorn.Server(
        uvicorn.Config(app, host=host, port=port, log_level=log_level, access_log=False)
    )

    def announce() -> None:
        while not server.started and not server.should_exit:
            time.sleep(0.05)
        if server.started:
            log.info("backend ready on http://%s:%d (data in %s)", host, port, data_dir)

    threading.Thread(target=announce, name="backend-ready", daemon=True).start()
    server.run()
