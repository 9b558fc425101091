"""The attempt store: retake limit, practice attempts, states, crash recovery."""

from __future__ import annotations

import subprocess
import sys

import pytest

from session.attempt.store import (
    AttemptNotFound,
    AttemptState,
    AttemptStore,
    RetakeLimitReached,
)
from session.interview.config import parse_interview
from session.runtime import paths


def interview(practice: bool = False, max_attempts: int = 3):
    return parse_interview(
        {
            "id": "demo-backend",
            "title": "Backend Engineer",
            "role": "Engineer",
            "practice": practice,
            "max_attempts": max_attempts,
            "questions": [
                {"id": "a", "text": "A?"},
                {"id": "b", "text": "B?"},
                {"id": "c", "text": "C?"},
            ],
        }
    )


def test_store_lives_in_the_data_folder_and_attempts_get_their_own_folders():
    store = AttemptStore()
    assert store.db_path.parent == paths.data_dir()
    a = store.start_attempt(interview())
    b = store.start_attempt(interview())
    assert a.dir != b.dir and a.dir.is_dir() and a.dir.parent == paths.attempts_dir()
    assert (a.number, b.number, a.state) == (1, 2, AttemptState.IN_PROGRESS)
    assert AttemptStore().get(a.id) == a  # persisted


def test_fourth_official_attempt_is_refused_with_a_way_to_ask_support():
    store = AttemptStore()
    for _ in range(3):
        store.finish(store.start_attempt(interview()).id)
    assert store.attempts_left(interview()) == 0
    with pytest.raises(RetakeLimitReached) as err:
        store.start_attempt(interview())
    message = str(err.value)
    assert "all 3 attempts" in message and "contact support" in message
    assert "demo-backend" in message
    assert len(store.attempts("demo-backend")) == 3


def test_practice_attempts_are_unlimited_marked_and_never_submitted():
    store = AttemptStore()
    attempts = [store.start_attempt(interview(practice=True)) for _ in range(5)]
    assert all(a.practice for a in attempts) and attempts[-1].number == 5
    assert store.attempts_left(interview(practice=True)) is None
    with pytest.raises(ValueError, match="never uploaded"):
        store.mark_submitted(attempts[0].id)
    assert store.attempts_left(interview()) == 3  # practice does not use official attempts


def test_states_and_times_are_recorded(tmp_path):
    store = AttemptStore()
    a = store.start_attempt(interview(), attempt_dir=tmp_path / "mine")
    assert a.dir == (tmp_path / "mine").resolve() and a.started_at > 0 and a.finished_at is None
    store.mark_answered(a.id, "a")
    store.mark_answered(a.id, "a")
    a = store.mark_answered(a.id, "b")
    assert a.answered == ("a", "b")
    a = store.finish(a.id)
    assert a.state is AttemptState.FINISHED and a.finished_at >= a.started_at
    a = store.mark_submitted(a.id)
    assert a.state is AttemptState.SUBMITTED
    assert store.abandon(store.start_attempt(interview()).id).state is AttemptState.ABANDONED
    with pytest.raises(AttemptNotFound):
        store.get(999)


def _crashed_attempt(store: AttemptStore) -> int:
    """An attempt started by a process that then died without finishing it."""
    code = (
        "from session.attempt.store import AttemptStore;"
        "from tests.session.attempt.test_attempt_store import interview;"
        "s = AttemptStore();"
        "a = s.start_attempt(interview());"
        "s.mark_answered(a.id, 'a');"
        "print(a.id)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return int(out.stdout.strip())


def test_attempt_of_a_dead_process_is_offered_for_resume_from_the_next_question():
    store = AttemptStore()
    live = store.start_attempt(interview())  # this process: still running, not interrupted
    crashed = _crashed_attempt(store)
    found = store.interrupted_attempts("demo-backend")
    assert [a.id for a in found] == [crashed]
    assert store.get(live.id).state is AttemptState.IN_PROGRESS
    resumed = store.resume(crashed)
    assert resumed.state is AttemptState.IN_PROGRESS and resumed.segments == 2
    assert resumed.next_question_index(interview()) == 1
    assert store.interrupted_attempts() == []
    with pytest.raises(ValueError, match="not interrupted"):
        store.resume(crashed)


def test_interrupted_attempt_can_be_finished_as_it_is():
    store = AttemptStore()
    crashed = _crashed_attempt(store)
    store.recover_crashed()
    done = store.finish_as_is(crashed)
    assert done.state is AttemptState.FINISHED and done.answered == ("a",)
    assert store.official_attempts_used("demo-backend") == 1


def test_finishing_an_interrupted_attempt_marks_its_manifest_finished():
    from session.attempt.manifest import read_manifest

    store = AttemptStore()
    crashed = _crashed_attempt(store)
    store.recover_crashed()
    folder = store.get(crashed).dir
    (folder / "transcript.json").write_text("[]", encoding="utf-8")
    store.finish_as_is(crashed)
    manifest = read_manifest(folder)
    assert manifest["state"] == "finished" and manifest["finished_at"]
    assert [f["path"] for f in manifest["files"]] == ["transcript.json"]


def test_the_row_follows_the_manifest_and_changes_reach_the_manifest_first():
    from session.attempt.manifest import read_manifest, set_state, write_manifest

    store = AttemptStore()
    a = store.start_attempt(interview())
    write_manifest(a.dir, "demo-backend", 1, False, "finished", "s", "f")
    assert store.get(a.id).state is AttemptState.FINISHED  # the engine's manifest said so
    set_state(a.dir, AttemptState.SUBMITTED)  # the uploader, on a verified receipt
    assert store.get(a.id).state is AttemptState.SUBMITTED
    assert [x.state for x in store.attempts()] == [AttemptState.SUBMITTED]
    store.abandon(a.id)
    assert read_manifest(a.dir)["state"] == "abandoned"


def test_a_crash_the_manifest_cannot_know_of_keeps_the_attempt_interrupted():
    from session.attempt.manifest import read_manifest, write_manifest

    store = AttemptStore()
    crashed = _crashed_attempt(store)
    folder = store.get(crashed).dir
    write_manifest(folder, "demo-backend", 1, False, "in_progress", "s", None)
    store.recover_crashed()
    assert store.get(crashed).state is AttemptState.INTERRUPTED
    resumed = store.resume(crashed)
    assert resumed.state is AttemptState.IN_PROGRESS
    assert read_manifest(folder)["state"] == "in_progress"
