"""Live-captions benchmark: each clip is played to the caption worker at real-time pace on
the wall clock (100 ms blocks, as a microphone delivers them; compute time counts), then
1.5 s of silence, then a flush. Accuracy is compared with one offline pass per clip.

    python bench/captions.py ../shared/testdata/speech.tsv [--load-video] [--limit N]
                             [--step 0.5]

The TSV has `file` and `reference_text` columns; files are in `speech/` beside it.
Prints one JSON object:
  wer, offline_wer      corpus word error rate of the committed captions / of `transcribe`
  final_wer, final_rtf  the attempt's final transcript pass (session.attempt.final_transcript)
                        on each clip: its WER and compute seconds per second of audio
  per_clip              each clip's wer, final_wer, offline_wer and lag p50/p95
  lag_p50_s, lag_p95_s  committed word shown (wall clock) minus the word's end in the audio
  tentative_lag_p50_s   the same for the first time a word was shown at all
  rtf                   captioner compute seconds per second of audio
  peak_rss_mb           peak resident memory of this process
Goals on 2 cores: final_wer == offline_wer; final_rtf <= 0.25; wer <= 1.25 x offline_wer;
lag_p50_s <= 1.0, lag_p95_s <= 2.5 (also with --load-video); tentative_lag_p50_s <= 1.0;
peak_rss_mb <= 600.
--load-video encodes synthetic 720p30 frames with x264 (as the recorder does) meanwhile.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import jiwer  # noqa: E402
import numpy as np  # noqa: E402

from capture.types import AUDIO_RATE, AudioBlock  # noqa: E402
from session.attempt.final_transcript import candidate_lines, transcribe_recording  # noqa: E402
from speech.caption_worker import CaptionWorker  # noqa: E402
from speech.captioner import CaptionUpdate, StreamingCaptioner, Word  # noqa: E402
from speech.models import WhisperSettings, load_whisper  # noqa: E402
from speech.offline import read_audio, transcribe_audio  # noqa: E402
from tools.wer import drop_roman_heading, normalize  # noqa: E402

BLOCK_S = 0.1
TRAILING_SILENCE_S = 1.5


def read_tsv(path: Path) -> list[dict[str, str]]:
    lines = path.read_text(encoding="utf-8").splitlines()
    head = lines[0].split("\t")
    rows = [dict(zip(head, line.split("\t"), strict=False)) for line in lines[1:] if line]
    missing = {"file", "reference_text"} - set(head)
    if missing:
        raise SystemExit(f"captions bench: {path} has no column(s) {sorted(missing)}")
    return rows


class TimedCaptioner(StreamingCaptioner):
    """Counts the compute time of every pass."""

    compute_s = 0.0

    def process(self) -> CaptionUpdate:
        t = time.perf_counter()
        try:
            return super().process()
        finally:
            self.compute_s += time.perf_counter() - t

    def finish(self) -> CaptionUpdate:
        t = time.perf_counter()
        try:
            return super().finish()
        finally:
            self.compute_s += time.perf_counter() - t


@dataclass
class ClipRun:
    committed: list[tuple[float, Word]] = field(default_factory=list)  # (wall time, word)
    shown: list[tuple[float, list[Word]]] = field(default_factory=list)  # every word shown


def run_clip(captioner: TimedCaptioner, audio: np.ndarray, step_s: float) -> tuple[ClipRun, float]:
    """Plays ``audio`` to a caption worker in real time; returns the updates and t0 (the
    wall time of audio time 0)."""
    run = ClipRun()

    def on_update(update: CaptionUpdate) -> None:
        now = time.monotonic()
        run.committed += [(now, w) for w in update.committed]
        run.shown.append((now, update.committed + update.tentative))

    captioner.reset()
    worker = CaptionWorker(captioner, on_update, min_chunk_s=step_s)
    n = int(BLOCK_S * AUDIO_RATE)
    t0 = time.monotonic()
    for i in range(0, len(audio), n):
        block = AudioBlock(audio[i : i + n], i / AUDIO_RATE)
        # a block exists once its last sample has been "recorded"
        delay = t0 + block.end - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        worker.feed(block)
    worker.flush()
    worker.stop(30.0)  # the stop request queues behind the flush, so that runs first
    return run, t0


def first_shown(run: ClipRun, word: Word) -> float | None:
    key = normalize(word.text)
    for t, words in run.shown:
        for w in words:
            if normalize(w.text) == key and abs(w.start - word.start) < 0.6:
                return t
    return None


class VideoLoad:
    """x264 720p30 encode of synthetic frames at real-time pace, like the recorder."""

    def __init__(self) -> None:
        self._stop = threading.Event()
        self.frames = 0
        self.late = 0
        self._thread = threading.Thread(target=self._run, name="video-load", daemon=True)

    def __enter__(self) -> VideoLoad:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(10)

    def _run(self) -> None:
        import av

        with tempfile.TemporaryDirectory() as tmp:
            out = av.open(str(Path(tmp) / "load.mkv"), "w")
            stream = out.add_stream("libx264", rate=30)
            stream.width, stream.height, stream.pix_fmt = 1280, 720, "yuv420p"
            stream.options = {"preset": "ultrafast", "crf": "23"}
            rng = np.random.default_rng(0)
            base = rng.integers(0, 255, (720, 1280, 3), dtype=np.uint8)
            start = time.monotonic()
            while not self._stop.is_set():
                due = start + self.frames / 30
                delay = due - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
                elif delay < -1 / 30:
                    self.late += 1
                image = np.roll(base, self.frames * 4, axis=1)
                frame = av.VideoFrame.from_ndarray(image, format="bgr24")
                frame.pts = self.frames
                for packet in stream.encode(frame):
                    out.mux(packet)
                self.frames += 1
            for packet in stream.encode():
                out.mux(packet)
            out.close()


def percentile(values: list[float], q: float) -> float | None:
    return round(float(np.percentile(values, q)), 3) if values else None


def wer_or_none(ref: str, hyp: str) -> float | None:
    return round(jiwer.wer(ref, hyp), 4) if ref else None


def final_text(audio: np.ndarray, settings: WhisperSettings) -> tuple[str, float]:
    """The final pass over one clip as an attempt's only recording; (text, compute s)."""
    t = time.perf_counter()
    words = transcribe_recording([(0.0, audio)], settings)
    lines = candidate_lines(words, [])
    return " ".join(x["text"] for x in lines), time.perf_counter() - t


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("tsv", type=Path)
    p.add_argument("--load-video", action="store_true", help="encode 720p30 video meanwhile")
    p.add_argument("--limit", type=int, default=None, help="only the first N clips")
    p.add_argument("--step", type=float, default=0.5, help="seconds of new audio per pass")
    p.add_argument("--no-offline", action="store_true", help="skip the offline pass")
    args = p.parse_args(argv)

    rows = read_tsv(args.tsv)[: args.limit]
    folder = args.tsv.resolve().parent / "speech"
    settings = WhisperSettings()
    model = load_whisper(settings)
    captioner = TimedCaptioner(model)

    refs: list[str] = []
    hyps: list[str] = []
    offline: list[str] = []
    lags: list[float] = []
    per_clip: list[dict] = []
    tentative_lags: list[float] = []
    audio_s = 0.0
    video = VideoLoad() if args.load_video else None
    if video is not None:
        video.__enter__()
    try:
        for row in rows:
            audio = read_audio(folder / row["file"])
            audio_s += len(audio) / AUDIO_RATE
            padded = np.concatenate([audio, np.zeros(int(TRAILING_SILENCE_S * AUDIO_RATE))])
            run, t0 = run_clip(captioner, padded.astype(np.float32), args.step)
            words = [w for _, w in run.committed]
            refs.append(normalize(drop_roman_heading(row["reference_text"])))
            hyps.append(normalize(" ".join(w.text for w in words)))
            clip_lags = [shown_at - (t0 + w.end) for shown_at, w in run.committed]
            lags += clip_lags
            per_clip.append(
                {
                    "file": row["file"],
                    "wer": wer_or_none(refs[-1], hyps[-1]),
                    "lag_p50_s": percentile(clip_lags, 50),
                    "lag_p95_s": percentile(clip_lags, 95),
                }
            )
            for shown_at, w in run.committed:
                first = first_shown(run, w)
                tentative_lags.append((first if first is not None else shown_at) - (t0 + w.end))
    finally:
        if video is not None:
            video.__exit__(None, None, None)
    final: list[str] = []
    final_s = 0.0
    if not args.no_offline:
        for row, ref, clip in zip(rows, refs, per_clip, strict=True):
            audio = read_audio(folder / row["file"])
            offline.append(normalize(transcribe_audio(audio, settings).text))
            text, spent = final_text(audio, settings)
            final.append(normalize(text))
            final_s += spent
            clip["offline_wer"] = wer_or_none(ref, offline[-1])
            clip["final_wer"] = wer_or_none(ref, final[-1])

    result = {
        "clips": len(rows),
        "wer": round(jiwer.wer(refs, hyps), 4),
        "offline_wer": round(jiwer.wer(refs, offline), 4) if offline else None,
        "final_wer": round(jiwer.wer(refs, final), 4) if final else None,
        "final_rtf": round(final_s / audio_s, 3) if final and audio_s else None,
        "lag_p50_s": percentile(lags, 50),
        "lag_p95_s": percentile(lags, 95),
        "tentative_lag_p50_s": percentile(tentative_lags, 50),
        "rtf": round(captioner.compute_s / audio_s, 3) if audio_s else None,
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "audio_s": round(audio_s, 1),
        "step_s": args.step,
        "load_video": bool(args.load_video),
    }
    if video is not None:
        result["video_frames_late"] = video.late
    result["per_clip"] = per_clip
    print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
