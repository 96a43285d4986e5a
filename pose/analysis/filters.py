"""One Euro filter (Casiez et al., CHI 2012), vectorised over any array shape and NaN-safe.

Low jitter when still, little lag when moving: the cut-off frequency rises with the speed.
An element that is NaN on input comes out NaN and leaves that element's state untouched; an
element that was never finite (or was reset) starts again from its next finite value.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike, NDArray

FloatArray = NDArray[np.float64]
#: Samples closer together than this (a repeated timestamp, or one a rounding error apart) do not
#: advance the filter: dividing by such a step overflows.
MIN_DT_S = 1e-6


def _alpha(cutoff_hz: FloatArray | float, dt_s: float) -> FloatArray:
    tau = 1.0 / (2.0 * math.pi * np.asarray(cutoff_hz, dtype=np.float64))
    return np.asarray(1.0 / (1.0 + tau / dt_s), dtype=np.float64)


class OneEuroFilter:
    """Smooth a stream of arrays (landmark positions or a scalar signal) sampled at times ``t``.

    ``min_cutoff_hz`` sets the smoothing when still, ``beta`` how fast the cut-off rises with
    speed (in units of the signal per second), ``d_cutoff_hz`` the smoothing of that speed.
    """

    def __init__(self, min_cutoff_hz: float = 1.0, beta: float = 0.0,
                 d_cutoff_hz: float = 1.0) -> None:
        if min_cutoff_hz <= 0 or d_cutoff_hz <= 0 or beta < 0:
            raise ValueError("cut-offs must be positive and beta non-negative")
        self.min_cutoff_hz = min_cutoff_hz
        self.beta = beta
        self.d_cutoff_hz = d_cutoff_hz
        self._x: FloatArray | None = None
        self._dx: FloatArray | None = None
        self._t: float | None = None

    def reset(self) -> None:
        """Forget all state; the next value passes through unchanged."""
        self._x = self._dx = None
        self._t = None

    def __call__(self, t_s: float, value: ArrayLike) -> FloatArray:
        """Filter one sample taken at ``t_s`` seconds; returns the smoothed value (a new array)."""
        if isinstance(value, float | int):
            return np.array(self._scalar(t_s, float(value)))
        x = np.array(value, dtype=np.float64)
        finite = np.isfinite(x)
        if self._x is None or self._dx is None or self._t is None or self._x.shape != x.shape:
            self._x = np.where(finite, x, np.nan)
            self._dx = np.where(finite, 0.0, np.nan)
            self._t = t_s
            return self._x.copy()
        dt = t_s - self._t
        if not dt > MIN_DT_S:  # repeated or backwards timestamp: keep the state, report it
            return np.where(finite, self._x, np.nan)
        self._t = t_s
        prev_ok = np.isfinite(self._x)
        upd = finite & prev_ok
        start = finite & ~prev_ok
        raw_dx = np.where(upd, (x - np.where(prev_ok, self._x, 0.0)) / dt, 0.0)
        a_d = _alpha(self.d_cutoff_hz, dt)
        dx = np.where(upd, self._dx + a_d * (raw_dx - self._dx), self._dx)
        cutoff = self.min_cutoff_hz + self.beta * np.abs(np.where(upd, dx, 0.0))
        a = _alpha(cutoff, dt)
        new_x = np.where(upd, self._x + a * (x - np.where(prev_ok, self._x, 0.0)), self._x)
        self._x = np.where(start, x, new_x)
        self._dx = np.where(start, 0.0, dx)
        return np.where(finite, self._x, np.nan)

    def _scalar(self, t_s: float, x: float) -> float:
        """``__call__`` for one number, the same steps in plain floats (a signal filtered once
        a frame: numpy's per-call cost on a 0-d array is most of the work)."""
        finite = math.isfinite(x)
        if self._x is None or self._dx is None or self._t is None or self._x.shape != ():
            self._x = np.array(x if finite else math.nan)
            self._dx = np.array(0.0 if finite else math.nan)
            self._t = t_s
            return float(self._x)
        dt = t_s - self._t
        prev = float(self._x)
        if not dt > MIN_DT_S:
            return prev if finite else math.nan
        self._t = t_s
        prev_ok = math.isfinite(prev)
        if finite and not prev_ok:           # (re)starts from this value
            self._x, self._dx = np.array(x), np.array(0.0)
            return x
        if not finite:
            return math.nan
        d_prev = float(self._dx)
        a_d = 1.0 / (1.0 + (1.0 / (2.0 * math.pi * self.d_cutoff_hz)) / dt)
        dx = d_prev + a_d * ((x - prev) / dt - d_prev)
        cutoff = self.min_cutoff_hz + self.beta * abs(dx)
        a = 1.0 / (1.0 + (1.0 / (2.0 * math.pi * cutoff)) / dt)
        new_x = prev + a * (x - prev)
        self._x, self._dx = np.array(new_x), np.array(dx)
        return new_x
