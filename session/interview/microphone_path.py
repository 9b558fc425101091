"""The microphone's path through an interview: every block through the echo canceller to
the recorder and the level meter, then through the echo gate (the interviewer's residual
voice stays out) to the one voice activity detector, whose speech frames go to both the turn
detector and the captioner. The candidate talking over the interviewer is a barge-in."""

from __future__ import annotations

import threading
from collections.abc import Callable

from capture.types import AudioBlock
from session.interview.candidate_lines import CandidateLines
from session.interview.device_reader import DeviceReader
from session.interview.driver import InterviewDriver
from session.interview.options import CaptionsLike
from session.recording.recorder import Recorder
from speech.echo import EchoGate, rms_db
from speech.vad import TurnDetector, VoiceActivityDetector

BARGE_IN_CONFIRM_S = 1.5  # after a barge-in, the VAD should have heard speech by then

Post = Callable[[Callable[[InterviewDriver], list]], None]


class MicrophonePath:
    def __init__(
        self,
        reader: DeviceReader[AudioBlock],
        recorder: Recorder,
        echo: EchoGate,
        vad: VoiceActivityDetector,
        turn: TurnDetector,
        captions: CaptionsLike,
        lines: CandidateLines,
        post: Post,
        on_level: Callable[[float], None],
        stopped: threading.Event,
    ) -> None:
        self._reader = reader
        self._recorder = recorder
        self._echo = echo
        echo.prepare()  # built on the engine's start worker, before any audio flows
        self._vad = vad
        self.turn = turn
        self._captions = captions
        self._lines = lines
        self._post = post
        self._on_level = on_level
        self._stopped = stopped
        self._turn_reset_at: float | None = None
        self._barge_check_at: float | None = None

    def reset_turn_at(self, t: float) -> None:
        """Long pauses count from ``t`` (the end of the interviewer's prompt)."""
        self._turn_reset_at = t

    def pump(self) -> None:
        while not self._stopped.is_set():
            block = self._reader.read()
            if block is not None:
                self._take(block)

    def _take(self, block: AudioBlock) -> None:
        block = self._echo.clean(block)  # the recording, too, holds the candidate, not the echo
        self._recorder.add_audio(block)
        self._on_level(rms_db(block.samples))
        if self._turn_reset_at is not None:
            self.turn.reset(self._turn_reset_at)
            self._turn_reset_at = None
        passed, barged = self._echo.admit(block)
        if barged:
            held = self._echo.take_held()
            t = held[0].t if held else block.t
            self._lines.floor = t  # they started talking over the interviewer here
            self._post(lambda d, t=t: d.on_speech_start(t))
            self._barge_check_at = block.end + BARGE_IN_CONFIRM_S
            for b in held:
                self._listen(b)
        if passed:
            self._listen(block)
        if self._barge_check_at is not None and block.end >= self._barge_check_at:
            # The gate heard someone, but the VAD never did (or lost it): end that "speech"
            # so the turn can end instead of waiting for a speech_end forever.
            self._barge_check_at = None
            if not self.turn.speaking:
                end = block.end
                self._post(lambda d, end=end: d.on_speech_end(end))

    def _listen(self, block: AudioBlock) -> None:
        frames = self._vad.feed(block)
        for event in self.turn.feed_frames(frames):
            self._post(lambda d, e=event: d.on_turn_event(e))
        self._captions.feed(block, frames)
