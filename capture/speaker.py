"""Speaker: queue float32 mono audio to play, stop at once (barge-in), wait for the end.

``Speaker`` plays through PortAudio; ``NullSpeaker`` has the same API and "plays" at
real-time pace into nothing, for headless runs and tests. Both share the queueing logic:
the device callback (or the null speaker's thread) only copies out of the queue.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable

import numpy as np

from capture.microphone import close_stream
from capture.types import DeviceError, DeviceInfo, sleep_until


class _PlayQueue:
    """Written audio waiting to be played. ``take(n)`` is called from the audio thread."""

    def __init__(self) -> None:
        self._chunks: deque[np.ndarray] = deque()
        self._offset = 0  # samples of _chunks[0] already played
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self.queued = 0  # samples waiting
        self.underruns = 0

    def put(self, samples: np.ndarray) -> None:
        x = np.asarray(samples, dtype=np.float32).reshape(-1)
        if len(x) == 0:
            return
        with self._lock:
            self._chunks.append(x.copy())
            self.queued += len(x)

    def take(self, out: np.ndarray) -> int:
        """Fills ``out`` (zeros past the queued audio). Returns samples of real audio."""
        n = len(out)
        got = 0
        with self._lock:
            while got < n and self._chunks:
                head = self._chunks[0]
                part = head[self._offset : self._offset + n - got]
                out[got : got + len(part)] = part
                got += len(part)
                self._offset += len(part)
                if self._offset >= len(head):
                    self._chunks.popleft()
                    self._offset = 0
            self.queued -= got
            if got < n:
                out[got:] = 0.0
            if self.queued == 0:
                self._idle.notify_all()
        return got

    def clear(self) -> None:
        with self._lock:
            self._chunks.clear()
            self._offset = 0
            self.queued = 0
            self._idle.notify_all()

    def wait_empty(self, timeout: float | None) -> bool:
        with self._lock:
            return self._idle.wait_for(lambda: self.queued == 0, timeout)


class _SpeakerBase:
    def __init__(self, rate: int) -> None:
        self.rate = rate
        self._queue = _PlayQueue()
        # Audio already taken from the queue but still inside the device's buffer.
        self._tail_until = 0.0

    def write(self, samples: np.ndarray) -> None:
        """Queue float32 mono samples at ``rate``; returns at once."""
        self._queue.put(samples)

    def stop(self) -> None:
        """Drop everything queued now (the candidate started talking)."""
        self._queue.clear()
        self._tail_until = 0.0

    @property
    def playing(self) -> bool:
        return self._queue.queued > 0 or time.monotonic() < self._tail_until

    @property
    def latency(self) -> float:
        """Seconds between handing audio to the device and hearing it."""
        return self._latency

    @property
    def queued_seconds(self) -> float:
        return self._queue.queued / self.rate

    def wait(self, timeout: float | None = None) -> bool:
        """True once everything written has played (False on timeout)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        if not self._queue.wait_empty(timeout):
            return False
        # Then the audio still inside the device's buffer.
        return sleep_until(
            self._tail_until, None if deadline is None else deadline - time.monotonic()
        )

    _latency = 0.0  # seconds between handing audio to the device and hearing it
    # (samples, rate, seconds until they are heard), from the device's thread, for every
    # block the device plays (the echo canceller's far end); None: nobody listens.
    on_rendered: Callable[[np.ndarray, int, float], None] | None = None

    def _took(self, frames: int, real: int) -> None:
        if real:
            self._tail_until = time.monotonic() + frames / self.rate + self._latency


class Speaker(_SpeakerBase):
    """A PortAudio output device (``device`` None = the system default)."""

    def __init__(self, device: str | int | None = None, rate: int = 22050) -> None:
        super().__init__(rate)
        self.device = device
        self._stream = None
        self._name = str(device)

    def start(self) -> None:
        if self._stream is not None:
            return
        import sounddevice as sd

        try:
            info = sd.query_devices(self.device, kind="output")
            self._name = str(info.get("name", self.device))
            stream = sd.OutputStream(
                device=self.device,
                channels=1,
                samplerate=self.rate,
                dtype="float32",
                blocksize=int(self.rate * 0.02),
                callback=self._callback,
            )
            stream.start()
        except (ValueError, sd.PortAudioError) as e:
            raise DeviceError(
                f"Speaker {self.device if self.device is not None else '(default)'} "
                f"could not be opened: {e}",
                "Plug in headphones or speakers, or pick another output in the checks.",
            ) from e
        self._stream = stream
        # Audio handed to PortAudio is heard this much later.
        self._latency = float(getattr(stream, "latency", 0.0) or 0.0)

    open = start

    def _callback(self, outdata: np.ndarray, frames: int, time_info: object, status) -> None:
        real = self._queue.take(outdata[:, 0])
        self._took(frames, real)
        rendered = self.on_rendered
        if rendered is not None:
            try:  # what the device plays, silence included: the echo canceller's reference
                rendered(outdata[:, 0].copy(), self.rate, self._latency)
            except Exception:  # never let a listener break the audio thread
                self.on_rendered = None

    def close(self) -> None:
        self.stop()
        stream, self._stream = self._stream, None
        close_stream(stream)

    def info(self) -> DeviceInfo:
        return DeviceInfo("speaker", self._name, str(self.device), {"rate": self.rate})


class NullSpeaker(_SpeakerBase):
    """Plays at real-time pace into nothing: same timing as a real speaker, no device."""

    def __init__(self, rate: int = 22050, block_s: float = 0.02) -> None:
        super().__init__(rate)
        self._block = max(1, int(rate * block_s))
        self._stop_event = threading.Event()
        self._thread: threading.Thread | None = None
        self.played = 0  # samples of real audio "played", for tests

    def start(self) -> None:
        if self._thread is not None:
            return
        self._stop_event.clear()
        self._thread = threading.Thread(target=self._run, name="null-speaker", daemon=True)
        self._thread.start()

    open = start

    def _run(self) -> None:
        buf = np.zeros(self._block, np.float32)
        period = self._block / self.rate
        next_due = time.monotonic()
        while not self._stop_event.is_set():
            real = self._queue.take(buf)
            self.played += real
            self._took(self._block, real)
            next_due += period
            delay = next_due - time.monotonic()
            if delay > 0:
                self._stop_event.wait(delay)
            else:
                next_due = time.monotonic()

    def close(self) -> None:
        self.stop()
        self._stop_event.set()
        if self._thread is not None:
            self._thread.join(timeout=1.0)
            self._thread = None

    def info(self) -> DeviceInfo:
        return DeviceInfo("speaker", "No speaker (silent)", "null", {"rate": self.rate})


def chime(rate: int = 22050) -> np.ndarray:
    """A short, soft two-note chime (E5 then A5, bell-like decay), float32 mono."""
    out = np.zeros(int(rate * 1.0), np.float32)
    for start_s, freq in ((0.0, 659.25), (0.18, 880.0)):
        n = int(rate * 0.8)
        t = np.arange(n) / rate
        env = np.exp(-t * 5.0) * np.minimum(1.0, t / 0.005)  # 5 ms attack, no click
        tone = np.sin(2 * np.pi * freq * t) + 0.3 * np.sin(2 * np.pi * 2 * freq * t)
        i = int(rate * start_s)
        seg = (0.25 * env * tone).astype(np.float32)
        out[i : i + n] += seg[: len(out) - i]
    return out


def play_test_sound(speaker: Speaker | NullSpeaker) -> float:
    """Plays the chime on ``speaker`` (started if needed). Returns its length in seconds."""
    speaker.start()
    sound = chime(speaker.rate)
    speaker.write(sound)
    return len(sound) / speaker.rate
