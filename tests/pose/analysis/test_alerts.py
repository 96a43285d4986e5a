"""Position warnings: raised after ``lost_position_s`` out of position, cleared after
``position_clear_s`` back in it (the thresholds named in ``Thresholds``, nothing else)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from pose.analysis.alerts import AlertInputs, AlertMonitor, Thresholds
from pose.events import WarningKind

FPS = 30.0


def frame(t_s: float, *, in_position: bool, limb_lifted: bool = False) -> AlertInputs:
    return AlertInputs(t_s=t_s, calibrated=True, in_position=in_position,
                       limb_lifted=limb_lifted, person=True, out_of_view=False,
                       wrong_view=False, speed=0.0, accel=0.0)


@pytest.mark.parametrize("kind", [WarningKind.LOST_POSITION, WarningKind.LIMB_LIFTED])
@pytest.mark.parametrize("th", [Thresholds(),
                                replace(Thresholds(), lost_position_s=0.8, position_clear_s=1.5)])
def test_position_warnings_raise_and_clear_after_their_named_delays(
        kind: WarningKind, th: Thresholds) -> None:
    monitor = AlertMonitor(th)
    out_s, back_s = 1.0, 1.0 + th.lost_position_s + 1.0     # out at out_s, back at back_s
    active: list[tuple[float, bool]] = []
    for t in np.arange(0.0, back_s + th.position_clear_s + 1.0, 1 / FPS).tolist():
        away = out_s <= t < back_s
        monitor.update(frame(float(t), in_position=not away,
                             limb_lifted=away and kind is WarningKind.LIMB_LIFTED))
        active.append((float(t), kind in monitor.active))
    raised = next(t for t, on in active if on)
    cleared = next(t for t, on in active if t > raised and not on)
    assert raised - out_s == pytest.approx(th.lost_position_s, abs=1 / FPS)
    assert cleared - back_s == pytest.approx(th.position_clear_s, abs=1 / FPS)


@pytest.mark.parametrize("spell_s", [0.2, 0.3, 0.4])
def test_out_of_position_that_keeps_changing_how_still_warns(spell_s: float) -> None:
    """Out of position throughout, but switching between a lifted limb and another fault
    faster than the raise delay: neither fault alone lasts long enough, yet the person has been
    out of position all along and is warned after ``lost_position_s`` (not never)."""
    th = Thresholds()
    monitor = AlertMonitor(th)
    out_s = 1.0
    raised: list[tuple[float, WarningKind]] = []
    for t in np.arange(0.0, out_s + 4.0, 1 / FPS).tolist():
        away = t >= out_s
        lifted = away and int((t - out_s) / spell_s) % 2 == 0
        for w in monitor.update(frame(float(t), in_position=not away, limb_lifted=lifted)):
            raised.append((float(t), w.kind))
    position = [(t, k) for t, k in raised
                if k in (WarningKind.LOST_POSITION, WarningKind.LIMB_LIFTED)]
    assert position, "never warned"
    first_t, _ = position[0]
    assert first_t - out_s <= th.lost_position_s + spell_s + 1 / FPS


def test_a_lifted_limb_is_one_warning_not_also_position_lost() -> None:
    monitor = AlertMonitor()
    kinds = [w.kind for t in np.arange(0.0, 4.0, 1 / FPS).tolist()
             for w in monitor.update(frame(float(t), in_position=t < 1.0, limb_lifted=t >= 1.0))]
    assert kinds == [WarningKind.LIMB_LIFTED]


def test_putting_a_lifted_limb_down_through_another_fault_is_no_new_warning() -> None:
    """Arm lifted for 2 s, then 0.2 s of another fault on the way back into position."""
    monitor = AlertMonitor()
    kinds = []
    for t in np.arange(0.0, 6.0, 1 / FPS).tolist():
        lifted = 1.0 <= t < 3.0
        out = 1.0 <= t < 3.2
        kinds += [w.kind for w in monitor.update(frame(float(t), in_position=not out,
                                                       limb_lifted=lifted))]
    assert kinds == [WarningKind.LIMB_LIFTED]
