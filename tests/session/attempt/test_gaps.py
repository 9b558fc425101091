"""Recording gaps read back from a timeline the recorder and the device readers wrote."""

from __future__ import annotations

from session.attempt import events as ev
from session.attempt.gaps import describe_gaps, recording_gaps


def _log(tmp_path, rows):
    clock = iter([r[0] for r in rows])
    log = ev.EventLog(tmp_path / "events.jsonl", lambda: next(clock))
    for _t, type_, data in rows:
        log.write(type_, **data)
    return log.path


def test_a_stall_a_slow_stretch_and_one_left_open_are_three_gaps(tmp_path):
    path = _log(
        tmp_path,
        [
            (0.0, ev.RECORDING_STARTED, {"file": "recording.mkv"}),
            (10.0, ev.DEVICE_ERROR, {"device": "camera", "error": "lost", "message": "quiet"}),
            (14.5, ev.DEVICE_RESTORED, {"device": "camera"}),
            (20.0, ev.DEVICE_ERROR, {"device": "camera", "error": "slow", "message": "slow"}),
            (32.0, ev.DEVICE_RESTORED, {"device": "camera"}),
            (40.0, ev.DEVICE_ERROR, {"device": "microphone", "error": "lost"}),
            (41.0, ev.DEVICE_ERROR, {"source": "speaker", "message": "voice"}),  # not recorded
            (50.0, ev.RECORDING_STOPPED, {"file": "recording.mkv"}),
            (55.0, ev.INTERVIEW_FINISHED, {}),
        ],
    )
    gaps = recording_gaps(path)
    assert [(g["device"], g["error"], g["from"], g["to"]) for g in gaps] == [
        ("camera", "lost", 10.0, 14.5),
        ("camera", "slow", 20.0, 32.0),
        ("microphone", "lost", 40.0, 50.0),  # ends with the recording
    ]
    assert gaps[0]["message"] == "quiet" and gaps[2]["duration_s"] == 10.0
    assert describe_gaps(gaps) == (
        "Part of the recording is missing: the camera recorded nothing for 4 s; the camera "
        "recorded too few pictures for 12 s; the microphone recorded nothing for 10 s."
    )


def test_a_screen_recording_stopping_does_not_end_a_camera_gap(tmp_path):
    path = _log(
        tmp_path,
        [
            (5.0, ev.DEVICE_ERROR, {"device": "camera", "error": "lost"}),
            (8.0, ev.RECORDING_STOPPED, {"file": "screen.mkv"}),
            (9.0, ev.QUESTION_ENDED, {}),
        ],
    )
    (gap,) = recording_gaps(path)
    assert (gap["device"], gap["to"]) == ("camera", 9.0)  # open to the end of the timeline


def test_no_device_trouble_no_gaps(tmp_path):
    path = _log(tmp_path, [(0.0, ev.RECORDING_STARTED, {"file": "recording.mkv"})])
    assert recording_gaps(path) == [] and describe_gaps([]) == ""
    assert recording_gaps(tmp_path / "none.jsonl") == []


def test_a_paused_recording_and_one_stopped_by_a_full_disk_are_gaps(tmp_path):
    path = _log(
        tmp_path,
        [
            (0.0, ev.RECORDING_STARTED, {"file": "recording.mkv"}),
            (10.0, ev.RECORDING_PAUSED, {"file": "recording.mkv", "reason": "no_space"}),
            (25.0, ev.RECORDING_RESUMED, {"file": "recording.mkv"}),
            (40.0, ev.RECORDING_STOPPED, {"file": "recording.mkv", "reason": "no_space"}),
            (61.0, ev.INTERVIEW_FINISHED, {}),
        ],
    )
    gaps = recording_gaps(path)
    assert [(g["device"], g["error"], g["from"], g["to"]) for g in gaps] == [
        ("recording", "no_space", 10.0, 25.0),
        ("recording", "no_space", 40.0, 61.0),  # nothing after the stop, to the end
    ]
    assert describe_gaps(gaps) == (
        "Part of the recording is missing: nothing was recorded for 36 s because the disk "
        "was full."
    )
