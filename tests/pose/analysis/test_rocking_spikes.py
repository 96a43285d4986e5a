"""The rocking signal holds back one-frame glitches but follows a real move."""

from __future__ import annotations

import pytest

from pose.analysis.alerts import DEFAULT_THRESHOLDS
from pose.analysis.geometry import Side
from pose.analysis.rocking import RockingTracker

FPS = 30.0
START_DEG = 5.0


def calibrated_tracker() -> tuple[RockingTracker, float]:
    tracker = RockingTracker()
    t = 0.0
    for _ in range(60):                          # a 2 s still hold in the start position
        tracker.update(t, (START_DEG, START_DEG), Side.LEFT, holding_start=True)
        t += 1 / FPS
    assert tracker.calibrated
    return tracker, t


@pytest.mark.parametrize("glitches", [{15}, {10, 12, 14, 16, 18}, {10, 13, 16, 19}],
                         ids=["lone", "every-2nd-frame", "every-3rd-frame"])
def test_glitch_frames_do_not_move_the_depth(glitches: set[int]) -> None:
    tracker, t = calibrated_tracker()
    depths = []
    for i in range(30):
        angle = START_DEG + (45.0 if i in glitches else 0.0)
        depths.append(tracker.update(t, (angle, angle), Side.LEFT, holding_start=False).depth)
        t += 1 / FPS
    assert all(d is not None and abs(d) < 0.02 for d in depths), depths


def test_a_real_quick_move_is_followed_one_frame_later() -> None:
    tracker, t = calibrated_tracker()
    depths = []
    for i in range(20):
        angle = START_DEG + (45.0 if i >= 5 else 0.0)   # the body jumps and stays there
        depths.append(tracker.update(t, (angle, angle), Side.LEFT, holding_start=False).depth)
        t += 1 / FPS
    assert depths[5] is not None and abs(depths[5]) < 0.02   # the first frame is held back
    assert depths[6] is not None and depths[6] > 0.1         # the second confirms it
    assert depths[-1] is not None
    assert depths[-1] == pytest.approx(45.0 / DEFAULT_THRESHOLDS.depth_unit_deg, abs=0.05)
