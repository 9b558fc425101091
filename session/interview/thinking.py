"""The brain's own thread: carries out the driver's Think, WarmUp and CancelThink.

A reply can take seconds on the CPU, so the driver never waits for one: ``Think`` starts a
reply here and the result comes back through the driver's inbox as ``on_reply(id, reply)``.
One job runs at a time (one model). A newer Think cancels the one running; a WarmUp is only
worth doing while nothing else waits, and a newer one replaces the one not yet begun.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

from session.interview.brain.turn import Brain, Cancel, Decision, Reply, Turn
from session.interview.driver import CancelThink, InterviewDriver, Think, WarmUp

log = logging.getLogger(__name__)

Post = Callable[[Callable[[InterviewDriver], list]], None]


class Thinker:
    def __init__(self, brain: Brain, post: Post) -> None:
        self.brain = brain
        self._post = post
        self._cond = threading.Condition()
        self._think: Think | None = None  # waiting to start
        self._warm: WarmUp | None = None  # waiting to start
        self._running_id: int | None = None
        self._running_cancel = Cancel()
        self._closed = False
        self._thread = threading.Thread(target=self._loop, name="interview-brain", daemon=True)
        self._thread.start()

    def handle(self, action: Think | WarmUp | CancelThink) -> None:
        with self._cond:
            if isinstance(action, Think):
                self._running_cancel.cancelled = True  # a warm-up or an older reply
                self._think, self._warm = action, None
            elif isinstance(action, WarmUp):
                if self._think is None:
                    self._warm = action
            else:
                if self._think is not None and self._think.id == action.id:
                    self._think = None
                if self._running_id == action.id:
                    self._running_cancel.cancelled = True
            self._cond.notify()

    def close(self, timeout: float = 2.0) -> bool:
        with self._cond:
            self._closed = True
            self._think = self._warm = None
            self._running_cancel.cancelled = True
            self._cond.notify()
        self._thread.join(timeout)
        # A reply or warm-up in the middle of a batch cannot be stopped; the thread then
        # closes the brain itself when it ends, so the model is freed either way.
        return not self._thread.is_alive()

    def _next(self) -> Think | WarmUp | None:
        with self._cond:
            while not self._closed and self._think is None and self._warm is None:
                self._cond.wait()
            if self._closed:
                return None
            job: Think | WarmUp | None = self._think or self._warm
            self._think = self._warm = None
            self._running_cancel = Cancel()
            self._running_id = job.id if isinstance(job, Think) else None
            return job

    def _loop(self) -> None:
        try:
            self._serve()
        finally:
            try:
                self.brain.close()
            except Exception:
                log.exception("while closing the interviewer's brain")

    def _serve(self) -> None:
        while (job := self._next()) is not None:
            cancel = self._running_cancel
            if isinstance(job, WarmUp):
                _quietly(lambda j=job, c=cancel: self.brain.warm(j.turn, c, j.gently))
                continue
            reply = self._reply(job.turn, cancel)
            with self._cond:
                self._running_id = None
            if not cancel():
                self._post(lambda d, i=job.id, r=reply: d.on_reply(i, r))

    def _reply(self, turn: Turn, cancel: Cancel) -> Reply:
        try:
            return self.brain.reply(turn, cancel)
        except Exception as e:  # the protocol says never, but a brain is outside code
            log.exception("the interviewer's brain failed")
            return Reply(Decision.MOVE_ON, "", source=self.brain.name, error=str(e))


@dataclass
class InterviewBrain:
    """The brain an interview runs with: its thread when it is a model, and why it is not
    the one asked for (``notice``), if so."""

    brain: Brain | None  # None: the driver's own scripted follow-ups
    thinker: Thinker | None = None
    notice: str = ""

    @property
    def name(self) -> str:
        return self.brain.name if self.brain is not None else "scripted"

    def close(self, timeout: float = 2.0) -> None:
        if self.thinker is not None:
            self.thinker.close(timeout)
        elif self.brain is not None:
            self.brain.close()


def set_up_brain(given: Brain | None, spec: str, post: Post) -> InterviewBrain:
    """``given`` (a test's or another back end's), else the brain ``spec`` names; a model
    brain gets its own thread. The caller owns the result and closes it."""
    notice = ""
    brain = given
    if brain is None and spec != "scripted":
        from session.interview.brain.choice import make_brain

        choice = make_brain(spec)
        brain, notice = choice.brain, choice.notice
    if brain is None or brain.name == "scripted":
        return InterviewBrain(brain, None, notice)
    return InterviewBrain(brain, Thinker(brain, post), notice)


def _quietly(fn: Callable[[], object]) -> None:
    try:
        fn()
    except Exception:
        log.exception("while warming the interviewer's brain")
