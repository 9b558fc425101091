"""Is a process alive: the one answer used by the attempt store's stale-row check and the
kiosk's running-session marker."""

from __future__ import annotations

import os


def pid_alive(pid: int | None) -> bool:
    """True while ``pid`` names a running process (ours included). Someone else's process
    counts as alive; a zombie does not, since it can no longer hold a file, grab or window."""
    if pid is None or pid <= 0:
        return False
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # exists, owned by another user
    except OSError:
        return False
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return True  # no /proc (macOS, Windows): kill(0) is the answer


def held_by_other_process(pid: object) -> bool:
    """A marker's ``pid`` field names another process that is still running."""
    return isinstance(pid, int) and pid != os.getpid() and pid_alive(pid)
