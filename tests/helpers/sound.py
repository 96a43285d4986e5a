"""Measures of a rendered sound track, for tests of what the coach plays."""

from __future__ import annotations

from collections.abc import Iterable

from sessions.coach.voice import SoundTrack


def spans(track: SoundTrack) -> list[tuple[float, float]]:
    """(start, end) seconds of each sound on the track, in the order added."""
    return [(t, t + len(s) / r) for t, s, r in track.parts]


def max_overlap(spans: Iterable[tuple[float, float]]) -> int:
    """The most (start, end) spans open at any one instant (1: never two sounds at once).
    A span that ends exactly where the next starts does not overlap it."""
    edges = sorted([(a, 1) for a, _ in spans] + [(b, -1) for _, b in spans])
    depth = most = 0
    for _, step in edges:
        depth += step
        most = max(most, depth)
    return most
