"""Small test videos written from numpy frames (into a temporary folder, never the project)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import cv2
import numpy as np


def write_video(path: Path, frames: Iterable[np.ndarray], fps: float) -> Path:
    """Write BGR frames (all one size) as an mp4v video; returns ``path``."""
    writer = None
    try:
        for frame in frames:
            if writer is None:
                height, width = frame.shape[:2]
                writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"mp4v"), fps,
                                         (width, height))
                assert writer.isOpened(), f"cannot write {path}"
            writer.write(frame)
    finally:
        if writer is not None:
            writer.release()
    assert writer is not None, "no frames to write"
    return path


def write_timed_video(path: Path, frames: Iterable[tuple[float, np.ndarray]]) -> Path:
    """Write (time in seconds, BGR frame) pairs as an mp4 whose frames keep those times (a
    variable-rate video, as phones record), with PyAV; returns ``path``."""
    from fractions import Fraction

    import av

    tb = Fraction(1, 1000)
    with av.open(str(path), "w") as container:
        stream = None
        for t_s, frame in frames:
            if stream is None:
                stream = container.add_stream("mpeg4", rate=30)
                stream.height, stream.width = frame.shape[:2]
                stream.pix_fmt = "yuv420p"
                stream.codec_context.time_base = tb
            vf = av.VideoFrame.from_ndarray(np.ascontiguousarray(frame), format="bgr24")
            vf.pts, vf.time_base = round(t_s * 1000), tb
            container.mux(stream.encode(vf))
        assert stream is not None, "no frames to write"
        container.mux(stream.encode())
    return path


def still_image(path: Path, size: tuple[int, int] = (64, 48), level: int = 0) -> Path:
    """Write a plain picture (``size`` = width, height; every pixel grey ``level``) in the
    format the suffix names; returns ``path``."""
    assert cv2.imwrite(str(path), np.full((size[1], size[0], 3), level, np.uint8)), path
    return path


def truncated_video(folder: Path, name: str = "truncated.mp4") -> Path:
    """The first half of a small mp4 (a copy cut off mid-way, its index never written): no
    reader can open it. Written into ``folder`` beside a whole one."""
    frames = (np.full((120, 160, 3), (10 * i) % 250, np.uint8) for i in range(30))
    whole = write_video(folder / f"whole-{name}", frames, 25.0).read_bytes()
    path = folder / name
    path.write_bytes(whole[: len(whole) // 2])
    return path


def avi_cut_mid_stream(folder: Path) -> Path:
    """An MJPG AVI (its index at the end) cut a little past half way: a reader still decodes
    the frames before the cut and has to notice the rest is missing."""
    whole = folder / "whole.avi"
    writer = cv2.VideoWriter(str(whole), cv2.VideoWriter.fourcc(*"MJPG"), 10.0, (160, 120))
    rng = np.random.default_rng(0)
    for _ in range(40):
        writer.write(rng.integers(0, 255, (120, 160, 3), dtype=np.uint8))
    writer.release()
    cut = folder / "cut.avi"
    data = whole.read_bytes()
    cut.write_bytes(data[: len(data) // 2 + 1234])
    return cut
