from __future__ import annotations

import numpy as np
import pytest

from capture.screen import (
    ScreenSource,
    grab_thumbnail,
    list_monitors,
    screen_capture_status,
)
from capture.types import DeviceError
from session.runtime.clock import SimulatedClock


@pytest.mark.device
def test_screen_grab_returns_the_whole_xvfb_screen(x_display: str) -> None:
    mons = list_monitors()
    assert len(mons) == 1 and mons[0].primary
    src = ScreenSource(clock=SimulatedClock(7.0), fps=5)
    src.open()
    try:
        a = src.read(timeout=1.0)
        b = src.read(timeout=1.0)
    finally:
        src.close()
    assert a is not None and b is not None
    # scripts/test-env starts Xvfb at 1280x800.
    assert a.image.shape == (mons[0].height, mons[0].width, 3) == (800, 1280, 3)
    assert a.image.dtype == np.uint8 and a.t == 7.0 and b.index == 1


@pytest.mark.device
def test_thumbnail_and_status_under_xvfb(x_display: str) -> None:
    assert screen_capture_status() == (True, "")
    thumb = grab_thumbnail(320)
    assert thumb.shape == (200, 320, 3)


def test_no_display_gives_a_plain_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.setenv("XDG_SESSION_TYPE", "x11")
    ok, reason = screen_capture_status()
    assert not ok and "No display" in reason
    assert list_monitors() == []
    with pytest.raises(DeviceError):
        ScreenSource().open()


def test_wayland_without_x_access_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.setenv("XDG_SESSION_TYPE", "wayland")
    ok, reason = screen_capture_status()
    assert not ok and "Wayland" in reason and "X11" in reason
