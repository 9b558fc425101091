import threading

from tests import thread_guard


def test_a_thread_still_running_after_a_test_is_named_with_where_it_started():
    before = set(threading.enumerate())
    release = threading.Event()
    t = threading.Thread(target=release.wait, name="left-behind")
    t.start()
    try:
        leaked = thread_guard.leaked_since(before, grace_s=0.1)
        assert len(leaked) == 1
        assert "'left-behind'" in leaked[0] and "test_thread_guard.py" in leaked[0]
    finally:
        release.set()
        t.join(2)
    assert thread_guard.leaked_since(before, grace_s=0.1) == []


def test_a_thread_that_ends_within_the_grace_is_not_a_leak():
    before = set(threading.enumerate())
    t = threading.Thread(target=lambda: threading.Event().wait(0.2), name="short-lived")
    t.start()
    assert thread_guard.leaked_since(before, grace_s=2.0) == []
