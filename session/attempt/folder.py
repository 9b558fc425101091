"""Names in the attempt folder: the contract between recorder, transcript, uploader and
backend (see DESIGN.md). One folder per attempt, written incrementally."""

from __future__ import annotations

from pathlib import Path

MANIFEST = "attempt.json"
RECORDING = "recording.mkv"
SCREEN = "screen.mkv"
TRANSCRIPT = "transcript.json"
CAPTIONS = "captions.vtt"
CAPTIONS_LIVE = "captions-live.vtt"  # the live captions, kept once the final pass ran
FLAGS = "flags.json"  # lines the candidate marked "not what I said", with their notes
WHITEBOARD_DIR = "whiteboard"
WHITEBOARD_STROKES = "whiteboard/strokes.json"
EVENTS = "events.jsonl"
RECEIPT = "receipt.json"
# recording.mkv, recording-2.mkv, screen.mkv...: the media segments (session.recording.segments)
MEDIA_PREFIXES = ("recording", "screen")


class AttemptPaths:
    """Where each file of one attempt lives."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    @property
    def manifest(self) -> Path:
        return self.root / MANIFEST

    @property
    def recording(self) -> Path:
        return self.root / RECORDING

    @property
    def screen(self) -> Path:
        return self.root / SCREEN

    @property
    def transcript(self) -> Path:
        return self.root / TRANSCRIPT

    @property
    def captions(self) -> Path:
        return self.root / CAPTIONS

    @property
    def whiteboard(self) -> Path:
        return self.root / WHITEBOARD_DIR

    @property
    def events(self) -> Path:
        return self.root / EVENTS

    @property
    def receipt(self) -> Path:
        return self.root / RECEIPT

    def create(self) -> AttemptPaths:
        self.root.mkdir(parents=True, exist_ok=True)
        self.whiteboard.mkdir(exist_ok=True)
        return self
