"""The posture limits passed in are the ones used (each limit read from the instance given)."""

from __future__ import annotations

import numpy as np

from pose import simulate as sim
from pose.analysis.geometry import KEY_LANDMARKS
from pose.analysis.posture import PostureLimits, PostureTracker, classify, measure
from pose.events import Fault
from pose.record import PoseRecord


def _tabletop_shifted_out(by: float) -> PoseRecord:
    """A simulated tabletop moved right until its rightmost key joint is ``by`` frame widths
    outside the picture."""
    rec = sim.simulate(sim.Plan((sim.GetIntoPosition(1.0), sim.Hold(0.5)))).records[-1]
    image = rec.image.copy()
    shift = by - (np.max(image[list(KEY_LANDMARKS), 0]) - 1.0)
    image[:, 0] += shift
    return PoseRecord(rec.t_s, rec.width, rec.height, image, rec.visibility, rec.world)


def test_frame_margin_comes_from_the_limits_given() -> None:
    rec = _tabletop_shifted_out(0.05)          # 5% of the frame width outside
    strict, lenient = PostureLimits(), PostureLimits(frame_margin=0.1)
    m_strict, m_lenient = measure(rec, limits=strict), measure(rec, limits=lenient)
    assert m_strict is not None and m_lenient is not None
    assert not m_strict.in_frame and m_lenient.in_frame
    assert classify(rec, strict).faults[Fault.OUT_OF_VIEW]
    assert not classify(rec, lenient).faults[Fault.OUT_OF_VIEW]
    tracker = PostureTracker(lenient)
    assert not tracker.update(rec).faults[Fault.OUT_OF_VIEW]
