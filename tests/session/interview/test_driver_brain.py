"""The driver with a model brain, on a simulated clock: drafting during the end-of-turn
silence, every decision kind, the bound on follow-ups, the fallback on a late, failed or
rule-breaking reply, and a candidate who carries on talking (the draft is discarded)."""

from __future__ import annotations

import pytest

from session.interview.brain.turn import Decision, Reply
from session.interview.driver import (
    CancelThink,
    DriverOptions,
    Say,
    ShowPrompt,
    ShowQuestion,
    Think,
    WarmUp,
)
from tests.session.interview.test_driver import events, started_at_q1

ANSWER = "I ran the billing service on Kafka for two years and kept it fast"


def thinking(tmp_path):
    return started_at_q1(tmp_path, options=DriverOptions(thinking=True))


def generated(kind: Decision, text: str) -> Reply:
    return Reply(kind, text, source="local", model="m", model_sha256="abc", template="t1")


def thinks(actions) -> list[Think]:
    return [a for a in actions if isinstance(a, Think)]


def test_the_draft_starts_after_a_short_quiet_and_its_reply_is_said_when_the_turn_ends(tmp_path):
    f = thinking(tmp_path)
    f.answer(ANSWER)
    assert thinks(f.wait(0.5)) == []  # a breath is not the end of an answer
    (think,) = thinks(f.wait(0.2))
    assert think.turn.answer == ANSWER and think.turn.question == "Tell me about yourself."
    reply = generated(Decision.FOLLOW_UP, "How did you keep the billing service fast on Kafka?")
    assert f.feed(f.driver.on_reply(think.id, reply, f.clock())) == []  # the turn goes on
    actions = f.wait(2.4)  # end of turn (2.5 s) + grace (0.5 s) from the last word
    assert actions[0] == ShowPrompt(reply.text, "follow_up")
    assert f.says(actions)[0].text == reply.text and f.says(actions)[0].kind == "follow_up"
    (logged,) = events(tmp_path, "follow_up")
    assert logged["source"] == "local" and logged["model_sha256"] == "abc"
    assert logged["template"] == "t1" and logged["grounded"] is True
    assert f.driver.stats["follow_ups_generated"] == 1 and f.driver.stats["fallbacks"] == 0


def test_talking_again_discards_the_draft_and_its_late_reply_is_ignored(tmp_path):
    f = thinking(tmp_path)
    f.answer("I ran the billing service")
    (first,) = thinks(f.wait(0.7))
    resumed = f.feed(f.driver.on_speech_start(f.clock()))
    assert resumed == [CancelThink(first.id)]
    late = generated(Decision.FOLLOW_UP, "What did the billing service do?")
    assert f.driver.on_reply(first.id, late, f.clock()) == []
    f.clock.advance(2.0)
    warm = f.feed(f.driver.on_caption("on Kafka for two years", f.clock()))
    assert [type(a) for a in warm] == [WarmUp]  # still talking: the model may read ahead
    f.feed(f.driver.on_speech_end(f.clock()))
    (second,) = thinks(f.wait(0.7))
    assert second.id != first.id and second.turn.answer.endswith("for two years")
    f.feed(f.driver.on_reply(second.id, generated(Decision.MOVE_ON, ""), f.clock()))
    assert f.driver.index == 0  # a move-on waits for the end of the turn too
    assert isinstance(f.wait(2.4)[0], ShowQuestion) and f.driver.index == 1


@pytest.mark.parametrize(
    ("kind", "text", "say_kind"),
    [
        (Decision.ANSWER_QUESTION, "Any job you have had counts. Go ahead.", "clarification"),
        (Decision.HELP, "That's all right. What kind of work have you enjoyed?", "follow_up"),
        (Decision.REDIRECT, "Let's come back to you: what do you do at work?", "follow_up"),
    ],
)
def test_each_decision_that_stays_on_the_question_is_shown_and_said(tmp_path, kind, text, say_kind):
    f = thinking(tmp_path)
    f.answer(ANSWER)
    (think,) = thinks(f.wait(0.7))
    f.feed(f.driver.on_reply(think.id, generated(kind, text), f.clock()))
    actions = f.wait(2.4)
    assert actions[0] == ShowPrompt(text, say_kind)
    assert f.says(actions) == [Say(text, say_kind, f.says(actions)[0].id)]
    assert f.driver.index == 0


def test_move_on_says_the_acknowledgement_before_the_next_question(tmp_path):
    f = thinking(tmp_path)
    f.answer(ANSWER)
    (think,) = thinks(f.wait(0.7))
    f.feed(f.driver.on_reply(think.id, generated(Decision.MOVE_ON, "Thanks."), f.clock()))
    says = f.says(f.wait(2.4))
    assert says[0].kind == "question" and says[0].text == "Thanks. Draw a system."


def test_follow_ups_stop_at_the_interviews_bound_and_the_question_moves_on(tmp_path):
    f = thinking(tmp_path)
    for n in range(2):  # max_follow_ups defaults to 2
        f.answer(ANSWER)
        (think,) = thinks(f.wait(0.7))
        assert think.turn.follow_ups_used == n
        line = f"What part of the billing service mattered most, round {n}?"
        f.feed(f.driver.on_reply(think.id, generated(Decision.FOLLOW_UP, line), f.clock()))
        assert f.says(f.wait(2.4))[0].text == line
        f.finish_voice()
    assert len(thinks(f.answer(ANSWER))) == 0
    actions = f.wait(3.1)
    assert thinks(actions) == [] and f.driver.index == 1  # no third ask: the next question


def test_a_reply_later_than_the_timeout_gives_way_to_the_scripted_follow_up(tmp_path):
    f = thinking(tmp_path)
    f.answer("I like people.")  # short: the interview's own follow-up is the fallback
    (think,) = thinks(f.wait(0.7))
    actions = f.wait(2.4)  # the turn ended (2.5 s quiet + 0.5 s grace): the candidate waits
    assert f.says(actions) == [] and f.driver.deciding
    actions = f.wait(2.3)  # not yet 2.5 s of waiting: a slow reply may still come
    assert f.says(actions) == [] and CancelThink(think.id) not in actions
    actions = f.wait(0.2)  # 2.5 s after the turn ended
    assert CancelThink(think.id) in actions
    assert [s.text for s in f.says(actions)] == ["What do you enjoy most?"]
    (fallback,) = events(tmp_path, "brain_fallback")
    assert "no reply in 2.5 s" in fallback["reason"]
    assert f.driver.stats["fallbacks"] == 1 and f.driver.stats["follow_ups_generated"] == 0
    late = generated(Decision.FOLLOW_UP, "What people?")
    assert f.driver.on_reply(think.id, late, f.clock()) == []


@pytest.mark.parametrize(
    ("reply", "reason"),
    [
        (generated(Decision.FOLLOW_UP, "Great answer! What did you enjoy?"), "judges"),
        (generated(Decision.FOLLOW_UP, "You passed. What else?"), "passed"),
        (generated(Decision.FOLLOW_UP, "Your score is high, why?"), "scor"),
        (generated(Decision.FOLLOW_UP, "Why? And how?"), "2 questions"),
        (generated(Decision.FOLLOW_UP, " ".join(["word"] * 36) + "?"), "too long"),
        (generated(Decision.FOLLOW_UP, "Next we will draw a system, ready?"), "later question"),
        (Reply(Decision.MOVE_ON, "", source="local", error="model error: boom"), "boom"),
    ],
)
def test_a_failed_or_rule_breaking_reply_is_not_said_and_the_reason_is_logged(
    tmp_path, reply, reason
):
    f = thinking(tmp_path)
    f.answer("I like people.")
    (think,) = thinks(f.wait(0.7))
    f.feed(f.driver.on_reply(think.id, reply, f.clock()))
    says = f.says(f.wait(2.4))
    assert [s.text for s in says] == ["What do you enjoy most?"]
    (fallback,) = events(tmp_path, "brain_fallback")
    assert reason in fallback["reason"]
    assert reply.text == "" or reply.text not in [s.text for s in says]


def test_without_a_model_brain_nothing_is_drafted(tmp_path):
    f = started_at_q1(tmp_path)
    f.answer(ANSWER)
    assert thinks(f.wait(3.1)) == [] and f.driver.index == 1


def test_the_intro_warms_the_model_on_the_first_question_at_full_speed(tmp_path):
    from tests.session.interview.test_driver import make

    f = make(tmp_path, options=DriverOptions(thinking=True))
    (warm,) = [a for a in f.feed(f.driver.start(0.0)) if isinstance(a, WarmUp)]
    assert warm.turn.question == "Tell me about yourself." and warm.turn.answer == ""
    assert warm.gently is False  # nobody is being captioned yet
    f.at(2.0)
    asked = f.finish_voice()
    assert [w.gently for w in asked if isinstance(w, WarmUp)] == [False]


def test_no_check_in_for_silence_while_the_reply_to_a_finished_answer_is_awaited(tmp_path):
    f = started_at_q1(tmp_path, options=DriverOptions(thinking=True, think_timeout_s=30.0))
    f.answer(ANSWER)
    (think,) = thinks(f.wait(0.7))
    actions = f.wait(12.0)  # longer than the 8 s pause that draws "Take your time"
    assert f.says(actions) == [] and f.driver.deciding
    reply = generated(Decision.FOLLOW_UP, "How did you keep the billing service fast?")
    assert f.says(f.feed(f.driver.on_reply(think.id, reply, f.clock())))[0].text == reply.text


def test_a_request_discards_the_awaited_reply_and_a_new_question_starts_clean(tmp_path):
    f = started_at_q1(tmp_path, options=DriverOptions(thinking=True, think_timeout_s=30.0))
    f.answer(ANSWER)
    (think,) = thinks(f.wait(0.7))
    f.wait(2.4)
    assert f.driver.deciding
    actions = f.feed(f.driver.repeat(f.clock()))
    assert CancelThink(think.id) in actions and f.says(actions)[0].kind == "repeat"
    late = generated(Decision.FOLLOW_UP, "What did the billing service do?")
    assert f.feed(f.driver.on_reply(think.id, late, f.clock())) == []
    f.finish_voice()
    assert f.says(f.wait(9.0))[0].kind == "interjection"  # silence after the repeat
