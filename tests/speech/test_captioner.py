"""The streaming captioner with the real bundled Whisper model, fed 100 ms blocks."""

import itertools

import jiwer
import numpy as np
import pytest

from speech.captioner import StreamingCaptioner
from speech.decoder import RawWord, cut_repetition
from speech.vad import VoiceActivityDetector
from tools.wer import normalize

from .conftest import run_captioner, silence


def wer(reference: str, hypothesis: str) -> float:
    return jiwer.wer(normalize(reference), normalize(hypothesis))


def microphone_vad(captioner: StreamingCaptioner) -> VoiceActivityDetector:
    """The VAD an interview's microphone path runs; the captioner's own must then stay idle."""

    def not_used(_samples):
        raise AssertionError("the captioner ran its own VAD on audio that came with frames")

    captioner._vad.probabilities = not_used
    return VoiceActivityDetector()


def test_a_phrase_looping_back_to_back_is_cut_after_its_first_time():
    words = [
        RawWord(i, i + 1, w, 1.0)
        for i, w in enumerate(["and", "so", "and", "so", "and", "so", "my"])
    ]
    assert [w.text for w in cut_repetition(words)] == ["and", "so"]
    words = [RawWord(i, i + 1, w, 1.0) for i, w in enumerate(["very", "very", "good"])]
    assert len(cut_repetition(words)) == 3  # a word said twice is speech, not a loop


@pytest.mark.model
@pytest.mark.parametrize(
    ("name", "vad"),
    [
        ("jfk.wav", "own"),
        ("jfk.wav", "microphone"),  # the interview's way: frames from the microphone's VAD
        ("cathy_arctic_a0022_1592748039.wav", "own"),
        ("pocketsphinx_sense_and_sensibility_0870.wav", "own"),
    ],
)
def test_streamed_clips_match_their_references(whisper_model, clip, reference, name, vad):
    captioner = StreamingCaptioner(whisper_model)
    frames = microphone_vad(captioner) if vad == "microphone" else None
    updates = run_captioner(captioner, np.concatenate([clip(name), silence(1.5)]), vad=frames)
    assert wer(reference(name), captioner.committed_text) <= 0.2
    committed = [w for u in updates for w in u.committed]
    assert " ".join(w.text for w in committed) == captioner.committed_text
    # words arrive before the end: most are committed while the clip still plays
    early = [w for u in updates[:-1] for w in u.committed]
    assert len(early) >= len(committed) // 2


@pytest.mark.model
def test_word_times_are_on_the_session_clock(whisper_model, clip):
    audio = clip("pocketsphinx_goforward.wav")
    captioner = StreamingCaptioner(whisper_model)
    run_captioner(captioner, np.concatenate([audio, silence(1.0)]), t0=500.0)
    words = captioner.committed_words
    assert [normalize(w.text) for w in words] == ["go", "forward", "ten", "meters"]
    for w in words:
        assert 500.0 <= w.start <= w.end <= 500.0 + len(audio) / 16000 + 0.1
    assert all(a.start <= b.start for a, b in itertools.pairwise(words))


@pytest.mark.model
def test_silence_and_noise_produce_no_text(whisper_model):
    rng = np.random.default_rng(7)
    white = 0.1 * rng.standard_normal(16000 * 6)
    # pink noise: white noise shaped to 1/f in the frequency domain
    spectrum = np.fft.rfft(rng.standard_normal(16000 * 6))
    spectrum /= np.sqrt(np.maximum(np.arange(len(spectrum)), 1))
    pink = np.fft.irfft(spectrum)
    pink = 0.2 * pink / np.max(np.abs(pink))
    for audio in (silence(6.0), white, pink):
        captioner = StreamingCaptioner(whisper_model)
        updates = run_captioner(captioner, audio.astype(np.float32))
        assert captioner.committed_text == ""
        assert all(not u.tentative for u in updates)


@pytest.mark.model
@pytest.mark.parametrize("vad", ["own", "microphone"])
def test_a_long_pause_between_answers_invents_and_repeats_nothing(
    whisper_model, clip, reference, vad
):
    first, second = "cathy_arctic_a0024_1592747999.wav", "cmu_arctic_us_aew_a0003.wav"
    audio = np.concatenate([clip(first), silence(12.0), clip(second), silence(12.0)])
    captioner = StreamingCaptioner(whisper_model)
    frames = microphone_vad(captioner) if vad == "microphone" else None
    run_captioner(captioner, audio, vad=frames)
    expected = reference(first) + " " + reference(second)
    got = normalize(captioner.committed_text).split()
    assert wer(expected, captioner.committed_text) <= 0.15
    assert len(got) <= len(normalize(expected).split()) + 1
    # nothing was said during the pauses
    clip1_end = len(clip(first)) / 16000
    clip2_start = clip1_end + 12.0
    for w in captioner.committed_words:
        assert w.start < clip1_end + 0.3 or clip2_start - 0.3 < w.start < clip2_start + 4.0


@pytest.mark.model
def test_gaps_in_the_input_count_as_silence(whisper_model, clip):
    """The echo gate drops blocks: timestamps jump; the captioner commits at the gap."""
    audio = clip("pocketsphinx_goforward.wav")
    captioner = StreamingCaptioner(whisper_model)
    speech_end = int(2.3 * 16000)  # cut inside the speech: no trailing silence
    captioner.insert_audio(audio[:speech_end], 10.0)
    captioner.process()
    captioner.insert_audio(silence(0.1), 30.0)  # 17 s later
    update = captioner.process()
    assert update.end == pytest.approx(30.1)
    assert not update.tentative
    assert normalize(captioner.committed_text).startswith("go forward ten")  # no finish()


@pytest.mark.model
@pytest.mark.parametrize("lead_s", [0.0, 0.3])
def test_a_committed_word_said_again_later_does_not_swallow_the_words_between(
    whisper_model, clip, reference, lead_s
):
    """With these chunk boundaries "what you are" is committed for "what your country";
    later passes hear "... your country can do for you." The committed "you" must not be
    matched to the "you" of "for you", which would drop "can do for you. Ask" unheard."""
    captioner = StreamingCaptioner(whisper_model)
    audio = np.concatenate([silence(lead_s), clip("jfk.wav"), silence(1.5)])
    steps = [0.5] if lead_s else [0.2, 1.0]  # seconds of new audio per process()
    pos, i = 0, 0
    while pos < len(audio):
        n = int(steps[i % len(steps)] * 16000)
        for start in range(pos, min(pos + n, len(audio)), 1600):
            captioner.insert_audio(audio[start : start + 1600], start / 16000)
        pos, i = pos + n, i + 1
        captioner.process()
    captioner.finish()
    out = jiwer.process_words(normalize(reference("jfk.wav")), normalize(captioner.committed_text))
    assert out.deletions == 0, captioner.committed_text
    assert "can do for you" in normalize(captioner.committed_text)


@pytest.mark.model
def test_finishing_a_turn_that_heard_no_audio_commits_nothing(whisper_model):
    captioner = StreamingCaptioner(whisper_model)
    update = captioner.finish()
    assert update.committed == []
    assert update.tentative == []
