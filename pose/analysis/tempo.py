"""The one definition of "on tempo": a rep's time (or a session's median) against the plan's
seconds per rep. Used by the coach (the last rep's verdict, said and shown while rocking) and
by the history (each rep's and each session's tempo, the share of reps on tempo), so the review
never disagrees with what the person was told.

Quicker than 75 % of the plan is rushed (the movement is meant to follow a long breath out);
slower than 160 % is slow. Between them the rep is on tempo: slower than planned is no harm
in a relief exercise, so the band is wider on the slow side.
"""

from __future__ import annotations

from enum import StrEnum

QUICK_BELOW = 0.75   # a rep under this share of the plan's time is quicker than planned
SLOW_ABOVE = 1.6     # ... over this share, slower than planned


class TempoVerdict(StrEnum):
    """A tempo against the plan's."""

    ON_TEMPO = "on tempo"
    QUICK = "quicker than planned"
    SLOW = "slower than planned"


def tempo_verdict(period_s: float, target_s: float) -> TempoVerdict:
    """``period_s`` (seconds a rep) against the plan's ``target_s`` (> 0)."""
    if target_s <= 0:
        raise ValueError(f"the plan's seconds per rep must be positive, got {target_s}")
    ratio = period_s / target_s
    if ratio < QUICK_BELOW:
        return TempoVerdict.QUICK
    if ratio > SLOW_ABOVE:
        return TempoVerdict.SLOW
    return TempoVerdict.ON_TEMPO
