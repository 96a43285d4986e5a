"""A phone as the camera: camera addresses and their credentials, and the network source against
a local MJPEG server (reading, a wrong password, refused and stalled streams, reconnection)."""

from __future__ import annotations

import itertools
import logging
import threading
import time
from contextlib import nullcontext
from typing import Any

import numpy as np
import pytest
from helpers.mjpeg_server import SECRETS, MjpegServer, free_port, synthetic_jpegs

from pose.estimation.camera_url import CameraURL, CameraURLError, redact
from pose.estimation.network_camera import NetworkCameraSource
from pose.estimation.sources import SourceError


@pytest.mark.parametrize(
    ("text", "shown", "host", "raises"),
    [
        ("http://192.168.1.20:8080/video", "http://192.168.1.20:8080/video",
         "192.168.1.20:8080", None),
        ("http://bob:hunter2@192.168.1.20:8080/video", "http://***@192.168.1.20:8080/video",
         "192.168.1.20:8080", None),
        ("https://phone.local/video?token=tok3n&fps=30",
         "https://phone.local/video?token=***&fps=30", "phone.local:443", None),
        ("rtsp://bob:hunter2@[fe80::1]:8554/live", "rtsp://***@[fe80::1]:8554/live",
         "[fe80::1]:8554", None),
        ("RTSP://cam/h264", "RTSP://cam/h264", "cam:554", None),
        ("ftp://bob:hunter2@host/x", "", "", "starts with http://, https:// or rtsp://"),
        ("http://bob:hunter2@/video", "", "", "no host"),
        ("http://bob:hunter2@host:99999/video", "", "", "not a valid camera address"),
    ],
)
def test_camera_addresses_never_show_their_credentials(text: str, shown: str, host: str,
                                                       raises: str | None) -> None:
    ctx: Any = pytest.raises(CameraURLError, match=raises) if raises else nullcontext()
    with ctx as caught:
        url = CameraURL.parse(text)
    if raises:
        message = str(caught.value)
        assert not any(s in message for s in SECRETS), message
        return
    assert url.display == shown and str(url) == shown and url.host == host
    assert not any(s in repr(url) + url.display + url.host for s in SECRETS)
    assert url.url == text      # kept for the connection only


def test_redact_scrubs_any_text() -> None:
    line = ("[tcp @ 0x1] Connection to rtsp://bob:hunter2@10.0.0.2:554/x?key=tok3n&w=1 failed; "
            "see http://a:b@c/d")
    assert redact(line) == ("[tcp @ 0x1] Connection to rtsp://***@10.0.0.2:554/x?key=***&w=1 "
                            "failed; see http://***@c/d")


@pytest.mark.parametrize("content_length", [True, False])
def test_frames_arrive_decoded_with_increasing_times(content_length: bool) -> None:
    with MjpegServer(synthetic_jpegs(10), fps=60, content_length=content_length) as server:
        source = NetworkCameraSource(server.url, read_timeout_s=2.0)
        frames = list(itertools.islice(source, 15))
    assert [f.index for f in frames] == list(range(15))
    assert np.all(np.diff([f.t_s for f in frames]) > 0)
    assert frames[0].bgr.shape == (120, 160, 3)
    # the pictures are the served ones (plain grey levels 40, 47, 54...; JPEG within a level)
    assert abs(int(frames[1].bgr.mean()) - int(frames[0].bgr.mean()) - 7) <= 2


def test_basic_authentication_from_the_address() -> None:
    with MjpegServer(synthetic_jpegs(3), fps=60, auth=("bob", "hunter2")) as server:
        source = NetworkCameraSource(server.url_with("bob", "hunter2"))
        first = next(iter(source))
        assert first.index == 0
        wrong = NetworkCameraSource(server.url_with("bob", "wrong"))
        with pytest.raises(SourceError, match="said 401: the user name or password") as caught:
            next(iter(wrong))
        assert "wrong" not in str(caught.value)
        with pytest.raises(SourceError, match="asks for a user name and password"):
            next(iter(NetworkCameraSource(server.url)))


def test_wrong_path_says_so() -> None:
    with MjpegServer(synthetic_jpegs(3)) as server:
        url = server.url.replace("/video", "/nothing")
        with pytest.raises(SourceError, match="HTTP 404"):
            next(iter(NetworkCameraSource(url)))


@pytest.mark.parametrize("scheme", ["http", "rtsp"])
def test_refused_connection_fails_at_once(scheme: str) -> None:
    source = NetworkCameraSource(f"{scheme}://bob:hunter2@127.0.0.1:{free_port()}/video")
    start = time.monotonic()
    with pytest.raises(SourceError) as caught:
        next(iter(source))
    assert time.monotonic() - start < 3.0
    message = str(caught.value)
    assert "127.0.0.1" in message and "hunter2" not in message and "bob" not in message
    assert "\n" not in message


def test_a_stream_that_sends_nothing_fails_within_the_read_timeout() -> None:
    with MjpegServer(synthetic_jpegs(3)) as server:
        server.stall()
        start = time.monotonic()
        with pytest.raises(SourceError, match="connected but sent no picture"):
            next(iter(NetworkCameraSource(server.url, read_timeout_s=0.5)))
        assert time.monotonic() - start < 3.0


def test_a_dropped_stream_reconnects_then_gives_up(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    with MjpegServer(synthetic_jpegs(5), fps=60) as server:
        source = NetworkCameraSource(server.url_with("bob", "hunter2", "?token=tok3n"),
                                     read_timeout_s=0.5, give_up_s=1.0, backoff_s=(0.1, 0.2))
        times: list[float] = []
        lost_states: list[bool] = []
        gap = 0.0
        dropped_at = gone_at = 0.0
        for frame in source:
            times.append(frame.t_s)
            lost_states.append(source.link.lost)
            if len(times) == 10:
                server.drop()              # the phone's app goes away for a moment ...
                threading.Timer(0.4, server.resume).start()
                dropped_at = time.monotonic()
            elif dropped_at and not gone_at and source.reconnects >= 1:
                gap = time.monotonic() - dropped_at     # the first picture after reconnecting
                server.drop()              # ... and then for good
                gone_at = time.monotonic()
        ended_at = time.monotonic()
    assert gone_at, "the picture came back after the first drop"
    assert gap >= 0.3, "a real gap (frames already on their way arrive before it)"
    assert not any(lost_states), "a frame that arrives means the picture is back"
    assert 1.0 <= ended_at - gone_at < 4.0
    assert source.reconnects >= 2
    assert np.all(np.diff(times) > 0)
    assert "reconnecting" in caplog.text and "giving up" in caplog.text
    assert not any(s in caplog.text for s in SECRETS), caplog.text


def test_ffmpeg_reads_the_same_stream() -> None:
    """The reader for RTSP and other streams (OpenCV's FFmpeg back end, with its timeouts),
    tried on the local MJPEG stream: the same pictures arrive."""
    with MjpegServer(synthetic_jpegs(10), fps=30) as server:
        source = NetworkCameraSource(server.url, use_ffmpeg=True, read_timeout_s=2.0)
        frames = list(itertools.islice(source, 5))
    assert [f.index for f in frames] == list(range(5))
    assert frames[0].bgr.shape == (120, 160, 3)
