"""Whether a camera, microphone or screen stream still delivers, on the session clock.

A device can stop without an error: a driver that hangs, a USB camera starved of bandwidth,
a machine too loaded to decode. The recording then holds a frozen picture and nothing says
so. The watch turns "no new frames for ``stall_after_s``" and "under a third of the nominal
frame rate for ``slow_for_s``" into a problem the candidate, the proctor and the reviewer
see. Pure logic: the caller feeds it times.
"""

from __future__ import annotations

from collections import deque

STALL_AFTER_S = 3.0
SLOW_FOR_S = 10.0
RATE_WINDOW_S = 2.0  # the frame rate is measured over this long
SLOW_FRACTION = 1 / 3  # below this share of the nominal rate for SLOW_FOR_S: slow
RECOVER_FRACTION = 1 / 2  # hysteresis: a slow stream is fine again at half the nominal rate


class StreamWatch:
    def __init__(
        self,
        what: str,  # "camera", "microphone", "screen": how the messages name it
        started_at: float,
        nominal_fps: float | None = None,  # None: only the stall rule (e.g. audio blocks)
        stall_after_s: float = STALL_AFTER_S,
        slow_for_s: float = SLOW_FOR_S,
    ) -> None:
        self.what = what
        self.nominal_fps = nominal_fps if nominal_fps and nominal_fps > 0 else None
        self.stall_after_s = stall_after_s
        self.slow_for_s = slow_for_s
        self._last = started_at  # the start counts as a delivery: the first frame has 3 s
        self._since = started_at  # when the current state began
        self._low_since: float | None = None  # the rate has been under a third since then
        self._times: deque[float] = deque()
        self._state = ""
        self.began = started_at  # when the current state really began (a stall: last frame)

    def delivered(self, t: float) -> None:
        self._last = max(self._last, t)
        self._times.append(t)

    @property
    def state(self) -> str:
        """Empty while delivering, else "stalled" or "slow"."""
        return self._state

    def observe(self, now: float, delivered: bool) -> str | None:
        """One read of the stream: its problem in words when the state just changed ("" for
        fine again), None when it did not."""
        if delivered:
            self.delivered(now)
        was = self._state
        problem = self.problem(now)
        return problem if self._state != was else None

    def problem(self, now: float) -> str:
        """What is wrong with the stream now, in words; "" while it delivers."""
        while self._times and self._times[0] < now - RATE_WINDOW_S:
            self._times.popleft()
        state = self._next_state(now)
        if state != self._state:
            began = {"stalled": self._last, "slow": self._low_since}.get(state)
            self.began = now if began is None else began
            self._state, self._since, self._low_since = state, now, None
        if state == "stalled":
            return f"The {self.what} has delivered nothing for {now - self._last:.0f} s"
        if state == "slow":
            return (
                f"The {self.what} delivers only {self._rate():.1f} frames a second "
                f"instead of {self.nominal_fps:.0f}"
            )
        return ""

    def _rate(self) -> float:
        return len(self._times) / RATE_WINDOW_S

    def _next_state(self, now: float) -> str:
        if now - self._last >= self.stall_after_s:
            return "stalled"
        if self._state == "stalled":
            return ""  # the first new frame ends a stall; the rate is judged afresh
        if self.nominal_fps is None or now - self._since < RATE_WINDOW_S:
            return self._state  # no whole rate window in this state yet
        rate = self._rate()
        if self._state == "slow":
            return "" if rate >= self.nominal_fps * RECOVER_FRACTION else "slow"
        if rate >= self.nominal_fps * SLOW_FRACTION:
            self._low_since = None
            return ""
        if self._low_since is None:
            self._low_since = now
        return "slow" if now - self._low_since >= self.slow_for_s else ""
