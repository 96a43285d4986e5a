"""Frame sources: videos from numpy frames read back in order; bad inputs give clear errors."""

from __future__ import annotations

import logging
from pathlib import Path

import cv2
import numpy as np
import pytest
from helpers.media import (
    avi_cut_mid_stream,
    still_image,
    truncated_video,
    write_timed_video,
    write_video,
)

from pose.estimation.sources import (
    CameraSource,
    ImageSource,
    SourceError,
    VideoFileSource,
    open_source,
)


def grey_video(path: Path, n: int, size: tuple[int, int] = (160, 120), fps: float = 25.0) -> Path:
    """A small mp4v video whose frame i is filled with grey level 10 * i (mod 250)."""
    return write_video(path, (np.full((size[1], size[0], 3), (10 * i) % 250, np.uint8)
                              for i in range(n)), fps)


def test_video_is_read_back_frame_by_frame(tmp_path: Path) -> None:
    source = open_source(grey_video(tmp_path / "clip.mp4", 12))
    assert isinstance(source, VideoFileSource)
    assert source.fps == pytest.approx(25.0)
    assert source.frame_count == 12
    frames = list(source)
    assert [f.index for f in frames] == list(range(12))
    times = np.array([f.t_s for f in frames])
    assert np.all(np.diff(times) > 0)
    assert times[-1] == pytest.approx(11 / 25.0)
    assert frames[0].bgr.shape == (120, 160, 3)
    # grey levels come back in order (lossy codec: within a few levels)
    levels = [float(f.bgr.mean()) for f in frames]
    assert levels == pytest.approx([10.0 * i for i in range(12)], abs=4)


def test_variable_rate_video_keeps_each_frame_own_time(tmp_path: Path) -> None:
    """A phone-style clip, 30 fps for 1 s then 15 fps: each frame has the time it was shown at,
    not index / average fps (which put later frames seconds off)."""
    times = [i / 30 for i in range(30)] + [1.0 + i / 15 for i in range(30)]
    path = write_timed_video(tmp_path / "vfr.mp4", (
        (t, np.full((120, 160, 3), (7 * i) % 250, np.uint8)) for i, t in enumerate(times)))
    got = [f.t_s for f in VideoFileSource(path)]
    assert got == pytest.approx(times, abs=0.002)


def test_frame_time_stays_strictly_increasing_when_the_file_gives_none() -> None:
    from pose.estimation.sources import frame_time

    assert frame_time(40.0, None, 25.0) == pytest.approx(0.04)
    assert frame_time(float("nan"), None, 25.0) == 0.0
    assert frame_time(0.0, 0.5, 25.0) == pytest.approx(0.54)      # repeated / backwards
    assert frame_time(-1.0, 0.5, 25.0) == pytest.approx(0.54)
    assert frame_time(600.0, 0.5, 25.0) == pytest.approx(0.6)


def test_video_can_be_iterated_twice(tmp_path: Path) -> None:
    source = open_source(grey_video(tmp_path / "clip.mp4", 5))
    assert len(list(source)) == len(list(source)) == 5


def test_stopping_early_releases_and_allows_reopening(tmp_path: Path) -> None:
    source = VideoFileSource(grey_video(tmp_path / "clip.mp4", 8))
    it = source.__iter__()
    next(it)
    it.close()  # runs the generator's finally (releases the capture)
    assert len(list(source)) == 8


def test_image_is_a_one_frame_video(tmp_path: Path) -> None:
    source = open_source(still_image(tmp_path / "still.png", (70, 50)))
    assert isinstance(source, ImageSource)
    frames = list(source)
    assert len(frames) == 1
    assert (frames[0].t_s, frames[0].width, frames[0].height) == (0.0, 70, 50)


def text_as_mp4(tmp_path: Path) -> Path:
    path = tmp_path / "notes.mp4"
    path.write_text("this is a shopping list, not a video\n" * 20)
    return path


def text_as_jpg(tmp_path: Path) -> Path:
    path = tmp_path / "photo.jpg"
    path.write_text("not a photo")
    return path


def empty_file(tmp_path: Path) -> Path:
    path = tmp_path / "empty.mp4"
    path.write_bytes(b"")
    return path


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: p / "missing.mp4", "no such file"),
        (lambda p: p, "not a file"),
        (truncated_video, "cannot read .* as a video"),
        (text_as_mp4, "cannot read .* as a video"),
        (empty_file, "cannot read .* as a video"),
        (text_as_jpg, "cannot read .* as an image"),
    ],
    ids=["missing", "directory", "truncated", "text_renamed_mp4", "empty", "text_renamed_jpg"],
)
def test_bad_inputs_give_one_clear_line(tmp_path: Path, make, message: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(SourceError, match=message) as info:
        open_source(make(tmp_path))
    assert "\n" not in str(info.value)


def test_no_camera_at_index_is_a_clear_error() -> None:
    source = open_source("57")
    assert isinstance(source, CameraSource)
    with pytest.raises(SourceError, match="no camera at index 57"):
        next(iter(source))


def test_video_cut_mid_stream_gives_the_readable_frames_and_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    """An AVI (index at the end) cut in half still decodes its first half: analysed, flagged as
    truncated for the caller to report (logged at INFO, not a raw warning line), and FFmpeg's own
    complaints kept off the terminal."""
    cut = avi_cut_mid_stream(tmp_path)
    with caplog.at_level(logging.INFO, logger="pose.estimation.sources"):
        source = open_source(cut)
        assert isinstance(source, VideoFileSource) and not source.truncated
        frames = list(source)
    assert 5 <= len(frames) < 40
    assert source.truncated is True
    assert any("truncated" in r.getMessage() for r in caplog.records)
    assert not any(r.levelno >= logging.WARNING for r in caplog.records)
    assert capfd.readouterr().err == ""


def test_cut_off_jpeg_decodes_without_libjpeg_noise_on_the_terminal(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    """libjpeg's "Premature end of JPEG file" goes to the log (DEBUG), not to stderr."""
    full = tmp_path / "full.jpg"
    rng = np.random.default_rng(1)
    assert cv2.imwrite(str(full), rng.integers(0, 255, (120, 160, 3), dtype=np.uint8))
    cut = tmp_path / "cut.jpg"
    data = full.read_bytes()
    cut.write_bytes(data[: len(data) // 2])
    capfd.readouterr()
    frames = list(open_source(cut))
    assert len(frames) == 1 and frames[0].bgr.shape == (120, 160, 3)
    assert capfd.readouterr().err == ""


def test_a_phone_video_stored_turned_is_read_upright(tmp_path: Path) -> None:
    """A phone stores portrait video as landscape frames with a rotation in the track header
    (the tkhd matrix): the frames come out turned upright, with the frame's size to match."""
    import struct

    frame = np.zeros((48, 64, 3), np.uint8)
    frame[:10, :10] = 255                                 # a mark in the stored top-left corner
    path = write_video(tmp_path / "stored.mp4", [frame] * 5, 10.0)
    data = bytearray(path.read_bytes())
    at = data.find(b"tkhd") + 4 + 40                      # version 0 header: the matrix
    data[at:at + 36] = struct.pack(">9i", 0, 0x10000, 0, -0x10000, 0, 0, 0, 0, 0x40000000)
    turned = tmp_path / "turned.mp4"
    turned.write_bytes(bytes(data))
    frames = list(VideoFileSource(turned))
    assert len(frames) == 5
    assert frames[0].bgr.shape == (64, 48, 3)             # upright: portrait
    corner = frames[0].bgr[:12, -12:].mean()              # turned 90 degrees clockwise
    assert corner > 150 and frames[0].bgr[-12:, :12].mean() < 60


def test_a_video_read_from_a_frame_on_has_the_whole_pass_frames(tmp_path: Path) -> None:
    source = open_source(write_timed_video(
        tmp_path / "vfr.mp4",
        ((t, np.full((48, 64, 3), (20 * i) % 250, np.uint8))
         for i, t in enumerate([0.0, 0.04, 0.08, 0.2, 0.3, 0.33, 0.5, 0.52]))))
    assert isinstance(source, VideoFileSource)
    whole = list(source)
    for start in (0, 3, 7):
        part = list(source.frames_from(start))
        assert [(f.index, f.t_s) for f in part] == [(f.index, f.t_s) for f in whole[start:]]
        assert all(np.array_equal(a.bgr, b.bgr) for a, b in zip(part, whole[start:], strict=True))
    assert list(source.frames_from(len(whole))) == []
