"""The exercise plan (target reps, time, breath-led tempo) and the pacer that follows it.

The pacer is a pure function of "pacer time" (seconds of active rocking since it started): it says
how far back the person should be (0 = start position, 1 = fully back); and when the turns fall.
Rocking back takes a long exhale, coming forward a shorter inhale; both ease in and out (cosine).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from enum import StrEnum

DEFAULT_BACK_S = 4.0
DEFAULT_FORWARD_S = 3.0
DEFAULT_TARGET_REPS = 10
DEFAULT_TARGET_DURATION_S = 10 * 60.0
MIN_PHASE_S = 1.0
MAX_PHASE_S = 30.0


@dataclass(frozen=True)
class Tempo:
    """Seconds rocking back (breathing out) and seconds coming forward (breathing in)."""

    back_s: float = DEFAULT_BACK_S
    forward_s: float = DEFAULT_FORWARD_S

    def __post_init__(self) -> None:
        for name in ("back_s", "forward_s"):
            value = getattr(self, name)
            if not (math.isfinite(value) and MIN_PHASE_S <= value <= MAX_PHASE_S):
                raise ValueError(
                    f"tempo {name.removesuffix('_s')} must be {MIN_PHASE_S:g} to "
                    f"{MAX_PHASE_S:g} seconds, got {value:g}")

    @property
    def period_s(self) -> float:
        """Seconds for one whole rep."""
        return self.back_s + self.forward_s

    def label(self) -> str:
        """Short text such as ``4s back / 3s forward``."""
        return f"{self.back_s:g}s back / {self.forward_s:g}s forward"

    @classmethod
    def parse(cls, text: str) -> Tempo:
        """Read ``"4:3"`` (or ``4/3``, ``4,3``, ``4 3``: seconds back, seconds forward) or a
        single period such as ``"7"``, split in the default 4:3 breath ratio.

        Raises ValueError with a message a user can act on.
        """
        parts = [p for p in re.split(r"[:/,\s]+", text.strip()) if p]
        try:
            numbers = [float(p) for p in parts]
        except ValueError:
            numbers = []
        if len(numbers) == 1:
            ratio = DEFAULT_BACK_S / (DEFAULT_BACK_S + DEFAULT_FORWARD_S)
            return cls(round(numbers[0] * ratio, 2), round(numbers[0] * (1 - ratio), 2))
        if len(numbers) == 2:
            return cls(numbers[0], numbers[1])
        raise ValueError(
            f"tempo must look like 4:3 (seconds back : seconds forward) or 7 (seconds a rep), "
            f"got {text!r}")


@dataclass(frozen=True)
class Plan:
    """What a session aims for: it ends after ``target_reps`` reps or ``target_duration_s``."""

    target_reps: int = DEFAULT_TARGET_REPS
    target_duration_s: float = DEFAULT_TARGET_DURATION_S
    tempo: Tempo = field(default_factory=Tempo)

    def __post_init__(self) -> None:
        if not 1 <= self.target_reps <= 500:
            raise ValueError(f"target reps must be 1 to 500, got {self.target_reps}")
        if not (math.isfinite(self.target_duration_s) and self.target_duration_s > 0):
            raise ValueError(
                f"target duration must be a positive number of seconds, "
                f"got {self.target_duration_s:g}")


class Turn(StrEnum):
    """A pacer turn point."""

    GO_BACK = "go_back"         # at the start position: breathe out, rock back
    GO_FORWARD = "go_forward"   # fully back: breathe in, come forward


class PacerPhase(StrEnum):
    """Which half of the cycle the pacer is in."""

    BACK = "back"
    FORWARD = "forward"


@dataclass(frozen=True)
class TurnPoint:
    """A turn point at pacer time ``t_s``."""

    t_s: float
    turn: Turn


@dataclass(frozen=True)
class Pacer:
    """Where the person should be at pacer time t (seconds since the pacer started)."""

    tempo: Tempo = field(default_factory=Tempo)

    def phase(self, t_s: float) -> PacerPhase:
        """Rocking back or coming forward at ``t_s``."""
        u = max(0.0, t_s) % self.tempo.period_s
        return PacerPhase.BACK if u < self.tempo.back_s else PacerPhase.FORWARD

    def phase_progress(self, t_s: float) -> float:
        """0..1 progress through the current phase."""
        u = max(0.0, t_s) % self.tempo.period_s
        if u < self.tempo.back_s:
            return u / self.tempo.back_s
        return (u - self.tempo.back_s) / self.tempo.forward_s

    def phase_remaining_s(self, t_s: float) -> float:
        """Seconds left in the current phase (for a breath count-down)."""
        u = max(0.0, t_s) % self.tempo.period_s
        if u < self.tempo.back_s:
            return self.tempo.back_s - u
        return self.tempo.period_s - u

    def target_depth(self, t_s: float) -> float:
        """Target depth at ``t_s``: 0 at the start position, 1 fully back, eased (cosine)."""
        p = self.phase_progress(t_s)
        ease = (1.0 - math.cos(math.pi * p)) / 2.0
        return ease if self.phase(t_s) is PacerPhase.BACK else 1.0 - ease

    def turns_between(self, t0_s: float, t1_s: float) -> list[TurnPoint]:
        """Turn points in the half-open interval (t0, t1], in order.

        Pacer time 0 is itself a GO_BACK turn, reported when t0 < 0 <= t1.
        """
        if t1_s <= t0_s:
            return []
        period, back = self.tempo.period_s, self.tempo.back_s
        out: list[TurnPoint] = []
        first = max(0, math.floor(t0_s / period))
        for k in range(first, math.floor(t1_s / period) + 1):
            for t, turn in ((k * period, Turn.GO_BACK), (k * period + back, Turn.GO_FORWARD)):
                if t0_s < t <= t1_s:
                    out.append(TurnPoint(t, turn))
        return out
