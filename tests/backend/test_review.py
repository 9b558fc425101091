"""The reviewers' page renders an uploaded attempt: video, clickable transcript, events."""

from __future__ import annotations

import json
import time
from fractions import Fraction
from html.parser import HTMLParser
from pathlib import Path

import av
import httpx
import numpy as np
import pytest

from tests.backend.tus_helpers import auth, new_attempt, submit, upload_file

pytestmark = pytest.mark.server


def tiny_mkv(path: Path, frames: int = 15) -> bytes:
    with av.open(str(path), "w", format="matroska") as out:
        s = out.add_stream("libx264", rate=15)
        s.width, s.height, s.pix_fmt = 64, 48, "yuv420p"
        s.time_base = Fraction(1, 15)
        for i in range(frames):
            img = np.full((48, 64, 3), i * 10, np.uint8)
            frame = av.VideoFrame.from_ndarray(img, format="rgb24")
            frame.pts = i
            for p in s.encode(frame):
                out.mux(p)
        for p in s.encode():
            out.mux(p)
    return path.read_bytes()


class Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)

    def find(self, tag: str, **attrs) -> list[dict]:
        return [
            a for t, a in self.tags if t == tag and all(a.get(k) == v for k, v in attrs.items())
        ]


def parse(html: str) -> Page:
    p = Page()
    p.feed(html)
    return p


@pytest.fixture(scope="module")
def submitted(backend, tmp_path_factory):
    token = backend.token("station", "review-station")
    aid = new_attempt(backend.url, token, "demo", candidate="Ada <script>").json()["id"]
    video = tiny_mkv(tmp_path_factory.mktemp("media") / "recording.mkv")
    transcript = [
        {"start": 0.0, "end": 2.5, "speaker": "interviewer", "text": "Tell me about yourself."},
        {"start": 3.0, "end": 6.0, "speaker": "candidate", "text": "I build <b>kiosks</b>."},
    ]
    events = [{"t": 0.1, "type": "question_asked", "index": 0}, {"t": 4.2, "type": "face_lost"}]
    files = [
        upload_file(backend.url, token, aid, "recording.mkv", video, "recording"),
        upload_file(backend.url, token, aid, "recording-2.mkv", video, "recording"),
        upload_file(
            backend.url,
            token,
            aid,
            "transcript.json",
            json.dumps(transcript).encode(),
            "transcript",
        ),
        upload_file(
            backend.url,
            token,
            aid,
            "events.jsonl",
            "".join(json.dumps(e) + "\n" for e in events).encode(),
            "events",
        ),
        upload_file(
            backend.url, token, aid, "whiteboard/snap-1.png", b"\x89PNG fake", "whiteboard"
        ),
    ]
    r = submit(backend.url, token, aid, {"files": files})
    assert r.status_code == 200, r.text
    return aid, video


@pytest.fixture(scope="module")
def reviewer(backend) -> httpx.Client:
    token = backend.token("reviewer", "rita")
    client = httpx.Client(base_url=backend.url)
    r = client.get("/review/login", params={"token": token})
    assert r.status_code == 303 and r.headers["location"] == "/review"
    cookie = r.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie
    yield client
    client.close()


def test_review_needs_a_reviewer_token(backend, submitted):
    aid, _ = submitted
    assert httpx.get(f"{backend.url}/review/attempts/{aid}").status_code == 401
    station = backend.token("station", "not-a-reviewer")
    r = httpx.get(f"{backend.url}/review/attempts/{aid}", headers=auth(station))
    assert r.status_code == 403
    assert httpx.get(f"{backend.url}/review/login", params={"token": station}).status_code == 401


def test_attempt_list_links_to_the_attempt(reviewer, submitted):
    aid, _ = submitted
    page = parse(reviewer.get("/review").text)
    assert {"href": f"/review/attempts/{aid}"} in page.find("a")


def test_attempt_page_shows_video_beside_clickable_transcript_and_events(reviewer, submitted):
    aid, _ = submitted
    # The MP4 remux runs after submit; the page offers it as soon as it exists.
    deadline = time.monotonic() + 10
    while True:
        r = reviewer.get(f"/review/attempts/{aid}")
        page = parse(r.text)
        sources = [s["src"].split("#")[0] for s in page.find("source")]  # minus "#t=0.1"
        if any(s.endswith(".mp4") for s in sources) or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert r.status_code == 200
    # after a resumed session: recording.mkv first (the one the transcript seeks), then -2
    assert [v["class"] for v in page.find("video")] == ["main", "extra"]
    assert sources.index(f"/review/attempts/{aid}/files/recording.mkv") < sources.index(
        f"/review/attempts/{aid}/files/recording-2.mkv"
    )
    assert f"/review/attempts/{aid}/files/recording.mp4" in sources
    assert f"/review/attempts/{aid}/files/recording.mkv" in sources
    lines = page.find("div", **{"class": "line"})
    assert [(a["data-start"], a["data-end"]) for a in lines] == [("0.0", "2.5"), ("3.0", "6.0")]
    text = "".join(page.text)
    assert "Tell me about yourself." in text and "I build <b>kiosks</b>." in text  # escaped
    assert "<b>kiosks</b>" not in r.text and "Ada &lt;script&gt;" in r.text
    events = page.find("li", **{"class": "event"})
    assert [e["data-start"] for e in events] == ["0.1", "4.2"]
    assert "question_asked" in text and "face_lost" in text
    assert page.find("img", src=f"/review/attempts/{aid}/files/whiteboard/snap-1.png")
    assert "currentTime" in r.text  # clicking a line seeks the video


def test_video_is_served_with_range_requests(reviewer, submitted):
    aid, video = submitted
    r = reviewer.get(
        f"/review/attempts/{aid}/files/recording.mkv", headers={"Range": "bytes=10-29"}
    )
    assert r.status_code == 206
    assert r.content == video[10:30]
    assert r.headers["content-range"] == f"bytes 10-29/{len(video)}"
    full = reviewer.get(f"/review/attempts/{aid}/files/recording.mkv")
    assert full.content == video
    mp4 = reviewer.get(f"/review/attempts/{aid}/files/recording.mp4")
    with av.open(__import__("io").BytesIO(mp4.content)) as c:
        assert c.streams.video[0].codec_context.name == "h264"
    assert reviewer.get(f"/review/attempts/{aid}/files/..%2F..%2Fbackend.db").status_code in (
        400,
        404,
    )
