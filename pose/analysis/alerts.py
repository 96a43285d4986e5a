"""Movement warnings, raised the moment the movement shows them and cleared when it is right again.

Units are the tool's own: **depth units** (1 = the thigh turned back 65 degrees about the knee
from the person's calibrated start position, about as far as the heels) and seconds.

Why the defaults. The clips' ground truth (../shared/realdata/video) gives steady reps of 4-6 s
peaking at 0.5-0.9 depth units/s and forceful ones (periods of 1.2-1.5 s) at 1.8-3.9. A smooth
rep to depth 0.8 that takes 2 s, the shortest period the advice still calls slow, peaks at
pi * 0.8 / 2 = 1.26 units/s: ``too_fast_speed`` = 1.3, near the geometric middle of 0.9 and 1.8.
What this analysis measured on those clips (real model): steady reps 0.57-1.01 units/s, forceful
ones 1.98-2.42, so the limit leaves room both ways. Peak acceleration (``jerky_accel``): steady
reps measured 0.8-2.0 units/s^2 on the clips and up to 3.0 in simulation with heavy landmark
jitter; the forceful clip reps 7.0-10.4; 6.0 sits between. A jerky profile at a slow tempo
(every phase starting at full speed, 3-4 s reps) reaches only 2-4 and is not told apart from
jitter: such reps are caught only once they are also quick.
"""

from __future__ import annotations

from dataclasses import dataclass

from pose.analysis.timers import HeldFor
from pose.events import MovementWarning, WarningKind
from pose.messages import WARNINGS


@dataclass(frozen=True)
class Thresholds:
    """Every threshold of the movement analysis, in named units; override any with ``replace``."""

    # rocking depth signal
    depth_unit_deg: float = 65.0           # thigh rotation (deg) that makes one depth unit
    calibration_hold_s: float = 1.0        # hold the start position this long to calibrate
    calibration_tolerance_deg: float = 2.5  # ... the thigh angle's spread (SD) within this
    recalibrate_after_s: float = 5.0       # a loss of position this long asks for a new hold
    # rep counting
    rep_enter_depth: float = 0.2           # a rep starts once past this depth ...
    rep_return_depth: float = 0.1          # ... and is over once back within this depth
    rep_min_dwell_s: float = 0.25          # time past each threshold before it counts
    full_rep_depth: float = 0.5            # shallower reps are partial: reported, not counted
    quiet_speed: float = 0.02              # depth units/s: slower than this is not moving
    # force
    too_fast_speed: float = 1.3            # depth units/s
    jerky_accel: float = 6.0               # depth units/s^2
    forceful_min_period_s: float = 2.0     # a counted rep quicker than this is forceful
    # position
    lost_position_s: float = 0.5           # out of position this long: lost_position
    out_of_view_s: float = 0.5
    wrong_view_s: float = 1.0
    # clearing
    clear_fraction: float = 0.8            # a speed warning clears below this share of its limit
    clear_s: float = 2.0                   # ... once it stayed there this long
    position_clear_s: float = 0.5          # lost_position / limb_lifted clear once back in
                                           # position (limb down) this long


DEFAULT_THRESHOLDS = Thresholds()

@dataclass(frozen=True)
class AlertInputs:
    """What one frame tells the alerts."""

    t_s: float
    calibrated: bool
    in_position: bool
    limb_lifted: bool
    person: bool
    out_of_view: bool
    wrong_view: bool
    speed: float | None
    accel: float | None


class _Condition:
    """One warning condition: raised after ``raise_s`` of trouble, cleared after ``clear_s``
    of calm."""

    def __init__(self, raise_s: float, clear_s: float) -> None:
        self.active = False
        self._raise = HeldFor(raise_s)
        self._clear = HeldFor(clear_s)

    def reset(self) -> None:
        self.active = False
        self._raise.reset()
        self._clear.reset()

    def update(self, t_s: float, bad: bool, calm: bool, may_raise: bool = True) -> bool:
        """Feed one frame; True when the warning is raised at this frame (trouble held long
        enough and ``may_raise``: a held trouble waits for a frame that may raise it)."""
        if not self.active:
            if self._raise.update(t_s, bad) and may_raise:
                self.active = True
                self._raise.reset()
                return True
            return False
        if self._clear.update(t_s, calm):
            self.active = False
            self._clear.reset()
        return False


class AlertMonitor:
    """All warning conditions of a stream, with hysteresis; ``update`` once a frame."""

    def __init__(self, thresholds: Thresholds = Thresholds()) -> None:
        th = self.thresholds = thresholds
        self._conds: dict[WarningKind, _Condition] = {
            WarningKind.TOO_FAST: _Condition(0.0, th.clear_s),
            WarningKind.JERKY: _Condition(0.0, th.clear_s),
            WarningKind.LOST_POSITION: _Condition(th.lost_position_s, th.position_clear_s),
            WarningKind.LIMB_LIFTED: _Condition(th.lost_position_s, th.position_clear_s),
            WarningKind.OUT_OF_VIEW: _Condition(th.out_of_view_s, th.clear_s),
            WarningKind.WRONG_VIEW: _Condition(th.wrong_view_s, th.clear_s),
        }

    def reset(self) -> None:
        for cond in self._conds.values():
            cond.reset()

    @property
    def active(self) -> frozenset[WarningKind]:
        """The warning conditions in force now."""
        return frozenset(k for k, c in self._conds.items() if c.active)

    def update(self, f: AlertInputs) -> tuple[MovementWarning, ...]:
        """Feed one frame; returns the warnings raised at this frame."""
        th = self.thresholds
        speed = abs(f.speed) if f.speed is not None else None
        accel = abs(f.accel) if f.accel is not None else None
        moving = f.calibrated and f.in_position
        checks: dict[WarningKind, tuple[bool, bool, float | None, float | None]] = {
            WarningKind.TOO_FAST: (
                moving and speed is not None and speed > th.too_fast_speed,
                speed is None or speed < th.clear_fraction * th.too_fast_speed,
                speed, th.too_fast_speed),
            WarningKind.JERKY: (
                moving and accel is not None and accel > th.jerky_accel,
                accel is None or accel < th.clear_fraction * th.jerky_accel,
                accel, th.jerky_accel),
            # A lifted limb first: while its warning is in force it is the one warning (no
            # "position lost" as the limb comes down). Otherwise out of position in any way,
            # a lifted limb included, counts towards "position lost", raised on a frame
            # without a lifted limb: a spell that keeps switching between faults faster than
            # the delay is still warned about.
            WarningKind.LIMB_LIFTED: (f.limb_lifted, not f.limb_lifted, None, None),
            WarningKind.LOST_POSITION: (
                f.calibrated and f.person and not f.in_position
                and not self._conds[WarningKind.LIMB_LIFTED].active,
                f.in_position or f.limb_lifted, None, None),
            WarningKind.OUT_OF_VIEW: (
                f.out_of_view or (f.calibrated and not f.person),
                not f.out_of_view and f.person, None, None),
            WarningKind.WRONG_VIEW: (f.wrong_view, not f.wrong_view, None, None),
        }
        raised = []
        for kind, (bad, calm, value, limit) in checks.items():
            may_raise = kind is not WarningKind.LOST_POSITION or not f.limb_lifted
            if self._conds[kind].update(f.t_s, bad, calm, may_raise):
                raised.append(_warning(f.t_s, kind, value, limit))
        return tuple(raised)


def _warning(t_s: float, kind: WarningKind, value: float | None,
             limit: float | None) -> MovementWarning:
    """The warning with its message; the figure, when there is one, follows in brackets."""
    said = WARNINGS[kind].report
    bare = MovementWarning(t_s, kind, said, value, limit)
    if value is None or limit is None:
        return bare
    return MovementWarning(t_s, kind, f"{said} ({bare.figure})", value, limit)
