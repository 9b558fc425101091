"""A tuspy uploader that sends `Upload-Checksum: sha256 ...` with every chunk, keeps one
HTTP connection with timeouts, and keys its stored upload URL by the file's fingerprint
(attempt + path + size + sha256) rather than tuspy's md5 of the first 64 KB.

tuspy's own checksum support is sha1 only (`CHECKSUM_ALGORITHM_PAIR`) and its requests
carry no timeout, so a dropped network could hang a chunk forever; both are replaced here.

Chunks are pipelined: as soon as a chunk's last byte is on the wire, the next chunk starts on
a second connection, while the server still syncs the first to disk and answers. The server
takes one chunk of an upload at a time, so the next one waits there and is checked against
the offset the first one left: if the first fails, the second gets 409 and is dropped, and
the upload goes on from the server's offset as usual. At most one chunk is ever sent ahead.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import os
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
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
    """A chunk as a request body that tells when its last byte was handed to the socket.
    Gives out 1 MB slices whatever block size the HTTP library asks for (fewer calls)."""

    SLICE = 1 << 20

    def __init__(self, data: bytes) -> None:
        self.view = memoryview(data)
        self.pos = 0
        self.sent = threading.Event()

    def __len__(self) -> int:
        return len(self.view)

    def read(self, _size: int = -1) -> memoryview | bytes:
        if self.pos >= len(self.view):
            self.sent.set()
            return b""
        piece = self.view[self.pos : self.pos + self.SLICE]
        self.pos += len(piece)
        return piece


@dataclass
class _InFlight:
    offset: int
    length: int
    body: _Body
    future: Future


class Sha256Uploader(Uploader):
    """One file's tus upload. `http` is a shared `requests.Session` (auth headers set on it)."""

    CHECKSUM_ALGORITHM_PAIR = ("sha256", hashlib.sha256)
    # Sending the next chunk while the server finishes the previous one gained little on
    # loopback and lets a killed client lose two chunks instead of one: off by default.
    PIPELINE = False

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
        self._senders: ThreadPoolExecutor | None = None
        self._next: _InFlight | None = None  # the chunk sent ahead, if any
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
        self._settle_next()
        if self._senders is not None:
            self._senders.shutdown(wait=True)
            self._senders = None
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def _start(self, offset: int) -> _InFlight:
        """Sends the chunk at `offset` on a sender thread; returns at once."""
        length = min(self.chunk_size, self.stop_at - offset)
        chunk, digest = self._chunk_at(offset, length)
        self._read_ahead(offset + length)
        headers = {
            **self.get_headers(),
            "Upload-Offset": str(offset),
            "Content-Type": "application/offset+octet-stream",
            "Upload-Checksum": f"sha256 {digest}",
        }
        if self.on_send is not None:
            self.on_send(len(chunk))
        if self._senders is None:
            self._senders = ThreadPoolExecutor(2, thread_name_prefix="upload-chunk")
        body = _Body(chunk)
        future = self._senders.submit(self._request, "PATCH", self.url, data=body, headers=headers)
        future.add_done_callback(lambda _f: body.sent.set())  # failed before the last byte
        return _InFlight(offset, length, body, future)

    def _settle_next(self) -> None:
        """Waits for the chunk sent ahead and forgets it (its answer no longer matters: the
        server's offset decides what is sent next)."""
        ahead, self._next = self._next, None
        if ahead is not None:
            with contextlib.suppress(Exception):
                ahead.future.result()

    def upload_chunk(self) -> None:
        """Sends the chunk at the current offset; on success the server's new offset."""
        if not self.url:
            self.set_url(self.create_url())
            self.offset = 0
        cur = self._next if self._next is not None and self._next.offset == self.offset else None
        if cur is None:
            self._settle_next()
            cur = self._start(self.offset)
        self._next = None
        end = cur.offset + cur.length
        if self.PIPELINE and end < self.stop_at:
            cur.body.sent.wait()
            if not cur.future.done() or cur.future.exception() is None:
                self._next = self._start(end)
        try:
            resp = cur.future.result()
            if resp.status_code in (404, 410):
                raise UploadGone("the server no longer knows this upload", resp.status_code)
            if resp.status_code != 204:
                raise TusUploadFailed(
                    f"PATCH answered {resp.status_code}: {resp.text.strip()}",
                    resp.status_code,
                    resp.content,
                )
        except BaseException:
            self._settle_next()
            raise
        self.offset = int(resp.headers["upload-offset"])

    def get_file_size(self) -> int:
        return os.path.getsize(self.file_path)


class _ClientShim:
    """tuspy wants a client with `url` and `headers`; the session carries the headers."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.headers: dict[str, str] = {}
        self.client_cert = None
