"""Skeleton drawing: lines where the joints are, nothing for hidden joints or no person."""

from __future__ import annotations

import numpy as np
import pytest

from pose.record import N_LANDMARKS, Landmark, PoseRecord
from sessions.coach.skeleton import CONNECTIONS, draw_skeleton


def record_with(points: dict[int, tuple[float, float]], visibility: float = 0.9) -> PoseRecord:
    image = np.full((N_LANDMARKS, 3), np.nan)
    vis = np.zeros(N_LANDMARKS)
    for index, (x, y) in points.items():
        image[index] = (x, y, 0.0)
        vis[index] = visibility
    return PoseRecord(0.0, 200, 100, image, vis, np.zeros((N_LANDMARKS, 3)))


def test_connections_are_the_35_blazepose_edges() -> None:
    assert len(CONNECTIONS) == len(set(CONNECTIONS)) == 35
    assert all(0 <= a < N_LANDMARKS and 0 <= b < N_LANDMARKS for a, b in CONNECTIONS)


def test_a_visible_bone_is_drawn_between_its_joints() -> None:
    frame = np.zeros((100, 200, 3), np.uint8)
    rec = record_with({Landmark.LEFT_HIP: (0.25, 0.5), Landmark.LEFT_KNEE: (0.75, 0.5)})
    out = draw_skeleton(frame, rec)
    assert out is frame                              # drawn in place
    assert frame[50, 100].any()                      # middle of the thigh
    assert not frame[10, 100].any()                  # far from it
    assert not frame[50, 5].any()


@pytest.mark.parametrize("visibility", [0.1, 0.49])
def test_hidden_joints_are_not_drawn(visibility: float) -> None:
    frame = np.zeros((100, 200, 3), np.uint8)
    rec = record_with({Landmark.LEFT_HIP: (0.25, 0.5), Landmark.LEFT_KNEE: (0.75, 0.5)},
                      visibility)
    draw_skeleton(frame, rec)
    assert not frame.any()


def test_no_person_leaves_the_frame_untouched() -> None:
    frame = np.full((100, 200, 3), 7, np.uint8)
    draw_skeleton(frame, PoseRecord.empty(0.0, 200, 100))
    assert (frame == 7).all()


def test_drawing_scales_to_a_resized_frame() -> None:
    frame = np.zeros((200, 400, 3), np.uint8)  # twice the record's 200x100
    rec = record_with({Landmark.LEFT_HIP: (0.25, 0.5), Landmark.LEFT_KNEE: (0.75, 0.5)})
    draw_skeleton(frame, rec)
    assert frame[100, 200].any()
