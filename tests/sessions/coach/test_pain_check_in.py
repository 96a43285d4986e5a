"""The pain check-in: one key press before and after a live session (a digit, "1 0" for 10,
space to skip, skipped by itself in time), saved with the session and said plainly when the
pain went up; never in a recording (no one to press a key)."""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import pytest
from helpers.cli import run_cli
from helpers.scripted_session import ScriptedRocking, TextsShown, camera

from pose.record import PoseRecord
from sessions.cli.live import coach_settings, pain_saver, recorder_factory, report
from sessions.coach.coach import Coach, CoachSettings, Stage
from sessions.coach.frame_feed import DirectFeed
from sessions.coach.live_loop import LoopResult, LoopSettings, SessionLoop, key_command
from sessions.coach.plan import Plan, Tempo
from sessions.coach.view import Command, Summary
from sessions.history.store import SessionStore
from sessions.pain import SHOWN_S, TIMEOUT_S, PainCheckIn


# --- the rule of one key press -----------------------------------------------------------------
@pytest.mark.parametrize(("keys", "rating", "skipped"), [
    ([("3", 0.5)], 3, False),
    ([("0", 0.5)], 0, False),
    ([("1", 0.5), ("0", 1.0)], 10, False),        # 1 then 0 while the 1 is shown: ten
    ([("1", 0.5), ("0", 0.5 + SHOWN_S + 0.1)], 1, False),   # too late: the 1 stands
    ([("1", 0.5), ("7", 0.9)], 1, False),         # one rating: a second digit changes nothing
    ([(" ", 0.5)], None, True),                   # space skips
    ([(" ", 0.5), ("4", 0.6)], None, True),       # ... for good
    ([("x", 0.5)], None, False),                  # other keys mean nothing
    ([], None, False),
])
def test_one_key_press(keys: list[tuple[str, float]], rating: int | None,
                       skipped: bool) -> None:
    check = PainCheckIn()
    for char, at in keys:
        check.key(char, at)
    assert (check.rating, check.skipped) == (rating, skipped)


@pytest.mark.parametrize(("keys", "waiting_at", "done_at"), [
    ([("3", 0.5)], 0.5 + SHOWN_S - 0.05, 0.5 + SHOWN_S),  # the rating is shown, then it goes
    ([(" ", 0.5)], None, 0.5),                           # a skip goes at once
    ([], TIMEOUT_S - 0.05, TIMEOUT_S),                   # never blocks: skipped by itself
])
def test_never_blocking(keys: list[tuple[str, float]], waiting_at: float | None,
                        done_at: float) -> None:
    check = PainCheckIn()
    for char, at in keys:
        check.key(char, at)
    if waiting_at is not None:
        assert not check.done(waiting_at)
    assert check.done(done_at)


@pytest.mark.parametrize(("stage", "key", "expected"), [
    (Stage.PAIN_BEFORE, ord(" "), "continue"), (Stage.PAIN_AFTER, ord(" "), "continue"),
    (Stage.PAIN_BEFORE, ord("q"), "end"), (Stage.PAIN_AFTER, 13, "continue"),
])
def test_keys_on_the_check_in(stage: Stage, key: int, expected: str) -> None:
    cmd = key_command(key, stage)
    assert cmd is not None and cmd.value == expected


# --- in the coach -------------------------------------------------------------------------------
def test_coach_asks_only_when_told() -> None:
    quiet = Coach(Plan(), CoachSettings())
    quiet.command(Command.CONTINUE)
    assert quiet.stage is Stage.SETUP
    asking = Coach(Plan(), CoachSettings(pain_check_in=True))
    asking.command(Command.CONTINUE)
    assert asking.stage is Stage.PAIN_BEFORE
    view = asking.update(0.0, None)
    assert view.pain is not None and view.pain.question == "How is your back right now?"
    asking.pain_key("2", 0.3)
    shown = asking.update(0.0, None).pain
    assert asking.stage is Stage.PAIN_BEFORE and shown is not None and shown.rating == 2
    asking.pain_tick(0.3 + SHOWN_S)
    assert asking.stage is Stage.SETUP and asking.pain == (2, None)


# --- through the live loop, with a window and a person pressing keys --------------------------
class Person:
    """A window with someone at the keyboard: presses the keys given for a stage once that
    stage is on screen (a few polls in, as a person would), and keeps every line shown."""

    interactive = True

    def __init__(self, keys: dict[Stage, list[str]]) -> None:
        self.keys = {stage: list(k) for stage, k in keys.items()}
        self.coach: Coach | None = None
        self.polls = 0
        self.shown_stages: list[Stage] = []

    def show(self, img: np.ndarray, present_s: float) -> None:
        assert self.coach is not None
        if not self.shown_stages or self.shown_stages[-1] is not self.coach.stage:
            self.shown_stages.append(self.coach.stage)

    def poll_key(self, wait_ms: int) -> int | None:
        assert self.coach is not None
        self.polls += 1
        waiting = self.keys.get(self.coach.stage)
        if waiting and self.polls % 5 == 0:
            return ord(waiting.pop(0))
        return None

    def closed(self) -> bool:
        return False

    def close(self) -> None:
        pass


def live_session(tmp_path: Path, keys: dict[Stage, list[str]], interactive: bool = True,
                 ) -> tuple[Person, TextsShown, Path, int, LoopResult]:
    db = tmp_path / "s.db"
    person, overlay = Person(keys), TextsShown()
    person.interactive = interactive
    plan = Plan(target_reps=2, tempo=Tempo(4, 3))
    with SessionStore.open(db) as store:
        sid: list[int] = []
        coach = Coach(plan, coach_settings(person))
        person.coach = coach
        loop = SessionLoop(
            feed=DirectFeed(camera(60.0)), analyzer=ScriptedRocking(), coach=coach,
            estimate=lambda f: PoseRecord.empty(f.t_s, f.width, f.height),
            display=person,
            start_recording=recorder_factory(store, sid, source="camera", detail="0",
                                             plan=plan, model="full"),
            overlay=overlay, canvas_size=(640, 360), save_pain=pain_saver(store, sid),
            settings=LoopSettings(safety_s=0.2, summary_s=0.2, summary_max_s=2.0,
                                  stall_s=1.0))
        started = time.monotonic()
        result = loop.run()
        assert time.monotonic() - started < 60
    return person, overlay, db, sid[0], result


def summary_of(result: LoopResult) -> Summary:
    """The summary screen the session ended on."""
    assert result.summary_view is not None and result.summary_view.summary is not None
    return result.summary_view.summary


def test_pain_went_up_is_said_saved_and_shown(tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    person, overlay, db, sid, result = live_session(tmp_path, {
        Stage.SAFETY: [" "], Stage.PAIN_BEFORE: ["3"], Stage.PAIN_AFTER: ["5"],
        Stage.SUMMARY: [" "]})
    stages = person.shown_stages
    assert stages[:3] == [Stage.SAFETY, Stage.PAIN_BEFORE, Stage.SETUP]
    assert stages.index(Stage.PAIN_AFTER) == stages.index(Stage.SUMMARY) - 1
    said = ("Your pain went up from 3 to 5: stop for today, and if it keeps happening, see "
            "your practitioner.")
    summary = summary_of(result)
    assert summary.pain == said and summary.pain_up
    assert summary.advice == ""    # "stop for today": no advice about next time beside it
    shown = " ".join(overlay.texts)
    assert "How is your back right now?" in shown and "How is your back now?" in shown
    assert "Noted: 3" in shown and "Noted: 5" in shown
    assert "stop for today" in shown      # on the summary screen
    out = json.loads(run_cli("review", "--json", "--db", db).stdout)["sessions"]
    assert [(s["id"], s["pain_before"], s["pain_after"]) for s in out] == [(sid, 3, 5)]
    page = run_cli("review", str(sid), "--db", db).stdout
    assert said in page
    assert report(result, sid, None, db=f" --db {db}") == 0
    printed = capsys.readouterr().out.splitlines()
    assert printed[1:] == [f"  {said}", f"  see it with: rocking review --db {db} {sid}"]


def test_ten_and_a_skip(tmp_path: Path) -> None:
    _, _, db, _, result = live_session(tmp_path, {
        Stage.SAFETY: [" "], Stage.PAIN_BEFORE: ["1", "0"], Stage.PAIN_AFTER: [" "],
        Stage.SUMMARY: [" "]})
    out = json.loads(run_cli("review", "--json", "--db", db).stdout)["sessions"][0]
    assert (out["pain_before"], out["pain_after"]) == (10, None)
    assert summary_of(result).pain == ""


def test_no_answer_is_skipped_by_itself(tmp_path: Path) -> None:
    person, _, db, _, result = live_session(tmp_path, {Stage.SAFETY: [" "],
                                                       Stage.SUMMARY: [" "]})
    assert result.status == "completed" and result.reps == 2   # the session went ahead
    assert Stage.PAIN_BEFORE in person.shown_stages and Stage.PAIN_AFTER in person.shown_stages
    out = json.loads(run_cli("review", "--json", "--db", db).stdout)["sessions"][0]
    assert (out["pain_before"], out["pain_after"]) == (None, None)


def test_a_recording_is_never_asked(tmp_path: Path) -> None:
    person, overlay, _, _, result = live_session(tmp_path, {}, interactive=False)
    assert result.status == "completed"
    assert not {Stage.PAIN_BEFORE, Stage.PAIN_AFTER} & set(person.shown_stages)
    assert not [t for t in overlay.texts if "your back" in t]
