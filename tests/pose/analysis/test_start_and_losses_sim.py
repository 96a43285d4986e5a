"""What a real session does that clean footage does not, on the simulator: the wrong start
position held first, the person lost for a few seconds, the stream cut right after a rep."""

from __future__ import annotations

import pytest

from pose.analysis.analyzer import MovementAnalyzer
from pose.events import FrameAnalysis, Rep, Verdict
from pose.simulate import (
    GetIntoPosition,
    Hold,
    HoldPose,
    Plan,
    Rock,
    simulate,
)


def run(plan: Plan, *, finish: bool = True, cut_at_s: float | None = None, seed: int = 0
        ) -> tuple[list[FrameAnalysis], list[Rep], MovementAnalyzer]:
    session = simulate(plan, fps=30, seed=seed)
    records = [r for r in session.records if cut_at_s is None or r.t_s <= cut_at_s]
    analyzer = MovementAnalyzer()
    frames = [analyzer.update(r) for r in records]
    reps = [f.rep for f in frames if f.rep is not None]
    last = analyzer.finish() if finish else None
    if last is not None:
        reps.append(last)
    return frames, [r for r in reps if not r.partial], analyzer


NOT_THE_START = ["childs_pose", "knee_push_up", "kneeling_upright", "sitting_on_heels"]


@pytest.mark.parametrize("pose", NOT_THE_START)
def test_a_position_that_is_not_tabletop_is_never_calibrated(pose: str) -> None:
    frames, reps, _ = run(Plan((HoldPose(6.0, pose),), noise=0.003))
    assert not any(f.calibrated for f in frames)
    assert not reps
    expected = Verdict.ROCKED_BACK if pose == "childs_pose" else Verdict.NOT_ON_ALL_FOURS
    assert frames[-1].posture.verdict is expected   # rocked back stays in the exercise


@pytest.mark.parametrize("pose", NOT_THE_START)
def test_held_before_the_first_rep_the_zero_is_set_in_tabletop(pose: str) -> None:
    """The wrong position held first, then tabletop: calibration waits for tabletop, so every
    rep is measured from the right zero (depths as performed, all counted)."""
    plan = Plan((HoldPose(4.0, pose), GetIntoPosition(1.5), Hold(2.5),
                 Rock(3, period_s=5.0, depth=0.8), Hold(1.0)))
    frames, reps, _ = run(plan)
    calibrated_at = next(f.t_s for f in frames if f.calibrated)
    assert calibrated_at > 5.5
    assert len(reps) == 3
    assert all(r.depth == pytest.approx(0.8, abs=0.1) for r in reps)


def test_knee_push_up_is_out_of_position_with_its_own_advice() -> None:
    frames, _, _ = run(Plan((HoldPose(2.0, "knee_push_up"),)))
    posture = frames[-1].posture
    assert posture.verdict is Verdict.NOT_ON_ALL_FOURS
    assert posture.faults["hips_ahead_of_knees"]


def test_forward_overshoot_of_a_rock_stays_in_position() -> None:
    frames, reps, _ = run(Plan((Hold(2.0), Rock(3, forward=0.3), Hold(1.0))))
    assert all(f.posture.verdict.in_position for f in frames)
    assert len(reps) == 3
