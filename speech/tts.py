"""The interviewer's voice: Piper synthesis, played sentence by sentence as it is made.

``VoicePlayer`` plays on its own thread so the caller never waits; the first sentence
starts playing while the next one is synthesised (Piper: ~0.1 s to first audio). ``stop()``
drops the speaker's queue at once, for barge-in.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Protocol

import numpy as np

from capture.microphone import resample
from capture.types import Clock, default_clock
from speech.models import ModelMissingError, default_voice_path

log = logging.getLogger(__name__)


class InterviewerVoice:
    """A Piper voice, loaded once (about 0.4 s)."""

    def __init__(self, model_path: str | Path | None = None) -> None:
        path = Path(model_path) if model_path is not None else default_voice_path()
        config = Path(f"{path}.json")
        if not path.is_file() or not config.is_file():
            raise ModelMissingError(
                f"no Piper voice at {path} (needs the .onnx file and its .onnx.json); "
                f"reinstall the app or pass another voice"
            )
        from piper import PiperVoice

        self.path = path
        self._voice = PiperVoice.load(str(path), config_path=str(config))
        self.rate: int = int(self._voice.config.sample_rate)
        self._lock = threading.Lock()  # one synthesis at a time keeps CPU use predictable

    def stream(self, text: str) -> Iterator[np.ndarray]:
        """float32 audio at ``rate``, one chunk per sentence, each as soon as it is made."""
        if not text.strip():
            return
        chunks = iter(self._voice.synthesize(text))
        while True:
            with self._lock:
                chunk = next(chunks, None)
            if chunk is None:
                return
            yield np.asarray(chunk.audio_float_array, dtype=np.float32).reshape(-1)


class SpeakerLike(Protocol):
    rate: int

    def start(self) -> None: ...
    def write(self, samples: np.ndarray) -> None: ...
    def stop(self) -> None: ...
    def wait(self, timeout: float | None = None) -> bool: ...
    def close(self) -> None: ...

    @property
    def playing(self) -> bool: ...


OnStart = Callable[[float], None]
OnEnd = Callable[[float, bool], None]


class VoicePlayer:
    """Says one text at a time through a speaker (``capture.speaker.Speaker`` API).

    ``on_start(t)`` fires when the first audio is handed to the speaker, ``on_end(t,
    interrupted)`` when the last has played or ``stop()`` cut it short; both on the
    player's thread, with ``t`` from ``clock`` (the session clock). A new ``say`` while
    speaking interrupts the current line first. ``on_audio(samples, rate, t)`` sees each
    chunk handed to the speaker (the echo gate's reference).
    """

    def __init__(
        self,
        voice: InterviewerVoice,
        speaker: SpeakerLike,
        clock: Clock = default_clock,
        *,
        on_audio: Callable[[np.ndarray, int, float], None] | None = None,
        on_rendered: Callable[[np.ndarray, int, float], None] | None = None,
    ):
        self.voice = voice
        self.speaker = speaker
        self.clock = clock
        self.on_audio = on_audio  # (samples, rate, t): each chunk as it is handed over
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._cancel = threading.Event()
        if on_rendered is not None and hasattr(speaker, "on_rendered"):
            # (samples, rate, t heard on the session clock) of everything the device plays
            speaker.on_rendered = lambda x, rate, delay: on_rendered(x, rate, clock() + delay)

    @property
    def speaking(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def say(self, text: str, on_start: OnStart | None = None, on_end: OnEnd | None = None) -> None:
        self.stop()
        self.join(1.0)
        cancel = threading.Event()
        with self._lock:
            self._cancel = cancel
            self._thread = threading.Thread(
                target=self._play, args=(text, on_start, on_end, cancel), name="voice", daemon=True
            )
            self._thread.start()

    def stop(self) -> None:
        """Stops at once (the speaker drops what is queued); on_end gets interrupted=True."""
        with self._lock:
            self._cancel.set()
            self.speaker.stop()

    def join(self, timeout: float | None = None) -> bool:
        thread = self._thread
        if thread is None or thread is threading.current_thread():
            return True
        thread.join(timeout)
        return not thread.is_alive()

    def close(self, timeout: float = 2.0) -> bool:
        self.stop()
        return self.join(timeout)

    def _play(
        self, text: str, on_start: OnStart | None, on_end: OnEnd | None, cancel: threading.Event
    ) -> None:
        started = False
        try:
            for chunk in self.voice.stream(text):
                audio = resample(chunk, self.voice.rate, self.speaker.rate)
                with self._lock:  # stop() cannot slip in between the check and the write
                    if cancel.is_set():
                        break
                    self.speaker.write(audio)
                    # heard once the device has played it: its output latency later
                    heard = self.clock() + float(getattr(self.speaker, "latency", 0.0))
                    _call(self.on_audio, audio, self.speaker.rate, heard)
                if not started:
                    started = True
                    _call(on_start, self.clock())
            while not cancel.is_set() and not self.speaker.wait(0.05):
                pass
        except Exception:
            log.exception("the interviewer's voice failed")
        if not started:
            _call(on_start, self.clock())
        _call(on_end, self.clock(), cancel.is_set())


def _call(callback: Callable | None, *args: object) -> None:
    if callback is None:
        return
    try:
        callback(*args)
    except Exception:
        log.exception("voice callback failed")
