"""The interviewer's state machine on a simulated clock: every transition, every request
(spoken and button), barge-in, time limits, long pauses, follow-ups and crash resume."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from session.attempt.events import EventLog, read_events
from session.interview.commands import Command, recognise
from session.interview.config import parse_interview
from session.interview.driver import (
    Accommodations,
    DriverOptions,
    Finished,
    InterviewDriver,
    Phase,
    Say,
    ShowQuestion,
    ShowWhiteboard,
    SpeakerSilent,
    StartScreenShare,
    StopScreenShare,
    StopVoice,
)
from session.runtime.clock import SimulatedClock

CONFIG = parse_interview(
    {
        "id": "unit",
        "title": "Unit",
        "role": "Tester",
        "intro": "Hello and welcome.",
        "closing": "Thank you, goodbye.",
        "total_time_s": 600,
        "short_answer_words": 5,
        "silence": {"end_of_turn_s": 2.5, "long_pause_s": 8.0},
        "questions": [
            {
                "id": "q1",
                "text": "Tell me about yourself.",
                "clarification": "Your background in a few sentences.",
                "follow_ups": ["What do you enjoy most?"],
                "time_limit_s": 60,
            },
            {"id": "q2", "text": "Draw a system.", "requires": "whiteboard", "time_limit_s": 60},
            {"id": "q3", "text": "Show your editor.", "requires": "screen_share"},
        ],
    }
)

LONG_ANSWER = "I have worked in support for five years and I enjoy solving problems"


@dataclass
class Fake:
    """Plays the engine: remembers what is being said and finishes it on request."""

    driver: InterviewDriver
    clock: SimulatedClock
    log: list

    def feed(self, actions):
        self.log.extend(actions)
        return actions

    def at(self, t: float) -> None:
        self.clock.set(t)

    def finish_voice(self, interrupted: bool = False):
        said = self.driver.speaking
        assert said is not None, "nothing is being said"
        return self.feed(self.driver.on_voice_finished(self.clock(), interrupted, said.id))

    def answer(self, text: str, duration: float = 3.0):
        """Candidate speaks `text` and falls silent."""
        t = self.clock()
        out = self.feed(self.driver.on_speech_start(t))
        self.clock.set(t + duration)
        out += self.feed(self.driver.on_caption(text, self.clock()))
        out += self.feed(self.driver.on_speech_end(self.clock()))
        return out

    def wait(self, seconds: float, step: float = 0.1):
        out = []
        end = self.clock() + seconds
        while self.clock() < end - 1e-9:
            self.clock.advance(step)
            out += self.feed(self.driver.tick(self.clock()))
        return out

    def says(self, actions) -> list[Say]:
        return [a for a in actions if isinstance(a, Say)]


def make(tmp_path, options: DriverOptions | None = None, config=CONFIG) -> Fake:
    clock = SimulatedClock()
    log = EventLog(tmp_path / "events.jsonl", clock)
    return Fake(InterviewDriver(config, clock, log, options), clock, [])


def started_at_q1(tmp_path, **kw) -> Fake:
    f = make(tmp_path, **kw)
    f.feed(f.driver.start(0.0))
    f.at(2.0)
    f.finish_voice()
    f.at(4.0)
    f.finish_voice()  # question 1 spoken
    assert f.driver.phase is Phase.LISTENING and f.driver.index == 0
    return f


def events(tmp_path, type_=None):
    return [e for e in read_events(tmp_path / "events.jsonl") if type_ in (None, e["type"])]


# ------------------------------------------------------------------ the main path


def test_intro_then_first_question_is_shown_and_spoken(tmp_path):
    f = make(tmp_path)
    first = f.feed(f.driver.start(0.0))
    assert first == [Say("Hello and welcome.", "intro", 1)]
    assert f.driver.phase is Phase.SPEAKING and f.driver.index == -1
    f.at(2.0)
    actions = f.finish_voice()
    assert isinstance(actions[0], ShowQuestion) and actions[0].index == 0 and actions[0].count == 3
    assert actions[1] == Say("Tell me about yourself.", "question", 2)
    assert events(tmp_path, "question_asked")[0]["id"] == "q1"


def test_long_answer_moves_to_next_question_after_end_of_turn_and_grace(tmp_path):
    f = started_at_q1(tmp_path)
    f.answer(LONG_ANSWER)
    assert f.wait(2.4) == []  # still within the end-of-turn silence
    actions = f.wait(1.0)  # end of turn (2.5 s) + grace (0.5 s)
    assert [type(a) for a in actions] == [ShowQuestion, ShowWhiteboard, Say]
    assert actions[2].kind == "question" and actions[2].text.endswith("Draw a system.")
    ended = events(tmp_path, "question_ended")[0]
    assert ended["id"] == "q1" and ended["reason"] == "answered" and ended["words"] == 13
    assert f.driver.answered == ["q1"]


def test_short_answer_draws_the_follow_up_once_then_moves_on(tmp_path):
    f = started_at_q1(tmp_path)
    f.answer("I like people.")
    says = f.says(f.wait(3.1))
    assert [(s.kind, s.text) for s in says] == [("follow_up", "What do you enjoy most?")]
    f.finish_voice()
    f.answer("Helping.")  # short again, but no follow-ups left
    says = f.says(f.wait(3.1))
    assert says[0].kind == "question" and f.driver.index == 1
    assert events(tmp_path, "follow_up")[0]["text"] == "What do you enjoy most?"


def test_turn_detector_end_of_turn_event_is_honoured(tmp_path):
    @dataclass
    class TurnEvent:
        kind: str
        t: float
        silence_s: float = 0.0

    f = started_at_q1(tmp_path, options=DriverOptions(move_on_grace_s=0))
    f.feed(f.driver.on_turn_event(TurnEvent("speech_start", 5.0)))
    f.feed(f.driver.on_caption(LONG_ANSWER, 8.0))
    f.feed(f.driver.on_turn_event(TurnEvent("speech_end", 8.0)))
    actions = f.driver.on_turn_event(TurnEvent("end_of_turn", 10.5, 2.5))
    assert f.says(actions)[0].kind == "question" and f.driver.index == 1


def test_whole_interview_toggles_whiteboard_and_screen_share_and_finishes(tmp_path):
    f = started_at_q1(tmp_path, options=DriverOptions(move_on_grace_s=0))
    f.answer(LONG_ANSWER)
    f.wait(2.6)
    f.finish_voice()
    f.answer(LONG_ANSWER)
    moved = f.wait(2.6)
    assert [type(a) for a in moved] == [ShowQuestion, ShowWhiteboard, StartScreenShare, Say]
    assert moved[1] == ShowWhiteboard(False)
    f.finish_voice()
    f.answer(LONG_ANSWER)
    closing = f.wait(2.6)
    assert [type(a) for a in closing] == [StopScreenShare, Say]
    assert closing[1].kind == "closing" and f.driver.answered == ["q1", "q2", "q3"]
    done = f.finish_voice()
    assert done == [Finished("completed")] and f.driver.finished
    assert f.driver.tick(99.0) == [] and f.driver.on_speech_start(99.0) == []
    types = [e["type"] for e in events(tmp_path)]
    assert types[0] == "interview_started" and types[-1] == "interview_finished"
    assert types.count("question_asked") == 3 and types.count("question_ended") == 3
    assert f.driver.stats["questions_asked"] == 3


# ------------------------------------------------------------------ silence


def test_long_pause_draws_one_kind_interjection_then_moves_on_after_the_second(tmp_path):
    f = started_at_q1(tmp_path)
    assert f.wait(7.9) == []
    says = f.says(f.wait(0.2))
    assert [s.kind for s in says] == ["interjection"]
    assert says[0].text == "Take your time. Would you like me to repeat the question?"
    assert f.wait(3.0) == []  # one check-in per silence, not one per tick
    f.finish_voice()
    says = f.says(f.wait(8.1))
    assert says[0].kind == "interjection" and "move on" in says[0].text
    moved = f.finish_voice()
    assert f.says(moved)[0].kind == "question" and f.driver.index == 1
    assert events(tmp_path, "question_ended")[0]["reason"] == "no_answer"
    assert len(events(tmp_path, "interjection")) == 2


def test_speaking_again_resets_the_long_pause(tmp_path):
    f = started_at_q1(tmp_path, options=DriverOptions(move_on_grace_s=30))
    f.wait(6.0)
    f.answer("Well.", duration=1.0)
    assert f.says(f.wait(7.5)) == []  # 7.5 s since they spoke, not 14.5 s since the prompt


def test_no_check_in_or_moving_on_while_the_microphone_is_lost(tmp_path):
    f = started_at_q1(tmp_path)
    f.wait(3.0)
    f.feed(f.driver.microphone_lost(f.clock()))
    assert f.wait(60.0) == []  # they may be answering unheard: the question waits
    f.feed(f.driver.microphone_back(f.clock()))
    assert f.wait(7.9) == []  # silence counts again from the moment it came back
    assert [s.kind for s in f.says(f.wait(0.2))] == ["interjection"]
    # The question's time limit stood still for the 60 s: 3 s + 8.1 s of it are used.
    assert f.driver.index == 0
    assert 11.0 <= f.driver._q.elapsed(f.clock()) <= 11.2


def test_accommodations_raise_the_silence_thresholds(tmp_path):
    acc = Accommodations(long_pause_s=20.0, end_of_turn_s=5.0)
    f = started_at_q1(tmp_path, options=DriverOptions(accommodations=acc, move_on_grace_s=0))
    assert f.wait(19.0) == []
    assert f.says(f.wait(1.1))[0].kind == "interjection"
    f.finish_voice()
    f.answer(LONG_ANSWER)
    assert f.wait(4.9) == []
    assert f.says(f.wait(0.2))[0].kind == "question"


# ------------------------------------------------------------------ requests


@pytest.mark.parametrize(
    ("text", "command"),
    [
        ("Could you repeat the question?", Command.REPEAT),
        ("Sorry, can you say that again", Command.REPEAT),
        ("please repeat", Command.REPEAT),
        ("Pardon?", Command.REPEAT),
        ("Um, can you clarify?", Command.CLARIFY),
        ("What do you mean?", Command.CLARIFY),
        ("Wait, I'm not finished.", Command.NOT_FINISHED),
        ("I wasn’t finished", Command.NOT_FINISHED),
        ("Hold on.", Command.NOT_FINISHED),
        ("wait", Command.NOT_FINISHED),
        ("Next question, please.", Command.NEXT),
        ("Skip.", Command.NEXT),
    ],
)
def test_spoken_requests_are_recognised_in_normalised_captions(text, command):
    assert recognise(text) is command


@pytest.mark.parametrize(
    "text",
    [
        "We had to wait for the deploy to finish before we could skip the migration step",
        "I would repeat the tests every night and clarify the requirements with the team",
        "",
    ],
)
def test_ordinary_answers_are_not_mistaken_for_requests(text):
    assert recognise(text) is None


def test_spoken_repeat_waits_for_the_candidate_to_stop_then_repeats_the_question(tmp_path):
    f = started_at_q1(tmp_path)
    f.feed(f.driver.on_speech_start(5.0))
    assert f.driver.on_caption("Could you repeat", 6.0) == []  # still talking
    assert f.driver.on_caption("the question?", 6.5) == []
    actions = f.driver.on_speech_end(7.0)
    assert f.says(actions) == [Say("Tell me about yourself.", "repeat", 3)]
    cmd = events(tmp_path, "candidate_command")[0]
    assert (cmd["command"], cmd["source"]) == ("repeat", "spoken")
    f.at(9.0)
    f.finish_voice()
    # the request is not an answer: no end of turn, no follow-up, still question 1
    assert f.says(f.wait(3.0)) == [] and f.driver.index == 0


def test_repeat_after_a_follow_up_repeats_the_follow_up(tmp_path):
    f = started_at_q1(tmp_path)
    f.answer("Yes.")
    f.wait(3.1)
    f.finish_voice()
    assert f.says(f.driver.repeat(f.clock()))[0].text == "What do you enjoy most?"


def test_clarify_button_and_phrase_speak_the_clarification(tmp_path):
    f = started_at_q1(tmp_path)
    assert f.says(f.driver.clarify(5.0))[0] == Say(
        "Your background in a few sentences.", "clarification", 3
    )
    f.finish_voice()
    actions = f.answer("What do you mean?")
    assert f.says(actions)[0].kind == "clarification"
    assert [e["source"] for e in events(tmp_path, "candidate_command")] == ["button", "spoken"]


def test_clarify_without_a_clarification_rephrases_the_question(tmp_path):
    f = started_at_q1(tmp_path, options=DriverOptions(move_on_grace_s=0))
    f.answer(LONG_ANSWER)
    f.wait(2.6)
    f.finish_voice()
    said = f.says(f.driver.clarify(f.clock()))[0]
    assert said.text == "Let me put it another way. Draw a system."


def test_button_while_speaking_stops_the_voice_first(tmp_path):
    f = make(tmp_path)
    f.feed(f.driver.start(0.0))
    f.at(2.0)
    f.finish_voice()  # question 1 now being spoken
    actions = f.driver.repeat(3.0)
    assert isinstance(actions[0], StopVoice) and actions[1].kind == "repeat"
    # the stopped line's late callback is ignored
    assert f.driver.on_voice_finished(3.1, True, say_id=2) == []
    assert f.driver.phase is Phase.SPEAKING


def test_next_question_spoken_or_button_skips_follow_ups(tmp_path):
    f = started_at_q1(tmp_path)
    actions = f.answer("Next question please.")
    assert f.says(actions)[0].kind == "question" and f.driver.index == 1
    assert events(tmp_path, "question_ended")[0]["reason"] == "skipped"
    f.finish_voice()
    f.driver.next_question(f.clock())
    assert f.driver.index == 2


def test_not_finished_cancels_a_pending_move_on(tmp_path):
    f = started_at_q1(tmp_path, options=DriverOptions(move_on_grace_s=2.0))
    f.answer(LONG_ANSWER)
    f.wait(2.6)  # end of turn: the move-on is pending
    assert f.driver.not_finished(f.clock()) == []
    assert f.says(f.wait(5.0)) == [] and f.driver.index == 0
    assert f.driver.phase is Phase.LISTENING


def test_not_finished_right_after_the_next_question_started_goes_back(tmp_path):
    f = started_at_q1(tmp_path, options=DriverOptions(move_on_grace_s=0))
    f.answer(LONG_ANSWER)
    f.wait(2.6)
    assert f.driver.index == 1 and f.driver.speaking.kind == "question"
    barge = f.feed(f.driver.on_speech_start(f.clock() + 1))
    assert barge == [StopVoice()]
    back = f.driver.on_caption("Wait, I wasn't finished", f.clock() + 2)
    assert [type(a) for a in back] == [ShowQuestion, ShowWhiteboard]
    assert back[0].index == 0 and f.driver.index == 0 and f.driver.answered == []
    f.feed(f.driver.on_speech_end(f.clock() + 3))
    # the rest of the answer, then the interview moves on normally again
    f.at(f.clock() + 3)
    f.answer("and I also mentor new colleagues on the team every week")
    assert f.says(f.wait(2.6))[0].kind == "question" and f.driver.index == 1


def test_not_finished_during_a_follow_up_takes_the_follow_up_back(tmp_path):
    f = started_at_q1(tmp_path, options=DriverOptions(move_on_grace_s=0))
    f.answer("I like people.")
    f.wait(2.6)
    assert f.driver.speaking.kind == "follow_up"
    actions = f.driver.not_finished(f.clock())
    assert actions == [StopVoice()] and f.driver.phase is Phase.LISTENING
    assert f.driver.stats["follow_ups"] == 0


# ------------------------------------------------------------------ barge-in


def test_candidate_talking_over_the_interviewer_stops_the_voice_and_listens(tmp_path):
    f = make(tmp_path)
    f.feed(f.driver.start(0.0))
    f.at(2.0)
    f.finish_voice()  # question 1 being spoken
    actions = f.driver.on_speech_start(3.0)
    assert actions == [StopVoice()] and f.driver.phase is Phase.LISTENING
    assert events(tmp_path, "barge_in")[0]["interrupted"] == "question"
    assert f.driver.on_voice_finished(3.05, True, say_id=2) == []  # the stopped line
    f.feed(f.driver.on_caption(LONG_ANSWER, 6.0))
    f.feed(f.driver.on_speech_end(6.0))
    f.at(6.0)
    assert f.says(f.wait(3.1))[0].kind == "question" and f.driver.index == 1


def test_barge_in_during_the_intro_asks_the_first_question_when_they_stop(tmp_path):
    f = make(tmp_path)
    f.feed(f.driver.start(0.0))
    assert f.driver.on_speech_start(1.0) == [StopVoice()]
    f.feed(f.driver.on_caption("Hi there", 1.5))
    f.feed(f.driver.on_speech_end(2.0))
    f.at(2.0)
    assert f.says(f.wait(2.6))[0].kind == "question" and f.driver.index == 0


def test_the_closing_line_is_not_interrupted(tmp_path):
    f = started_at_q1(tmp_path)
    f.driver.end_interview(5.0)
    assert f.driver.speaking.kind == "closing"
    assert f.driver.on_speech_start(6.0) == []
    assert f.finish_voice() == [Finished("ended_by_candidate")]


def test_barge_in_can_be_switched_off(tmp_path):
    f = make(tmp_path, options=DriverOptions(barge_in=False))
    f.feed(f.driver.start(0.0))
    assert f.driver.on_speech_start(1.0) == [] and f.driver.phase is Phase.SPEAKING


# ------------------------------------------------------------------ time


def test_question_time_limit_waits_for_a_pause_then_wraps_up_gently(tmp_path):
    f = started_at_q1(tmp_path)
    assert f.driver.question_time_left(4.0) == 60.0
    f.feed(f.driver.on_speech_start(5.0))
    f.feed(f.driver.on_caption(LONG_ANSWER, 30.0))
    assert f.wait(62.0) == []  # at 66 s: over the limit but still talking
    f.feed(f.driver.on_speech_end(f.clock()))
    says = f.says(f.wait(2.6))
    assert [s.kind for s in says] == ["wrap_up"] and "interest of time" in says[0].text
    moved = f.finish_voice()
    assert f.says(moved)[0].kind == "question"
    assert events(tmp_path, "question_ended")[0]["reason"] == "time_limit"


def test_question_time_limit_interrupts_after_the_grace_when_they_keep_talking(tmp_path):
    f = started_at_q1(tmp_path, options=DriverOptions(wrap_up_grace_s=10))
    f.feed(f.driver.on_speech_start(5.0))
    f.feed(f.driver.on_caption(LONG_ANSWER, 30.0))
    assert f.wait(69.0) == []  # 73 s: limit 64 s + grace 10 s not reached
    says = f.says(f.wait(1.1))
    assert says[0].kind == "wrap_up"


def test_extra_time_accommodation_lengthens_the_question_limit(tmp_path):
    acc = Accommodations(time_factor=1.5, extra_time_s=10)
    f = started_at_q1(tmp_path, options=DriverOptions(accommodations=acc))
    assert f.driver.question_time_left(4.0) == 100.0
    assert f.driver.total_time_left(0.0) == 910.0


def test_overall_time_up_closes_the_interview(tmp_path):
    f = started_at_q1(tmp_path)
    f.at(599.0)
    f.feed(f.driver.on_speech_start(599.0))
    f.feed(f.driver.on_caption(LONG_ANSWER, 601.0))
    f.feed(f.driver.on_speech_end(601.0))
    f.at(601.0)
    says = f.says(f.wait(2.6))
    assert says[0].kind == "closing" and "end of our time" in says[0].text
    assert f.finish_voice() == [Finished("time_up")]


def test_silent_candidate_over_time_is_moved_on_without_waiting(tmp_path):
    f = started_at_q1(tmp_path, options=DriverOptions(max_interjections=99))
    f.driver.long_pause_s = 1000.0  # only the time limit acts here
    says = f.says(f.wait(60.1))
    assert says[0].kind == "wrap_up"


def test_end_interview_button_closes_early(tmp_path):
    f = started_at_q1(tmp_path)
    actions = f.driver.end_interview(10.0)
    assert actions[0].kind == "closing" and actions[0].text.startswith("Of course.")
    assert f.finish_voice() == [Finished("ended_by_candidate")]
    assert events(tmp_path, "question_ended")[0]["reason"] == "ended_by_candidate"


# ------------------------------------------------------------------ crash recovery


def test_resume_continues_from_the_next_unanswered_question(tmp_path):
    f = make(tmp_path)
    f.driver.resume_from(1, answered=["q1"])
    first = f.driver.start(0.0)
    assert first[0].kind == "resume" and "Welcome back" in first[0].text
    f.at(2.0)
    asked = f.finish_voice()
    assert asked[0] == ShowQuestion(1, CONFIG.questions[1], 3)
    assert asked[1] == ShowWhiteboard(True)  # the board for the question just shown
    resumed = events(tmp_path, "resumed")[0]
    assert resumed["question_index"] == 1 and resumed["answered"] == ["q1"]
    assert not events(tmp_path, "interview_started")


def test_resume_skips_questions_already_answered_out_of_order(tmp_path):
    f = make(tmp_path, options=DriverOptions(move_on_grace_s=0))
    f.driver.resume_from(0, answered=["q2"])
    f.feed(f.driver.start(0.0))
    f.finish_voice()
    f.finish_voice()
    f.answer(LONG_ANSWER)
    f.wait(2.6)
    assert f.driver.index == 2  # q2 was answered before the crash


def test_resume_must_come_before_start_and_be_in_range(tmp_path):
    f = make(tmp_path)
    with pytest.raises(ValueError):
        f.driver.resume_from(3)
    f.driver.start(0.0)
    with pytest.raises(RuntimeError):
        f.driver.resume_from(1)


def test_end_of_turn_waits_for_a_late_caption_before_deciding(tmp_path):
    f = started_at_q1(tmp_path)
    f.feed(f.driver.on_speech_start(5.0))
    f.feed(f.driver.on_speech_end(7.0))
    f.at(7.0)
    assert f.wait(4.0) == []  # end of turn at 9.5, the caption is late: nothing yet
    actions = f.driver.on_caption("Could you repeat the question?", f.clock())
    assert f.says(actions)[0].kind == "repeat" and f.driver.index == 0


def test_end_of_turn_without_any_caption_moves_on_after_the_caption_wait(tmp_path):
    f = started_at_q1(tmp_path)
    f.feed(f.driver.on_speech_start(5.0))
    f.feed(f.driver.on_speech_end(7.0))
    f.at(7.0)
    assert f.wait(5.4) == []  # 2.5 s end of turn + 3 s caption wait
    says = f.says(f.wait(0.4))
    assert says and says[0].kind == "follow_up"  # nothing was understood: a short answer


def test_a_line_that_never_finishes_is_given_up_so_the_interview_cannot_hang(tmp_path):
    f = make(tmp_path, options=DriverOptions(voice_timeout_s=5, voice_s_per_word=1))
    f.feed(f.driver.start(0.0))  # "Hello and welcome." (3 words): given up after 8 s
    assert f.wait(7.9) == []
    actions = f.wait(0.2)
    assert actions[0] == StopVoice() and f.says(actions)[0].kind == "question"
    assert SpeakerSilent() in actions  # the engine tells the candidate; not read from the log
    assert events(tmp_path, "device_error")[0]["source"] == "speaker"
    f.driver.end_interview(f.clock())  # the closing line, too
    assert f.wait(20.0)[-1] == Finished("ended_by_candidate")


def test_every_question_moved_past_is_handed_out_once_as_an_action(tmp_path):
    from session.interview.driver import QuestionEnded

    f = started_at_q1(tmp_path)
    assert f.driver.take_ended() == []
    f.feed(f.driver.next_question(f.clock()))
    assert f.driver.take_ended() == [QuestionEnded("q1", "skipped")]
    assert f.driver.take_ended() == []  # once
