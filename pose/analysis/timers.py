"""The one "held for N seconds" rule: a condition counts once it has held, without a break, for a
set time. Every debounce, dwell and hysteresis delay of the analysis and the coach uses it."""

from __future__ import annotations


class HeldFor:
    """Whether a condition has held, without a break, for at least ``seconds``.

    ``update(t, condition)`` once a frame; a frame where the condition is false starts it over.
    ``since`` is when the current unbroken spell began (None while the condition is false).
    """

    def __init__(self, seconds: float) -> None:
        if not seconds >= 0:
            raise ValueError(f"seconds must be >= 0, got {seconds}")
        self.seconds = seconds
        self.since: float | None = None

    def reset(self) -> None:
        """Forget the current spell."""
        self.since = None

    def update(self, t_s: float, condition: bool) -> bool:
        """Feed one frame; True once the condition has held for ``seconds`` up to ``t_s``."""
        if not condition:
            self.since = None
            return False
        if self.since is None:
            self.since = t_s
        return t_s - self.since >= self.seconds

    def held_s(self, t_s: float) -> float:
        """How long the current spell has lasted at ``t_s`` (0 when there is none)."""
        return 0.0 if self.since is None else max(t_s - self.since, 0.0)
