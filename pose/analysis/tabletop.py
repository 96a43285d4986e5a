"""Is the person in the tabletop start position? Three facts, each judged on its own, and for
each one what to change.

Tabletop: hands under the shoulders, knees under the hips, back roughly level. Child's pose (hips
back on the heels, arms stretched ahead) has a level back but fails the first two; a knee push-up
(hips pushed ahead of the knees, shoulders ahead of the hands) fails them the other way.

Tolerances, from the posture figures of the shared photographs (tabletop, cat and cow from three
sources against child's pose): the near thigh is within 12 deg of vertical in tabletop and
58-68 deg back in child's pose; the near wrist is within 0.2 torso lengths of under the shoulder in
tabletop and 0.9 ahead in child's pose; the shoulder-hip line is 6-19 deg from level in tabletop.
Each limit sits in the gap, and a fact already met is kept until it is clearly lost
(``hysteresis``) so a checklist does not flicker.
"""

from __future__ import annotations

from dataclasses import dataclass

from pose.analysis.posture import PostureMeasures
from pose.events import UNMEASURED, Fix, TabletopCheck

__all__ = ["UNMEASURED", "Fix", "TabletopCheck", "TabletopLimits", "check_tabletop"]


@dataclass(frozen=True)
class TabletopLimits:
    """How far from tabletop each fact may be (torso lengths, degrees)."""

    max_hand_offset: float = 0.45
    max_thigh_deg: float = 22.0
    max_back_tilt_deg: float = 25.0
    hysteresis: float = 0.15           # a fact met is kept until it is this much further off


def check_tabletop(m: PostureMeasures | None, limits: TabletopLimits = TabletopLimits(),
                   previous: TabletopCheck | None = None) -> TabletopCheck:
    """Each fact of the tabletop start for these posture figures; ``previous`` (the last
    frame's check) widens the limit of a fact that was met, so it is left only by a margin."""
    if m is None:
        return UNMEASURED

    def widen(was: Fix | None) -> float:
        return 1.0 + limits.hysteresis if was is Fix.OK else 1.0

    def within(value: float, limit: float, was: Fix | None, over: Fix, under: Fix) -> Fix:
        """OK inside +-limit (widened while it was OK), else the fix for the side it is out."""
        limit *= widen(was)
        return over if value > limit else under if value < -limit else Fix.OK

    prev = previous or UNMEASURED
    hands = within(m.hand_offset, limits.max_hand_offset, prev.hands,
                   Fix.COME_FORWARD, Fix.SHIFT_BACK)
    knees = within(m.thigh_deg, limits.max_thigh_deg, prev.knees,
                   Fix.HIPS_FORWARD, Fix.HIPS_BACK)
    back_ok = m.torso_tilt_deg <= limits.max_back_tilt_deg * widen(prev.back)
    return TabletopCheck(hands, knees, Fix.OK if back_ok else Fix.LEVEL_BACK)
