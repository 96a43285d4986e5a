"""The pain check-in screen: the question, the 0-10 scale as a row of boxes (the rating taken
lit), how to answer, and how long until it is skipped by itself. Drawn by the overlay."""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np
from numpy.typing import NDArray

from sessions.coach.view import PainView
from sessions.pain import PAIN_MAX

FONT = cv2.FONT_HERSHEY_DUPLEX   # as the overlay's
SECONDARY = 0.8                  # the overlay's secondary text scale

LIT = (0, 215, 255)      # amber: the rating taken
BOX = (235, 235, 235)
TITLE = (255, 220, 0)
GREY = (170, 170, 170)
WHITE = (255, 255, 255)
BLACK = (0, 0, 0)


def draw_pain(overlay: Any, img: NDArray[np.uint8], pain: PainView, u: float, m: int,
              boxes: list[Any]) -> None:
    """Draw the check-in on ``img`` (in place) with the overlay's text helpers (``overlay``: the
    CoachOverlay, ``boxes``: its TextBox list), large enough to read from the floor."""
    h, w = img.shape[:2]
    overlay._dim(img, 0.25)
    y = overlay._block(img, pain.question, m, m, w - 2 * m, 1.6 * u, TITLE, boxes, 2)
    y = overlay._block(img, pain.scale, m, y + round(6 * u), w - 2 * m, SECONDARY * u, WHITE,
                       boxes, 2)
    # the scale: 11 boxes across the screen
    n = PAIN_MAX + 1
    gap = round(6 * u)
    size = min((w - 2 * m - (n - 1) * gap) // n, round(70 * u))
    x0 = (w - (n * size + (n - 1) * gap)) // 2
    top = y + round(24 * u)
    th = max(1, round(2 * u))
    for k in range(n):
        x = x0 + k * (size + gap)
        lit = pain.rating == k
        if lit:
            cv2.rectangle(img, (x, top), (x + size, top + size), LIT, -1)
        cv2.rectangle(img, (x, top), (x + size, top + size), LIT if lit else BOX, th)
        label = str(k)
        scale = 1.1 * u
        (tw, tht), _ = cv2.getTextSize(label, FONT, scale, th)
        colour = BLACK if lit else WHITE
        cv2.putText(img, label, (x + (size - tw) // 2, top + (size + tht) // 2), FONT, scale,
                    colour, th, cv2.LINE_AA)
    y = top + size + round(24 * u)
    if pain.rating is not None:
        y = overlay._block(img, f"Noted: {pain.rating}", m, y, w - 2 * m, 1.4 * u, LIT, boxes, 1,
                           centre=True)
    else:
        y = overlay._block(img, pain.keys, m, y, w - 2 * m, 1.0 * u, WHITE, boxes, 2,
                           centre=True)
        left = f"Skipped by itself in {max(1, round(pain.remaining_s))} s"
        overlay._block(img, left, m, h - m - round(40 * u), w - 2 * m, SECONDARY * u, GREY,
                       boxes, 1, centre=True)
