"""The start position is tabletop: the real analysis and the coach on simulated holds (tabletop,
child's pose, a knee push-up) and on the real child's-pose clip, which never reaches the
countdown."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import landmark_cache

from pose import simulate as sim
from pose.analysis.analyzer import MovementAnalyzer
from pose.estimation import model_files
from pose.record import PoseRecord
from sessions.coach.coach import Coach, CoachView, Command, Stage


def coach_views(records: list[PoseRecord]) -> list[CoachView]:
    """Every view of a coach watching ``records`` from the set-up on."""
    analyzer, coach = MovementAnalyzer(), Coach()
    coach.update(0.0, None)
    coach.command(Command.CONTINUE)
    return [coach.update(r.t_s, analyzer.update(r)) for r in records]


@pytest.mark.parametrize("heading", [0.0, 180.0], ids=["facing-right", "facing-left"])
@pytest.mark.parametrize(
    ("name", "depth", "ticks", "cue"),
    [("tabletop", 0.0, (True, True, True), None),
     ("child's pose", 1.0, (False, False, True),
      "Come forward until your shoulders are over your hands"),
     ("knee push-up", -0.5, (False, False, True),
      "Shift back until your shoulders are over your hands")],
)
def test_checklist_on_simulated_holds(name: str, depth: float, ticks: tuple[bool, ...],
                                      cue: str | None, heading: float) -> None:
    plan = sim.Plan(steps=(sim.Hold(8.0, depth=depth),), heading_deg=heading, noise=0.003)
    views = coach_views([rec for rec, _ in sim.iter_records(plan, 30.0)])
    start = [v for v in views if v.stage is Stage.START_POSITION]
    assert start, name
    last = start[-1]
    assert tuple(i.ok for i in last.checklist) == ticks, (name, last.checklist)
    reached = any(v.stage is Stage.COUNTDOWN for v in views)
    assert reached is all(ticks), name
    if cue is not None:
        assert last.instruction == cue
        assert next(i.fix for i in last.checklist if not i.ok) == cue
    else:
        rocking = [v for v in views if v.pacer is not None]
        assert rocking and rocking[-1].pacer is not None
        # facing right (heading 0), the hips go left as they rock back
        assert rocking[-1].pacer.back_on_left is (heading == 0.0)


@pytest.mark.slow
@pytest.mark.xdist_group("real03_yg_childspose_hold_side")    # with the clip's other tests
def test_real_childs_pose_clip_never_reaches_the_countdown(realdata: Path,
                                                           pose_model: model_files.ModelBytes
                                                           ) -> None:
    clip = realdata / "video_real" / "real03_yg_childspose_hold_side.mp4"
    if not clip.exists():
        pytest.skip(f"{clip.name} is not in {clip.parent}")
    views = coach_views(landmark_cache.records(clip, pose_model, people=1))
    assert len(views) > 100
    assert {v.stage for v in views} == {Stage.START_POSITION}
    asked = {v.instruction for v in views[30:]}
    assert asked == {"Come forward until your shoulders are over your hands"}, asked
