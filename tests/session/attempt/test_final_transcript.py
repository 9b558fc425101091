"""The final transcript: an offline pass over a real recording replaces the live candidate
lines, keeps the interviewer's lines and the live captions, and re-hashes the manifest."""

from __future__ import annotations

import json
from pathlib import Path

import jiwer
import numpy as np
import pytest

from capture.types import AUDIO_RATE
from session.attempt import folder as af
from session.attempt.final_transcript import (
    candidate_lines,
    echo_words,
    recorded_audio,
    run_final_pass,
)
from session.attempt.manifest import read_manifest, write_manifest
from session.attempt.transcript import Transcript, load_transcript
from session.attempt.verify import verify_attempt
from session.recording.media_writer import MediaWriter
from speech.models import WhisperSettings
from speech.offline import TimedWord, read_audio, transcribe_audio
from tools.wer import normalize


def write_recording(path: Path, audio: np.ndarray) -> None:
    """A real Matroska recording: sparse grey frames and the audio, as the recorder writes."""
    w = MediaWriter(path, 64, 48, fps=2.0)
    w.open()
    frame = np.full((48, 64, 3), 90, np.uint8)
    step = AUDIO_RATE // 10
    for i in range(0, len(audio), step):
        t = i / AUDIO_RATE
        if i % (AUDIO_RATE // 2) == 0:
            w.write_video(frame, t)
        w.write_audio(audio[i : i + step], t)
    w.close()


def folder_with(tmp_path: Path, audio: np.ndarray, live: list[tuple]) -> Path:
    root = tmp_path / "attempt"
    root.mkdir()
    write_recording(root / af.RECORDING, audio)
    t = Transcript(root)
    for start, end, speaker, text in live:
        t.add(start, end, speaker, text)
    (root / af.EVENTS).write_text("", encoding="utf-8")
    write_manifest(root, "demo", 1, False, "finished", "2026-12-04T10:00:00Z", None)
    return root


def words(*spec: tuple[float, float, str]) -> list[TimedWord]:
    return [TimedWord(s, e, t) for s, e, t in spec]


def test_words_split_into_lines_at_pauses_and_at_the_interviewers_turns():
    w = words((0.0, 0.4, "I"), (0.5, 0.9, "built"), (2.5, 3.0, "then"), (6.0, 6.4, "yes"))
    interviewer = [{"start": 4.0, "end": 5.5, "speaker": "interviewer", "text": "Why?"}]
    lines = candidate_lines(w, interviewer)
    assert [x["text"] for x in lines] == ["I built", "then", "yes"]
    assert lines[0]["start"] == 0.0 and lines[0]["end"] == 0.9


def test_the_interviewers_voice_heard_by_the_microphone_is_not_the_candidates():
    said = "Tell me about a system you built recently"
    interviewer = [{"start": 1.0, "end": 4.0, "speaker": "interviewer", "text": said}]
    heard = words(
        (1.1, 1.3, "Tell"), (1.3, 1.5, "me"), (1.5, 1.7, "about"),  # echo: a run
        (2.0, 2.2, "sorry"),  # the candidate, over the question
        (2.4, 2.6, "system"),  # one word of the question alone: kept
        (5.0, 5.3, "built"),  # after the line: the candidate's
    )
    assert echo_words(heard, interviewer) == {0, 1, 2}
    texts = " ".join(x["text"] for x in candidate_lines(heard, interviewer))
    assert texts == "sorry system built"


def test_a_line_that_seems_to_begin_just_before_a_question_answers_it():
    from session.attempt.final_transcript import merge

    question = {"start": 1.0, "end": 1.2, "speaker": "interviewer", "text": "Why?"}
    answer = {"start": 0.8, "end": 3.0, "speaker": "candidate", "text": "Because."}
    earlier = {"start": 0.1, "end": 0.4, "speaker": "candidate", "text": "Hm."}
    out = merge([question], [answer, earlier])
    assert [(x["text"], x["start"]) for x in out] == [
        ("Hm.", 0.1), ("Why?", 1.0), ("Because.", 1.2)
    ]


def test_the_final_pass_replaces_the_live_candidate_lines(tmp_path, testdata, speech_refs):
    name = "jfk.wav"
    ref = next(r["reference_text"] for r in speech_refs if r["file"] == name)
    clip = read_audio(testdata / "speech" / name)
    audio = np.concatenate([np.zeros(AUDIO_RATE * 2, np.float32), clip]).astype(np.float32)
    live = [
        (0.2, 1.8, "interviewer", "Tell me about your country."),
        (2.5, 5.0, "candidate", "and so my fellow"),  # what live captions got
        (6.0, 9.0, "candidate", "ask not what"),
    ]
    root = folder_with(tmp_path, audio, live)
    progress: list[float] = []
    result = run_final_pass(root, progress=progress.append)

    assert result.source == "final", result.reason
    entries = load_transcript(root)
    assert entries[0] == {
        "start": 0.2, "end": 1.8, "speaker": "interviewer", "text": "Tell me about your country."
    }
    said = " ".join(e["text"] for e in entries if e["speaker"] == "candidate")
    # The same text main.py transcribe gives for the clip, on the recording's clock.
    offline = transcribe_audio(clip, WhisperSettings()).text
    assert normalize(said) == normalize(offline)
    assert jiwer.wer(normalize(ref), normalize(said)) <= 0.1
    first = next(e for e in entries if e["speaker"] == "candidate")
    assert 1.8 <= first["start"] <= 3.0  # the clip starts 2 s into the recording
    assert progress and progress[-1] == 1.0 and progress == sorted(progress)

    live_vtt = (root / af.CAPTIONS_LIVE).read_text(encoding="utf-8")
    assert "and so my fellow" in live_vtt  # the live stream is kept
    assert "and so my fellow" not in (root / af.CAPTIONS).read_text(encoding="utf-8")
    manifest = read_manifest(root)
    assert manifest["transcript_source"] == "final"
    assert manifest["final_transcript"]["candidate_lines"] >= 1
    check = verify_attempt(root)  # hashes match the rewritten files
    assert check["ok"], check["problems"]

    # A second run (e.g. after a crash) changes nothing.
    before = (root / af.TRANSCRIPT).read_bytes()
    assert run_final_pass(root).reason == "already done"
    assert (root / af.TRANSCRIPT).read_bytes() == before


def test_a_missing_model_keeps_the_live_transcript_and_says_why(tmp_path):
    audio = (0.01 * np.random.default_rng(0).standard_normal(AUDIO_RATE * 2)).astype(np.float32)
    root = folder_with(tmp_path, audio, [(0.1, 1.0, "candidate", "live words")])
    result = run_final_pass(root, WhisperSettings(model_dir=tmp_path / "nowhere"))
    assert result.source == "live" and "model.bin missing" in result.reason
    assert [e["text"] for e in load_transcript(root)] == ["live words"]
    assert read_manifest(root)["transcript_source"] == "live"
    assert not (root / af.CAPTIONS_LIVE).exists()


def test_no_recording_keeps_the_live_transcript(tmp_path):
    root = tmp_path / "attempt"
    Transcript(root).add(0.1, 1.0, "candidate", "live words")
    write_manifest(root, "demo", 1, False, "finished", "2026-12-04T10:00:00Z", None)
    result = run_final_pass(root)
    assert (result.source, result.reason) == ("live", "no recorded audio to transcribe")
    assert json.loads((root / af.TRANSCRIPT).read_text())[0]["text"] == "live words"


def test_segments_continue_one_timeline(tmp_path):
    root = tmp_path / "attempt"
    root.mkdir()
    tone = (0.1 * np.sin(np.arange(AUDIO_RATE * 3) / 5)).astype(np.float32)
    write_recording(root / "recording.mkv", tone)
    write_recording(root / "recording-2.mkv", tone[: AUDIO_RATE])
    parts = recorded_audio(root)
    assert len(parts) == 2
    assert parts[0][0] == 0.0
    assert parts[1][0] == pytest.approx(3.0, abs=0.1)
