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
