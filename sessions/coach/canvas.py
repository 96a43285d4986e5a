"""The picture the person sees: the camera's frame fitted into a fixed canvas in its true
proportions (letterbox bars above and below, or pillarbox bars at the sides), so a 4:3 webcam or a
portrait phone is never stretched, and the coach's text is drawn at the size it is shown."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from numpy.typing import NDArray

BGRImage = NDArray[np.uint8]

#: The live window's and recordings' canvas (what the camera is asked for, too).
CANVAS_SIZE = (1280, 720)
BAR_COLOUR = (0, 0, 0)


@dataclass(frozen=True)
class Placement:
    """Where a ``src_w`` x ``src_h`` picture sits in the canvas: its top-left corner (x, y)
    and its shown size (w, h), the same scale on both axes."""

    x: int
    y: int
    w: int
    h: int
    src_w: int
    src_h: int

    @property
    def scale(self) -> float:
        """Shown pixels per source pixel."""
        return self.w / self.src_w

    @property
    def identity(self) -> bool:
        """The picture fills the canvas at its own size (nothing to scale)."""
        return self.x == 0 and self.y == 0 and (self.w, self.h) == (self.src_w, self.src_h)


def fit(src_size: tuple[int, int], canvas_size: tuple[int, int]) -> Placement:
    """The largest placement of a ``src_size`` (w, h) picture inside ``canvas_size`` (w, h)
    keeping its aspect ratio, centred."""
    sw, sh = src_size
    cw, ch = canvas_size
    if sw <= 0 or sh <= 0 or cw <= 0 or ch <= 0:
        raise ValueError(f"sizes must be positive: picture {src_size}, canvas {canvas_size}")
    scale = min(cw / sw, ch / sh)
    w = min(cw, max(1, round(sw * scale)))
    h = min(ch, max(1, round(sh * scale)))
    return Placement((cw - w) // 2, (ch - h) // 2, w, h, sw, sh)


class Letterbox:
    """Fits frames into a canvas of one size (the placement is worked out once per frame size)."""

    def __init__(self, canvas_size: tuple[int, int] = CANVAS_SIZE) -> None:
        self.canvas_size = canvas_size
        self._placement: Placement | None = None

    def placement(self, src_size: tuple[int, int]) -> Placement:
        """The placement of a picture of ``src_size`` (w, h)."""
        p = self._placement
        if p is None or (p.src_w, p.src_h) != src_size:
            p = self._placement = fit(src_size, self.canvas_size)
        return p

    def compose(self, bgr: BGRImage) -> tuple[BGRImage, Placement]:
        """A new canvas with ``bgr`` in it (bars in ``BAR_COLOUR``) and where it sits."""
        h, w = bgr.shape[:2]
        p = self.placement((w, h))
        if p.identity:
            return bgr.copy(), p
        cw, ch = self.canvas_size
        canvas = np.zeros((ch, cw, 3), np.uint8)
        if BAR_COLOUR != (0, 0, 0):
            canvas[:] = BAR_COLOUR
        interp = cv2.INTER_AREA if p.scale < 1.0 else cv2.INTER_LINEAR
        canvas[p.y:p.y + p.h, p.x:p.x + p.w] = cv2.resize(bgr, (p.w, p.h), interpolation=interp)
        return canvas, p

    def blank(self) -> BGRImage:
        """An empty canvas (before any frame has arrived)."""
        cw, ch = self.canvas_size
        return np.zeros((ch, cw, 3), np.uint8)
