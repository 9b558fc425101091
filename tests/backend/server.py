"""The test suite's real backend on 127.0.0.1: the one launcher (cli.backend_process), with
the benchmark route on and its log beside the data folder, so a test can kill it (SIGKILL)
and start it again on the same data and port."""

from __future__ import annotations

import time
from pathlib import Path

from cli.backend_process import BackendProcess, free_port


def backend_process(
    data_dir: Path,
    port: int | None = None,
    interviews: Path | None = None,
    database_url: str | None = None,
) -> BackendProcess:
    port = port or free_port()
    return BackendProcess(
        data_dir,
        port,
        interviews=interviews,
        database_url=database_url,
        bench=True,
        log_path=Path(data_dir).parent / f"backend-{port}.log",
    )


class ThreadedBackend:
    """uvicorn in a thread, for tests that need create_app() options (short expiry)."""

    def __init__(self, app) -> None:
        import threading

        import uvicorn

        self.port = free_port()
        self.server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning")
        )
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> ThreadedBackend:
        self.thread.start()
        end = time.monotonic() + 10
        while not self.server.started and time.monotonic() < end:
            time.sleep(0.02)
        assert self.server.started, "uvicorn did not start"
        return self

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(10)
