"""A tuspy uploader that sends `Upload-Checksum: sha256 ...` with every chunk, keeps one
HTTP connection with timeouts, and keys its stored upload URL by the file's fingerprint
(attempt + path + size + sha256) rather than tuspy's md5 of the first 64 KB.

tuspy's own checksum support is sha1 only (`CHECKSUM_ALGORITHM_PAIR`) and its requests
carry no timeout, so a dropped network could hang a chunk forever; both are replaced here.

One chunk is on the wire at a time; the next one is read and hashed on a helper thread
meanwhile. (Sending the next chunk before the server answered the previous one gained little
on loopback and would let a killed client lose two chunks instead of one.)
"""

from __future__ import annotations

import base64
import hashlib
import os
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import IO

import requests
from tusclient.exceptions import TusCommunicationError, TusUploadFailed
from tusclient.fingerprint.interface import Fingerprint
from tusclient.storage.interface import Storage
from tusclient.uploader import Uploader

CONNECT_TIMEOUT_S = 5.0
READ_TIMEOUT_S = 60.0


class UploadGone(TusCommunicationError):
    """The server no longer knows a stored upload URL (404/410): create the upload anew."""


class FixedFingerprint(Fingerprint):
    """The fingerprint is known up front (from the manifest), so no file read is needed."""

    def __init__(self, key: str) -> None:
        self.key = key

    def get_fingerprint(self, fs: IO) -> str:
        return self.key


def fingerprint_key(attempt_id: str, path: str, size: int, sha256: str) -> str:
    return f"{attempt_id}:{path}:{size}:{sha256}"


class _Body:
    """A chunk as a request body that gives out 1 MB slices whatever block size the HTTP
    library asks for (fewer calls)."""

    SLICE = 1 << 20

    def __init__(self, data: bytes) -> None:
        self.view = memoryview(data)
        self.pos = 0

    def __len__(self) -> int:
        return len(self.view)

    def read(self, _size: int = -1) -> memoryview | bytes:
        if self.pos >= len(self.view):
            return b""
        piece = self.view[self.pos : self.pos + self.SLICE]
        self.pos += len(piece)
        return piece


class Sha256Uploader(Uploader):
    """One file's tus upload. `http` is a shared `requests.Session` (auth headers set on it)."""

    CHECKSUM_ALGORITHM_PAIR = ("sha256", hashlib.sha256)

    def __init__(
        self,
        file_path: str,
        *,
        http: requests.Session,
        create_url: str,
        key: str,
        storage: Storage,
        metadata: dict[str, str],
        chunk_size: int,
        on_send: Callable[[int], None] | None = None,
    ) -> None:
        self.http = http
        self.on_send = on_send
        self._pool: ThreadPoolExecutor | None = None
        self._ahead: tuple[tuple[int, int], Future] | None = None
        self._create_endpoint = create_url
        super().__init__(
            file_path=file_path,
            url=None,
            client=_ClientShim(create_url),
            chunk_size=chunk_size,
            metadata=metadata,
            store_url=True,
            url_storage=storage,
            fingerprinter=FixedFingerprint(key),
            upload_checksum=True,
        )

    # -- requests, with a session and timeouts ---------------------------------------
    def _request(self, method: str, url: str, **kw) -> requests.Response:
        try:
            return self.http.request(method, url, timeout=(CONNECT_TIMEOUT_S, READ_TIMEOUT_S), **kw)
        except requests.RequestException as e:
            raise TusCommunicationError(f"{method} {url} failed: {e}") from e

    def get_offset(self) -> int:
        """Trusts the server's offset (HEAD)."""
        resp = self._request("HEAD", self.url, headers=self.get_headers())
        if resp.status_code in (404, 410):
            raise UploadGone("the server no longer knows this upload", resp.status_code)
        offset = resp.headers.get("upload-offset")
        if resp.status_code != 200 or offset is None:
            raise TusCommunicationError(
                f"HEAD answered {resp.status_code}", resp.status_code, resp.content
            )
        return int(offset)

    def create_url(self) -> str:
        resp = self._request("POST", self._create_endpoint, headers=self.get_url_creation_headers())
        location = resp.headers.get("location")
        if resp.status_code != 201 or not location:
            raise TusCommunicationError(
                f"creating the upload answered {resp.status_code}: {resp.text.strip()}",
                resp.status_code,
                resp.content,
            )
        return requests.compat.urljoin(self._create_endpoint, location)

    def _read(self, offset: int, length: int) -> tuple[bytes, str]:
        with open(self.file_path, "rb") as f:
            f.seek(offset)
            chunk = f.read(length)
        if len(chunk) != length:
            raise TusUploadFailed(f"{self.file_path} shrank while uploading", None)
        return chunk, base64.b64encode(hashlib.sha256(chunk).digest()).decode("ascii")

    def _chunk_at(self, offset: int, length: int) -> tuple[bytes, str]:
        """The chunk and its checksum, read ahead on a helper thread while the previous
        chunk was on the wire (file reads and hashing release the GIL)."""
        ahead, self._ahead = self._ahead, None
        if ahead is not None and ahead[0] == (offset, length):
            return ahead[1].result()
        return self._read(offset, length)

    def _read_ahead(self, offset: int) -> None:
        length = min(self.chunk_size, self.stop_at - offset)
        if length <= 0:
            return
        if self._pool is None:
            self._pool = ThreadPoolExecutor(1, thread_name_prefix="upload-read-ahead")
        self._ahead = ((offset, length), self._pool.submit(self._read, offset, length))

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def upload_chunk(self) -> None:
        """Sends the chunk at the current offset; on success the server's new offset."""
        if not self.url:
            self.set_url(self.create_url())
            self.offset = 0
        length = min(self.chunk_size, self.stop_at - self.offset)
        chunk, digest = self._chunk_at(self.offset, length)
        self._read_ahead(self.offset + length)
        headers = {
            **self.get_headers(),
            "Upload-Offset": str(self.offset),
            "Content-Type": "application/offset+octet-stream",
            "Upload-Checksum": f"sha256 {digest}",
        }
        if self.on_send is not None:
            self.on_send(len(chunk))
        resp = self._request("PATCH", self.url, data=_Body(chunk), headers=headers)
        if resp.status_code in (404, 410):
            raise UploadGone("the server no longer knows this upload", resp.status_code)
        if resp.status_code != 204:
            raise TusUploadFailed(
                f"PATCH answered {resp.status_code}: {resp.text.strip()}",
                resp.status_code,
                resp.content,
            )
        self.offset = int(resp.headers["upload-offset"])

    def get_file_size(self) -> int:
        return os.path.getsize(self.file_path)


class _ClientShim:
    """tuspy wants a client with `url` and `headers`; the session carries the headers."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.headers: dict[str, str] = {}
        self.client_cert = None
