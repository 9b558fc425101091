"""transcript.json and captions.vtt: recording-clock times, order, atomic rewrites, resume."""

from __future__ import annotations

import json

import pytest

from session.attempt.transcript import (
    Transcript,
    TranscriptError,
    load_transcript,
    to_vtt,
    vtt_time,
)


def test_lines_are_stored_on_the_recording_clock_sorted_by_start(tmp_path):
    tr = Transcript(tmp_path, recording_t0=100.0)
    tr.add(105.0, 107.5, "candidate", "I led the  migration.")
    tr.add(101.25, 104.0, "interviewer", "Tell me about a project.")
    data = json.loads((tmp_path / "transcript.json").read_text())
    assert data == [
        {"start": 1.25, "end": 4.0, "speaker": "interviewer", "text": "Tell me about a project."},
        {"start": 5.0, "end": 7.5, "speaker": "candidate", "text": "I led the migration."},
    ]
    assert load_transcript(tmp_path) == data


def test_times_count_from_the_recordings_t0_and_speech_before_it_clamps_to_zero(tmp_path):
    tr = Transcript(tmp_path, recording_t0=10.0)
    e = tr.add(9.0, 11.0, "interviewer", "Hello")
    assert (e["start"], e["end"]) == (0.0, 1.0)


def test_captions_vtt_has_cues_with_voices_and_escaped_text(tmp_path):
    tr = Transcript(tmp_path)
    tr.add(3661.5, 3662.25, "candidate", "a <b> & c")
    tr.add(1.0, 1.0, "interviewer", "Hi")
    vtt = (tmp_path / "captions.vtt").read_text()
    assert vtt.startswith("WEBVTT\n\n")
    assert "1\n00:00:01.000 --> 00:00:01.500\n<v Interviewer>Hi\n" in vtt
    assert "2\n01:01:01.500 --> 01:01:02.250\n<v Candidate>a &lt;b&gt; &amp; c\n" in vtt
    assert vtt_time(59.9996) == "00:01:00.000"


def test_every_add_rewrites_both_files_atomically_leaving_no_temp_files(tmp_path):
    tr = Transcript(tmp_path)
    for i in range(20):
        tr.add(i, i + 0.5, "candidate", f"line {i}")
        assert len(load_transcript(tmp_path)) == i + 1  # committed the moment add returns
    assert sorted(p.name for p in tmp_path.iterdir()) == ["captions.vtt", "transcript.json"]
    assert to_vtt(tr.entries) == (tmp_path / "captions.vtt").read_text()


def test_a_resumed_attempt_continues_after_the_earlier_segments(tmp_path):
    first = Transcript(tmp_path, recording_t0=5.0)
    first.add(6.0, 8.0, "interviewer", "First question")
    # The process crashed; the new process has a new session clock. Segment 2 begins
    # after the 30 s already recorded in recording.mkv.
    second = Transcript(tmp_path, recording_t0=2.0, segment_start=30.0)
    second.add(3.0, 4.0, "candidate", "Back again")
    second.start_segment(recording_t0=50.0, segment_start=60.0)
    second.add(51.0, 52.0, "candidate", "Third segment")
    starts = [e["start"] for e in load_transcript(tmp_path)]
    assert starts == [1.0, 31.0, 61.0]


def test_empty_text_is_ignored_and_unknown_speakers_are_refused(tmp_path):
    tr = Transcript(tmp_path)
    assert tr.add(1, 2, "candidate", "   ") is None
    with pytest.raises(ValueError, match="speaker"):
        tr.add(1, 2, "narrator", "hello")
    assert not (tmp_path / "transcript.json").exists()


def test_load_transcript_reports_malformed_files(tmp_path):
    assert load_transcript(tmp_path / "transcript.json") == []
    (tmp_path / "transcript.json").write_text("[{")
    with pytest.raises(TranscriptError, match="not valid JSON"):
        load_transcript(tmp_path)
    (tmp_path / "transcript.json").write_text('[{"start": 1}]')
    with pytest.raises(TranscriptError, match="line 0"):
        load_transcript(tmp_path)
