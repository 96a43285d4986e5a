"""When the person was lost from view, and for how long: the one rule the report and the saved
session share (pure: frame times and a person-seen flag in, ``Loss`` spells out)."""

from __future__ import annotations

from pose.events import Loss

#: A spell with no person found at least this long is a loss (shorter ones are single missed
#: frames); the same delay raises the out-of-view warning.
MIN_LOSS_S = 0.5


class LossTracker:
    """Feed each frame's time and whether a person was found in it; a spell of ``min_s`` or more
    without them, after they were first seen, comes out as a ``Loss`` at the frame they are
    found again, or from ``finish()`` when the stream ends before that."""

    def __init__(self, min_s: float = MIN_LOSS_S) -> None:
        self.min_s = min_s
        self._seen = False
        self._since: float | None = None
        self._last_t: float | None = None

    def update(self, t_s: float, person: bool) -> Loss | None:
        """One frame; returns the loss that ended at this frame, if any."""
        self._last_t = t_s
        if not person:
            if self._seen and self._since is None:
                self._since = t_s
            return None
        self._seen = True
        return self._close(t_s)

    def finish(self) -> Loss | None:
        """The end of the stream: a loss still going ends at the last frame."""
        return self._close(self._last_t) if self._last_t is not None else None

    def _close(self, t_s: float) -> Loss | None:
        since, self._since = self._since, None
        if since is not None and t_s - since >= self.min_s:
            return Loss(since, t_s)
        return None
