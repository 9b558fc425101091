"""Small pure parts of the engine: candidate transcript lines and face presence."""

from __future__ import annotations

from session.interview.candidate_lines import CandidateLines
from session.interview.face_watch import FaceWatch
from speech.captioner import Word


def words(text: str, start: float, step: float = 0.3) -> list[Word]:
    return [Word(start + i * step, start + i * step + 0.25, w) for i, w in enumerate(text.split())]


def test_candidate_words_become_one_line_per_sentence():
    lines: list = []
    cl = CandidateLines(lambda s, e, t: lines.append((round(s, 2), round(e, 2), t)))
    cl.add(words("I have worked", 10.0))
    cl.add(words("in support. Mostly", 10.9))
    assert lines == [(10.0, 11.45, "I have worked in support.")]
    assert cl.pending_text == "Mostly"
    cl.flush()
    assert lines[-1][2] == "Mostly" and cl.words_written == 6


def test_a_title_with_a_full_stop_does_not_end_the_sentence():
    lines: list = []
    cl = CandidateLines(lambda s, e, t: lines.append(t))
    cl.add(words("And Mr. John Dashwood had leisure. Then", 5.0))
    assert lines == ["And Mr. John Dashwood had leisure."]


def test_a_pause_starts_a_new_line_and_the_floor_clamps_early_word_times():
    lines: list = []
    cl = CandidateLines(lambda s, e, t: lines.append((round(s, 2), round(e, 2), t)), pause_s=1.0)
    cl.floor = 10.5  # the interviewer stopped at 10.5: nothing of the candidate's before
    cl.add(words("hello there", 10.0))
    cl.add(words("again", 13.0))
    cl.flush()
    assert lines == [(10.5, 10.55, "hello there"), (13.0, 13.25, "again")]


def test_face_lost_after_a_sustained_absence_and_found_again():
    fw = FaceWatch(lost_after_s=2.0)
    assert fw.update(0.0, 1) == []
    assert fw.update(1.0, 0) == [] and fw.update(1.9, 0) == []  # not long enough yet
    assert fw.update(2.0, 0) == [("face_lost", {"since": 0.0})]
    assert fw.update(3.5, 0) == []  # once per absence
    assert fw.update(4.0, 1) == [("face_found", {"faces": 1})]


def test_a_second_face_is_reported_once_it_stays():
    fw = FaceWatch(multiple_after_s=1.0)
    assert fw.update(0.0, 2) == []
    assert fw.update(1.0, 2) == [("multiple_faces", {"faces": 2})]
    assert fw.update(1.5, 2) == []
    assert fw.update(2.0, 1) == [] and fw.update(2.5, 2) == []


def test_captions_repeating_the_interviewers_line_are_recognised_as_echo():
    from session.interview.candidate_lines import looks_like_echo

    line = "Take your time. Would you like me to repeat the question?"
    assert looks_like_echo("would you like me to repeat the question", line)
    assert looks_like_echo("Take your time. Would you", line)
    assert not looks_like_echo("Repeat the question.", line)  # also the candidate's reply
    assert not looks_like_echo("Could you repeat the question?", line)
    assert not looks_like_echo("I like my team", line)
