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
    for t in np.arange(0.0, back_s + th.position_clear_s + 1.0, 1 / FPS):
        away = out_s <= t < back_s
        monitor.update(frame(float(t), in_position=not away,
                             limb_lifted=away and kind is WarningKind.LIMB_LIFTED))
        active.append((float(t), kind in monitor.active))
    raised = next(t for t, on in active if on)
    cleared = next(t for t, on in active if t > raised and not on)
    assert raised - out_s == pytest.approx(th.lost_position_s, abs=1 / FPS)
    assert cleared - back_s == pytest.approx(th.position_clear_s, abs=1 / FPS)
