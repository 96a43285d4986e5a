"""Choosing which detected person to follow when several are in view (pure numpy).

The first choice is the most prominent person: the most fully visible and the largest. After that
the follower keeps the same person, the candidate nearest to the last one it followed, and only
chooses afresh after that person has been out of sight for a while.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from pose.record import PoseRecord


def visible_fraction(record: PoseRecord) -> float:
    """Fraction of the 33 landmarks seen (``PoseRecord.seen``; 0 with no person)."""
    return float(np.mean(record.seen()))


def box_area(record: PoseRecord) -> float:
    """Area of the landmarks' bounding box as a fraction of the frame (clipped to the frame)."""
    xy = record.image[:, :2]
    xy = np.clip(xy[np.isfinite(xy).all(axis=1)], 0.0, 1.0)
    if len(xy) < 2:
        return 0.0
    extent = xy.max(axis=0) - xy.min(axis=0)
    return float(extent[0] * extent[1])


def prominence(record: PoseRecord) -> float:
    """How fully visible and large a person is: visible fraction times box area."""
    return visible_fraction(record) * box_area(record)


def distance(a: PoseRecord, b: PoseRecord) -> float:
    """Mean distance between matching landmarks, in frame widths/heights (inf if none match)."""
    gap = np.linalg.norm(a.image[:, :2] - b.image[:, :2], axis=1)
    gap = gap[np.isfinite(gap)]
    return float(gap.mean()) if len(gap) else float("inf")


class PersonFollower:
    """Picks one person per frame and keeps following them.

    ``max_jump`` is the largest mean landmark shift (in frame fractions) accepted as the same
    person between sightings; ``max_gap_s`` is how long the followed person may be unseen before
    the most prominent person is chosen afresh.
    """

    def __init__(self, max_jump: float = 0.25, max_gap_s: float = 1.0) -> None:
        self.max_jump = max_jump
        self.max_gap_s = max_gap_s
        self._last: PoseRecord | None = None

    def reset(self) -> None:
        self._last = None

    def choose(self, candidates: Sequence[PoseRecord]) -> PoseRecord | None:
        """The person to follow among this frame's candidates, or None if they are not seen."""
        people = [c for c in candidates if c.has_person]
        if not people:
            return None
        last = self._last
        if last is None or people[0].t_s - last.t_s > self.max_gap_s:
            chosen = max(people, key=prominence)
        else:
            gaps = [distance(last, c) for c in people]
            best = int(np.argmin(gaps))
            if gaps[best] > self.max_jump:
                return None  # someone else is in view; the followed person is hidden for now
            chosen = people[best]
        self._last = chosen
        return chosen
