"""The brain's thread: replies come back through the driver's inbox, newer work cancels older,
and a warm-up never delays a reply."""

from __future__ import annotations

import queue
import threading

from session.interview.brain.turn import Cancel, Decision, Reply, Turn
from session.interview.driver import CancelThink, Think, WarmUp
from session.interview.thinking import Thinker

TURN = Turn("Support agent", "Tell me about a hard customer.", "I calmed them down.")


class SlowBrain:
    """Replies only when released; records what it was asked and whether it was cancelled."""

    name = "local"

    def __init__(self) -> None:
        self.release = threading.Event()
        self.started = queue.Queue()
        self.warmed: list[str] = []
        self.warm_done = threading.Event()
        self.cancelled: list[str] = []
        self.closed = False

    def reply(self, turn: Turn, should_stop: Cancel | None = None) -> Reply:
        stop = should_stop or Cancel()
        self.started.put(turn.answer)
        while not self.release.wait(0.01):
            if stop():
                self.cancelled.append(turn.answer)
                return Reply(Decision.MOVE_ON, "", source=self.name, error="cancelled")
        return Reply(Decision.FOLLOW_UP, f"About '{turn.answer}'?", source=self.name)

    def warm(self, turn: Turn, should_stop: Cancel | None = None, gently: bool = True) -> None:
        self.warmed.append(turn.answer)
        self.warm_done.set()

    def close(self) -> None:
        self.closed = True


class Inbox:
    def __init__(self) -> None:
        self.calls: queue.Queue = queue.Queue()

    def post(self, call) -> None:
        self.calls.put(call)

    def replies(self, timeout: float = 2.0) -> tuple[int, Reply]:
        seen: list = []

        class Driver:
            def on_reply(self, i, r):
                seen.append((i, r))
                return []

        self.calls.get(timeout=timeout)(Driver())
        return seen[0]


def test_a_reply_comes_back_through_the_inbox_with_its_id():
    brain, inbox = SlowBrain(), Inbox()
    thinker = Thinker(brain, inbox.post)
    brain.release.set()
    thinker.handle(Think(7, TURN))
    think_id, reply = inbox.replies()
    assert think_id == 7 and reply.text == "About 'I calmed them down.'?"
    assert thinker.close() and brain.closed


def test_a_newer_think_cancels_the_running_one_and_only_its_reply_arrives():
    brain, inbox = SlowBrain(), Inbox()
    thinker = Thinker(brain, inbox.post)
    thinker.handle(Think(1, TURN))
    assert brain.started.get(timeout=2) == TURN.answer
    newer = Turn(TURN.role, TURN.question, "I calmed them down and refunded them.")
    thinker.handle(Think(2, newer))
    assert brain.started.get(timeout=2) == newer.answer
    brain.release.set()
    think_id, reply = inbox.replies()
    assert think_id == 2 and "refunded" in reply.text
    assert brain.cancelled == [TURN.answer]
    assert inbox.calls.empty()  # the cancelled one posts nothing
    thinker.close()


def test_cancel_think_stops_the_reply_and_nothing_is_posted():
    brain, inbox = SlowBrain(), Inbox()
    thinker = Thinker(brain, inbox.post)
    thinker.handle(Think(3, TURN))
    brain.started.get(timeout=2)
    thinker.handle(CancelThink(3))
    thinker.close()
    assert brain.cancelled == [TURN.answer] and inbox.calls.empty()


def test_a_warm_up_waiting_behind_a_think_is_dropped():
    brain, inbox = SlowBrain(), Inbox()
    thinker = Thinker(brain, inbox.post)
    thinker.handle(Think(1, TURN))
    brain.started.get(timeout=2)
    thinker.handle(Think(2, TURN))  # waits while 1 winds down
    thinker.handle(WarmUp(Turn(TURN.role, TURN.question, "partial")))
    brain.release.set()
    assert inbox.replies()[0] == 2
    thinker.close()
    assert brain.warmed == []


def test_a_warm_up_runs_when_idle():
    brain, inbox = SlowBrain(), Inbox()
    thinker = Thinker(brain, inbox.post)
    thinker.handle(WarmUp(TURN))
    assert brain.warm_done.wait(2)
    brain.release.set()
    thinker.handle(Think(5, TURN))
    assert inbox.replies()[0] == 5
    thinker.close()
    assert brain.warmed == [TURN.answer]


def test_a_brain_that_raises_still_answers_with_an_error_reply():
    class Broken(SlowBrain):
        def reply(self, turn, should_stop=None):
            raise RuntimeError("out of memory")

    inbox = Inbox()
    thinker = Thinker(Broken(), inbox.post)
    thinker.handle(Think(9, TURN))
    think_id, reply = inbox.replies()
    assert think_id == 9 and reply.error == "out of memory" and reply.kind is Decision.MOVE_ON
    thinker.close()


class DeafBrain(SlowBrain):
    """A reply in the middle of a batch: it does not look at the cancel flag."""

    def reply(self, turn: Turn, should_stop: Cancel | None = None) -> Reply:
        self.started.put(turn.answer)
        self.release.wait(5)
        return Reply(Decision.MOVE_ON, "", source=self.name)


def test_a_brain_busy_past_the_close_timeout_is_closed_when_its_reply_ends():
    brain, inbox = DeafBrain(), Inbox()
    thinker = Thinker(brain, inbox.post)
    thinker.handle(Think(1, TURN))
    brain.started.get(timeout=2)
    assert not thinker.close(timeout=0.05) and not brain.closed
    brain.release.set()
    thinker._thread.join(2)
    assert brain.closed and inbox.calls.empty()  # and its late reply is not delivered
