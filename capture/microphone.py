"""Microphone sources: a real input device (PortAudio via sounddevice) or a WAV file paced
in real time. Both hand out 16 kHz mono float32 ``AudioBlock``s stamped on the session clock.
"""

from __future__ import annotations

import contextlib
import queue
import sys
import time
import wave
from pathlib import Path

import numpy as np

from capture.devices import parse_device_spec
from capture.types import (
    AUDIO_RATE,
    AudioBlock,
    Clock,
    DeviceError,
    DeviceInfo,
    default_clock,
    sleep_until,
)

_QUEUE_BLOCKS = 100  # ~10 s at 0.1 s blocks: the consumer may stall briefly, never lose audio


class LinearResampler:
    """Streaming linear-interpolation resampler. Keeps the last input sample and the phase
    between calls, so block edges join without clicks. Good enough for speech at 16 kHz."""

    def __init__(self, rate_in: int, rate_out: int = AUDIO_RATE) -> None:
        self.step = rate_in / rate_out  # input samples per output sample
        self._pos = 0.0  # position of the next output sample, relative to _prev
        self._prev = np.zeros(1, np.float32)

    def __call__(self, x: np.ndarray) -> np.ndarray:
        if self.step == 1.0:
            return x.astype(np.float32, copy=False)
        buf = np.concatenate([self._prev, x.astype(np.float32, copy=False)])
        last = len(buf) - 1
        positions = np.arange(self._pos, last, self.step)
        out = np.interp(positions, np.arange(len(buf)), buf).astype(np.float32)
        self._pos = (positions[-1] + self.step - last) if len(positions) else self._pos - len(x)
        self._prev = buf[-1:]
        return out


def resample(x: np.ndarray, rate_in: int, rate_out: int = AUDIO_RATE) -> np.ndarray:
    """Resample a whole signal (linear interpolation)."""
    if rate_in == rate_out or len(x) == 0:
        return x.astype(np.float32, copy=False)
    n = round(len(x) * rate_out / rate_in)
    positions = np.arange(n) * (rate_in / rate_out)
    return np.interp(positions, np.arange(len(x)), x).astype(np.float32)


class MicrophoneSource:
    """A live input device. The PortAudio callback only copies into a queue and counts
    overflows; resampling (when the device won't run at 16 kHz) happens in ``read``."""

    def __init__(
        self,
        device: str | int | None,
        clock: Clock = default_clock,
        block_s: float = 0.1,
        device_rate: int | None = None,
    ) -> None:
        """``device_rate`` forces the rate the device is opened at (default: 16 kHz, or the
        device's own rate when it refuses 16 kHz); audio is resampled to 16 kHz either way."""
        self.device = device
        self._force_rate = device_rate
        self._clock = clock
        self.block_s = block_s
        self._queue: queue.Queue[tuple[np.ndarray, float]] = queue.Queue(maxsize=_QUEUE_BLOCKS)
        self._stream = None
        self._resampler = LinearResampler(AUDIO_RATE)  # passes 16 kHz through unchanged
        self.device_rate = AUDIO_RATE
        self.overflows = 0
        self._name = str(device)
        self._closing = False
        self._lost = False

    def open(self) -> None:
        """Opens the device; after `close()` (or a lost device) it opens it again."""
        if self._stream is not None:
            return
        import sounddevice as sd

        self._closing = self._lost = False

        try:
            dev = sd.query_devices(self.device, kind="input")
        except (ValueError, sd.PortAudioError) as e:
            raise DeviceError(
                f"No microphone found ({self.device if self.device is not None else 'default'})",
                "Plug in a microphone or headset, then pick it in the checks.",
            ) from e
        self._name = str(dev.get("name", self.device))
        last: Exception | None = None
        # 16 kHz first; many devices only run at their native rate, so fall back to it.
        rates = [AUDIO_RATE, int(dev.get("default_samplerate") or 48000)]
        if self._force_rate:
            rates = [self._force_rate]
        for rate in dict.fromkeys(rates):
            try:
                stream = sd.InputStream(
                    device=self.device,
                    channels=1,
                    samplerate=rate,
                    dtype="float32",
                    blocksize=int(rate * self.block_s),
                    callback=self._callback,
                    finished_callback=self._finished,
                )
                stream.start()
            except sd.PortAudioError as e:
                last = e
                continue
            self._stream = stream
            self.device_rate = rate
            self._resampler = LinearResampler(rate)
            return
        raise _open_failure(self._name, last)

    def _callback(self, indata: np.ndarray, frames: int, time_info: object, status) -> None:
        if status and status.input_overflow:
            self.overflows += 1
        try:
            self._queue.put_nowait((indata[:, 0].copy(), self._clock()))
        except queue.Full:
            self.overflows += 1

    def _finished(self) -> None:
        # PortAudio ended the stream: unplugged, or the sound server went away.
        if not self._closing:
            self._lost = True

    def read(self, timeout: float | None = None) -> AudioBlock | None:
        """The next block; raises DeviceError once the device is gone and drained."""
        try:
            samples, t_end = self._queue.get(timeout=0 if self._lost else timeout)
        except queue.Empty:
            if self._lost:
                raise DeviceError(
                    f"Microphone {self._name} stopped working",
                    "Check that it is still plugged in.",
                ) from None
            return None
        # The callback runs just after the block's last sample was captured.
        t = t_end - len(samples) / self.device_rate
        return AudioBlock(self._resampler(samples), t)

    def close(self) -> None:
        self._closing = True
        stream, self._stream = self._stream, None
        close_stream(stream)

    def info(self) -> DeviceInfo:
        return DeviceInfo(
            "microphone",
            self._name,
            str(self.device),
            {"rate": AUDIO_RATE, "device_rate": self.device_rate, "overflows": self.overflows},
        )

    def __enter__(self) -> MicrophoneSource:
        self.open()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def close_stream(stream: object | None) -> None:
    """Stops and closes a PortAudio stream; a device that already vanished may fail either
    step, which must not keep the other from running."""
    if stream is None:
        return
    with contextlib.suppress(Exception):
        stream.stop()  # type: ignore[attr-defined]
    with contextlib.suppress(Exception):
        stream.close()  # type: ignore[attr-defined]


def _open_failure(name: str, err: Exception | None) -> DeviceError:
    text = str(err or "")
    if sys.platform == "darwin":
        fix = "Allow microphone access in System Settings → Privacy & Security → Microphone."
    elif "busy" in text.lower() or "unavailable" in text.lower():
        fix = "The microphone is busy — close other apps that use it."
    else:
        fix = "Check that the microphone is plugged in and not used by another app."
    return DeviceError(f"Microphone {name} could not be opened: {text}".rstrip(": "), fix)


def read_wav_16k(path: str | Path) -> np.ndarray:
    """A whole audio file as 16 kHz mono float32 (what the captioner and recorder take)."""
    samples, rate = read_wav(path)
    return resample(samples, rate)


def read_wav(path: str | Path) -> tuple[np.ndarray, int]:
    """Any PCM WAV (8/16/24/32-bit, any channels) as mono float32 and its rate. Other
    formats (float WAV, compressed audio) go through PyAV."""
    p = Path(path)
    if not p.is_file():
        raise DeviceError(f"Audio file not found: {p}", "Check the path.")
    try:
        with wave.open(str(p), "rb") as w:
            width, channels, rate = w.getsampwidth(), w.getnchannels(), w.getframerate()
            raw = w.readframes(w.getnframes())
        return _pcm_to_float(raw, width, channels), rate
    except (wave.Error, EOFError):
        return _decode_with_av(p)


def _pcm_to_float(raw: bytes, width: int, channels: int) -> np.ndarray:
    if width == 1:
        x = (np.frombuffer(raw, np.uint8).astype(np.float32) - 128) / 128
    elif width == 2:
        x = np.frombuffer(raw, "<i2").astype(np.float32) / 32768
    elif width == 3:
        b = np.frombuffer(raw, np.uint8).reshape(-1, 3).astype(np.int32)
        v = b[:, 0] | (b[:, 1] << 8) | (b[:, 2] << 16)
        v = np.where(v >= 1 << 23, v - (1 << 24), v)
        x = v.astype(np.float32) / (1 << 23)
    else:
        x = np.frombuffer(raw, "<i4").astype(np.float32) / 2**31
    if channels > 1:
        x = x[: len(x) // channels * channels].reshape(-1, channels).mean(axis=1)
    return x.astype(np.float32)


def _decode_with_av(p: Path) -> tuple[np.ndarray, int]:
    import av

    try:
        with av.open(str(p)) as container:
            stream = container.streams.audio[0]
            resampler = av.AudioResampler(format="flt", layout="mono", rate=AUDIO_RATE)
            parts = []
            for frame in container.decode(stream):
                for out in resampler.resample(frame):
                    parts.append(out.to_ndarray().reshape(-1))
            for out in resampler.resample(None):
                parts.append(out.to_ndarray().reshape(-1))
    except (av.error.FFmpegError, IndexError) as e:
        raise DeviceError(
            f"Can't read {p.name} as audio", "Use a WAV file (16-bit PCM works everywhere)."
        ) from e
    x = np.concatenate(parts) if parts else np.zeros(0, np.float32)
    return x.astype(np.float32), AUDIO_RATE


class WavFileSource:
    """A WAV file as a microphone: blocks of ``block_s`` seconds, resampled to 16 kHz mono,
    released in real time (or as fast as asked with ``realtime=False``). Once the file is
    used up (``loop=False``) ``read`` returns None for ever and ``exhausted`` is True."""

    def __init__(
        self,
        path: str | Path,
        clock: Clock = default_clock,
        block_s: float = 0.1,
        realtime: bool = True,
        loop: bool = False,
    ) -> None:
        self.path = Path(path)
        self._clock = clock
        self.block_s = block_s
        self.realtime = realtime
        self.loop = loop
        self._samples: np.ndarray | None = None
        self._block = int(AUDIO_RATE * block_s)
        self._pos = 0
        self._n = 0
        self._t0 = 0.0
        self._start = 0.0
        self._exhausted = False

    def open(self) -> None:
        if self._samples is not None:
            return
        self._samples = read_wav_16k(self.path)
        self._t0 = self._clock()
        self._start = time.monotonic()

    @property
    def duration(self) -> float:
        return 0.0 if self._samples is None else len(self._samples) / AUDIO_RATE

    @property
    def exhausted(self) -> bool:
        return self._exhausted

    def read(self, timeout: float | None = None) -> AudioBlock | None:
        if self._samples is None:
            raise DeviceError("Audio file source not opened", "Call open() first.")
        if self._exhausted or len(self._samples) == 0:
            self._exhausted = True
            if timeout:
                time.sleep(min(timeout, self.block_s))
            return None
        # Block n is complete once its last sample "has been spoken".
        if self.realtime and not sleep_until(self._start + (self._n + 1) * self.block_s, timeout):
            return None
        chunk = self._samples[self._pos : self._pos + self._block]
        t = self._t0 + self._n * self.block_s
        self._pos += len(chunk)
        self._n += 1
        if self._pos >= len(self._samples):
            if self.loop:
                self._pos = 0
            else:
                self._exhausted = True
        return AudioBlock(chunk.copy(), t)

    def close(self) -> None:
        self._exhausted = True

    def info(self) -> DeviceInfo:
        return DeviceInfo(
            "microphone",
            self.path.name,
            str(self.path),
            {"rate": AUDIO_RATE, "file": True, "duration": self.duration},
        )

    def __enter__(self) -> WavFileSource:
        self.open()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_microphone(
    src: str | int | None, clock: Clock = default_clock, block_s: float = 0.1, loop: bool = False
) -> MicrophoneSource | WavFileSource:
    """A WAV file source when ``src`` names an audio file (played again and again with
    ``loop``), else a live device (unopened)."""
    spec = parse_device_spec(src)
    if isinstance(spec, str) and (
        Path(spec).suffix.lower() in (".wav", ".wave", ".flac", ".mp3", ".ogg")
        or Path(spec).is_file()
    ):
        return WavFileSource(spec, clock, block_s, realtime=True, loop=loop)
    return MicrophoneSource(spec, clock, block_s)
