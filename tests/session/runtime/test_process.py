from __future__ import annotations

import os
import subprocess
import sys
import time

from session.runtime.process import held_by_other_process, pid_alive


def test_our_own_process_is_alive_but_does_not_count_as_another_holder() -> None:
    assert pid_alive(os.getpid())
    assert not held_by_other_process(os.getpid())


def test_a_finished_or_unset_pid_is_not_alive() -> None:
    p = subprocess.Popen([sys.executable, "-c", "pass"])
    p.wait()
    assert not pid_alive(p.pid)
    assert not pid_alive(None)
    assert not pid_alive(0)
    assert not held_by_other_process("123")


def test_a_zombie_child_is_not_alive_and_a_running_one_is() -> None:
    p = subprocess.Popen(
        [sys.executable, "-c", "import sys; sys.stdin.read()"], stdin=subprocess.PIPE
    )
    try:
        assert pid_alive(p.pid) and held_by_other_process(p.pid)
        p.stdin.close()
        # Not reaped yet: once it exits the child is a zombie until wait() runs.
        deadline = time.monotonic() + 5.0
        while pid_alive(p.pid) and time.monotonic() < deadline:
            time.sleep(0.02)
        assert not pid_alive(p.pid)
    finally:
        p.wait()
