"""Interview files: the shipped demos load, and every mistake is reported by field name."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from session.interview.config import InterviewConfigError, load_interview

ASSETS = Path(__file__).resolve().parents[3] / "assets" / "interviews"

GOOD = {
    "id": "t",
    "title": "T",
    "role": "Tester",
    "questions": [
        {"id": "a", "text": "First?", "time_limit_s": 60},
        {"id": "b", "text": "Second?", "follow_ups": ["More?"], "requires": "whiteboard"},
    ],
}


def write(tmp_path: Path, data: object) -> Path:
    p = tmp_path / "interview.yaml"
    p.write_text(yaml.safe_dump(data), encoding="utf-8")
    return p


def test_shipped_demo_interviews_load_with_their_roles_and_tools():
    practice = load_interview(ASSETS / "demo-practice-support.yaml")
    official = load_interview(ASSETS / "demo-backend-engineer.yaml")
    assert practice.practice and not official.practice
    assert "support" in practice.role.lower() and "engineer" in official.role.lower()
    requires = [q.requires for q in official.questions]
    assert requires.count("whiteboard") == 1 and requires.count("screen_share") == 1
    for config in (practice, official):
        assert config.intro and config.closing and len(config.questions) >= 4
        assert all(q.clarification and q.follow_ups for q in config.questions)
        assert 600 <= config.total_time_s <= 1500
        assert "\n" not in config.questions[0].text  # folded into one spoken line


def test_defaults_fill_optional_fields(tmp_path):
    c = load_interview(write(tmp_path, GOOD))
    assert (c.max_attempts, c.practice, c.total_time_s, c.language) == (3, False, 1200.0, "en")
    assert (c.silence.end_of_turn_s, c.silence.long_pause_s) == (2.5, 8.0)
    assert c.questions[0].requires == "none" and c.questions[1].follow_ups == ("More?",)
    assert c.question_index("b") == 1


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda d: d["questions"][1].update(time_limit_s=-5),
            "questions[1].time_limit_s: must be a positive number",
        ),
        (
            lambda d: d["questions"][0].update(requires="camera"),
            "questions[0].requires: must be one of",
        ),
        (lambda d: d["questions"][0].pop("text"), "questions[0].text: required"),
        (
            lambda d: d["questions"][1].update(follow_ups="More?"),
            "questions[1].follow_ups: must be a list",
        ),
        (lambda d: d["questions"][1].update(id="a"), "questions[1].id: duplicate id 'a'"),
        (lambda d: d["questions"][0].update(colour="red"), "questions[0].colour: unknown field"),
        (lambda d: d.update(questions=[]), "questions: must be a non-empty list"),
        (lambda d: d.update(max_attempts=2.5), "max_attempts: must be a positive whole number"),
        (lambda d: d.update(practice="yes"), "practice: must be true or false"),
        (lambda d: d.update(silence={"long_pause_s": 1}), "silence.long_pause_s: must be longer"),
        (lambda d: d.pop("title"), "title: required"),
    ],
)
def test_bad_fields_are_named_in_the_error(tmp_path, change, message):
    data = yaml.safe_load(yaml.safe_dump(GOOD))
    change(data)
    with pytest.raises(InterviewConfigError) as err:
        load_interview(write(tmp_path, data))
    assert message in str(err.value)
    assert str(tmp_path) in str(err.value)  # which file, too


def test_missing_file_and_broken_yaml_say_what_happened(tmp_path):
    with pytest.raises(InterviewConfigError, match="interview file not found"):
        load_interview(tmp_path / "nope.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: [unclosed\n", encoding="utf-8")
    with pytest.raises(InterviewConfigError, match="not valid YAML"):
        load_interview(bad)


def test_silence_thresholds_can_be_overridden_for_accommodations(tmp_path):
    c = load_interview(write(tmp_path, GOOD)).with_silence(long_pause_s=20)
    assert (c.silence.end_of_turn_s, c.silence.long_pause_s) == (2.5, 20)
