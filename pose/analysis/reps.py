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
from collections import deque
from dataclasses import dataclass
from enum import Enum

import numpy as np

from pose.analysis.alerts import DEFAULT_THRESHOLDS, Thresholds
from pose.analysis.timers import HeldFor
from pose.events import Rep

log = logging.getLogger(__name__)

#: The peak of a rep is its plateau: depths within this much of the deepest point.
PEAK_TOLERANCE = 0.01
#: A still spell (depth within +-HOLD_BAND) this long before a rep is a hold: the rep starts
#: when the hold ends; without one it starts at the lowest point since the last rep.
HOLD_S = 1.0
HOLD_BAND = 0.025
#: A phase's typical speed is its 80th percentile (a maximum would follow the jitter).
SPEED_PERCENTILE = 80.0
#: The opening share of a phase whose speed tells a smooth start from an abrupt one.
ONSET_SHARE = 0.15
#: Recent speeds kept (a minute at 30 fps): enough for any phase, bounded for long holds.
MAX_SAMPLES = 1800


def onset(speeds: list[float]) -> float | None:
    """How abruptly a phase started: mean speed over its first ``ONSET_SHARE`` against its typical
    speed. A smooth (cosine) phase scores about 0.2-0.4, one that starts at full speed 0.8-1.0;
    None when the phase is too short to say. ``speeds`` are in the phase's direction."""
    if len(speeds) < 6:
        return None
    arr = np.clip(np.asarray(speeds, dtype=np.float64), 0.0, None)
    typical = float(np.percentile(arr, SPEED_PERCENTILE))
    if typical <= 0:
        return None
    k = max(2, round(ONSET_SHARE * len(arr)))
    return float(arr[:k].mean()) / typical


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
    back_onset: float | None = None     # known once the back phase is over


class RepCounter:
    """Counts reps from (time, depth, speed, accel) samples; ``update`` once a frame."""

    def __init__(self, thresholds: Thresholds = DEFAULT_THRESHOLDS) -> None:
        self.th = thresholds
        self.count = 0
        self._state = _State.REST
        self._rep: _RepInProgress | None = None
        self._last_quiet_s: float | None = None
        self._last_quiet_depth = 0.0
        self._band: tuple[float, float] | None = None     # (since, depth) of a still spell
        self._held = False
        self._trough: tuple[float, float] | None = None   # lowest point since the last rep
        # dwell: past the enter threshold before a rep starts; back within the return one
        # (a shorter dwell: the forward movement may stop there at once) before it ends
        self._out_dwell = HeldFor(thresholds.rep_min_dwell_s)
        self._back_dwell = HeldFor(thresholds.rep_min_dwell_s * 0.4)
        self._last_t: float | None = None
        self._end_depth = self._last_depth = 0.0
        self._recent: deque[tuple[float, float]] = deque(maxlen=MAX_SAMPLES)
        self._need_rest = False     # after a loss: no rep opens until seen back at the start

    def reset(self) -> None:
        self.count = 0
        self.abandon()

    def abandon(self) -> None:
        """Drop any rep in progress (position lost, person gone); the next rep can start only
        once the person has been seen back at the start (a rep cut by a loss never counts)."""
        if self._rep is not None:
            log.debug("rep from %.2f s abandoned", self._rep.start_s)
        self._need_rest = True
        self._state = _State.REST
        self._rep = None
        self._last_quiet_s = self._band = self._trough = None
        self._held = False
        self._out_dwell.reset()
        self._back_dwell.reset()

    def update(self, t_s: float, depth: float | None, speed: float | None,
               accel: float | None) -> Rep | None:
        """Feed one frame; returns a rep (full or partial) completed at this frame, if any."""
        if depth is None or speed is None:
            return None
        self._last_t, self._last_depth = t_s, depth
        self._recent.append((t_s, speed))
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
            if self._need_rest and depth < th.rep_enter_depth:
                self._need_rest = False
            if self._out_dwell.update(t_s, depth >= th.rep_enter_depth and not self._need_rest):
                # after a hold the rep starts when the hold ends; otherwise at the trough
                start = (self._last_quiet_s, self._last_quiet_depth) \
                    if self._held and self._last_quiet_s is not None else self._trough
                self._rep = _RepInProgress(start_s=start[0])
                # the rep's opening moments (before the dwell confirmed it) count too
                self._rep.peak_speed = max(
                    (abs(v) for v in self._speeds(start[0], t_s, 1.0)), default=0.0)
                self._state = _State.OUT
                self._out_dwell.reset()
            # a rep opened at this frame still needs its figures below
        rep = self._rep
        if rep is None:
            return None
        rep.peak_speed = max(rep.peak_speed, abs(speed))
        if rep.back_onset is None and speed < -th.quiet_speed:   # the back phase is over
            rep.back_onset = onset(self._speeds(rep.start_s, rep.first_peak_s, 1.0)) or 0.0
        if accel is not None and math.isfinite(accel):
            rep.peak_accel = max(rep.peak_accel, abs(accel))
        if depth > rep.peak:
            rep.peak = depth
            if rep.first_peak_depth < depth - PEAK_TOLERANCE:
                rep.first_peak_s, rep.first_peak_depth = t_s, depth
        if depth >= rep.peak - PEAK_TOLERANCE:
            rep.last_peak_s = t_s
        if self._state is _State.OUT and self._back_dwell.update(
                t_s, depth <= th.rep_return_depth):
            self._state = _State.RETURNING
            self._back_dwell.reset()
        if self._state is _State.RETURNING:
            if depth >= th.rep_enter_depth:   # went back out without stopping: same rep goes on
                self._state = _State.OUT
            elif speed >= -th.quiet_speed:    # the forward movement has stopped
                self._end_depth = depth
                return self._finish(t_s)
        return None

    def _speeds(self, start_s: float, end_s: float, sign: float) -> list[float]:
        """Recent speeds between two times, in a phase's direction (+1 back, -1 forward)."""
        out = []
        for t, v in reversed(self._recent):      # newest first: stop once before the phase
            if t < start_s:
                break
            if t <= end_s:
                out.append(sign * v)
        out.reverse()
        return out

    def flush(self) -> Rep | None:
        """End of the stream: a rep already back at the start position is finished now."""
        if self._state is _State.RETURNING and self._last_t is not None:
            self._end_depth = self._last_depth
            return self._finish(self._last_t)
        return None

    def interrupt(self) -> Rep | None:
        """The person is lost (out of view or out of position): a rep already back at the start
        is finished at its last sample, one still under way is dropped (``abandon``)."""
        done = self.flush()
        self.abandon()
        return done

    def _finish(self, end_s: float) -> Rep:
        rep = self._rep
        assert rep is not None
        th = self.th
        period = max(end_s - rep.start_s, 1e-6)
        back = max(rep.first_peak_s - rep.start_s, 0.0)
        forward = max(end_s - rep.last_peak_s, 0.0)
        fwd_onset = onset(self._speeds(rep.last_peak_s, end_s, -1.0))
        jerk = max(rep.back_onset or 0.0, fwd_onset or 0.0)
        partial = rep.peak < th.full_rep_depth
        forceful = (rep.peak_speed > th.too_fast_speed or rep.peak_accel > th.jerky_accel
                    or (not partial and period < th.forceful_min_period_s))
        if not partial:
            self.count += 1
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
        self._out_dwell.reset()
        self._back_dwell.reset()
        return done
