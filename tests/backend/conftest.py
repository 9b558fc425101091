from __future__ import annotations

import pytest

from tests.backend.server import backend_process


@pytest.fixture(scope="session")
def backend(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("backend")
    interviews = root / "interviews"
    interviews.mkdir()
    (interviews / "demo.yaml").write_text("id: demo\ntitle: Demo interview\nquestions:\n  - Hi\n")
    server = backend_process(root / "data", interviews=interviews).start()
    yield server
    server.stop()
