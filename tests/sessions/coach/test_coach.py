"""The coach as a state machine, driven by simulated sequences of frame analyses."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import numpy as np
import pytest

from pose.events import (
    FrameAnalysis,
    MovementWarning,
    Phase,
    PostureResult,
    Rep,
    Verdict,
    WarningKind,
)
from sessions.coach.coach import (
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
       faults: dict[str, bool] | None = None) -> FrameAnalysis:
    return FrameAnalysis(t, PostureResult(verdict, faults or {}, "msg"), phase, calibrated,
                         depth, 0.0, rep, warnings, active)


def rep_at(end: float, period: float = 7.0, index: int = 1, partial: bool = False) -> Rep:
    return Rep(index, end - period, end, period, period * 4 / 7, period * 3 / 7, 0.9, 0.5,
               0.1, False, partial)


def frames(t0: float, t1: float) -> Iterator[float]:
    yield from (float(t) for t in np.arange(t0, t1, 1 / FPS))


class Driver:
    """Feeds the coach a frame at a time and keeps every view."""

    def __init__(self, plan: Plan | None = None, **settings: float) -> None:
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
    assert view.banner.detail == "1.90 (limit 1.20)" and Sound.WARNING in view.sounds
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


@pytest.mark.parametrize(
    ("message", "value", "threshold", "detail"),
    [("Slow down. (1.35 depth/s, limit 1.30)", 1.35, 1.3, "1.35 depth/s, limit 1.30"),
     ("Slow down", 1.35, None, "1.35"), ("Slow down", None, None, "")],
)
def test_banner_shows_the_figure_behind_the_warning(message: str, value: float | None,
                                                    threshold: float | None,
                                                    detail: str) -> None:
    d = Driver(Plan(target_reps=10))
    d.to_rocking()
    warn = MovementWarning(d.t, WarningKind.TOO_FAST, message, value, threshold)
    view = d.frame(warnings=(warn,))
    assert view.banner is not None and view.banner.detail == detail
    assert view.banner.text == "Slow down"


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
    d = Driver(Plan(target_reps=10), lost_s=0.5)
    d.to_rocking()
    d.run(3.0)
    view = d.run(1.0, verdict=Verdict.NOT_ON_ALL_FOURS, phase=Phase.LOST)
    assert view.banner is not None and view.banner.kind is WarningKind.LOST_POSITION
    d.run(1.0, verdict=Verdict.LIMB_LIFTED, phase=Phase.LOST)
    assert d.views[-1].banner is not None
    assert d.views[-1].banner.kind is WarningKind.LIMB_LIFTED
    d.run(2.5)
    assert d.views[-1].banner is None
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


def test_checklist_ticks_as_faults_clear() -> None:
    d = Driver()
    d.run(0.2)
    d.coach.command(Command.CONTINUE)
    view = d.frame(calibrated=False)
    assert view.stage is Stage.START_POSITION
    view = d.frame(calibrated=False, faults={"knees_not_under_hips": True,
                                             "torso_not_level": True})
    assert [(i.label, i.ok) for i in view.checklist] == [
        ("Hands under shoulders", True), ("Knees under hips", False), ("Back level", False)]
    view = d.frame(calibrated=False)
    assert all(i.ok for i in view.checklist)


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
        (Verdict.NOT_ON_ALL_FOURS, {"out_of_view": True}, frozenset(), None,
         "Move back so your hands and feet are in view"),
        (Verdict.NOT_ON_ALL_FOURS, {"wrong_view": True}, frozenset(), None,
         "Turn side-on to the camera"),
        (Verdict.ON_ALL_FOURS, {}, frozenset({WarningKind.WRONG_VIEW}), None,
         "Turn side-on to the camera"),
        (Verdict.ON_ALL_FOURS, {}, frozenset(), 0.2, "More light"),
        (Verdict.NOT_ON_ALL_FOURS, {}, frozenset(), 0.9, "Get on your hands and knees"),
        (Verdict.LIMB_LIFTED, {}, frozenset(), 0.9, "Put both hands and both knees"),
        (Verdict.ON_ALL_FOURS, {}, frozenset(), 0.9, None),
        (Verdict.ROCKED_BACK, {"torso_not_level": True}, frozenset(), None, None),
    ],
)
def test_setup_cues(verdict: Verdict, faults: dict[str, bool], active: frozenset[WarningKind],
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


@pytest.mark.parametrize(
    ("kinds", "reps", "reason", "starts"),
    [
        ((WarningKind.TOO_FAST, WarningKind.JERKY), 5, EndReason.TARGET_REPS,
         "The rocking got too fast and jerky (2 times): next time follow the pacer"),
        ((WarningKind.JERKY,), 8, EndReason.TARGET_REPS,
         "The rocking got jerky (once): next time follow the pacer"),
        ((WarningKind.LOST_POSITION,) * 2, 5, EndReason.USER, "Keep both hands"),
        ((), 0, EndReason.USER, "No reps counted"),
        ((), 8, EndReason.TARGET_REPS, "Well done"),
        ((WarningKind.TOO_FAST,) * 3, 2, EndReason.INTERRUPTED, "Session saved"),
    ],
)
def test_advice(kinds: tuple[WarningKind, ...], reps: int, reason: EndReason,
                starts: str) -> None:
    warnings = [MovementWarning(float(i), k, "") for i, k in enumerate(kinds)]
    assert advice_for([rep_at(7.0 * (i + 1)) for i in range(reps)], warnings,
                      reason).startswith(starts)


def test_advice_to_slow_down_names_its_reason() -> None:
    """After "Tempo: 6.9s a rep", the advice says which reps were too quick, not just "slower"."""
    reps = [rep_at(7.0 * (i + 1)) for i in range(8)]
    reps[2:5] = [replace(r, forceful=True) for r in reps[2:5]]
    warnings = [MovementWarning(1.0, WarningKind.TOO_FAST, "")]
    assert advice_for(reps, warnings, EndReason.TARGET_REPS) == (
        "3 reps were too forceful: next time follow the pacer, a long breath out as you "
        "rock back.")
