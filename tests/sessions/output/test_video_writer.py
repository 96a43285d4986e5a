"""The one video writer: H.264 + AAC in a fragmented MP4, private, timed by the picture's clock,
sounds where they were added, never over a file being read. Files are decoded back with PyAV."""

from __future__ import annotations

import itertools
import os
import stat
from pathlib import Path

import av
import numpy as np
import pytest

from sessions.output.private_files import OutputError
from sessions.output.video_writer import (
    AUDIO_RATE,
    VideoWriter,
    check_output,
)

FPS = 30.0


def frame(value: tuple[int, int, int], size: tuple[int, int] = (160, 120)) -> np.ndarray:
    img = np.empty((size[1], size[0], 3), np.uint8)
    img[:] = value
    return img


def beep(dur_s: float = 0.2, freq: float = 1000.0, rate: int = 22050) -> np.ndarray:
    """A tone that starts at full level at once (a sharp onset to time)."""
    t = np.arange(round(dur_s * rate)) / rate
    return (0.5 * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def decode_video(path: Path) -> list[tuple[float, np.ndarray]]:
    with av.open(str(path)) as container:
        return [(float(f.time), f.to_ndarray(format="bgr24"))
                for f in container.decode(video=0)]


def decode_audio(path: Path) -> tuple[float, np.ndarray]:
    """The audio track's start time and its samples (mono)."""
    with av.open(str(path)) as container:
        parts, start = [], None
        for f in container.decode(audio=0):
            if start is None:
                assert f.time is not None
                start = float(f.time)
            parts.append(f.to_ndarray()[0])
    assert start is not None
    return start, np.concatenate(parts)


def onsets(samples: np.ndarray, start: float, level: float = 0.1) -> list[float]:
    """Times where the sound rises above ``level`` after at least 0.3 s of quiet."""
    loud = np.flatnonzero(np.abs(samples) > level)
    gap = round(0.3 * AUDIO_RATE)
    firsts = [int(loud[0])] + [int(b) for a, b in itertools.pairwise(loud)
                                if b - a > gap] if loud.size else []
    return [start + i / AUDIO_RATE for i in firsts]


def test_writes_h264_with_aac_that_decodes_to_the_pictures(tmp_path: Path) -> None:
    out = tmp_path / "s.mp4"
    colours = [(30, 60, 200), (200, 60, 30), (40, 180, 40)]
    with VideoWriter(out, FPS, audio=True) as video:
        for i in range(45):
            video.write(frame(colours[i // 15]), i / FPS)
    assert video.codec == "libx264"
    with av.open(str(out)) as container:
        kinds = {s.type: s.codec_context.name for s in container.streams}
    assert kinds == {"video": "h264", "audio": "aac"}
    decoded = decode_video(out)
    assert len(decoded) == 45
    for i in (0, 20, 44):   # BT.601 in and out: colours come back within compression error
        got = decoded[i][1][60, 80].astype(int)
        assert np.abs(got - colours[i // 15]).max() <= 8, (i, got)


def test_a_sound_lands_with_its_picture(tmp_path: Path) -> None:
    """A flash and a beep added for the same frame decode within one frame of each other, also
    after frames were dropped (the recording keeps the session's clock)."""
    out = tmp_path / "sync.mp4"
    flashes = {45: 1.5, 120: 4.0}              # frame index -> its time
    times = [i / FPS for i in range(60)] + [i / FPS for i in range(100, 150)]  # 1.3 s dropped
    with VideoWriter(out, FPS, audio=True) as video:
        for t in times:
            i = round(t * FPS)
            if i in flashes:
                video.add_audio(t, beep(), 22050)
            video.write(frame((255, 255, 255) if i in flashes else (20, 20, 20)), t)
    pictures = decode_video(out)
    flash_times = [t for t, img in pictures if img[60, 80].mean() > 128]
    start, samples = decode_audio(out)
    beeps = onsets(samples, start)
    assert len(flash_times) == 2 and len(beeps) == 2
    for seen, heard in zip(flash_times, beeps, strict=True):
        assert abs(seen - heard) <= 1 / FPS, (seen, heard)
    assert abs(flash_times[1] - flash_times[0] - 2.5) <= 1 / FPS   # the dropped stretch kept
    assert len(pictures) == len(times)                              # no picture repeated


def test_silence_is_a_silent_track_as_long_as_the_picture(tmp_path: Path) -> None:
    out = tmp_path / "quiet.mp4"
    with VideoWriter(out, FPS, audio=True) as video:
        for i in range(60):
            video.write(frame((90, 90, 90)), i / FPS)
    start, samples = decode_audio(out)
    assert np.abs(samples).max() < 1e-3
    assert abs(start + samples.size / AUDIO_RATE - 2.0) < 0.1


def test_without_audio_there_is_no_audio_stream(tmp_path: Path) -> None:
    out = tmp_path / "v.mp4"
    with VideoWriter(out, 10.0) as video:
        video.write(frame((1, 2, 3)))
        with pytest.raises(ValueError, match="no audio track"):
            video.add_audio(0.0, beep(), 22050)
    with av.open(str(out)) as container:
        assert [s.type for s in container.streams] == ["video"]


def test_recording_and_new_folder_are_private(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        out = tmp_path / "new" / "deep" / "r.mp4"
        with VideoWriter(out, FPS, make_folder=True) as video:
            video.write(frame((9, 9, 9)))
            assert stat.S_IMODE(out.stat().st_mode) == 0o600    # from the first byte on
    finally:
        os.umask(old)
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert stat.S_IMODE(out.parent.stat().st_mode) == 0o700


def test_an_existing_file_is_replaced_only_when_the_recording_is_complete(
        tmp_path: Path) -> None:
    out = tmp_path / "r.mp4"
    out.write_bytes(b"the old recording")
    out.chmod(0o644)
    with VideoWriter(out, FPS) as video:
        for _ in range(10):
            video.write(frame((50, 50, 50)))
        assert out.read_bytes() == b"the old recording"
        partial = video.written_to
        assert partial is not None and partial.parent == tmp_path
        assert partial.name.startswith("r.incomplete-") and partial.suffix == ".mp4"
    assert len(decode_video(out)) == 10
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.mp4"]


@pytest.mark.parametrize("how", ["same name", "symbolic link", "hard link"])
def test_the_file_being_read_is_never_the_output(tmp_path: Path, how: str) -> None:
    source = tmp_path / "mine.mp4"
    source.write_bytes(b"the person's own recording")
    out = {"same name": source, "symbolic link": tmp_path / "link.mp4",
           "hard link": tmp_path / "hard.mp4"}[how]
    if how == "symbolic link":
        out.symlink_to(source)
    elif how == "hard link":
        out.hardlink_to(source)
    with pytest.raises(OutputError, match="it is the file being read"):
        VideoWriter(out, FPS, inputs=[source])
    with pytest.raises(OutputError, match="it is the file being read"):
        check_output(out, [None, str(source)])
    assert source.read_bytes() == b"the person's own recording"


def test_a_folder_is_not_an_output(tmp_path: Path) -> None:
    with pytest.raises(OutputError, match="it is a folder"):
        VideoWriter(tmp_path, FPS)


def test_nothing_written_leaves_no_file(tmp_path: Path) -> None:
    out = tmp_path / "never.mp4"
    with VideoWriter(out, FPS, audio=True):
        pass
    assert not out.exists()


def test_odd_and_changing_picture_sizes_are_recorded(tmp_path: Path) -> None:
    out = tmp_path / "odd.mp4"
    with VideoWriter(out, FPS) as video:
        video.write(frame((10, 200, 10), (161, 121)))
        video.write(frame((10, 200, 10), (320, 240)))      # resized to the first picture
    pictures = decode_video(out)
    assert [img.shape for _, img in pictures] == [(122, 162, 3)] * 2


def test_a_write_after_close_is_refused(tmp_path: Path) -> None:
    video = VideoWriter(tmp_path / "c.mp4", FPS)
    video.write(frame((0, 0, 0)))
    video.close()
    video.close()                                          # idempotent
    with pytest.raises(ValueError, match="closed"):
        video.write(frame((0, 0, 0)))


def test_without_libx264_it_records_mpeg4_part_2(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    import sessions.output.video_writer as video_writer

    monkeypatch.setattr(video_writer, "VIDEO_CODECS",
                        (("no-such-encoder", {}), *video_writer.VIDEO_CODECS[1:]))
    out = tmp_path / "m.mp4"
    with VideoWriter(out, FPS, audio=True) as video:
        for _ in range(5):
            video.write(frame((200, 100, 50)))
    assert video.codec == "mpeg4"
    assert len(decode_video(out)) == 5


def test_with_no_encoder_at_all_nothing_is_left_behind(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    import sessions.output.video_writer as video_writer

    monkeypatch.setattr(video_writer, "VIDEO_CODECS", (("no-such-encoder", {}),))
    out = tmp_path / "n.mp4"
    video = VideoWriter(out, FPS)
    with pytest.raises(OutputError, match="no video encoder"):
        video.write(frame((0, 0, 0)))
    video.close()
    assert list(tmp_path.iterdir()) == []


def test_a_full_disk_is_one_line_and_keeps_what_was_recorded(tmp_path: Path) -> None:
    """The file may grow to 20 kB only (as a full disk would stop it): the writer's thread
    fails, the next write says so in one line, once (close does not say it again)."""
    import resource
    import signal

    out = tmp_path / "full.mp4"
    rng = np.random.default_rng(0)
    old_limit = resource.getrlimit(resource.RLIMIT_FSIZE)
    old_handler = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)   # EFBIG instead of a kill
    video = VideoWriter(out, FPS)
    try:
        resource.setrlimit(resource.RLIMIT_FSIZE, (20_000, old_limit[1]))
        with pytest.raises(OutputError) as failed:
            for _ in range(300):                    # noise: far more than 20 kB
                video.write(rng.integers(0, 255, (120, 160, 3), np.uint8))
        video.close()
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, old_limit)
        signal.signal(signal.SIGXFSZ, old_handler)
    message = str(failed.value)
    assert "\n" not in message and message.startswith(f"cannot write the video {out}: ")
    assert message.endswith("(what was recorded up to then plays)")
    assert stat.S_IMODE(out.stat().st_mode) == 0o600


def test_a_link_at_the_output_is_replaced_never_followed(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere.txt"
    elsewhere.write_text("not mine to change")
    out = tmp_path / "r.mp4"
    out.symlink_to(elsewhere)
    with VideoWriter(out, FPS) as video:
        video.write(frame((5, 5, 5)))
    assert not out.is_symlink() and len(decode_video(out)) == 1
    assert elsewhere.read_text() == "not mine to change"
