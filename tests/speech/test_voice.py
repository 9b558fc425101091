"""The interviewer's voice: Piper synthesis, heard back by the captioner, played through
the real speaker path (PulseAudio virtual speaker -> virtual microphone)."""

import threading
import time

import jiwer
import numpy as np
import pytest

from capture.microphone import resample
from speech.captioner import StreamingCaptioner
from speech.tts import InterviewerVoice, VoicePlayer
from tools.wer import normalize

from .conftest import run_captioner, silence

SENTENCE = "Tell me about a project you are proud of. What was your role in it?"
QUESTIONS = [
    SENTENCE,
    "Describe a time you disagreed with a colleague. How did you resolve it?",
    "Walk me through how you would design a small web shop. Where would you start?",
]


@pytest.fixture(scope="module")
def voice() -> InterviewerVoice:
    return InterviewerVoice()


@pytest.fixture
def null_speaker(voice: InterviewerVoice):
    """A started NullSpeaker at the voice's rate, closed after the test."""
    from capture.speaker import NullSpeaker

    speaker = NullSpeaker(rate=voice.rate)
    speaker.start()
    yield speaker
    speaker.close()


class Calls:
    def __init__(self) -> None:
        self.started: list[float] = []
        self.ended: list[tuple[float, bool]] = []
        self.done = threading.Event()

    def on_start(self, t: float) -> None:
        self.started.append(t)

    def on_end(self, t: float, interrupted: bool) -> None:
        self.ended.append((t, interrupted))
        self.done.set()


@pytest.mark.model
def test_a_synthesised_question_is_transcribed_back_to_its_text(voice, whisper_model):
    assert len(list(voice.stream(SENTENCE))) == 2  # one chunk per sentence, as they are made
    heard = []
    for question in QUESTIONS:
        audio = resample(np.concatenate(list(voice.stream(question))), voice.rate, 16000)
        captioner = StreamingCaptioner(whisper_model)
        run_captioner(captioner, np.concatenate([audio, silence(1.0)]))
        heard.append(normalize(captioner.committed_text))
    # Piper varies each rendering, and tiny.en mishears one phrase in about one in six
    # ("you are proud of" -> "to your product", 4 of 45 words): one such slip passes,
    # a voice that is hard to follow across questions does not.
    per_item = [jiwer.wer(normalize(q), h) for q, h in zip(QUESTIONS, heard, strict=True)]
    overall = jiwer.wer([normalize(q) for q in QUESTIONS], heard)
    assert overall <= 0.1, f"WER {overall:.2f}; per question {per_item}; heard {heard}"


@pytest.mark.model
def test_player_reports_start_and_end_on_the_session_clock(voice, null_speaker):
    speaker = null_speaker
    session_start = time.monotonic() - 100.0  # the session began 100 s ago
    player = VoicePlayer(voice, speaker, clock=lambda: time.monotonic() - session_start)
    calls = Calls()
    said_at = time.monotonic() - session_start
    player.say("Thank you.", calls.on_start, calls.on_end)
    assert player.speaking
    assert calls.done.wait(10)
    (t_start,), ((t_end, interrupted),) = calls.started, calls.ended
    assert not interrupted
    assert said_at < t_start < said_at + 1.5  # first audio after synthesising one sentence
    length = speaker.played / voice.rate  # Piper varies the length from one run to the next
    assert length > 0.3
    assert t_end - t_start == pytest.approx(length, abs=0.3)
    assert player.join(1.0) and not player.speaking


@pytest.mark.model
def test_stop_cuts_the_voice_mid_sentence_within_100_ms(voice, null_speaker):
    speaker = null_speaker
    player = VoicePlayer(voice, speaker)
    calls = Calls()
    player.say(SENTENCE, calls.on_start, calls.on_end)
    deadline = time.monotonic() + 5
    while not calls.started and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.5)
    stopped_at = time.monotonic()
    player.stop()
    assert time.monotonic() - stopped_at < 0.1
    assert speaker.queued_seconds == 0  # the rest of the sentence was dropped at once
    played_at_stop = speaker.played
    assert calls.done.wait(1.0)
    assert calls.ended[0][1] is True  # interrupted
    time.sleep(0.1)
    assert speaker.played - played_at_stop <= 0.1 * voice.rate  # silent within 100 ms
    assert 0.1 < speaker.played / voice.rate < 1.5  # it was cut mid-sentence


@pytest.mark.model
@pytest.mark.device
def test_the_voice_plays_through_the_real_speaker_and_the_mic_hears_it(
    voice, whisper_model, virtual_speaker, virtual_mic
):
    from capture.microphone import MicrophoneSource
    from capture.speaker import Speaker

    text = "Please describe your last job."
    mic = MicrophoneSource(virtual_mic)
    mic.open()
    speaker = Speaker(None, rate=voice.rate)  # test-env makes the virtual speaker the default
    speaker.start()
    captioner = StreamingCaptioner(whisper_model)
    calls = Calls()
    try:
        while mic.read(0.1) is None:  # the first input stream takes a moment
            pass
        player = VoicePlayer(voice, speaker)
        player.say(text, calls.on_start, calls.on_end)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and not calls.done.is_set():
            block = mic.read(0.2)
            if block is not None:
                captioner.insert_audio(block.samples, block.t)
        for _ in range(10):  # the echo tail
            block = mic.read(0.2)
            if block is not None:
                captioner.insert_audio(block.samples, block.t)
        captioner.finish()
    finally:
        speaker.close()
        mic.close()
    assert calls.ended and calls.ended[0][1] is False
    assert jiwer.wer(normalize(text), normalize(captioner.committed_text)) <= 0.2
