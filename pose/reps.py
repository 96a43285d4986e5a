"""Rep counting on the rocking depth: two thresholds, a minimum dwell, partial reps reported.

A rep starts when the depth has stayed past ``rep_enter_depth`` for ``rep_min_dwell_s`` and is
over once it has stayed back within ``rep_return_depth`` as long and the forward movement has
stopped (or the next rep begins). Its start is the last moment the person was still before it,
its end the first moment they were still after it, so holds between reps are not counted in its
period. Reps that never reach ``full_rep_depth`` are reported as partial and not counted. Nothing
is counted before calibration or while the position is lost: ``abandon()`` drops a rep in
progress.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from enum import Enum

from pose.alerts import DEFAULT_THRESHOLDS, Thresholds
from pose.events import Rep

log = logging.getLogger(__name__)

#: The peak of a rep is its plateau: depths within this much of the deepest point.
PEAK_TOLERANCE = 0.01
#: A still spell (depth within +-HOLD_BAND) this long before a rep is a hold: the rep starts
#: when the hold ends; without one it starts at the lowest point since the last rep.
HOLD_S = 1.0
HOLD_BAND = 0.025
#: Mean over peak speed of a phase that eases in and out like a cosine: 2 / pi.
SMOOTH_EVENNESS = 2.0 / math.pi


def evenness(distance: float, duration_s: float, peak_speed: float) -> float | None:
    """How even a phase's speed is, relative to a smooth (cosine) phase: 1.0 smooth, about
    1.5 when it starts and stops at full speed (jerky); None when too short to say."""
    if duration_s <= 0 or peak_speed <= 0 or distance <= 0:
        return None
    return (distance / duration_s) / peak_speed / SMOOTH_EVENNESS


class _State(Enum):
    REST = "rest"          # at the start position (or forward of it)
    OUT = "out"            # past the enter threshold: rocking back or coming forward
    RETURNING = "returning"  # back within the return threshold, waiting for the movement to stop


@dataclass
class _RepInProgress:
    start_s: float
    peak: float = -math.inf
    first_peak_s: float = 0.0
    first_peak_depth: float = -math.inf
    last_peak_s: float = 0.0
    peak_speed: float = 0.0
    peak_accel: float = 0.0
    returned_s: float | None = None     # when it came back within the return threshold
    start_depth: float = 0.0
    back_speed: float = 0.0             # fastest rocking back
    forward_speed: float = 0.0          # fastest coming forward
    back_evenness: float | None = None  # known once the back phase is over


class RepCounter:
    """Counts reps from (time, depth, speed, accel) samples; ``update`` once a frame."""

    def __init__(self, thresholds: Thresholds = DEFAULT_THRESHOLDS) -> None:
        self.th = thresholds
        self.count = 0
        self._n_reported = 0
        self._state = _State.REST
        self._rep: _RepInProgress | None = None
        self._last_quiet_s: float | None = None
        self._last_quiet_depth = 0.0
        self._band: tuple[float, float] | None = None     # (since, depth) of a still spell
        self._held = False
        self._trough: tuple[float, float] | None = None   # lowest point since the last rep
        self._crossed_s: float | None = None     # when a threshold was first passed (dwell)
        self._last_t: float | None = None
        self._end_depth = 0.0
        #: Set on the frame a rep's back phase ends: how even its speed was (see ``evenness``).
        self.back_phase_evenness: float | None = None

    def reset(self) -> None:
        self.count = self._n_reported = 0
        self.abandon()

    def abandon(self) -> None:
        """Drop any rep in progress (position lost, person gone)."""
        if self._rep is not None:
            log.debug("rep from %.2f s abandoned", self._rep.start_s)
        self._state = _State.REST
        self._rep = None
        self._last_quiet_s = self._band = self._trough = None
        self._held = False
        self._crossed_s = None

    @property
    def in_rep(self) -> bool:
        return self._rep is not None

    def update(self, t_s: float, depth: float | None, speed: float | None,
               accel: float | None) -> Rep | None:
        """Feed one frame; returns a rep (full or partial) completed at this frame, if any."""
        self.back_phase_evenness = None
        if depth is None or speed is None:
            return None
        self._last_t = t_s
        th = self.th
        quiet = abs(speed) <= th.quiet_speed
        if self._state is _State.REST:
            if quiet or speed < 0:
                self._last_quiet_s, self._last_quiet_depth = t_s, depth
            # a hold: the depth stays within a narrow band (robust to landmark jitter)
            if self._band is None or abs(depth - self._band[1]) > HOLD_BAND:
                self._band = (t_s, depth)
            elif t_s - self._band[0] >= HOLD_S:
                self._held = True
            if self._trough is None or depth <= self._trough[1]:
                self._trough = (t_s, depth)
            if depth >= th.rep_enter_depth:
                self._crossed_s = t_s if self._crossed_s is None else self._crossed_s
                if t_s - self._crossed_s >= th.rep_min_dwell_s:
                    # after a hold the rep starts when the hold ends; otherwise at the trough
                    start = (self._last_quiet_s, self._last_quiet_depth) \
                        if self._held and self._last_quiet_s is not None else self._trough
                    self._rep = _RepInProgress(start_s=start[0], start_depth=start[1])
                    self._state, self._crossed_s = _State.OUT, None
            else:
                self._crossed_s = None
            # a rep opened at this frame still needs its figures below
        rep = self._rep
        if rep is None:
            return None
        rep.peak_speed = max(rep.peak_speed, abs(speed))
        rep.back_speed = max(rep.back_speed, speed)
        rep.forward_speed = max(rep.forward_speed, -speed)
        if rep.back_evenness is None and rep.peak > -math.inf and speed < -th.quiet_speed:
            travel = rep.first_peak_depth - rep.start_depth
            rep.back_evenness = evenness(travel, rep.first_peak_s - rep.start_s,
                                         rep.back_speed) or 0.0
            if travel >= th.full_rep_depth:   # too shallow a phase says little about its shape
                self.back_phase_evenness = rep.back_evenness
        if accel is not None and math.isfinite(accel):
            rep.peak_accel = max(rep.peak_accel, abs(accel))
        if depth > rep.peak:
            rep.peak = depth
            if rep.first_peak_depth < depth - PEAK_TOLERANCE:
                rep.first_peak_s, rep.first_peak_depth = t_s, depth
        if depth >= rep.peak - PEAK_TOLERANCE:
            rep.last_peak_s = t_s
        if self._state is _State.OUT:
            if depth <= th.rep_return_depth:
                self._crossed_s = t_s if self._crossed_s is None else self._crossed_s
                if t_s - self._crossed_s >= th.rep_min_dwell_s * 0.4:
                    self._state, rep.returned_s = _State.RETURNING, self._crossed_s
                    self._crossed_s = None
            else:
                self._crossed_s = None
        if self._state is _State.RETURNING:
            if depth >= th.rep_enter_depth:   # went back out without stopping: same rep goes on
                self._state, rep.returned_s = _State.OUT, None
            elif speed >= -th.quiet_speed:    # the forward movement has stopped
                self._end_depth = depth
                return self._finish(t_s)
        return None

    def flush(self) -> Rep | None:
        """End of the stream: a rep already back at the start position is finished now."""
        if self._state is _State.RETURNING and self._last_t is not None:
            return self._finish(self._last_t)
        return None

    def _finish(self, end_s: float) -> Rep:
        rep = self._rep
        assert rep is not None
        th = self.th
        period = max(end_s - rep.start_s, 1e-6)
        back = max(rep.first_peak_s - rep.start_s, 0.0)
        forward = max(end_s - rep.last_peak_s, 0.0)
        fwd_even = evenness(rep.peak - self._end_depth, forward, rep.forward_speed)
        jerk = max(rep.back_evenness or 0.0, fwd_even or 0.0)
        partial = rep.peak < th.full_rep_depth
        forceful = (rep.peak_speed > th.too_fast_speed or rep.peak_accel > th.jerky_accel
                    or jerk > th.jerky_evenness
                    or (not partial and period < th.forceful_min_period_s))
        if not partial:
            self.count += 1
        self._n_reported += 1
        done = Rep(
            index=self.count if not partial else -1,
            start_s=rep.start_s, end_s=end_s, period_s=period, back_s=back, forward_s=forward,
            depth=rep.peak, peak_speed=rep.peak_speed, jerk=jerk, forceful=forceful,
            partial=partial, pause_s=max(rep.last_peak_s - rep.first_peak_s, 0.0),
            peak_accel=rep.peak_accel,
        )
        self._state = _State.REST
        self._rep = None
        self._last_quiet_s, self._last_quiet_depth = end_s, self._end_depth
        self._band, self._held = None, False
        self._trough = (end_s, self._end_depth)
        self._crossed_s = None
        return done
