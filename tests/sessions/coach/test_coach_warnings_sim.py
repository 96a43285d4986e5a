"""The coach shows the analysis's position warnings (lost position, limb lifted, out of view):
the real analysis and the coach on a simulated session that loses the position while rocking."""

from __future__ import annotations

import pytest

from pose import simulate as sim
from pose.analysis.analyzer import MovementAnalyzer
from pose.events import FrameAnalysis, WarningKind
from sessions.coach.coach import Coach, CoachSettings, CoachView, Command, Stage
from sessions.coach.plan import Plan

FPS = 30.0
SETTLE = (sim.Hold(8.0), sim.Rock(2, period_s=7.0))   # calibrated, counted down, rocking
BACK = (sim.Hold(6.0), sim.Rock(1, period_s=7.0), sim.Hold(3.0))


def run(steps: tuple[sim.Step, ...]) -> list[tuple[FrameAnalysis, CoachView]]:
    analyzer, coach = MovementAnalyzer(), Coach(Plan(target_reps=20))
    coach.update(0.0, None)
    coach.command(Command.CONTINUE)
    plan = sim.Plan(steps=SETTLE + steps + BACK, noise=0.003)
    out = []
    for record, _ in sim.iter_records(plan, FPS):
        fa = analyzer.update(record)
        out.append((fa, coach.update(record.t_s, fa)))
    return out


@pytest.mark.parametrize(
    ("steps", "kind"),
    [((sim.LiftArm(3.0),), WarningKind.LIMB_LIFTED),
     ((sim.StandUp(1.5), sim.Hold(2.0), sim.GetIntoPosition(2.0)), WarningKind.LOST_POSITION),
     ((sim.Away(2.0),), WarningKind.OUT_OF_VIEW)],
    ids=["arm lifted", "stood up", "out of view"],
)
def test_the_banner_is_the_analysis_warning(steps: tuple[sim.Step, ...],
                                            kind: WarningKind) -> None:
    frames = run(steps)
    rocking = [(fa, v) for fa, v in frames if v.stage is Stage.ROCKING]
    assert rocking
    raised = [i for i, (fa, _) in enumerate(rocking) if kind in {w.kind for w in fa.warnings}]
    assert raised, f"the analysis never raised {kind}"
    hold_s = CoachSettings().min_banner_s
    for i, (fa, view) in enumerate(rocking):
        if i in raised:         # shown the moment the analysis raises it, with its sound
            assert view.banner is not None and view.banner.kind is kind
            assert view.new_warnings and kind in {w.kind for w in view.new_warnings}
        if view.banner is not None:   # and only while in force, or kept up to be read
            shown = view.banner.kind
            since = max(j for j in raised if j <= i) if shown is kind else None
            assert shown in fa.active or (
                since is not None and fa.t_s - rocking[since][0].t_s <= hold_s + 1e-9), \
                (fa.t_s, shown, fa.active)
    assert rocking[-1][1].banner is None        # back in position: cleared
