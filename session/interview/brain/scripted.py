"""The interview's own follow-ups, chosen by the answer's length: the fallback brain."""

from __future__ import annotations

from session.interview.brain.turn import Cancel, Decision, Reply, Turn


class ScriptedBrain:
    """A short answer draws the interview's next scripted follow-up; anything else moves on."""

    name = "scripted"

    def reply(self, turn: Turn, should_stop: Cancel | None = None) -> Reply:
        words = len(turn.answer.split())
        used = turn.follow_ups_used
        left = used < min(turn.max_follow_ups, len(turn.scripted_follow_ups))
        if words < turn.short_answer_words and left:
            return Reply(Decision.FOLLOW_UP, turn.scripted_follow_ups[used])
        return Reply(Decision.MOVE_ON, "")

    def warm(self, turn: Turn, should_stop: Cancel | None = None, gently: bool = True) -> None:
        return None

    def close(self) -> None:
        return None
