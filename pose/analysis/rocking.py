"""The rocking signal: how far back toward the heels the person is, one number a frame.

Depth is the near-side thigh's rotation about the knee (the hip travelling back toward the heels),
measured from the person's own start position, in units of ``depth_unit_deg`` (65 degrees by
default, about as far as the heels): 0 at the start, about 1 near the heels, negative when rocked
forward. An angle does not change with camera distance, and the head direction and the near side
are read every frame, so either side may face the camera.

The start angle is calibrated per body side from a still hold in the start position. The depth is
smoothed by a One Euro filter (little lag when moving); speed and acceleration are derivatives of
the smoothed signal, each low-passed once more.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass

import numpy as np

from pose.analysis.alerts import DEFAULT_THRESHOLDS, Thresholds
from pose.analysis.filters import OneEuroFilter
from pose.analysis.geometry import Side, unproject_thigh_deg

#: A gap without a usable frame longer than this restarts the smoothing.
MAX_GAP_S = 0.5
SPEED_CUTOFF_HZ = 2.0
#: The body's yaw changes only when the person or camera moves: smooth it hard.
YAW_CUTOFF_HZ = 0.3
#: Acceleration is reported only once the filters have settled after a (re)start.
WARM_UP_S = 0.5
ACCEL_CUTOFF_HZ = 1.5
#: A one-frame jump faster than this (depth units/s) is held back a frame as a likely glitch (a
#: mis-detected hip or knee); forceful reps on the clips peak at about 2.4 units/s.
SPIKE_SPEED = 8.0
#: ... and it must also be larger than this (depth units), so slow jitter is never held back.
SPIKE_MIN_STEP = 0.15


@dataclass(frozen=True)
class RockingSample:
    """The rocking signal at one frame (None where it cannot be measured)."""

    depth: float | None
    speed: float | None     # depth units per second, + = rocking back
    accel: float | None     # depth units per second squared
    calibrated: bool
    calibration_progress: float   # 0..1 while holding the start position


class _LowPass:
    """A first-order low-pass filter for an irregularly sampled scalar."""

    def __init__(self, cutoff_hz: float, initial: float | None = None) -> None:
        self.tau = 1.0 / (2.0 * math.pi * cutoff_hz)
        self.value: float | None = initial

    def __call__(self, x: float, dt: float) -> float:
        if self.value is None:
            self.value = x
        else:
            self.value += (x - self.value) * dt / (dt + self.tau)
        return self.value


class StartCalibration:
    """The person's start position: the thigh angles of a still hold, per body side.

    Still means: over the last ``hold_s`` the (lightly smoothed) angles' standard deviation stays
    within ``tolerance_deg`` and the two halves of the window agree within it (no slow creep).
    Frames without a measurement (dropped) neither break nor extend the hold.
    """

    def __init__(self, hold_s: float, tolerance_deg: float) -> None:
        self.hold_s = hold_s
        self.tolerance_deg = tolerance_deg
        self.baseline: dict[Side, float] | None = None
        self._window: deque[tuple[float, float, float]] = deque()
        # landmark jitter is not movement: judge stillness on lightly smoothed angles
        self._smooth = OneEuroFilter(min_cutoff_hz=2.0, beta=0.0)

    def reset(self) -> None:
        self.baseline = None
        self._window.clear()
        self._smooth.reset()

    def update(self, t_s: float, left_deg: float, right_deg: float, holding: bool) -> float:
        """Feed one frame of a candidate hold; returns the progress (1.0 once calibrated)."""
        if self.baseline is not None:
            return 1.0
        if not holding:
            self._window.clear()
            self._smooth.reset()
            return 0.0
        w = self._window
        if not (math.isfinite(left_deg) and math.isfinite(right_deg)):   # a dropped frame
            return min((w[-1][0] - w[0][0]) / self.hold_s, 0.99) if w else 0.0
        left_deg, right_deg = self._smooth(t_s, [left_deg, right_deg])
        w.append((t_s, float(left_deg), float(right_deg)))
        while w and t_s - w[0][0] > self.hold_s:
            w.popleft()
        span = w[-1][0] - w[0][0]
        if span < self.hold_s * 0.9 or len(w) < 5:
            return min(span / self.hold_s, 0.99)
        arr = np.array(w)[:, 1:]
        half = len(arr) // 2
        drift = np.abs(arr[:half].mean(axis=0) - arr[half:].mean(axis=0))
        if (arr.std(axis=0) <= self.tolerance_deg).all() and (drift <= self.tolerance_deg).all():
            med = np.median(arr, axis=0)
            self.baseline = {Side.LEFT: float(med[0]), Side.RIGHT: float(med[1])}
            return 1.0
        return 0.9


class RockingTracker:
    """Thigh angles in, smoothed depth, speed and acceleration out; ``update`` once a frame."""

    def __init__(self, thresholds: Thresholds = DEFAULT_THRESHOLDS) -> None:
        self.thresholds = thresholds
        self.calibration = StartCalibration(thresholds.calibration_hold_s,
                                            thresholds.calibration_tolerance_deg)
        self._smooth = OneEuroFilter(min_cutoff_hz=1.0, beta=0.5, d_cutoff_hz=1.0)
        self._speed = _LowPass(SPEED_CUTOFF_HZ, 0.0)
        self._accel = _LowPass(ACCEL_CUTOFF_HZ, 0.0)
        self._yaw = _LowPass(YAW_CUTOFF_HZ)
        self._yaw_t: float | None = None
        self._last: tuple[float, float] | None = None     # (t, smoothed depth)
        self._started_s = 0.0
        self._last_speed: tuple[float, float] | None = None
        self._last_raw: tuple[float, float] | None = None   # (t, raw depth) last accepted
        self._held: float | None = None                     # a raw jump held back one frame

    @property
    def calibrated(self) -> bool:
        return self.calibration.baseline is not None

    def reset(self, keep_calibration: bool = False) -> None:
        """Restart the smoothing (and, unless told otherwise, the calibration)."""
        if not keep_calibration:
            self.calibration.reset()
        self._smooth.reset()
        self._speed = _LowPass(SPEED_CUTOFF_HZ, 0.0)
        self._accel = _LowPass(ACCEL_CUTOFF_HZ, 0.0)
        self._last = self._last_speed = self._last_raw = None
        self._held = None

    def _is_spike(self, t_s: float, raw: float) -> bool:
        """True for a frame whose jump from the last accepted one is implausibly fast, unless the
        frame before was such a jump too and this one confirms it (a real, quick move)."""
        held, self._held = self._held, None
        if self._last_raw is None:
            return False
        prev_t, prev = self._last_raw
        step = abs(raw - prev)
        if step <= max(SPIKE_SPEED * max(t_s - prev_t, 1e-3), SPIKE_MIN_STEP):
            return False
        if held is not None and abs(raw - held) <= step / 2:
            return False            # two frames agree: the body really moved there
        self._held = raw
        return True

    def update(self, t_s: float, angles_deg: tuple[float, float] | None, side: Side | None,
               holding_start: bool, yaw_deg: float = 0.0) -> RockingSample:
        """Feed one frame: (left, right) thigh angles in the image (None when unmeasurable), the
        near side, whether the person is in the start position (so a still hold may calibrate)
        and the body's yaw from side-on (the angles are corrected for it)."""
        if angles_deg is not None and math.isfinite(yaw_deg):
            dt = t_s - self._yaw_t if self._yaw_t is not None else 1.0
            yaw = self._yaw(yaw_deg, max(dt, 1e-3))
            self._yaw_t = t_s
        else:
            yaw = self._yaw.value or 0.0
        if angles_deg is not None:
            angles_deg = (unproject_thigh_deg(angles_deg[0], yaw),
                          unproject_thigh_deg(angles_deg[1], yaw))
        if angles_deg is None or side is None:
            progress = self.calibration.update(t_s, math.nan, math.nan, holding_start)
            return RockingSample(None, None, None, self.calibrated, progress)
        progress = self.calibration.update(t_s, angles_deg[0], angles_deg[1], holding_start)
        base = self.calibration.baseline
        if base is None:
            return RockingSample(None, None, None, False, progress)
        raw = (angles_deg[0 if side is Side.LEFT else 1] - base[side]) \
            / self.thresholds.depth_unit_deg
        if not math.isfinite(raw):
            return RockingSample(None, None, None, True, 1.0)
        if self._last is not None and t_s - self._last[0] > MAX_GAP_S:
            self.reset(keep_calibration=True)
        if self._last is None:
            self._started_s = t_s
        if self._is_spike(t_s, raw):
            last = self._last
            return RockingSample(last[1] if last else None, None, None, True, 1.0)
        self._last_raw = (t_s, raw)
        depth = float(self._smooth(t_s, raw))
        speed = accel = None
        if self._last is not None and t_s > self._last[0]:
            dt = t_s - self._last[0]
            speed = self._speed((depth - self._last[1]) / dt, dt)
            if (self._last_speed is not None and t_s > self._last_speed[0]
                    and t_s - self._started_s >= WARM_UP_S):
                dts = t_s - self._last_speed[0]
                accel = self._accel((speed - self._last_speed[1]) / dts, dts)
            self._last_speed = (t_s, speed)
        self._last = (t_s, depth)
        return RockingSample(depth, speed, accel, True, 1.0)
