"""Synthetic camera/microphone material for recorder tests: a moving picture whose frames
differ (so the encoder has real work) and a tone, stamped on a given session clock."""

from __future__ import annotations

import time

import numpy as np

from capture.types import AUDIO_RATE, AudioBlock, VideoFrame


def picture(i: int, width: int = 640, height: int = 360) -> np.ndarray:
    """A gradient with a bright bar that moves one step per frame."""
    img = np.zeros((height, width, 3), np.uint8)
    img[:, :, 0] = np.linspace(0, 255, width, dtype=np.uint8)[None, :]
    img[:, :, 1] = np.linspace(0, 255, height, dtype=np.uint8)[:, None]
    x = (i * 8) % width
    img[:, x : x + 16, 2] = 255
    return img


def tone(n: int, start_sample: int, freq: float = 440.0) -> np.ndarray:
    k = np.arange(start_sample, start_sample + n)
    return (0.2 * np.sin(2 * np.pi * freq * k / AUDIO_RATE)).astype(np.float32)


def feed(
    recorder,
    t_start: float,
    seconds: float,
    fps: float = 30.0,
    size: tuple[int, int] = (640, 360),
    block_s: float = 0.1,
    audio: bool = True,
) -> int:
    """Hands ``seconds`` of frames and audio (times from ``t_start``) to the recorder as fast
    as its queues take them, in capture order. Returns the number of frames handed over."""
    n_frames = round(seconds * fps)
    next_audio = 0
    block = round(block_s * AUDIO_RATE)
    for i in range(n_frames):
        t = t_start + i / fps
        while audio and next_audio / AUDIO_RATE <= i / fps:
            recorder.add_audio(
                AudioBlock(tone(block, next_audio), t_start + next_audio / AUDIO_RATE)
            )
            next_audio += block
        while recorder.backlog[0] >= 8:  # let the encoder keep up: no drops in these tests
            time.sleep(0.002)
        recorder.add_video(VideoFrame(picture(i, *size), t, i))
    return n_frames
