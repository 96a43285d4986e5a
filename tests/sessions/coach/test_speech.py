"""The speech scheduler and the cues it is given: pure, no audio, no clock."""

from __future__ import annotations

from dataclasses import replace

import pytest

from pose.events import Fix, MovementWarning, Rep, WarningKind
from sessions.coach import words
from sessions.coach.coach import advice_for
from sessions.coach.phrases import PHRASES
from sessions.coach.plan import Tempo
from sessions.coach.speech import (
    ADVICE,
    ADVICE_PHRASE,
    MILESTONE,
    PACER,
    PAIN_CHANGE_PHRASE,
    WARNING,
    Cue,
    CueMaker,
    SpeechScheduler,
    tone_key,
)
from sessions.coach.view import (
    Advice,
    Banner,
    CheckItem,
    CoachView,
    EndReason,
    Sound,
    Stage,
    Summary,
)
from sessions.pain import PainChange, pain_change, pain_message

LENGTH = {"long": 3.0, "short": 0.5, "warn": 1.0, "pace": 1.2}


def sched() -> SpeechScheduler:
    return SpeechScheduler(lambda key: LENGTH.get(key, 1.0), breath_s=0.1)


def run(s: SpeechScheduler, offers: dict[float, list[Cue]], until: float,
        step: float = 1 / 30) -> list[tuple[str, float]]:
    """Step the scheduler at 30 fps, offering cues at their times; (key, start) started."""
    got: list[tuple[str, float]] = []
    pending = sorted(offers.items())
    n = 0
    while n * step <= until:
        t = n * step
        cues = [c for at, cs in pending if at <= t for c in cs]
        pending = [(at, cs) for at, cs in pending if at > t]
        got.extend((x.key, round(x.start_s, 3)) for x in s.step(t, cues))
        n += 1
    return got


def test_one_sound_at_a_time_in_order_of_importance() -> None:
    s = sched()
    got = run(s, {0.0: [Cue("long", ADVICE, max_wait_s=10)],
                  1.0: [Cue("short", MILESTONE, max_wait_s=10),
                        Cue("warn", WARNING, max_wait_s=10)]}, until=8)
    assert [k for k, _ in got] == ["long", "warn", "short"]   # the warning goes first
    for a, b in zip(s.log, s.log[1:], strict=False):
        assert b.start_s >= a.end_s + 0.1 - 1e-9                # never over the last one


def test_a_stale_cue_is_dropped_not_played_late() -> None:
    s = sched()
    got = run(s, {0.0: [Cue("long", STAGE_PRIORITY := 30, max_wait_s=5)],
                  0.5: [Cue("pace", PACER, max_wait_s=0.4)]}, until=6)
    assert STAGE_PRIORITY and [k for k, _ in got] == ["long"]
    assert any(key == "pace" for _, key in s.dropped)


def test_the_same_cue_is_not_repeated_within_its_gap() -> None:
    s = sched()
    warn = Cue("warn", WARNING, max_wait_s=1.0, repeat_gap_s=8.0)
    got = run(s, {0.0: [warn], 3.0: [warn], 6.0: [warn], 9.0: [warn]}, until=12)
    assert got == [("warn", 0.0), ("warn", 9.0)]


def test_a_cue_waiting_is_not_queued_twice() -> None:
    s = sched()
    got = run(s, {0.0: [Cue("long", WARNING, max_wait_s=5)],
                  0.5: [Cue("short", ADVICE, max_wait_s=5, repeat_gap_s=0)],
                  0.6: [Cue("short", ADVICE, max_wait_s=5, repeat_gap_s=0)]}, until=6)
    assert [k for k, _ in got] == ["long", "short"]


def test_equal_priorities_keep_their_order() -> None:
    s = sched()
    cues = [Cue(k, 30, max_wait_s=30, order=i) for i, k in enumerate(["b", "a", "c"])]
    assert [k for k, _ in run(s, {0.0: cues}, until=6)] == ["b", "a", "c"]


# ---- cues from the coach's view ----------------------------------------------------------------
def view(t: float, stage: Stage, **kw: object) -> CoachView:
    return CoachView(t_s=t, stage=stage, title="", **kw)  # type: ignore[arg-type]


def rep(period: float = 7.0, forceful: bool = False) -> Rep:
    return Rep(1, 0.0, period, period, period * 4 / 7, period * 3 / 7, 0.8, 0.3, 0.1, forceful)


def keys(cues: list[Cue]) -> list[str]:
    return [c.key for c in cues]


def test_voice_off_gives_exactly_the_coach_tones() -> None:
    maker = CueMaker(voice=False)
    v = view(0, Stage.ROCKING, sounds=(Sound.GO_BACK, Sound.WARNING))
    assert keys(maker.cues(v, 0)) == [tone_key(Sound.GO_BACK), tone_key(Sound.WARNING)]


def test_stage_phrases_safety_setup_checklist_countdown() -> None:
    maker = CueMaker()
    assert keys(maker.cues(view(0, Stage.SAFETY), 0)) == ["safety"]
    assert keys(maker.cues(view(1, Stage.SAFETY), 1)) == []
    setup = view(2, Stage.SETUP, instruction="Turn side-on to the camera")
    assert keys(maker.cues(setup, 2)) == []                       # once it holds a moment
    assert keys(maker.cues(setup, 2.6)) == ["setup_turn_side_on"]
    assert keys(maker.cues(setup, 5)) == []                       # not nagging
    assert keys(maker.cues(setup, 14.9)) == ["setup_turn_side_on"]  # a reminder, long after
    moved = replace(setup, instruction="Get on your hands and knees")
    # a flicker between two pieces of advice is not read out
    for t in (15.0, 15.3, 15.6, 15.9):
        assert keys(maker.cues(moved if t in (15.0, 15.6) else setup, t)) == []
    assert keys(maker.cues(moved, 16.0)) == []
    assert keys(maker.cues(moved, 16.5)) == ["setup_hands_and_knees"]
    not_yet = (CheckItem("Hands under shoulders", False, words.FIX_CUES[Fix.COME_FORWARD]),
               CheckItem("Knees under hips", True))
    start = view(16, Stage.START_POSITION, checklist=not_yet)
    assert keys(maker.cues(start, 16)) == ["start_position"]
    assert keys(maker.cues(start, 20)) == []
    assert keys(maker.cues(start, 22.5)) == ["fix_come_forward"]   # still unticked after 6 s
    ready = view(23, Stage.START_POSITION, sounds=(Sound.READY,),
                 checklist=tuple(replace(i, ok=True) for i in not_yet))
    assert keys(maker.cues(ready, 23)) == ["hold_still"]
    for n, t in ((3, 24.0), (2, 25.0), (1, 26.0)):
        tick = view(t, Stage.COUNTDOWN, countdown=n, sounds=(Sound.TICK,))
        assert keys(maker.cues(tick, t)) == [f"count_{n}"]


def test_pacer_words_for_the_first_reps_then_tones_until_the_rhythm_is_lost() -> None:
    tempo = Tempo(4, 3)
    maker = CueMaker(tempo=tempo, phrase_s=lambda k: 1.4)
    maker.cues(view(0, Stage.COUNTDOWN, countdown=1), 0)
    turns = [Sound.START, Sound.GO_FORWARD, Sound.GO_BACK, Sound.GO_FORWARD, Sound.GO_BACK,
             Sound.GO_FORWARD]
    said = [keys(maker.cues(view(t, Stage.ROCKING, sounds=(s,)), t))
            for t, s in zip(range(1, 40, 4), turns, strict=False)]
    assert said == [["pacer_back"], ["pacer_forward"], ["pacer_back"], ["pacer_forward"],
                    [tone_key(Sound.GO_BACK)], [tone_key(Sound.GO_FORWARD)]]
    # too fast: a warning in words, and the pacer in words again for one rep
    fast = view(30, Stage.ROCKING, sounds=(Sound.WARNING,),
                banner=Banner("Slow down", WarningKind.TOO_FAST),
                new_warnings=(MovementWarning(30, WarningKind.TOO_FAST, "too fast"),))
    assert keys(maker.cues(fast, 30)) == ["warn_too_fast"]
    back = keys(maker.cues(view(31, Stage.ROCKING, sounds=(Sound.GO_BACK,)), 31))
    fwd = keys(maker.cues(view(35, Stage.ROCKING, sounds=(Sound.GO_FORWARD,)), 35))
    after = keys(maker.cues(view(38, Stage.ROCKING, sounds=(Sound.GO_BACK,)), 38))
    assert (back, fwd, after) == (["pacer_back"], ["pacer_forward"], [tone_key(Sound.GO_BACK)])
    # an off-tempo rep brings the words back as well
    quick = view(40, Stage.ROCKING, counted_rep=rep(period=3.0), reps=3, target_reps=20,
                 last_rep_verdict=words.REP_QUICK, sounds=(Sound.GO_BACK,))
    assert keys(maker.cues(quick, 40)) == ["pacer_back"]


def test_a_short_tempo_gets_tones_not_words_that_would_overrun_the_turn() -> None:
    maker = CueMaker(tempo=Tempo(1.2, 1.2), phrase_s=lambda k: 1.4)
    maker.cues(view(0, Stage.COUNTDOWN, countdown=1), 0)
    assert keys(maker.cues(view(1, Stage.ROCKING, sounds=(Sound.START,)), 1)) == [
        tone_key(Sound.START)]


def test_warnings_are_said_once_and_again_only_while_they_last() -> None:
    maker = CueMaker()
    lost = view(0, Stage.ROCKING, banner=Banner("Position lost", WarningKind.LOST_POSITION))
    assert keys(maker.cues(lost, 0)) == ["warn_lost_position"]
    assert keys(maker.cues(replace(lost, t_s=5), 5)) == []
    assert keys(maker.cues(replace(lost, t_s=10), 10)) == ["warn_lost_position"]
    out = replace(lost, banner=Banner("Move back into view", WarningKind.OUT_OF_VIEW))
    assert keys(maker.cues(out, 11)) == ["warn_out_of_view"]
    assert keys(maker.cues(view(12, Stage.ROCKING), 12)) == []


def test_milestones() -> None:
    maker = CueMaker()
    said = {n: keys(maker.cues(view(n, Stage.ROCKING, counted_rep=rep(), reps=n,
                                    target_reps=10), n)) for n in range(1, 10)}
    assert {n: k for n, k in said.items() if k} == {5: ["halfway"], 9: ["last_one"]}


@pytest.mark.parametrize(("reason", "reps", "expected"), [
    (EndReason.TARGET_REPS, 8, ["done_target", "reps_8", "advice_well_done"]),
    (EndReason.TARGET_TIME, 1, ["done_time", "reps_1", "advice_well_done"]),
    (EndReason.USER, 0, ["done_user", "advice_no_reps"]),
    (EndReason.INTERRUPTED, 3, ["done_interrupted"]),
    (EndReason.TARGET_REPS, 40, ["done_target", "advice_well_done"]),   # no words for 40
])
def test_summary_says_how_it_ended_the_count_and_the_advice(
        reason: EndReason, reps: int, expected: list[str]) -> None:
    reps_list = [rep() for _ in range(reps)]
    kind, advice = advice_for(reps_list, [], reason)
    summary = Summary(reps, 8, 60.0, 7.0, 4.0, 3.0, (), advice, kind, reason)
    maker = CueMaker()
    cues = maker.cues(view(0, Stage.SUMMARY, summary=summary, sounds=(Sound.DONE,)), 0)
    assert keys(cues) == expected
    assert [c.order for c in cues] == sorted(c.order for c in cues)


@pytest.mark.parametrize(("reps", "warnings", "expected"), [
    ([rep(forceful=True)], [], "advice_forceful"),
    ([rep()], [MovementWarning(1, WarningKind.TOO_FAST, "")], "advice_rushed"),
    ([rep()], [MovementWarning(1, WarningKind.JERKY, "")], "advice_rushed"),
    ([rep()], [MovementWarning(1, WarningKind.LIMB_LIFTED, "")] * 2, "advice_position"),
    ([], [], "advice_no_reps"),
    ([rep()], [], "advice_well_done"),
])
def test_summary_advice_is_said_by_its_phrase(reps: list[Rep], warnings: list[MovementWarning],
                                              expected: str) -> None:
    kind, _ = advice_for(reps, warnings, EndReason.TARGET_REPS)
    assert ADVICE_PHRASE[kind] == expected


def test_every_summary_advice_has_its_phrase() -> None:
    """Every kind of advice is in the voice's table, and each phrase it names is recorded; the
    ones not said are said otherwise (the end's phrase) or are no advice at all."""
    assert set(ADVICE_PHRASE) == set(Advice)
    assert all(pid in PHRASES for pid in ADVICE_PHRASE.values() if pid is not None)
    unsaid = {kind for kind, pid in ADVICE_PHRASE.items() if pid is None}
    assert unsaid == {Advice.INTERRUPTED, Advice.SOURCE_ENDED, Advice.NONE}
    assert all(pid in PHRASES for pid in PAIN_CHANGE_PHRASE.values())


def test_a_warning_cuts_short_a_pacer_cue_but_not_a_stage_line() -> None:
    s = sched()
    got = run(s, {0.0: [Cue("pace", PACER, max_wait_s=1)],
                  0.5: [Cue("warn", WARNING, max_wait_s=5)]}, until=3)
    assert [k for k, _ in got] == ["pace", "warn"]
    pace, warn = s.log
    assert pace.cut and pace.end_s == pytest.approx(0.5)
    assert warn.start_s >= pace.end_s + 0.1 - 1e-9            # then a breath, then the warning
    s = sched()
    run(s, {0.0: [Cue("long", 30, max_wait_s=1)], 0.5: [Cue("warn", WARNING, max_wait_s=5)]},
        until=5)
    assert not s.log[0].cut and s.log[1].start_s >= 3.0       # a stage line is finished first


def test_cut_only_what_is_playing_and_below_the_bar() -> None:
    s = sched()
    s.step(0.0, [Cue("long", ADVICE)])
    assert s.cut(0.5, below=ADVICE) is None                   # not below the bar
    assert s.cut(5.0, below=100) is None                      # long finished by then
    cut = s.cut(1.0, below=STAGE_PRIORITY_BAR)
    assert cut is not None and cut.end_s == 1.0 and s.log[-1] == cut
    assert s.playing(1.0) is None and not s.quiet(1.05) and s.quiet(1.2)


STAGE_PRIORITY_BAR = 30


def test_every_stage_has_its_place_in_the_order() -> None:
    from sessions.coach.speech import _ORDER

    assert sorted(_ORDER) == sorted(Stage) and len(_ORDER) == len(set(_ORDER))


def test_pain_check_in_is_asked_aloud_and_a_rise_is_said_first() -> None:
    maker = CueMaker()
    maker.cues(view(0, Stage.SAFETY), 0)
    assert keys(maker.cues(view(1, Stage.PAIN_BEFORE), 1)) == ["pain_before"]
    assert maker.stage_advanced
    maker.cues(view(2, Stage.SETUP, instruction=""), 2)
    assert maker.stage_advanced                 # answered: the question may be cut short
    assert keys(maker.cues(view(3, Stage.PAIN_AFTER), 3)) == ["pain_after"]
    summary = Summary(5, 8, 60.0, 7.0, 4.0, 3.0, (), "", Advice.NONE, EndReason.USER,
                      pain="Your pain went up from 3 to 5: stop for today",
                      pain_change=PainChange.UP)
    said = keys(maker.cues(view(4, Stage.SUMMARY, summary=summary), 4))
    assert said == ["done_user", "pain_went_up", "reps_5"]     # no advice about next time


@pytest.mark.parametrize(("before", "after", "expected"), [
    (3, 5, ["done_user", "pain_went_up", "reps_5"]),
    (5, 3, ["done_user", "pain_went_down", "reps_5", "advice_well_done"]),
    (3, 3, ["done_user", "reps_5", "advice_well_done"]),      # no phrase for the same pain
    (None, 3, ["done_user", "reps_5", "advice_well_done"]),   # one rating: nothing to compare
])
def test_the_pain_change_is_said_by_what_it_is(before: int | None, after: int | None,
                                               expected: list[str]) -> None:
    change = pain_change(before, after)
    up = change is PainChange.UP
    summary = Summary(5, 8, 60.0, 7.0, 4.0, 3.0, (), "" if up else words.ADVICE_WELL_DONE,
                      Advice.NONE if up else Advice.WELL_DONE, EndReason.USER,
                      pain=pain_message(before, after) or "", pain_change=change)
    assert keys(CueMaker().cues(view(0, Stage.SUMMARY, summary=summary), 0)) == expected
