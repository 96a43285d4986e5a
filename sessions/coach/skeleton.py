"""Drawing a PoseRecord's skeleton onto a BGR frame (OpenCV), for saved videos and the live view."""

from __future__ import annotations

import cv2
import numpy as np
from numpy.typing import NDArray

from pose.record import PoseRecord

# MediaPipe BlazePose's 35 landmark connections.
CONNECTIONS: tuple[tuple[int, int], ...] = (
    (0, 1), (1, 2), (2, 3), (3, 7), (0, 4), (4, 5), (5, 6), (6, 8), (9, 10),
    (11, 12), (11, 13), (13, 15), (15, 17), (15, 19), (15, 21), (17, 19),
    (12, 14), (14, 16), (16, 18), (16, 20), (16, 22), (18, 20),
    (11, 23), (12, 24), (23, 24), (23, 25), (24, 26), (25, 27), (26, 28),
    (27, 29), (28, 30), (29, 31), (30, 32), (27, 31), (28, 32),
)

LEFT_COLOUR = (0, 165, 255)    # orange (BGR): the person's left side
RIGHT_COLOUR = (255, 200, 0)   # light blue: the person's right side
CENTRE_COLOUR = (255, 255, 255)
JOINT_COLOUR = (0, 0, 255)


def _side(index: int) -> int:
    """-1 right, +1 left, 0 centre (MediaPipe: odd indices are left, from 1 on; 0 is the nose)."""
    if index == 0:
        return 0
    return 1 if index % 2 == 1 else -1


def _edge_colour(a: int, b: int) -> tuple[int, int, int]:
    sa, sb = _side(a), _side(b)
    if sa == sb == 1:
        return LEFT_COLOUR
    if sa == sb == -1:
        return RIGHT_COLOUR
    return CENTRE_COLOUR


def draw_skeleton(
    bgr: NDArray[np.uint8], record: PoseRecord, region: tuple[int, int, int, int] | None = None,
) -> NDArray[np.uint8]:
    """Draw the skeleton in place (the landmarks ``record.seen()``) and return ``bgr``.

    ``region`` (x, y, w, h) is where the record's picture is shown in ``bgr`` (a letterboxed
    canvas); by default the whole of ``bgr``. Line thickness scales with the picture so the
    drawing reads from a distance.
    """
    if not record.has_person:
        return bgr
    x0, y0, width, height = region or (0, 0, bgr.shape[1], bgr.shape[0])
    scale_x, scale_y = width / record.width, height / record.height
    px = record.pixels() * np.array([scale_x, scale_y]) + np.array([x0, y0])
    seen = record.seen()
    points = np.zeros((len(px), 2), np.int32)
    points[seen] = np.round(px[seen]).astype(np.int32)
    thickness = max(2, round(min(width, height) / 160))
    for a, b in CONNECTIONS:
        if seen[a] and seen[b]:
            cv2.line(bgr, (int(points[a, 0]), int(points[a, 1])),
                     (int(points[b, 0]), int(points[b, 1])),
                     _edge_colour(a, b), thickness, cv2.LINE_AA)
    radius = thickness + 1
    for i in np.flatnonzero(seen):
        cv2.circle(bgr, (int(points[i, 0]), int(points[i, 1])), radius, JOINT_COLOUR, -1,
                   cv2.LINE_AA)
    return bgr
