"""The interview's language: English on the bundled tiny.en, other languages on the bundled
multilingual model (or the one a centre configures), refused with what to do otherwise."""

from __future__ import annotations

import dataclasses
import subprocess
import sys

import pytest

from session.interview.config import load_interview
from session.interview.options import EngineOptions
from speech.models import (
    LanguageNotSupportedError,
    WhisperSettings,
    default_whisper_model_dir,
    load_whisper,
    settings_for_language,
)
from speech.whisper_files import NAME, joined_dir
from tests.conftest import ROOT


def test_english_uses_the_bundled_english_model():
    s = settings_for_language("en")
    assert s.resolved_dir() == default_whisper_model_dir() and s.language == "en"


def test_another_language_uses_the_bundled_multilingual_model_and_its_language_token():
    from speech.captioner import StreamingCaptioner

    s = EngineOptions().whisper_settings("de")
    assert s.resolved_dir() == joined_dir() and s.resolved_dir().name == NAME
    model = load_whisper(s)
    assert model.model.is_multilingual
    captioner = StreamingCaptioner(model, language=s.language)
    assert captioner._decoder.tokenizer.language_code == "de"


def test_the_language_token_changes_what_is_decoded(testdata):
    """English speech decoded as German and as English differ: the setting is used."""
    from speech.offline import read_audio, transcribe_audio

    audio = read_audio(testdata / "speech" / "jfk.wav")
    english = transcribe_audio(audio, settings_for_language("en", joined_dir())).text
    german = transcribe_audio(audio, settings_for_language("de")).text
    assert "country" in english.lower()
    assert german != english


def test_an_english_only_model_refuses_another_language_and_says_what_to_do():
    with pytest.raises(LanguageNotSupportedError) as e:
        settings_for_language("fr", default_whisper_model_dir())
    assert "only knows English" in str(e.value)
    assert "whisper_model" in e.value.fix and "--whisper-model" in e.value.fix


def test_without_the_multilingual_model_another_language_is_refused(tmp_path, monkeypatch):
    monkeypatch.setenv("INTERVIEW_KIOSK_MODELS", str(tmp_path))  # nothing joined there
    with pytest.raises(LanguageNotSupportedError) as e:
        settings_for_language("es")
    assert "only the English one (tiny.en) is installed" in str(e.value)
    assert "make setup" in e.value.fix


def test_an_unknown_language_code_is_refused():
    with pytest.raises(LanguageNotSupportedError, match="not one Whisper knows"):
        settings_for_language("klingon")


def test_the_engine_refuses_to_start_an_interview_its_model_cannot_caption(tmp_path):
    from capture.scripted_microphone import ScriptedMicrophone
    from session.interview.devices import InterviewDevices
    from session.interview.engine import InterviewEngine
    from session.runtime.clock import SessionClock
    from tests.session.interview.test_engine import FakeCamera, FakeVoice

    config = dataclasses.replace(
        load_interview(ROOT / "assets" / "interviews" / "demo-backend-engineer.yaml"),
        language="de",
    )
    clock = SessionClock()
    from session.interview.options import EngineParts

    engine = InterviewEngine(
        config,
        tmp_path / "attempt",
        InterviewDevices(FakeCamera(clock), ScriptedMicrophone(clock, 0.05), None),
        None,
        EngineOptions(whisper_model_dir=default_whisper_model_dir()),
        clock=clock,
        parts=EngineParts(voice=FakeVoice(clock, 0.1)),
    )
    with pytest.raises(LanguageNotSupportedError) as e:
        engine.start()
    engine.stop(2.0)
    assert "only knows English" in str(e.value) and e.value.fix
    assert not (tmp_path / "attempt").exists()  # no attempt folder left behind


def test_transcribe_command_honours_and_refuses_languages(testdata):
    clip = str(testdata / "speech" / "jfk.wav")
    tiny = str(default_whisper_model_dir())
    refused = subprocess.run(
        [sys.executable, "main.py", "transcribe", "--language=de", "--whisper-model", tiny, clip],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )
    assert refused.returncode == 1 and "only knows English" in refused.stderr
    ok = subprocess.run(
        [sys.executable, "main.py", "transcribe", "--language", "en", "--whisper-model",
         str(joined_dir()), clip],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )
    assert ok.returncode == 0 and "country" in ok.stdout.lower()
    assert WhisperSettings().language == "en"
