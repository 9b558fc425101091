"""The AI interviewer: a state machine that decides what to say and when.

Pure logic: no threads, no devices, no Qt. The engine feeds it what happened (speech
started/ended, turn events, committed captions, the voice finished, the clock ticked,
a button was pressed) with a session-clock time, and executes the actions it returns
(say a line, stop the voice, show a question, start the screen share, ...). Everything it
decides is also written to the events timeline, so a reviewer sees why the interviewer
moved on.

Flow: intro -> for each question: ask (spoken + shown) -> listen -> [long pause: a kind
check-in] -> end of turn: (after a short grace during which "I'm not finished" still works)
the brain's reply: a follow-up, an answer to the candidate's question, help, a redirect, or
the next question -> per-question time limit with a gentle wrap-up line -> closing ->
finished.

With a model brain (``DriverOptions.thinking``) the reply is asked for early: a ``Think``
action goes out once the candidate has been quiet for ``draft_after_s``, its reply comes
back through ``on_reply`` and waits for the end of the turn; if they carry on talking the
draft is cancelled. A reply that is late, fails or breaks a rule of ``brain.guard`` gives way
to the interview's own follow-up (the scripted brain), and the reason is logged.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

from session.attempt import events as ev
from session.interview.brain import guard
from session.interview.brain.scripted import ScriptedBrain
from session.interview.brain.turn import Decision, Exchange, Reply, Turn
from session.interview.commands import SHORT_UTTERANCE_WORDS, Command, recognise
from session.interview.config import InterviewConfig, Question

# ---------------------------------------------------------------- actions (outputs)


@dataclass(frozen=True)
class Say:
    """Speak ``text``. ``id`` comes back in ``on_voice_finished`` so a late callback from a
    line that was already stopped is not mistaken for the current one."""

    text: str
    kind: str  # intro|question|follow_up|repeat|clarification|interjection|wrap_up|closing|resume
    id: int = 0


@dataclass(frozen=True)
class StopVoice:
    pass


@dataclass(frozen=True)
class ShowQuestion:
    index: int
    question: Question
    count: int = 0


@dataclass(frozen=True)
class StartScreenShare:
    pass


@dataclass(frozen=True)
class StopScreenShare:
    pass


@dataclass(frozen=True)
class ShowWhiteboard:
    visible: bool


@dataclass(frozen=True)
class QuestionEnded:
    """The interview moved past a question: a resumed attempt continues after it."""

    id: str
    reason: str


@dataclass(frozen=True)
class SpeakerSilent:
    """A line never reported its end: the candidate may not be hearing the interviewer."""


@dataclass(frozen=True)
class Finished:
    reason: str  # completed | ended_by_candidate | time_up


@dataclass(frozen=True)
class ShowPrompt:
    """A follow-up or clarification is now what the candidate answers: shown, not only
    spoken (with captions off it would be invisible otherwise)."""

    text: str
    kind: str


@dataclass(frozen=True)
class Think:
    """Ask the brain what to say after ``turn``; the reply comes back to ``on_reply(id)``."""

    id: int
    turn: Turn


@dataclass(frozen=True)
class WarmUp:
    """The brain may prepare for a turn that starts so. ``gently``: the candidate is talking
    and their captions need the processor too."""

    turn: Turn
    gently: bool = True


@dataclass(frozen=True)
class CancelThink:
    id: int


Action = (
    Say
    | StopVoice
    | ShowQuestion
    | ShowPrompt
    | Think
    | WarmUp
    | CancelThink
    | StartScreenShare
    | StopScreenShare
    | ShowWhiteboard
    | QuestionEnded
    | SpeakerSilent
    | Finished
)


class Phase(StrEnum):
    NOT_STARTED = "not_started"
    SPEAKING = "speaking"
    LISTENING = "listening"
    FINISHED = "finished"


# ---------------------------------------------------------------- settings


@dataclass(frozen=True)
class Lines:
    """What the interviewer says between questions. Kind, short, never hurried."""

    long_pause: str = "Take your time. Would you like me to repeat the question?"
    move_on_after_silence: str = "That's all right. Let's move on to the next question."
    next_question: str = "Thank you."
    skip: str = "Of course, let's move on."
    wrap_up: str = "Thank you. In the interest of time, let's move on."
    time_up: str = "Thank you. We have reached the end of our time."
    clarify_fallback: str = "Let me put it another way."
    resume: str = "Welcome back. Let's continue where we left off."
    ended_early: str = "Of course. We can end the interview here."


@dataclass(frozen=True)
class Accommodations:
    """Adjustments for a candidate who needs more time. ``None`` keeps the interview's own
    value."""

    time_factor: float = 1.0  # multiplies every time limit
    extra_time_s: float = 0.0  # added to every question and to the total
    end_of_turn_s: float | None = None
    long_pause_s: float | None = None
    short_answer_words: int | None = None


@dataclass(frozen=True)
class DriverOptions:
    accommodations: Accommodations = field(default_factory=Accommodations)
    lines: Lines = field(default_factory=Lines)
    move_on_grace_s: float = 0.5  # after end of turn: late captions, "wait" still cancels
    caption_wait_s: float = 3.0  # speech but no caption yet: wait this much longer for it
    undo_window_s: float = 8.0  # "I'm not finished" right after the next prompt started
    wrap_up_grace_s: float = 30.0  # over time while still talking: then interrupt gently
    max_interjections: int = 2  # the last one moves on
    barge_in: bool = True
    # A line that never reports its end (a stalled audio device) is given up after this
    # much time plus voice_s_per_word per word, so the interview cannot hang on it.
    voice_timeout_s: float = 8.0
    voice_s_per_word: float = 1.0
    # A model brain answers asynchronously (Think / on_reply); the scripted one in place.
    thinking: bool = False
    # The candidate waits at most this long after their turn for a generated reply; then the
    # interview's own follow-up (or the next question) is said instead.
    think_timeout_s: float = 2.5
    draft_after_s: float = 0.6  # quiet this long: start drafting (not on every breath)


# ---------------------------------------------------------------- state

_EPS = 1e-6  # times are sums of small float steps


@dataclass
class _QuestionState:
    index: int
    started_at: float  # when it was asked
    prompt: str  # the last question/follow-up text, what "repeat" says again
    follow_ups_used: int = 0
    interjections: int = 0
    total_words: int = 0
    over_time: bool = False
    clock_from: float | None = None  # the time limit runs from the end of the question
    answer: list[tuple[int, str]] = field(default_factory=list)  # (utterance, text) to prompt
    earlier: list[Exchange] = field(default_factory=list)  # prompts answered on this question
    held_since: float | None = None  # the time limit stands still (microphone lost)
    held_s: float = 0.0  # time the limit stood still, in total

    @property
    def answer_text(self) -> str:
        """The candidate's words since the last question or follow-up (requests left out)."""
        return " ".join(text for _, text in self.answer)

    @property
    def words(self) -> int:
        return len(self.answer_text.split())

    def elapsed(self, t: float) -> float:
        if self.clock_from is None:
            return 0.0
        if self.held_since is not None:
            t = min(t, max(self.held_since, self.clock_from))
        return max(0.0, t - self.clock_from - self.held_s)

    def hold(self, t: float) -> None:
        if self.held_since is None:
            self.held_since = t

    def release(self, t: float) -> None:
        if self.held_since is not None and self.clock_from is not None:
            # only the part after the limit started counts (it starts when the question ends)
            self.held_s += max(0.0, t - max(self.held_since, self.clock_from))
        self.held_since = None


@dataclass
class _Draft:
    id: int
    turn: Turn
    at: float
    reply: Reply | None = None
    waiting_since: float | None = None  # the turn ended: act on the reply as soon as it comes

    @property
    def waiting(self) -> bool:
        return self.waiting_since is not None


@dataclass
class _Undo:
    at: float
    question: _QuestionState
    answered: list[str]


class InterviewDriver:
    """Feed it inputs; it returns the actions to carry out, in order."""

    def __init__(
        self,
        config: InterviewConfig,
        clock: Callable[[], float],
        events: ev.EventLog | None = None,
        options: DriverOptions | None = None,
    ) -> None:
        self.config = config
        self.options = options or DriverOptions()
        self._clock = clock
        self._events = events
        acc = self.options.accommodations
        self.end_of_turn_s = acc.end_of_turn_s or config.silence.end_of_turn_s
        self.long_pause_s = acc.long_pause_s or config.silence.long_pause_s
        self.short_answer_words = (
            config.short_answer_words if acc.short_answer_words is None else acc.short_answer_words
        )
        self.phase = Phase.NOT_STARTED
        self.answered: list[str] = []  # ids of questions we moved on from, in order
        self.words_heard: dict[str, int] = {}  # question id -> words heard (this run)
        self.stats = {
            "questions_asked": 0,
            "follow_ups": 0,
            "interjections": 0,
            "repeats": 0,
            "clarifications": 0,
            "commands": 0,
            "barge_ins": 0,
            "follow_ups_generated": 0,
            "fallbacks": 0,
        }
        self.max_follow_ups = config.max_follow_ups
        self._scripted = ScriptedBrain()
        self._draft: _Draft | None = None
        self._think_seq = 0
        self._utterance_no = 0
        self._start_index = 0
        self._started_at: float | None = None
        self._q: _QuestionState | None = None
        self._speaking: Say | None = None
        self._after_speech = "listen"  # listen | ask_first | advance | finish
        self._after_turn: str | None = None  # what a barge-in postponed to the turn's end
        self._advance_reason = "answered"
        self._say_seq = 0
        self._say_deadline = float("inf")
        self._finish_reason = "completed"
        # Listening
        self._listen_since = 0.0
        self._candidate_speaking = False
        self._last_speech_end: float | None = None
        self._turn_open = False
        self._utterance = ""
        self._utterance_done = True
        self._handled_in_utterance: Command | None = None
        self._pending_command: tuple[Command, str] | None = None
        self._decide_at: float | None = None
        self._uncaptioned_speech = False  # speech heard, its caption not yet arrived
        self._silence_checked = False
        self._mic_lost = False  # silence means nothing while the microphone is gone
        self._recording_paused = False  # the disk is full: nothing moves on until it resumes
        self._undo: _Undo | None = None
        self._time_up = False
        self._screen_share = False
        self._whiteboard = False
        self._ended: list[Action] = []  # QuestionEnded not yet handed out

    # ------------------------------------------------------------ queries

    @property
    def count(self) -> int:
        return len(self.config.questions)

    @property
    def index(self) -> int:
        """The current question, -1 during the intro."""
        return self._q.index if self._q else -1

    @property
    def question(self) -> Question | None:
        return self.config.questions[self._q.index] if self._q else None

    @property
    def speaking(self) -> Say | None:
        return self._speaking

    @property
    def finished(self) -> bool:
        return self.phase is Phase.FINISHED

    @property
    def deciding(self) -> bool:
        """The answer seems over; the next step is being chosen (a short grace, or the
        brain's reply is awaited)."""
        waiting = self._draft is not None and self._draft.waiting
        return self.phase is Phase.LISTENING and (self._decide_at is not None or waiting)

    @property
    def finish_reason(self) -> str | None:
        """completed | ended_by_candidate | time_up, once finished."""
        return self._finish_reason if self.finished else None

    def question_limit_s(self, index: int) -> float:
        acc = self.options.accommodations
        return self.config.questions[index].time_limit_s * acc.time_factor + acc.extra_time_s

    @property
    def total_limit_s(self) -> float:
        acc = self.options.accommodations
        return self.config.total_time_s * acc.time_factor + acc.extra_time_s

    def question_time_left(self, t: float | None = None) -> float:
        if self._q is None:
            return self.question_limit_s(self._start_index)
        return max(0.0, self.question_limit_s(self._q.index) - self._q.elapsed(self._now(t)))

    def total_time_left(self, t: float | None = None) -> float:
        if self._started_at is None:
            return self.total_limit_s
        return max(0.0, self.total_limit_s - (self._now(t) - self._started_at))

    def next_unanswered(self) -> int | None:
        for i, q in enumerate(self.config.questions):
            if q.id not in self.answered:
                return i
        return None

    def take_ended(self) -> list[Action]:
        """Questions ended since the last call (``QuestionEnded`` actions). Many inputs end a
        question in passing; whoever carries out actions collects these after each call."""
        ended, self._ended = self._ended, []
        return ended

    # ------------------------------------------------------------ inputs

    def resume_from(self, question_index: int, answered: list[str] | None = None) -> None:
        """Before ``start``: continue an interrupted attempt at ``question_index``."""
        if self.phase is not Phase.NOT_STARTED:
            raise RuntimeError("resume_from must be called before start")
        if not 0 <= question_index < self.count:
            raise ValueError(f"question index {question_index} out of range 0..{self.count - 1}")
        self._start_index = question_index
        ids = [q.id for q in self.config.questions]
        self.answered = list(answered) if answered is not None else ids[:question_index]

    def start(self, t: float | None = None) -> list[Action]:
        if self.phase is not Phase.NOT_STARTED:
            return []
        t = self._now(t)
        self._started_at = t
        resumed = self._start_index > 0 or bool(self.answered)
        if resumed:
            self._log(ev.RESUMED, t, question_index=self._start_index, answered=self.answered)
        else:
            self._log(ev.INTERVIEW_STARTED, t, interview_id=self.config.id, count=self.count)
        line = self.options.lines.resume if resumed else self.config.intro
        if not line:
            return self._ask(self._start_index, t)
        return [*self._say(line, "resume" if resumed else "intro", "ask_first"), *self._prime()]

    def _prime(self) -> list[Action]:
        """While the intro is spoken the model reads its instructions and the first question,
        at full speed: the first answer's reply is then as quick as any other."""
        if not self._warms:
            return []
        fresh = _QuestionState(index=self._start_index, started_at=0.0, prompt="")
        return [WarmUp(self._turn(fresh), gently=False)]

    @property
    def _warms(self) -> bool:
        """A model brain that may write follow-ups: worth preparing ahead."""
        return self.options.thinking and self.max_follow_ups > 0

    def on_voice_finished(
        self, t: float | None = None, interrupted: bool = False, say_id: int | None = None
    ) -> list[Action]:
        t = self._now(t)
        cur = self._speaking
        if cur is None or (say_id is not None and say_id != cur.id):
            return []  # a line we already stopped, or a stale callback
        self._speaking = None
        actions = self._follow_on(self._after_speech, t)
        return self._listen(t) if actions is None else actions

    def on_speech_start(self, t: float | None = None) -> list[Action]:
        t = self._now(t)
        self._candidate_speaking = True
        self._turn_open = True
        self._uncaptioned_speech = True
        self._silence_checked = False
        self._decide_at = None  # they carried on: not the end of the answer after all
        if self._utterance_done:
            self._utterance, self._utterance_done = "", False
            self._handled_in_utterance = None
            self._utterance_no += 1
        if self.phase is Phase.SPEAKING and self._speaking and self.options.barge_in:
            return self._barge_in(t)
        return self._discard_draft()

    def on_speech_end(self, t: float | None = None) -> list[Action]:
        t = self._now(t)
        self._candidate_speaking = False
        self._last_speech_end = t
        self._utterance_done = True
        if self._pending_command is not None:
            command, source = self._pending_command
            self._pending_command = None
            return self._command(command, t, source)
        return []

    def on_turn_event(self, event: Any) -> list[Action]:
        """A ``speech.vad.TurnEvent`` (kind: speech_start|speech_end|end_of_turn|long_pause)."""
        kind, t = event.kind, event.t
        if kind == "speech_start":
            return self.on_speech_start(t)
        if kind == "speech_end":
            return self.on_speech_end(t)
        if kind == "end_of_turn":
            return self._end_of_turn(t)
        if kind == "long_pause":
            return self._long_pause(t)
        return []

    def on_caption(self, committed_text: str, t: float | None = None) -> list[Action]:
        """Newly committed caption text (not the whole transcript so far)."""
        t = self._now(t)
        text = committed_text.strip()
        if not text or self.phase in (Phase.NOT_STARTED, Phase.FINISHED):
            return []
        n = len(text.split())
        self._uncaptioned_speech = False
        if self._q is not None:
            self._q.total_words += n
            self._q.answer.append((self._utterance_no, text))
        self._utterance = f"{self._utterance} {text}".strip()
        command = recognise(self._utterance)
        if command is None and self._q is not None and self._q.words > SHORT_UTTERANCE_WORDS:
            self._undo = None  # they are answering the new prompt: no going back
        if command is None or command == self._handled_in_utterance:
            if command is None and self._candidate_speaking and self._may_think():
                return [WarmUp(self._turn())]
            return []
        self._handled_in_utterance = command
        if self._q is not None:  # the request is not part of the answer
            words = len(self._utterance.split())
            self._q.total_words = max(0, self._q.total_words - words)
            self._q.answer = [(u, x) for u, x in self._q.answer if u != self._utterance_no]
        if self._candidate_speaking and command is not Command.NOT_FINISHED:
            self._pending_command = (command, "spoken")  # answer when they stop talking
            return []
        return self._command(command, t, "spoken")

    def tick(self, t: float | None = None) -> list[Action]:
        t = self._now(t)
        if self.phase in (Phase.NOT_STARTED, Phase.FINISHED):
            return []
        if self._undo is not None and t - self._undo.at > self.options.undo_window_s:
            self._undo = None
        said = self._speaking
        if self.phase is Phase.SPEAKING and said is not None and t >= self._say_deadline:
            self._log(ev.DEVICE_ERROR, t, source="speaker", message="the voice never finished")
            return [StopVoice(), SpeakerSilent(), *self.on_voice_finished(t, True, said.id)]
        actions = self._check_time(t)
        if actions or self.phase is not Phase.LISTENING or self._recording_paused:
            return actions
        if self._decide_at is not None and t >= self._decide_at - _EPS:
            self._decide_at = None
            return self._decide(t)
        draft = self._draft
        if draft is not None and draft.waiting and draft.reply is not None:
            return self._act(t, draft)
        if draft is not None and draft.waiting and self._late(draft, t):
            return self._give_up(t, draft)
        if actions := self._maybe_draft(t):
            return actions
        if (
            self._turn_open
            and not self._candidate_speaking
            and self._last_speech_end is not None
            and t - self._last_speech_end >= self.end_of_turn_s - _EPS
        ):
            return self._end_of_turn(t)
        return self._long_pause(t)

    # Buttons (and the same requests recognised in speech)

    def repeat(self, t: float | None = None) -> list[Action]:
        return self._command(Command.REPEAT, self._now(t), "button")

    def clarify(self, t: float | None = None) -> list[Action]:
        return self._command(Command.CLARIFY, self._now(t), "button")

    def not_finished(self, t: float | None = None) -> list[Action]:
        return self._command(Command.NOT_FINISHED, self._now(t), "button")

    def next_question(self, t: float | None = None) -> list[Action]:
        return self._command(Command.NEXT, self._now(t), "button")

    def end_interview(self, t: float | None = None) -> list[Action]:
        """The candidate ends early: the closing line, then finished."""
        t = self._now(t)
        if self.phase in (Phase.NOT_STARTED, Phase.FINISHED):
            return []
        if self._speaking is not None and self._speaking.kind == "closing":
            return []
        self._log(ev.CANDIDATE_COMMAND, t, command="end_interview", source="button")
        actions: list[Action] = [StopVoice()] if self._speaking else []
        self._speaking = None
        self._finish_reason = "ended_by_candidate"
        if self._q is not None:
            self._end_question(t, "ended_by_candidate")
        return actions + self._close(t, self.options.lines.ended_early)

    # ------------------------------------------------------------ transitions

    def _command(self, command: Command, t: float, source: str) -> list[Action]:
        if self.phase in (Phase.NOT_STARTED, Phase.FINISHED):
            return []
        if self._speaking is not None and self._speaking.kind == "closing":
            return []
        self.stats["commands"] += 1
        self._turn_open = False  # a request is not an answer to move on from
        self._decide_at = None
        self._log(ev.CANDIDATE_COMMAND, t, command=str(command), source=source, index=self.index)
        stop: list[Action] = [StopVoice()] if self._speaking else []
        stop += self._discard_draft()  # a reply to the answer before the request is stale
        if command is Command.NOT_FINISHED:
            return self._keep_listening(t, stop)
        if self._q is None:  # during the intro: start the interview now
            if command is Command.NEXT:
                self._speaking = None
                return stop + self._ask(self._start_index, t)
            if command is Command.REPEAT:
                self._speaking = None
                return stop + self._say(self.config.intro, "repeat", "ask_first")
            return []
        self._speaking = None
        q = self.config.questions[self._q.index]
        if command is Command.REPEAT:
            self.stats["repeats"] += 1
            return stop + self._say(self._q.prompt, "repeat", "listen")
        if command is Command.CLARIFY:
            self.stats["clarifications"] += 1
            text = q.clarification or f"{self.options.lines.clarify_fallback} {q.text}"
            return [
                *stop,
                ShowPrompt(text, "clarification"),
                *self._say(text, "clarification", "listen"),
            ]
        return stop + self._advance(t, "skipped", prefix=self.options.lines.skip)

    def _keep_listening(self, t: float, stop: list[Action]) -> list[Action]:
        """'I'm not finished': cancel a pending move-on; if the next prompt already started,
        take it back and return to the answer."""
        self._pending_command = None
        actions = list(stop)
        undo = self._undo
        self._undo = None
        if undo is not None and t - undo.at <= self.options.undo_window_s:
            back_to_other_question = self._q is None or undo.question.index != self._q.index
            if self._q is not None and back_to_other_question:
                self.stats["questions_asked"] -= 1
            elif self._q is not None:
                self.stats["follow_ups"] -= 1
            self._q = undo.question
            self.answered = undo.answered
            if back_to_other_question:
                actions += self._show(self._q.index)
        self._speaking = None
        self.phase = Phase.LISTENING
        self._listen_since = t
        self._silence_checked = False
        return actions

    def _barge_in(self, t: float) -> list[Action]:
        said = self._speaking
        assert said is not None
        if said.kind == "closing":
            return []  # let the goodbye finish; nothing depends on an answer now
        self.stats["barge_ins"] += 1
        self._log(ev.BARGE_IN, t, interrupted=said.kind, index=self.index)
        self._speaking = None
        if self._after_speech != "listen":
            self._after_turn = self._after_speech  # carried out when their turn ends
        self._listen(t)
        return [StopVoice()]

    def _follow_on(self, then: str | None, t: float) -> list[Action] | None:
        """What was planned after a line (or after a barge-in's turn); None: just listen."""
        if then == "ask_first":
            return self._ask(self._start_index, t)
        if then == "advance":
            return self._advance(t, self._advance_reason)
        if then == "finish":
            return self._finish(t)
        return None

    def _end_of_turn(self, t: float) -> list[Action]:
        if self.phase is not Phase.LISTENING or not self._turn_open or self._candidate_speaking:
            return []
        if self._recording_paused:
            return []  # the turn stays open: decided once the recording resumes
        self._turn_open = False
        self._silence_checked = False
        after, self._after_turn = self._after_turn, None
        actions = self._follow_on(after, t)
        if actions is not None:
            return actions
        if (self._q is not None and self._q.over_time) or self._time_up:
            return self._out_of_time_line(t)
        if self._q is None:
            return []
        if self.options.move_on_grace_s <= 0:
            return self._decide(t)
        self._decide_at = t + self.options.move_on_grace_s
        return []

    def _decide(self, t: float) -> list[Action]:
        """End of an answer: the brain's reply (a follow-up, help, ...) or the next question."""
        q_state = self._q
        if q_state is None:
            return []
        spoke_at = self._last_speech_end
        wait = self.end_of_turn_s + self.options.caption_wait_s
        if self._uncaptioned_speech and spoke_at is not None and t - spoke_at < wait - _EPS:
            # a slow machine: the words are still being transcribed; they may be a request
            self._decide_at = t + 0.25
            return []
        turn = self._turn()
        if not self._may_think():
            return self._apply(t, self._scripted.reply(turn))
        draft = self._draft
        if draft is not None and draft.turn == turn:
            if draft.reply is not None:
                return self._act(t, draft)
            if draft.waiting_since is None:
                draft.waiting_since = t
            elif self._late(draft, t):
                return self._give_up(t, draft)
            return []
        actions = self._start_draft(t, turn)
        assert self._draft is not None
        self._draft.waiting_since = t
        return actions

    # ------------------------------------------------------------ the brain

    def on_reply(self, think_id: int, reply: Reply, t: float | None = None) -> list[Action]:
        """The brain's reply to ``Think(think_id)``. A reply to a draft that was cancelled or
        replaced is ignored."""
        t = self._now(t)
        draft = self._draft
        if draft is None or draft.id != think_id or self.phase is Phase.FINISHED:
            return []
        draft.reply = reply  # while the interviewer speaks it waits for them to finish
        return self._act(t, draft) if draft.waiting and self.phase is Phase.LISTENING else []

    def _may_think(self) -> bool:
        q = self._q
        return (
            self.options.thinking
            and q is not None
            and q.follow_ups_used < self.max_follow_ups
            and bool(q.answer)
        )

    def _turn(self, q_state: _QuestionState | None = None) -> Turn:
        """The brain's view of ``q_state`` (the current question's, by default)."""
        q_state = q_state or self._q
        assert q_state is not None
        q = self.config.questions[q_state.index]
        return Turn(
            role=self.config.role or self.config.title,
            question=q.text,
            answer=q_state.answer_text,
            clarification=q.clarification,
            earlier=tuple(q_state.earlier),
            follow_ups_used=q_state.follow_ups_used,
            max_follow_ups=self.max_follow_ups,
            scripted_follow_ups=q.follow_ups,
            short_answer_words=self.short_answer_words,
        )

    def _maybe_draft(self, t: float) -> list[Action]:
        """Quiet for a moment after speaking: start drafting the reply to what was said."""
        if (
            not self._may_think()
            or not self._turn_open
            or self._candidate_speaking
            or self._uncaptioned_speech
            or self._last_speech_end is None
            or t - self._last_speech_end < self.options.draft_after_s - _EPS
        ):
            return []
        turn = self._turn()
        if self._draft is not None and self._draft.turn == turn:
            return []
        return self._start_draft(t, turn)

    def _start_draft(self, t: float, turn: Turn) -> list[Action]:
        actions: list[Action] = [CancelThink(self._draft.id)] if self._draft else []
        self._think_seq += 1
        self._draft = _Draft(self._think_seq, turn, t)
        return [*actions, Think(self._think_seq, turn)]

    def _late(self, draft: _Draft, t: float) -> bool:
        """The candidate has waited ``think_timeout_s`` since their turn ended."""
        since = draft.waiting_since
        return since is not None and t - since >= self.options.think_timeout_s - _EPS

    def _give_up(self, t: float, draft: _Draft) -> list[Action]:
        self._draft = None
        reason = f"no reply in {self.options.think_timeout_s} s"
        return [CancelThink(draft.id), *self._fallback(t, draft.turn, reason)]

    def _discard_draft(self) -> list[Action]:
        draft, self._draft = self._draft, None
        return [CancelThink(draft.id)] if draft is not None else []

    def _act(self, t: float, draft: _Draft) -> list[Action]:
        self._draft = None
        reply = draft.reply
        assert reply is not None
        if reply.error:
            return self._fallback(t, draft.turn, reply.error, reply)
        index = self._q.index if self._q is not None else -1
        upcoming = tuple(q.text for q in self.config.questions[index + 1 :])
        reason = guard.check(reply, upcoming)
        if reason is not None:
            return self._fallback(t, draft.turn, reason, reply)
        return self._apply(t, reply)

    def _fallback(
        self, t: float, turn: Turn, reason: str, reply: Reply | None = None
    ) -> list[Action]:
        self.stats["fallbacks"] += 1
        about = reply.describe() if reply is not None else {}
        rejected = reply.text if reply is not None else ""
        self._log(ev.BRAIN_FALLBACK, t, index=self.index, reason=reason, rejected=rejected, **about)
        return self._apply(t, self._scripted.reply(turn))

    def _apply(self, t: float, reply: Reply) -> list[Action]:
        """Carry out a reply that may be spoken."""
        q_state = self._q
        assert q_state is not None
        q = self.config.questions[q_state.index]
        if reply.kind is Decision.MOVE_ON:
            undo = _Undo(at=t, question=replace(q_state), answered=list(self.answered))
            prefix = reply.text or self.options.lines.next_question
            actions = self._advance(t, "answered", prefix=prefix)
            if self._q is not None and self._q.index != undo.question.index:
                self._undo = undo
            return actions
        text = reply.text
        answer = q_state.answer_text
        self._undo = _Undo(at=t, question=replace(q_state), answered=list(self.answered))
        q_state.earlier = [*q_state.earlier, Exchange(q_state.prompt, answer)]
        q_state.answer = []
        q_state.follow_ups_used += 1
        q_state.prompt = text
        self.stats["follow_ups"] += 1
        if reply.source != "scripted":
            self.stats["follow_ups_generated"] += 1
        self._log(
            ev.FOLLOW_UP,
            t,
            index=q_state.index,
            id=q.id,
            text=text,
            grounded=guard.grounded(text, answer),
            **reply.describe(),
        )
        kind = "clarification" if reply.kind is Decision.ANSWER_QUESTION else "follow_up"
        return [ShowPrompt(text, kind), *self._say(text, kind, "listen")]

    def microphone_lost(self, t: float | None = None) -> list[Action]:
        """The microphone stopped: the candidate may be answering unheard, so there is no
        check-in or moving on for silence, and the question's time limit stands still, until
        it is back. (The whole interview's limit keeps running: a station's slot ends.)"""
        self._mic_lost = True
        if self._q is not None:
            self._q.hold(self._now(t))
        return []

    def microphone_back(self, t: float | None = None) -> list[Action]:
        """Silence is counted again, from now; the question's time limit runs on."""
        t = self._now(t)
        self._mic_lost = False
        self._listen_since = max(self._listen_since, t)
        if self._q is not None and not self._recording_paused:
            self._q.release(t)
        return []

    def recording_paused(self, t: float | None = None) -> list[Action]:
        """The disk is full and nothing is being recorded: the interview waits (no moving
        on, no check-ins, the question's time limit stands still) until it resumes. A line
        being spoken is finished; the candidate's turn stays open."""
        self._recording_paused = True
        if self._q is not None:
            self._q.hold(self._now(t))
        return []

    def recording_resumed(self, t: float | None = None) -> list[Action]:
        """There is space again: the interview goes on from where it stood."""
        t = self._now(t)
        self._recording_paused = False
        self._listen_since = max(self._listen_since, t)
        if self._q is not None and not self._mic_lost:
            self._q.release(t)
        return []

    def _long_pause(self, t: float) -> list[Action]:
        """Silence since the prompt (or since they last spoke): check in kindly, once per
        silence; after ``max_interjections`` move on."""
        if self.phase is not Phase.LISTENING or self._candidate_speaking or self._q is None:
            return []
        if self._mic_lost or self._recording_paused:
            return []
        if self._silence_checked or self.deciding:
            return []  # (deciding: the answer is over and its reply is on its way)
        since = self._listen_since
        if self._last_speech_end is not None:
            since = max(since, self._last_speech_end)
        if t - since < self.long_pause_s - _EPS:
            return []
        self._silence_checked = True
        self._q.interjections += 1
        self.stats["interjections"] += 1
        last = self._q.interjections >= self.options.max_interjections
        line = self.options.lines.move_on_after_silence if last else self.options.lines.long_pause
        self._log(ev.INTERJECTION, t, index=self._q.index, text=line, silence_s=round(t - since, 2))
        self._advance_reason = "no_answer"
        return self._say(line, "interjection", "advance" if last else "listen")

    def _check_time(self, t: float) -> list[Action]:
        """Per-question and overall limits. Never talk over the candidate unless they are well
        past the limit."""
        if self._speaking is not None and self._speaking.kind in ("closing", "wrap_up"):
            return []
        q = self._q
        total_over = (
            self._started_at is not None and t - self._started_at >= self.total_limit_s - _EPS
        )
        if total_over and not self._time_up:
            self._time_up = True
            self._finish_reason = "time_up"
        if q is None:
            return []
        limit = self.question_limit_s(q.index)
        elapsed = q.elapsed(t)
        if elapsed >= limit - _EPS and not q.over_time:
            q.over_time = True
        if not (q.over_time or self._time_up):
            return []
        quiet = not self._candidate_speaking and not self._turn_open and self._decide_at is None
        if self.phase is Phase.LISTENING and quiet:
            return self._out_of_time_line(t)
        over_by = elapsed - limit if q.over_time else t - self._started_at - self.total_limit_s
        if over_by >= self.options.wrap_up_grace_s - _EPS:
            stop: list[Action] = [StopVoice()] if self._speaking else []
            self._speaking = None
            return stop + self._out_of_time_line(t)
        return []

    def _out_of_time_line(self, t: float) -> list[Action]:
        self._decide_at = None
        self._turn_open = False
        if self._time_up:
            if self._q is not None:
                self._end_question(t, "time_up")
            return self._close(t, self.options.lines.time_up)
        self._advance_reason = "time_limit"
        return self._say(self.options.lines.wrap_up, "wrap_up", "advance")

    def _advance(self, t: float, reason: str, prefix: str = "") -> list[Action]:
        if self._q is not None:
            self._end_question(t, reason)
        nxt = self.next_unanswered()
        if nxt is None or self._time_up:
            return self._close(t)
        return self._ask(nxt, t, prefix)

    def _ask(self, index: int, t: float, prefix: str = "") -> list[Action]:
        q = self.config.questions[index]
        stale = self._discard_draft()  # a reply about the last question is not for this one
        self._q = _QuestionState(index=index, started_at=t, prompt=q.text)
        if self._mic_lost or self._recording_paused:
            self._q.hold(t)
        self._after_turn = None
        self.stats["questions_asked"] += 1
        self._log(ev.QUESTION_ASKED, t, index=index, id=q.id, text=q.text, requires=q.requires)
        text = f"{prefix} {q.text}".strip()
        actions = [*stale, *self._show(index), *self._say(text, "question", "listen")]
        if self._warms:
            # the model reads the instructions and the question while it is being asked
            actions.append(WarmUp(self._turn(), gently=False))
        return actions

    def _show(self, index: int) -> list[Action]:
        """The question on screen, then the tools it needs (and only those): a page that
        follows these actions in order shows each tool beside the question it belongs to."""
        q = self.config.questions[index]
        actions: list[Action] = [ShowQuestion(index, q, self.count)]
        if self._screen_share and q.requires != "screen_share":
            self._screen_share = False
            actions.append(StopScreenShare())
        want_board = q.requires == "whiteboard"
        if want_board != self._whiteboard:
            self._whiteboard = want_board
            actions.append(ShowWhiteboard(want_board))
        if q.requires == "screen_share" and not self._screen_share:
            self._screen_share = True
            actions.append(StartScreenShare())
        return actions

    def _end_question(self, t: float, reason: str) -> None:
        q = self._q
        if q is None:
            return
        qid = self.config.questions[q.index].id
        if qid not in self.answered:
            self.answered.append(qid)
        self.words_heard[qid] = q.total_words
        self._ended.append(QuestionEnded(qid, reason))
        self._log(
            ev.QUESTION_ENDED,
            t,
            index=q.index,
            id=qid,
            reason=reason,
            words=q.total_words,
            duration_s=round(t - q.started_at, 2),
        )

    def _close(self, t: float, prefix: str = "") -> list[Action]:
        actions: list[Action] = []
        if self._screen_share:
            self._screen_share = False
            actions.append(StopScreenShare())
        if self._whiteboard:
            self._whiteboard = False
            actions.append(ShowWhiteboard(False))
        text = f"{prefix} {self.config.closing}".strip()
        if not text:
            return actions + self._finish(t)
        return actions + self._say(text, "closing", "finish")

    def _finish(self, t: float) -> list[Action]:
        if self.phase is Phase.FINISHED:
            return []
        self.phase = Phase.FINISHED
        self._speaking = None
        self._log(
            ev.INTERVIEW_FINISHED,
            t,
            reason=self._finish_reason,
            answered=self.answered,
            **self.stats,
        )
        return [Finished(self._finish_reason)]

    def _say(self, text: str, kind: str, then: str) -> list[Action]:
        self._say_seq += 1
        say = Say(text, kind, self._say_seq)
        self._speaking = say
        self._say_deadline = (
            self._clock()
            + self.options.voice_timeout_s
            + self.options.voice_s_per_word * len(text.split())
        )
        self._after_speech = then
        self.phase = Phase.SPEAKING
        return [say]

    def _listen(self, t: float) -> list[Action]:
        if self._q is not None and self._q.clock_from is None:
            self._q.clock_from = t
        self.phase = Phase.LISTENING
        self._listen_since = t
        self._silence_checked = False
        return []

    def _now(self, t: float | None) -> float:
        return self._clock() if t is None else t

    def _log(self, type_: str, t: float, **data: Any) -> None:
        if self._events is not None:
            self._events.write(type_, t=t, **data)
