"""Plain-HTTP helpers speaking the wire format, for backend tests."""

from __future__ import annotations

import base64
import hashlib

import httpx

TUS = {"Tus-Resumable": "1.0.0"}


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def meta(**values: str) -> str:
    return ",".join(f"{k} {base64.b64encode(v.encode()).decode()}" for k, v in values.items())


def checksum(data: bytes) -> str:
    return "sha256 " + base64.b64encode(hashlib.sha256(data).digest()).decode()


def new_attempt(url: str, token: str, interview: str = "demo", **body) -> httpx.Response:
    return httpx.post(
        f"{url}/api/attempts",
        json={"interview_id": interview, "practice": False, **body},
        headers=auth(token),
    )


def new_upload(url: str, token: str, attempt_id: str, filename: str, length: int, role="other"):
    return httpx.post(
        f"{url}/files/",
        headers={
            **TUS,
            **auth(token),
            "Upload-Length": str(length),
            "Upload-Metadata": meta(attempt_id=attempt_id, filename=filename, role=role),
        },
    )


def patch(location: str, token: str, offset: int, data: bytes, check: str | None = "auto"):
    headers = {
        **TUS,
        **auth(token),
        "Upload-Offset": str(offset),
        "Content-Type": "application/offset+octet-stream",
    }
    if check == "auto":
        headers["Upload-Checksum"] = checksum(data)
    elif check:
        headers["Upload-Checksum"] = check
    return httpx.patch(location, content=data, headers=headers)


def head(location: str, token: str) -> httpx.Response:
    return httpx.head(location, headers={**TUS, **auth(token)})


def file_entry(path: str, data: bytes) -> dict:
    """The manifest's entry for a file holding ``data``."""
    return {"path": path, "size": len(data), "sha256": hashlib.sha256(data).hexdigest()}


def submit(url: str, token: str, attempt_id: str, manifest: dict) -> httpx.Response:
    return httpx.post(f"{url}/api/attempts/{attempt_id}/submit", json=manifest, headers=auth(token))


def upload_file(url: str, token: str, attempt_id: str, path: str, data: bytes, role="other"):
    r = new_upload(url, token, attempt_id, path, len(data), role)
    assert r.status_code == 201, r.text
    loc = r.headers["location"]
    if data:
        r = patch(loc, token, 0, data)
        assert r.status_code == 204, r.text
    return file_entry(path, data)
