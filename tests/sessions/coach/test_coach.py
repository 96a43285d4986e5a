"""The coach as a state machine, driven by simulated sequences of frame analyses."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import numpy as np
import pytest
from helpers.posture_figures import TABLETOP, figures

from pose.analysis.posture import PostureMeasures
from pose.analysis.tabletop import TabletopLimits, check_tabletop
from pose.events import (
    Fault,
    Fix,
    FrameAnalysis,
    MovementWarning,
    Phase,
    PostureResult,
    Rep,
    Verdict,
    WarningKind,
)
from sessions.coach.coach import (
    Advice,
    Coach,
    CoachSettings,
    CoachView,
    Command,
    EndReason,
    Sound,
    Stage,
    advice_for,
    setup_cue,
)
from sessions.coach.plan import Plan, Tempo

FPS = 30.0




def fa(t: float, verdict: Verdict = Verdict.ON_ALL_FOURS, phase: Phase = Phase.STILL,
       calibrated: bool = True, depth: float | None = 0.0, rep: Rep | None = None,
       warnings: tuple[MovementWarning, ...] = (), active: frozenset[WarningKind] = frozenset(),
       faults: dict[Fault, bool] | None = None, measures: PostureMeasures | None = TABLETOP,
       speed: float = 0.0) -> FrameAnalysis:
    has_person = verdict is not Verdict.NO_PERSON and measures is not None
    return FrameAnalysis(t, PostureResult(verdict, faults or {}, "msg"), phase, calibrated,
                         depth, speed, rep, warnings, active,
                         start=check_tabletop(measures) if has_person else None,
                         facing=measures.head_dir if has_person and measures else None)


def rep_at(end: float, period: float = 7.0, index: int = 1, partial: bool = False) -> Rep:
    return Rep(index, end - period, end, period, period * 4 / 7, period * 3 / 7, 0.9, 0.5,
               0.1, False, partial)


def frames(t0: float, t1: float) -> Iterator[float]:
    yield from (float(t) for t in np.arange(t0, t1, 1 / FPS))


class Driver:
    """Feeds the coach a frame at a time and keeps every view."""

    def __init__(self, plan: Plan | None = None, **settings: Any) -> None:
        self.coach = Coach(plan or Plan(target_reps=3, tempo=Tempo(4, 3)),
                           CoachSettings(**settings))
        self.views: list[CoachView] = []
        self.t = 0.0

    def run(self, seconds: float, **kw: object) -> CoachView:
        for t in frames(self.t, self.t + seconds):
            self.views.append(self.coach.update(t, fa(t, **kw)))  # type: ignore[arg-type]
        self.t += seconds
        return self.views[-1]

    def frame(self, **kw: object) -> CoachView:
        self.t += 1 / FPS
        view = self.coach.update(self.t, fa(self.t, **kw))  # type: ignore[arg-type]
        self.views.append(view)
        return view

    def to_rocking(self) -> None:
        """Safety -> set-up -> start position (calibrating, then calibrated) -> countdown."""
        self.run(1.0)
        self.coach.command(Command.CONTINUE)
        self.run(1.0, verdict=Verdict.NO_PERSON, phase=Phase.NO_PERSON, calibrated=False)
        self.run(1.0, phase=Phase.CALIBRATING, calibrated=False)
        self.run(0.5, phase=Phase.STILL, calibrated=True)
        for _ in range(int(5 * FPS)):     # stop at the first rocking frame
            if self.frame().stage is Stage.ROCKING:
                break
        assert self.coach.stage is Stage.ROCKING

    def stages(self) -> list[Stage]:
        out: list[Stage] = []
        for v in self.views:
            if not out or out[-1] is not v.stage:
                out.append(v.stage)
        return out


def test_phases_in_order_to_the_target() -> None:
    d = Driver()
    d.to_rocking()
    t_rock = d.t
    for k in range(3):
        d.run(7.0, phase=Phase.BACK, depth=0.5)
        d.frame(rep=rep_at(d.t, index=k + 1))
    assert d.stages() == [Stage.SAFETY, Stage.SETUP, Stage.START_POSITION, Stage.COUNTDOWN,
                          Stage.ROCKING, Stage.SUMMARY]
    assert d.coach.end_reason is EndReason.TARGET_REPS
    summary = d.coach.summary
    assert summary is not None and summary.reps == 3
    assert summary.median_period_s == pytest.approx(7.0)
    assert summary.active_s == pytest.approx(d.t - t_rock, abs=0.1)
    assert [r.index for r in d.coach.reps] == [1, 2, 3]
    d.coach.command(Command.CONTINUE)
    assert d.frame().stage is Stage.DONE


def test_safety_waits_for_a_key() -> None:
    d = Driver()
    view = d.run(30.0)
    assert view.stage is Stage.SAFETY
    assert "not medical advice" in view.instruction and "Stop if pain increases" in view.instruction


def test_no_counting_before_the_countdown_ends() -> None:
    d = Driver()
    d.run(0.5)
    d.coach.command(Command.CONTINUE)
    d.run(1.0, phase=Phase.CALIBRATING, calibrated=False)
    d.frame(rep=rep_at(d.t))                  # during start position
    d.run(1.2)
    assert d.coach.stage is Stage.COUNTDOWN
    d.frame(rep=rep_at(d.t))                  # during the countdown
    d.run(3.0)
    assert d.coach.stage is Stage.ROCKING
    d.frame(rep=rep_at(d.t, period=7.0))      # ended after, but started before the countdown ended
    assert d.coach.reps == ()
    assert all(v.reps == 0 for v in d.views)
    d.run(7.0)
    view = d.frame(rep=rep_at(d.t, period=7.0))
    assert view.reps == 1 and view.counted_rep is not None and view.counted_rep.index == 1


def test_countdown_ticks_three_two_one_then_starts() -> None:
    d = Driver()
    d.to_rocking()
    counts = [v.countdown for v in d.views if v.stage is Stage.COUNTDOWN]
    assert sorted(set(counts), reverse=True) == [3, 2, 1]  # type: ignore[type-var]
    sounds = [s for v in d.views for s in v.sounds]
    assert sounds.count(Sound.TICK) == 3 and sounds.count(Sound.START) == 1
    assert sounds.index(Sound.READY) < sounds.index(Sound.TICK) < sounds.index(Sound.START)


def test_pacer_sounds_mark_each_turn_point() -> None:
    d = Driver(Plan(target_reps=10, tempo=Tempo(4, 3)))
    d.to_rocking()
    start = len(d.views)
    d.run(14.5)
    turns = [(round(v.t_s - d.views[start].t_s), s) for v in d.views[start:] for s in v.sounds]
    assert turns == [(4, Sound.GO_FORWARD), (7, Sound.GO_BACK), (11, Sound.GO_FORWARD),
                     (14, Sound.GO_BACK)]
    pacer = d.views[-1].pacer
    assert pacer is not None and pacer.actual == 0.0 and 0.0 <= pacer.target <= 1.0


def test_warning_banner_raised_at_once_and_cleared_when_right_again() -> None:
    d = Driver(Plan(target_reps=10), min_banner_s=1.0)
    d.to_rocking()
    d.run(2.0)
    warn = MovementWarning(d.t, WarningKind.TOO_FAST, "too fast", 1.9, 1.2)
    view = d.frame(warnings=(warn,), active=frozenset({WarningKind.TOO_FAST}))
    assert view.banner is not None and view.banner.kind is WarningKind.TOO_FAST
    assert view.banner.detail == "Rock back over about 4 s, on a long breath out"
    assert Sound.WARNING in view.sounds
    assert view.new_warnings == (warn,)
    # still too fast for 3 s: the banner stays, the sound is not repeated every frame
    d.run(3.0, active=frozenset({WarningKind.TOO_FAST}))
    shown = d.views[-90:]
    assert all(v.banner is not None for v in shown)
    assert sum(Sound.WARNING in v.sounds for v in shown) == 0
    view = d.run(0.5)   # right again: cleared at once (it has been up longer than min_banner_s)
    assert view.banner is None
    assert d.views[-15].banner is None
    assert [w.kind for w in d.coach.warnings] == [WarningKind.TOO_FAST]


def test_a_one_frame_warning_stays_readable_then_clears() -> None:
    d = Driver(Plan(target_reps=10), min_banner_s=2.0)
    d.to_rocking()
    warn = MovementWarning(d.t, WarningKind.JERKY, "jerky")
    d.frame(warnings=(warn,))
    d.run(1.5)
    assert d.views[-1].banner is not None
    d.run(1.0)
    assert d.views[-1].banner is None


def test_lost_position_warns_and_reps_spanning_it_do_not_count() -> None:
    """The banner is the analysis's warning (raised, in force, cleared by the analysis); the
    coach keeps no timer of its own for it."""
    d = Driver(Plan(target_reps=10))
    d.to_rocking()
    d.run(3.0)
    lost, lifted = WarningKind.LOST_POSITION, WarningKind.LIMB_LIFTED
    out = {"verdict": Verdict.NOT_ON_ALL_FOURS, "phase": Phase.LOST}
    view = d.run(1.0, **out)     # out of position, but the analysis has raised nothing yet
    assert view.banner is None
    view = d.frame(**out, warnings=(MovementWarning(d.t, lost, "lost"),), active={lost})
    assert view.banner is not None and view.banner.kind is lost
    assert Sound.WARNING in view.sounds
    d.run(1.0, **out, active={lost})
    assert d.views[-1].banner is not None and d.views[-1].banner.kind is lost
    out["verdict"] = Verdict.LIMB_LIFTED
    d.frame(**out, warnings=(MovementWarning(d.t, lifted, "lifted"),), active={lifted})
    d.run(1.0, **out, active={lifted})
    assert d.views[-1].banner is not None and d.views[-1].banner.kind is lifted
    view = d.frame()             # back in position, the warning cleared: kept readable ...
    assert view.banner is not None and view.banner.kind is lifted
    view = d.run(1.5)            # ... until it has been up for min_banner_s
    assert view.banner is None
    assert [w.kind for w in d.coach.warnings] == [lost, lifted]
    d.frame(rep=rep_at(d.t, period=7.0))       # began before the loss
    assert d.coach.reps == ()
    d.run(7.0)
    d.frame(rep=rep_at(d.t, period=7.0))
    assert len(d.coach.reps) == 1


def test_losing_calibration_goes_back_to_the_start_position_then_a_countdown() -> None:
    d = Driver(Plan(target_reps=10))
    d.to_rocking()
    d.run(7.0)
    d.frame(rep=rep_at(d.t))
    d.run(6.0, verdict=Verdict.NOT_ON_ALL_FOURS, phase=Phase.LOST)   # got up
    d.frame(verdict=Verdict.NOT_ON_ALL_FOURS, phase=Phase.SETTING_UP, calibrated=False)
    assert d.coach.stage is Stage.START_POSITION
    d.run(2.0, verdict=Verdict.NOT_ON_ALL_FOURS, phase=Phase.SETTING_UP, calibrated=False)
    assert d.coach.stage is Stage.SETUP
    d.run(1.0, phase=Phase.CALIBRATING, calibrated=False)
    assert d.coach.stage is Stage.START_POSITION
    d.run(1.5)
    assert d.coach.stage is Stage.COUNTDOWN
    d.run(3.1)
    assert d.coach.stage is Stage.ROCKING and len(d.coach.reps) == 1


def test_partial_reps_never_count() -> None:
    d = Driver()
    d.to_rocking()
    d.run(7.0)
    d.frame(rep=rep_at(d.t, partial=True))
    assert d.coach.reps == ()


def test_pause_stops_counting_and_resumes_through_a_countdown() -> None:
    d = Driver(Plan(target_reps=10))
    d.to_rocking()
    d.run(2.0)
    d.coach.command(Command.TOGGLE_PAUSE)
    view = d.run(8.0)
    assert view.paused and view.title == "Paused" and view.pacer is None
    active = view.active_s
    d.frame(rep=rep_at(d.t))
    assert d.coach.reps == ()
    assert d.views[-1].active_s == pytest.approx(active)   # paused time does not count
    d.coach.command(Command.TOGGLE_PAUSE)
    d.frame()
    assert d.coach.stage is Stage.COUNTDOWN
    d.run(3.5)
    assert d.coach.stage is Stage.ROCKING and not d.views[-1].paused


@pytest.mark.parametrize(
    ("stage_at", "expected"),
    [("safety", Stage.DONE), ("setup", Stage.SUMMARY), ("rocking", Stage.SUMMARY)],
)
def test_end_key(stage_at: str, expected: Stage) -> None:
    d = Driver()
    d.run(0.5)
    if stage_at != "safety":
        d.coach.command(Command.CONTINUE)
        d.run(0.5, verdict=Verdict.NO_PERSON)
    if stage_at == "rocking":
        d.to_rocking()
    d.coach.command(Command.END)
    assert d.frame().stage is expected
    assert d.coach.end_reason is EndReason.USER


def test_target_time_ends_the_session() -> None:
    d = Driver(Plan(target_reps=50, target_duration_s=20.0))
    d.to_rocking()
    d.run(19.0)
    assert d.coach.stage is Stage.ROCKING
    d.run(1.5)
    assert d.coach.stage is Stage.SUMMARY
    assert d.coach.end_reason is EndReason.TARGET_TIME


def test_interrupt_ends_with_what_was_done() -> None:
    d = Driver(Plan(target_reps=10))
    d.to_rocking()
    d.run(7.0)
    d.frame(rep=rep_at(d.t))
    d.coach.interrupt()
    view = d.frame()
    assert view.stage is Stage.SUMMARY and view.summary is not None
    assert view.summary.reps == 1 and view.summary.end_reason is EndReason.INTERRUPTED


def test_summary_leaves_by_itself_when_asked() -> None:
    d = Driver(Plan(target_reps=1), summary_hold_s=2.0)
    d.to_rocking()
    d.run(7.0)
    d.frame(rep=rep_at(d.t))
    d.run(1.0)
    assert d.coach.stage is Stage.SUMMARY
    d.run(1.5)
    assert d.coach.stage is Stage.DONE


def test_mute_is_shown() -> None:
    d = Driver()
    d.coach.command(Command.TOGGLE_MUTE)
    assert d.frame().muted
    d.coach.command(Command.TOGGLE_MUTE)
    assert not d.frame().muted


@pytest.mark.parametrize(
    ("pose", "verdict", "ticks", "cue"),
    [
        (figures(), Verdict.ON_ALL_FOURS, (True, True, True), "Good. Hold still"),
        # child's pose: hips back on the heels, arms stretched ahead, back level
        (figures(thigh_deg=64.0, hand_offset=0.9, tilt_deg=3.0), Verdict.ROCKED_BACK,
         (False, False, True), "Come forward until your shoulders are over your hands"),
        # rocked back only a little: the hands are still under the shoulders
        (figures(thigh_deg=35.0, hand_offset=0.3), Verdict.ROCKED_BACK, (True, False, True),
         "Bring your hips forward until they are over your knees"),
        # knee push-up: hips pushed ahead of the knees, shoulders ahead of the hands
        (figures(thigh_deg=-45.0, hand_offset=-0.6, tilt_deg=20.0), Verdict.ON_ALL_FOURS,
         (False, False, True), "Shift back until your shoulders are over your hands"),
        (figures(thigh_deg=-45.0, hand_offset=0.0, tilt_deg=20.0), Verdict.ON_ALL_FOURS,
         (True, False, True), "Move your hips back until they are over your knees"),
        (figures(tilt_deg=30.0), Verdict.ON_ALL_FOURS, (True, True, False),
         "Level your back: hips and shoulders at the same height"),
    ],
)
def test_checklist_tests_each_fact_against_tabletop(pose: PostureMeasures, verdict: Verdict,
                                                    ticks: tuple[bool, ...], cue: str) -> None:
    d = Driver()
    d.run(0.2)
    d.coach.command(Command.CONTINUE)
    d.frame(calibrated=False)
    assert d.coach.stage is Stage.START_POSITION
    d.run(3.0, verdict=verdict, measures=pose)   # calibrated from the start: only the
    view = [v for v in d.views if v.stage is Stage.START_POSITION][-1]   # checklist holds it
    assert [i.label for i in view.checklist] == [
        "Hands under shoulders", "Knees under hips", "Back level"]
    assert tuple(i.ok for i in view.checklist) == ticks
    assert view.instruction == cue
    assert [i.fix for i in view.checklist if not i.ok][:1] == ([cue] if not all(ticks) else [])
    reached = Stage.COUNTDOWN in d.stages()
    assert reached is all(ticks)


def test_childs_pose_never_reaches_the_countdown_until_tabletop() -> None:
    d = Driver()
    d.run(0.2)
    d.coach.command(Command.CONTINUE)
    d.run(10.0, verdict=Verdict.ROCKED_BACK, measures=figures(64.0, 0.9, 3.0))
    assert Stage.COUNTDOWN not in d.stages()
    d.run(2.0)                                           # comes forward into tabletop
    assert Stage.COUNTDOWN in d.stages()


def test_a_fact_met_is_kept_until_clearly_lost() -> None:
    """A thigh wobbling across the knees' limit keeps its tick (the analysis's hysteresis)."""
    limits = TabletopLimits()
    limit = limits.max_thigh_deg                      # met afresh within this ...
    kept = limit * (1.0 + limits.hysteresis)          # ... and, once met, kept within this
    gap = kept - limit
    inside, between = limit - gap / 3, limit + 2 * gap / 3
    previous = check_tabletop(figures(thigh_deg=limit / 2))
    for i in range(20):
        wobble = inside if i % 2 == 0 else between
        previous = check_tabletop(figures(thigh_deg=wobble), previous=previous)
        assert previous.knees is Fix.OK
    assert check_tabletop(figures(thigh_deg=between)).knees is Fix.HIPS_FORWARD   # afresh
    assert check_tabletop(figures(thigh_deg=kept + gap),
                          previous=previous).knees is Fix.HIPS_FORWARD           # clearly lost


def test_countdown_says_hold_still_and_the_pacer_starts_at_go() -> None:
    d = Driver()
    d.run(0.2)
    d.coach.command(Command.CONTINUE)
    d.run(5.0)
    countdown = [v for v in d.views if v.stage is Stage.COUNTDOWN]
    assert countdown and {v.countdown for v in countdown} == {3, 2, 1}
    for v in countdown:
        assert v.instruction == "Hold still and get ready" and v.title == "Get ready"
        assert v.pacer is None and "rock" not in v.instruction.lower()
    first = next(v for v in d.views if v.stage is Stage.ROCKING)
    assert Sound.START in first.sounds
    assert first.pacer is not None and first.instruction == "Breathe out, rock back"


@pytest.mark.parametrize(("head_dir", "back_on_left"), [(1.0, True), (-1.0, False)])
def test_pacer_bar_back_end_is_where_the_hips_go(head_dir: float, back_on_left: bool) -> None:
    """Facing right (head toward +x), rocking back moves the hips left: "back" is on the left."""
    d = Driver()
    d.run(0.2)
    d.coach.command(Command.CONTINUE)
    view = d.run(6.0, measures=figures(head_dir=head_dir))
    assert view.pacer is not None and view.pacer.back_on_left is back_on_left


def test_too_fast_says_the_reps_real_time_in_seconds() -> None:
    d = Driver(Plan(target_reps=10, tempo=Tempo(4, 3)))
    d.to_rocking()
    d.run(2.0)
    warn = MovementWarning(d.t, WarningKind.TOO_FAST, "Slow down (1.35 depth/s, limit 1.30)",
                           1.35, 1.3)
    view = d.frame(warnings=(warn,), speed=1.35, active=frozenset({WarningKind.TOO_FAST}))
    assert view.banner is not None and view.banner.text == "Slow down"
    assert view.banner.detail == "Rock back over about 4 s, on a long breath out"
    assert "depth" not in view.banner.detail
    d.run(0.5, active=frozenset({WarningKind.TOO_FAST}))
    rep = Rep(1, warn.t_s - 0.3, d.t + 1 / FPS, 1.6, 0.8, 0.8, 0.9, 2.05, 8.0, True)
    view = d.frame(rep=rep, active=frozenset({WarningKind.TOO_FAST}))
    assert view.banner is not None
    assert view.banner.detail == "You rocked back in 0.8 s: take about 4 s, on a long breath out"


def test_too_fast_coming_forward_names_the_forward_time() -> None:
    d = Driver(Plan(target_reps=10, tempo=Tempo(4, 3)))
    d.to_rocking()
    d.run(2.0)
    warn = MovementWarning(d.t, WarningKind.TOO_FAST, "x", 1.5, 1.3)
    view = d.frame(warnings=(warn,), speed=-1.5)
    assert view.banner is not None
    assert view.banner.detail == "Come forward over about 3 s, breathing in"
    rep = Rep(1, warn.t_s - 2.0, d.t + 1 / FPS, 2.6, 2.0, 0.6, 0.9, 1.5, 3.0, False)
    view = d.frame(rep=rep)
    assert view.banner is not None
    assert view.banner.detail == "You came forward in 0.6 s: take about 3 s, breathing in"


@pytest.mark.parametrize("jerky_first", [True, False])
def test_too_fast_and_jerky_together_lead_with_slow_down(jerky_first: bool) -> None:
    d = Driver(Plan(target_reps=10))
    d.to_rocking()
    d.run(2.0)
    fast = MovementWarning(d.t, WarningKind.TOO_FAST, "fast", 1.5, 1.3)
    jerky = MovementWarning(d.t, WarningKind.JERKY, "jerky", 7.0, 6.0)
    both = frozenset({WarningKind.TOO_FAST, WarningKind.JERKY})
    if jerky_first:        # a frame apart
        d.frame(warnings=(jerky,), speed=1.0, active=frozenset({WarningKind.JERKY}))
        view = d.frame(warnings=(fast,), speed=1.5, active=both)
    else:                  # the same frame, in either order
        view = d.frame(warnings=(jerky, fast), speed=1.5, active=both)
    assert view.banner is not None and view.banner.kind is WarningKind.TOO_FAST
    assert view.banner.text == "Slow down. Smoothly, no bouncing"
    assert view.banner.detail.startswith("Rock back over about")


def test_last_rep_line_keeps_figures_and_verdict_apart() -> None:
    d = Driver(Plan(target_reps=10, tempo=Tempo(4, 3)))
    d.to_rocking()
    d.run(6.0)
    view = d.frame(rep=Rep(1, d.t - 4.7, d.t, 4.7, 2.4, 2.3, 0.9, 0.8, 1.0, False))
    view = d.frame()
    assert view.last_rep_figures == "Last rep 4.7 s (2.4 back / 2.3 fwd)"
    assert view.last_rep_verdict == "too quick"
    assert view.last_rep == "Last rep 4.7 s (2.4 back / 2.3 fwd): too quick"


def test_leaving_the_start_position_goes_back_to_setup() -> None:
    d = Driver(leave_position_s=1.0)
    d.run(0.2)
    d.coach.command(Command.CONTINUE)
    d.run(0.5, calibrated=False)
    assert d.coach.stage is Stage.START_POSITION
    d.run(0.5, verdict=Verdict.NOT_ON_ALL_FOURS, calibrated=False)
    assert d.coach.stage is Stage.START_POSITION      # a brief wobble does not reset
    d.run(1.0, verdict=Verdict.NOT_ON_ALL_FOURS, calibrated=False)
    assert d.coach.stage is Stage.SETUP


@pytest.mark.parametrize(
    ("verdict", "faults", "active", "vis", "cue"),
    [
        (Verdict.NO_PERSON, {}, frozenset(), None, "Step into view"),
        (Verdict.NOT_ON_ALL_FOURS, {}, frozenset({WarningKind.OUT_OF_VIEW}), None,
         "Move back so your hands and feet are in view"),
        (Verdict.NOT_ON_ALL_FOURS, {Fault.OUT_OF_VIEW: True}, frozenset(), None,
         "Move back so your hands and feet are in view"),
        (Verdict.NOT_ON_ALL_FOURS, {Fault.WRONG_VIEW: True}, frozenset(), None,
         "Turn side-on to the camera"),
        (Verdict.ON_ALL_FOURS, {}, frozenset({WarningKind.WRONG_VIEW}), None,
         "Turn side-on to the camera"),
        (Verdict.ON_ALL_FOURS, {}, frozenset(), 0.2, "More light"),
        (Verdict.NOT_ON_ALL_FOURS, {}, frozenset(), 0.9, "Get on your hands and knees"),
        (Verdict.LIMB_LIFTED, {}, frozenset(), 0.9, "Put both hands and both knees"),
        (Verdict.ON_ALL_FOURS, {}, frozenset(), 0.9, None),
        (Verdict.ROCKED_BACK, {Fault.TORSO_NOT_LEVEL: True}, frozenset(), None, None),
    ],
)
def test_setup_cues(verdict: Verdict, faults: dict[Fault, bool], active: frozenset[WarningKind],
                    vis: float | None, cue: str | None) -> None:
    got = setup_cue(fa(0.0, verdict=verdict, faults=faults, active=active), vis)
    if cue is None:
        assert got is None
    else:
        assert got is not None and got.startswith(cue)


def test_forceful_reps_are_counted_in_the_summary_and_advice() -> None:
    d = Driver(Plan(target_reps=2))
    d.to_rocking()
    d.run(7.0)
    d.frame(rep=rep_at(d.t))
    d.run(2.0)
    d.frame(rep=replace(rep_at(d.t, period=1.5), forceful=True))
    summary = d.coach.summary
    assert summary is not None and summary.reps == 2 and summary.forceful == 1
    assert summary.advice == ("1 rep was too forceful: next time follow the pacer, a long breath "
                              "out as you rock back.")
    assert summary.advice_kind is Advice.FORCEFUL


@pytest.mark.parametrize(
    ("kinds", "reps", "reason", "starts", "expected"),
    [
        ((WarningKind.TOO_FAST, WarningKind.JERKY), 5, EndReason.TARGET_REPS,
         "The rocking got too fast and jerky (2 times): next time follow the pacer",
         Advice.RUSHED),
        ((WarningKind.JERKY,), 8, EndReason.TARGET_REPS,
         "The rocking got jerky (once): next time follow the pacer", Advice.RUSHED),
        ((WarningKind.LOST_POSITION,) * 2, 5, EndReason.USER, "Keep both hands", Advice.POSITION),
        ((), 0, EndReason.USER, "No reps counted", Advice.NO_REPS),
        ((), 3, EndReason.SOURCE_ENDED, "The video ended", Advice.SOURCE_ENDED),
        ((), 8, EndReason.TARGET_REPS, "Well done", Advice.WELL_DONE),
        ((WarningKind.TOO_FAST,) * 3, 2, EndReason.INTERRUPTED, "Session saved",
         Advice.INTERRUPTED),
    ],
)
def test_advice(kinds: tuple[WarningKind, ...], reps: int, reason: EndReason,
                starts: str, expected: Advice) -> None:
    warnings = [MovementWarning(float(i), k, "") for i, k in enumerate(kinds)]
    kind, advice = advice_for([rep_at(7.0 * (i + 1)) for i in range(reps)], warnings, reason)
    assert advice.startswith(starts) and kind is expected


def test_advice_to_slow_down_names_its_reason() -> None:
    """After "Tempo: 6.9s a rep", the advice says which reps were too quick, not just "slower"."""
    reps = [rep_at(7.0 * (i + 1)) for i in range(8)]
    reps[2:5] = [replace(r, forceful=True) for r in reps[2:5]]
    warnings = [MovementWarning(1.0, WarningKind.TOO_FAST, "")]
    assert advice_for(reps, warnings, EndReason.TARGET_REPS) == (Advice.FORCEFUL,
        "3 reps were too forceful: next time follow the pacer, a long breath out as you "
        "rock back.")
