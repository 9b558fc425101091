"""Browsers rarely play MKV, so a submitted recording is also remuxed (no re-encode) into MP4
with PyAV. Runs on a background thread; the MKV stays the original."""

from __future__ import annotations

import logging
import threading
from pathlib import Path

log = logging.getLogger("backend.media")


def playable_path(mkv: Path) -> Path:
    return mkv.with_suffix(".mp4")


def remux_to_mp4(mkv: Path) -> Path | None:
    """Returns the MP4 path, or None when the streams cannot go into MP4 (then the page
    offers the MKV itself)."""
    import av

    out = playable_path(mkv)
    tmp = out.with_suffix(".mp4.part")
    try:
        with (
            av.open(str(mkv)) as src,
            av.open(str(tmp), "w", format="mp4", options={"movflags": "+faststart"}) as dst,
        ):
            mapping = {}
            for s in src.streams:
                if s.type in ("video", "audio"):
                    mapping[s.index] = dst.add_stream_from_template(s)
            if not mapping:
                raise ValueError("no audio or video streams")
            for packet in src.demux(*[s for s in src.streams if s.index in mapping]):
                if packet.dts is None:
                    continue
                packet.stream = mapping[packet.stream.index]
                dst.mux(packet)
        tmp.replace(out)
        return out
    except Exception as e:  # any container/codec problem: keep serving the MKV
        log.warning("could not remux %s to MP4: %s", mkv.name, e)
        tmp.unlink(missing_ok=True)
        return None


EBML_MAGIC = b"\x1a\x45\xdf\xa3"  # every Matroska file starts with it


def looks_like_matroska(path: Path) -> bool:
    try:
        with open(path, "rb") as f:
            return f.read(4) == EBML_MAGIC
    except OSError:
        return False


def remux_attempt_async(folder: Path) -> threading.Thread:
    def work() -> None:
        for mkv in sorted(folder.glob("*.mkv")):
            if looks_like_matroska(mkv):  # skip PyAV (and its import) for anything else
                remux_to_mp4(mkv)
            else:
                log.warning("%s is not a Matroska file; offered as uploaded", mkv.name)

    t = threading.Thread(target=work, name=f"remux-{folder.name}", daemon=True)
    t.start()
    return t
