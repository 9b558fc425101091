"""Microphone check: speech heard at a usable level (Silero VAD from faster-whisper)."""

from __future__ import annotations

import math

import numpy as np

from capture.types import AUDIO_RATE, AudioBlock
from session.checks.result import CheckResult


def dbfs(x: np.ndarray) -> float:
    """RMS level in dB relative to full scale (-inf for digital silence)."""
    if len(x) == 0:
        return -math.inf
    rms = float(np.sqrt(np.mean(np.square(x, dtype=np.float64))))
    return 20 * math.log10(rms) if rms > 0 else -math.inf


class SpeechDetector:
    """Silero VAD (shipped inside faster-whisper): seconds of speech in some audio."""

    def __init__(self) -> None:
        from faster_whisper.vad import VadOptions, get_vad_model

        get_vad_model()  # load now, not on the first block
        self._options = VadOptions(min_speech_duration_ms=200)

    def speech(self, samples: np.ndarray) -> list[tuple[int, int]]:
        from faster_whisper.vad import get_speech_timestamps

        return [
            (s["start"], s["end"])
            for s in get_speech_timestamps(samples, self._options, sampling_rate=AUDIO_RATE)
        ]


class MicrophoneCheck:
    """Passes once speech is heard at a usable level without clipping.

    Live level (RMS dBFS, peak) is in ``data`` for the meter. Fails with: silent/muted,
    too quiet, clipping, only noise."""

    name = "microphone"

    def __init__(
        self,
        detector: SpeechDetector | None = None,
        window_s: float = 3.0,
        min_speech_s: float = 0.6,
        quiet_dbfs: float = -42.0,
        silent_dbfs: float = -65.0,
        required: bool = True,
    ) -> None:
        self._detector = detector
        self.window = int(window_s * AUDIO_RATE)
        self.min_speech_s = min_speech_s
        self.quiet_dbfs = quiet_dbfs
        self.silent_dbfs = silent_dbfs
        self.required = required
        self._buf = np.zeros(0, np.float32)
        self._since_vad = 0
        self.heard_s = 0.0
        self.speech_s = 0.0  # speech at a usable level found so far
        self.loud_speech_s = 0.0
        self.quiet_speech_s = 0.0
        self.clipped = 0
        self.samples = 0
        self.level = -math.inf
        self.peak = 0.0
        self.max_level = -math.inf

    @property
    def detector(self) -> SpeechDetector:
        if self._detector is None:
            self._detector = SpeechDetector()
        return self._detector

    def update(self, block: AudioBlock) -> CheckResult:
        x = block.samples
        self.samples += len(x)
        self.level = dbfs(x)
        self.peak = float(np.max(np.abs(x))) if len(x) else 0.0
        self.max_level = max(self.max_level, self.level)
        self.clipped += int(np.count_nonzero(np.abs(x) >= 0.99))
        self._buf = np.concatenate([self._buf, x])[-self.window :]
        self._since_vad += len(x)
        # Run the VAD on the rolling window every ~0.5 s of new audio.
        if self._since_vad >= AUDIO_RATE // 2 and len(self._buf) >= AUDIO_RATE // 2:
            self._analyse(self._since_vad)
            self._since_vad = 0
        return self.result()

    def _analyse(self, new: int) -> None:
        buf = self._buf
        for start, end in self.detector.speech(buf):
            # Count only speech inside the newest part of the window, once.
            s = max(start, len(buf) - new)
            if end <= s:
                continue
            seg = buf[s:end]
            secs = len(seg) / AUDIO_RATE
            if dbfs(seg) >= self.quiet_dbfs:
                self.speech_s += secs
            else:
                self.quiet_speech_s += secs

    def result(self) -> CheckResult:
        heard = self.samples / AUDIO_RATE
        data = {
            "level_dbfs": _rounded(self.level),
            "peak": round(self.peak, 3),
            "max_level_dbfs": _rounded(self.max_level),
            "speech_s": round(self.speech_s, 2),
            "heard_s": round(heard, 2),
        }
        clip_ratio = self.clipped / max(1, self.samples)
        if clip_ratio > 0.002:
            return CheckResult(
                self.name,
                False,
                self.required,
                "The sound is clipping (too loud)",
                "Turn the microphone's input volume down or move it further away.",
                data,
            )
        if self.speech_s >= self.min_speech_s:
            return CheckResult(
                self.name,
                True,
                self.required,
                f"Speech heard at {_rounded(self.max_level)} dBFS",
                "",
                data,
            )
        if heard < 1.0:
            return CheckResult(
                self.name, False, self.required, "Listening…", "", {**data, "pending": True}
            )
        if self.max_level < self.silent_dbfs:
            return CheckResult(
                self.name,
                False,
                self.required,
                "The microphone is silent or muted",
                "Unmute the microphone (check its switch and the system sound settings).",
                data,
            )
        if self.quiet_speech_s >= self.min_speech_s / 2:
            return CheckResult(
                self.name,
                False,
                self.required,
                "Your voice is too quiet",
                "Move closer to the microphone or turn its input volume up.",
                data,
            )
        if self.max_level < self.quiet_dbfs:
            return CheckResult(
                self.name,
                False,
                self.required,
                "Too quiet — say a few words",
                "Speak in your normal voice; if you are, turn the input volume up.",
                {**data, "pending": True},
            )
        return CheckResult(
            self.name,
            False,
            self.required,
            "Only noise, no speech heard yet",
            "Say a few words; if you are, move away from noise (fans, music).",
            {**data, "pending": True},
        )

    def finish(self) -> CheckResult:
        r = self.result()
        r.data.pop("pending", None)
        if r.detail == "Listening…":
            r.detail = "Not enough sound to judge"
            r.fix = "Speak for a few seconds."
        return r


def _rounded(v: float) -> float | None:
    return round(v, 1) if math.isfinite(v) else None
