"""The live loop, headless with fake sources (no camera): ends, saves, drops stale frames."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest
from helpers.cli import run_cli, run_process
from helpers.paths import PROJECT_ROOT
from helpers.scripted_session import FPS, PERIOD_S, ScriptedRocking, TextsShown, camera

from pose.estimation.sources import Frame, SourceError
from pose.events import Fault
from pose.record import PoseRecord
from sessions.cli.live import make_feed, recorder_factory
from sessions.coach.coach import Coach, CoachSettings, Stage
from sessions.coach.displays import KeylessDisplay, VideoDisplay
from sessions.coach.frame_feed import DirectFeed, LatestFrameGrabber, opened
from sessions.coach.live_loop import LoopSettings, SessionLoop, key_command, near_side_visibility
from sessions.coach.overlay import CoachOverlay
from sessions.coach.plan import Plan, Tempo
from sessions.history.store import SessionStore

ROOT = PROJECT_ROOT
CLIP = ROOT.parent / "shared" / "realdata" / "video" / "rock01_steady_prozhekt2.mp4"
#: A live camera's frames, 6 times faster than real time. The scripted first rep starts at
#: FIRST_REP_S, 6 s of camera time (1 s of wall time) after the countdown ends (about 5 s in):
#: a camera runs on while a busy machine stalls the loop, dropping frames, and a stall that
#: outlasted the margin once moved the countdown past the first rep (at 10x with a 3 s margin).
LIVE_FRAME_S = 1.0 / (6 * FPS)
FIRST_REP_S = 11.0


class FakeDisplay(KeylessDisplay):
    """Non-interactive; counts pictures; can report the window closed after some."""

    def __init__(self, close_after: int | None = None) -> None:
        self.shown = 0
        self.close_after = close_after
        self.closed_calls = 0

    def show(self, img: np.ndarray, present_s: float) -> None:
        assert img.dtype == np.uint8 and img.ndim == 3
        self.shown += 1

    def closed(self) -> bool:
        return self.close_after is not None and self.shown >= self.close_after

    def close(self) -> None:
        self.closed_calls += 1


def empty_record(frame: Frame) -> PoseRecord:
    return PoseRecord.empty(frame.t_s, frame.width, frame.height)


#: The same tests with the model on its own thread (LoopSettings.overlap).
OVERLAP = pytest.mark.parametrize("overlap", [False, True], ids=["one-thread", "overlapped"])


def make_loop(tmp_path: Path, feed: object, display: object, plan: Plan | None = None,
              estimate: object = empty_record, overlay: CoachOverlay | None = None,
              overlap: bool = False, first_rep_s: float = 8.0,
              checkpoint: Callable[[], None] | None = None,
              ) -> tuple[SessionLoop, SessionStore, list[int]]:
    store = SessionStore.open(tmp_path / "s.db")
    sid: list[int] = []
    plan = plan or Plan(target_reps=10, tempo=Tempo(4, 3))
    loop = SessionLoop(
        feed=feed, estimate=estimate, analyzer=ScriptedRocking(first_rep_s),  # type: ignore[arg-type]
        coach=Coach(plan, CoachSettings(summary_hold_s=1.0)), display=display,  # type: ignore[arg-type]
        start_recording=recorder_factory(store, sid, source="camera", detail="0", plan=plan,
                                         model="full"),
        overlay=overlay, canvas_size=(64, 48),
        settings=LoopSettings(safety_s=0.2, summary_s=0.2, stall_s=1.0, overlap=overlap),
        checkpoint=checkpoint)
    return loop, store, sid


@OVERLAP
def test_camera_failure_mid_session_saves_the_reps_as_interrupted(tmp_path: Path,
                                                                  overlap: bool) -> None:
    stops_s = FIRST_REP_S + 3 * PERIOD_S + 1.0     # 1 s after the third rep ends
    feed = LatestFrameGrabber(camera(stops_s, sleep_s=LIVE_FRAME_S), live=True)
    display = FakeDisplay()
    loop, store, sid = make_loop(tmp_path, feed, display, overlap=overlap,
                                 first_rep_s=FIRST_REP_S)
    result = loop.run()
    assert result.ended_by == "camera_lost" and result.status == "interrupted"
    assert result.reps == 3
    with store:
        row = store.session(sid[0])
        assert row is not None and row.status == "interrupted" and row.ended_at is not None
        assert [r.index for r in store.reps(sid[0])] == [1, 2, 3]
        assert store.samples(sid[0]), "the time series was saved too"
    assert display.closed_calls >= 1 and display.shown > 100


@OVERLAP
def test_camera_error_is_reported_after_saving(tmp_path: Path, overlap: bool) -> None:
    fails_s = FIRST_REP_S + PERIOD_S + 1.0         # 1 s after the first rep ends
    feed = LatestFrameGrabber(camera(fails_s, fail=True, sleep_s=LIVE_FRAME_S), live=True)
    loop, store, sid = make_loop(tmp_path, feed, FakeDisplay(), overlap=overlap,
                                 first_rep_s=FIRST_REP_S)
    result = loop.run()
    assert isinstance(result.error, SourceError) and result.status == "interrupted"
    with store:
        assert len(store.reps(sid[0])) == 1


@OVERLAP
def test_target_reached_completes_and_shows_the_summary(tmp_path: Path, overlap: bool) -> None:
    feed = DirectFeed(camera(60.0))
    display = FakeDisplay()
    loop, store, sid = make_loop(tmp_path, feed, display, Plan(target_reps=2, tempo=Tempo(4, 3)),
                                 overlap=overlap)
    result = loop.run()
    assert result.ended_by == "plan" and result.status == "completed" and result.reps == 2
    assert result.summary_view is not None and result.summary_view.stage is Stage.SUMMARY
    with store:
        row = store.session(sid[0])
        assert row is not None and row.status == "completed"
        assert row.meta.target_reps == 2 and row.meta.target_back_s == 4.0


def test_a_recorded_session_never_asks_for_a_key(tmp_path: Path) -> None:
    overlay = TextsShown()
    assert overlay.interactive        # as a caller's overlay is: the loop must correct it
    loop, _, _ = make_loop(tmp_path, DirectFeed(camera(60.0)), FakeDisplay(),
                           Plan(target_reps=2, tempo=Tempo(4, 3)), overlay=overlay)
    assert loop.run().ended_by == "plan"
    assert "Session saved" in overlay.texts and "Starting in a moment" in overlay.texts
    assert not [t for t in overlay.texts if "Press" in t]


@OVERLAP
def test_window_closed_saves_as_interrupted(tmp_path: Path, overlap: bool) -> None:
    display = FakeDisplay(close_after=400)
    loop, store, sid = make_loop(tmp_path, DirectFeed(camera(60.0)), display,
                                 overlap=overlap)
    result = loop.run()
    assert result.ended_by == "window_closed" and result.status == "interrupted"
    with store:
        row = store.session(sid[0])
        assert row is not None and row.status == "interrupted"


@OVERLAP
def test_ctrl_c_saves_what_was_done(tmp_path: Path, overlap: bool) -> None:
    def estimate(frame: Frame) -> PoseRecord:
        if frame.t_s >= 23.0:
            raise KeyboardInterrupt
        return empty_record(frame)

    loop, store, sid = make_loop(tmp_path, DirectFeed(camera(60.0)), FakeDisplay(),
                                 estimate=estimate, overlap=overlap)
    result = loop.run()
    assert result.ended_by == "ctrl_c" and result.status == "interrupted" and result.reps == 2
    with store:
        assert len(store.reps(sid[0])) == 2


def test_stale_frames_are_dropped_not_queued() -> None:
    n = 300
    frames = [Frame(i, i / FPS, np.zeros((4, 4, 3), np.uint8)) for i in range(n)]
    grabber = LatestFrameGrabber(frames, live=False)      # unpaced: all arrive at once
    grabber.start()
    taken: list[int] = []
    while (cap := grabber.get(1.0)) is not None:
        taken.append(cap.frame.index)
        time.sleep(0.005)                                   # a slow consumer
    grabber.stop()
    assert taken == sorted(taken) and taken[-1] == n - 1   # always the newest, never old ones
    assert len(taken) < n / 2
    assert grabber.dropped == n - len(taken)


def test_opened_reads_the_first_frame_now_and_keeps_it() -> None:
    calls: list[str] = []

    def source() -> Iterator[Frame]:
        calls.append("opened")
        for i in range(3):
            yield Frame(i, i / FPS, np.zeros((4, 4, 3), np.uint8))

    def broken() -> Iterator[Frame]:
        raise SourceError("no camera at index 7")
        yield  # pragma: no cover

    frames = opened(source())
    assert calls == ["opened"]                       # opened here, before any thread
    assert [f.index for f in frames] == [0, 1, 2]    # nothing lost
    with pytest.raises(SourceError, match="no camera at index 7"):
        opened(broken())
    assert list(opened(iter(()))) == []


def test_paced_video_arrives_in_real_time_and_gated_until_opened() -> None:
    frames = [Frame(i, i / FPS, np.zeros((4, 4, 3), np.uint8)) for i in range(15)]
    grabber = LatestFrameGrabber(frames, live=False, paced=True, gated=True)
    grabber.start()
    assert grabber.get(0.2) is None and grabber.latest() is None   # held at the gate
    grabber.open_gate()
    t0 = time.monotonic()
    taken = []
    while (cap := grabber.get(1.0)) is not None:
        taken.append(cap.frame.index)
    elapsed = time.monotonic() - t0
    grabber.stop()
    assert elapsed >= 14 / FPS * 0.9 and taken[-1] == 14
    assert grabber.dropped + len(taken) == 15


def test_video_display_keeps_real_time_when_frames_are_dropped(tmp_path: Path) -> None:
    """Each picture stays on screen until the next one's time: the recording lasts as long as
    the session did, without re-encoding the held pictures (a variable frame rate)."""
    import av

    out = tmp_path / "o.mp4"
    disp = VideoDisplay(out, fps=10.0)
    img = np.zeros((48, 64, 3), np.uint8)
    for t in (0.0, 0.1, 0.5, 1.0):          # frames 0.2-0.4 and 0.6-0.9 were dropped
        disp.show(img, t)
    disp.close()
    with av.open(str(out)) as container:
        times = [float(f.time or 0.0) for f in container.decode(video=0)]
        video = container.streams.video[0]
        assert video.duration is not None and video.time_base is not None
        duration = float(video.duration * video.time_base)
    assert times == pytest.approx([0.0, 0.1, 0.5, 1.0])
    assert duration == pytest.approx(1.1)


@pytest.mark.parametrize(
    ("key", "stage", "expected"),
    [(ord(" "), Stage.SAFETY, "continue"), (ord(" "), Stage.ROCKING, "toggle_pause"),
     (ord(" "), Stage.SUMMARY, "continue"), (ord("q"), Stage.ROCKING, "end"),
     (27, Stage.SETUP, "end"), (ord("m"), Stage.ROCKING, "toggle_mute"),
     (ord("x"), Stage.ROCKING, None)],
)
def test_keys(key: int, stage: Stage, expected: str | None) -> None:
    cmd = key_command(key, stage)
    assert (cmd.value if cmd is not None else None) == expected


def test_near_side_visibility_takes_the_better_side() -> None:
    rec = PoseRecord(0.0, 64, 48, np.full((33, 3), 0.5), np.zeros(33), np.zeros((33, 3)))
    vis = np.zeros(33)
    vis[[11, 15, 23, 25, 27]] = 0.9          # the left side only
    rec2 = PoseRecord(0.0, 64, 48, np.full((33, 3), 0.5), vis, np.zeros((33, 3)))
    assert near_side_visibility(rec) == 0.0
    assert near_side_visibility(rec2) == pytest.approx(0.9)
    assert near_side_visibility(PoseRecord.empty(0.0, 64, 48)) is None




@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["live", "--headless"], "--headless needs --out FILE.mp4"),
        (["live", "--video", "/nonexistent/clip.mp4", "--headless", "--out", "/tmp/x.mp4"],
         "/nonexistent/clip.mp4"),
        (["live", "--camera", "99", "--headless", "--out", "/tmp/x.mp4"], "no camera at index 99"),
        (["live", "--tempo", "fast"], "tempo must look like"),
        (["live", "--target-reps", "0"], "must be 1 to 500"),
        (["live", "--headless", "--out", "/tmp/x.avi"], "must end in .mp4"),
        (["live"], "no display"),
        ([], "no display"),
    ],
)
def test_cli_errors_are_one_clear_line(args: list[str], message: str, tmp_path: Path) -> None:
    proc = run_cli(*args, "--db", str(tmp_path / "s.db"), env={"DISPLAY": ""}) if args else \
        run_cli(env={"DISPLAY": ""})
    assert proc.returncode != 0
    lines = proc.stderr.strip().splitlines()
    assert message in lines[-1] and lines[-1].startswith("rocking"), proc.stderr
    assert "Traceback" not in proc.stderr
    if not lines[-1].startswith("rocking live: error: argument"):    # not an argparse usage
        assert len(lines) == 1, proc.stderr


@pytest.mark.slow
def test_live_video_headless_records_and_saves(tmp_path: Path) -> None:
    if not CLIP.exists():
        pytest.skip(f"real clips not present ({CLIP.parent}); they stay outside the project")
    out, db = tmp_path / "live.mp4", tmp_path / "s.db"
    proc = run_process("-v", "live", "--video", str(CLIP), "--headless", "--out", str(out),
                   "--db", str(db), "--target-reps", "1", "--no-audio", timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "session 1 saved (completed): 1 rep," in proc.stdout
    assert "frame-to-cue delay" in proc.stderr and out.stat().st_size > 10_000
    assert f"see it with: rocking review --db {db} 1" in proc.stdout
    with SessionStore.open(db) as store:
        assert len(store.reps(1)) == 1
        row = store.session(1)
        # a recording coached live is a video session named by its file, never its folders
        assert row is not None and (row.meta.kind, row.meta.name) == ("video", CLIP.name)
        assert row.meta.source_detail == CLIP.name and row.meta.pain_before is None


@pytest.mark.parametrize(
    ("env", "expected"),
    [({"DISPLAY": "", "WAYLAND_DISPLAY": ""}, "DISPLAY is not set"),
     ({"DISPLAY": ":12345", "WAYLAND_DISPLAY": ""}, "cannot connect to DISPLAY=:12345")],
)
def test_display_problem_is_found_without_qt(env: dict[str, str], expected: str,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """Qt aborts the whole process when it cannot reach the X server: check first."""
    import ctypes.util

    from sessions.coach.displays import display_problem

    if sys.platform != "linux":
        pytest.skip("X11 check only on Linux")
    if env["DISPLAY"] and ctypes.util.find_library("X11") is None:
        pytest.skip("libX11 not installed: the check cannot connect, the window will try")
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    problem = display_problem()
    assert problem is not None and expected in problem


def test_unreachable_display_is_one_clear_line(tmp_path: Path) -> None:
    import ctypes.util

    if ctypes.util.find_library("X11") is None:
        pytest.skip("libX11 not installed")
    proc = run_cli("live", "--db", str(tmp_path / "s.db"),
                   env={"DISPLAY": ":12345", "WAYLAND_DISPLAY": ""})
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        "rocking: error: no display to show the session on (cannot connect to DISPLAY=:12345): "
        "run with --headless --out FILE.mp4 to record the coached session to a video instead"]


@pytest.mark.parametrize("cut_after_s", [0.1, 0.2, 0.3])
def test_a_rep_back_at_the_start_when_the_stream_ends_is_counted_and_saved(
        tmp_path: Path, cut_after_s: float) -> None:
    """A recording that stops 0.1-0.3 s after the person is back at the start: the simulated
    session's last rep counts in the coach, the summary and the saved session."""
    from pose.analysis.analyzer import MovementAnalyzer
    from pose.simulate import GetIntoPosition, Hold, Rock, simulate
    from pose.simulate import Plan as SimPlan

    sim = simulate(SimPlan((GetIntoPosition(2.0), Hold(6.0),
                            Rock(3, period_s=5.0, back_share=0.6))), fps=FPS)
    end = sim.truth.reps[-1].end_s + cut_after_s
    records = [r for r in sim.records if r.t_s <= end]
    img = np.full((48, 64, 3), 90, np.uint8)
    frames = [Frame(i, r.t_s, img) for i, r in enumerate(records)]
    store = SessionStore.open(tmp_path / "s.db")
    sid: list[int] = []
    plan = Plan(target_reps=10, tempo=Tempo(3, 2))
    loop = SessionLoop(
        feed=DirectFeed(frames), estimate=lambda f: records[f.index],
        analyzer=MovementAnalyzer(), coach=Coach(plan, CoachSettings(summary_hold_s=1.0)),
        display=FakeDisplay(),
        start_recording=recorder_factory(store, sid, source="video", detail="sim", plan=plan,
                                         model="full"),
        canvas_size=(64, 48), settings=LoopSettings(safety_s=0.2, summary_s=0.2))
    result = loop.run()
    # the video ran out before the plan's 10 reps: saved as ended early, not completed
    assert result.ended_by == "source_ended" and result.status == "interrupted"
    assert result.reps == 3
    assert result.summary_view is not None and result.summary_view.summary is not None
    assert result.summary_view.summary.reps == 3
    with store:
        assert [r.index for r in store.reps(sid[0])] == [1, 2, 3]


@pytest.mark.parametrize("seconds", [1.0, 3.0])
def test_a_brief_loss_right_after_a_return_keeps_that_rep_and_the_session(
        tmp_path: Path, seconds: float) -> None:
    """The camera covered 0.2 s after the second rep is back at the start, for 1-3 s of the
    pause before the third: all three reps count and are saved, the person is not sent back to
    the start position, and the saved posture changes say when they were out of view."""
    from pose.analysis.analyzer import MovementAnalyzer
    from pose.simulate import GetIntoPosition, Hold, Rock, simulate
    from pose.simulate import Plan as SimPlan

    sim = simulate(SimPlan((GetIntoPosition(2.0), Hold(6.0), Rock(2, period_s=5.0),
                            Hold(4.0), Rock(1, period_s=5.0), Hold(1.5)),
                           gaps=((18.2, 18.2 + seconds),)), fps=FPS)
    img = np.full((48, 64, 3), 90, np.uint8)
    frames = [Frame(i, r.t_s, img) for i, r in enumerate(sim.records)]
    store = SessionStore.open(tmp_path / "s.db")
    sid: list[int] = []
    plan = Plan(target_reps=10, tempo=Tempo(3, 2))
    coach = Coach(plan, CoachSettings(summary_hold_s=1.0))
    stages: list[Stage] = []
    analyzer = MovementAnalyzer()

    def estimate(f: Frame) -> PoseRecord:
        stages.append(coach.stage)
        return sim.records[f.index]

    loop = SessionLoop(
        feed=DirectFeed(frames), estimate=estimate, analyzer=analyzer, coach=coach,
        display=FakeDisplay(),
        start_recording=recorder_factory(store, sid, source="video", detail="sim", plan=plan,
                                         model="full"),
        canvas_size=(64, 48), settings=LoopSettings(safety_s=0.2, summary_s=0.2))
    result = loop.run()
    assert result.reps == 3
    rocking_from = stages.index(Stage.ROCKING)
    assert all(st is Stage.ROCKING for st in stages[rocking_from:])
    with store:
        assert [r.index for r in store.reps(sid[0])] == [1, 2, 3]
        lost = [e.t_s for e in store.posture_events(sid[0]) if e.faults.get(Fault.NO_PERSON)]
        assert lost and lost[0] == pytest.approx(18.2, abs=0.05)


def test_a_video_starts_when_the_session_starts_and_running_out_ends_it_early(
        tmp_path: Path) -> None:
    """`live --video`: nothing of the clip plays behind the safety screen (its first frame is
    the session's first), and a clip that runs out before the plan is saved as ended early."""
    n = 45                                    # 1.5 s at 30 fps
    frames = [Frame(i, i / FPS, np.full((48, 64, 3), 90, np.uint8)) for i in range(n)]
    seen: list[int] = []

    def estimate(frame: Frame) -> PoseRecord:
        seen.append(frame.index)
        return empty_record(frame)

    feed = make_feed(opened(iter(frames)), is_camera=False)     # as `live --video` makes it
    loop, store, sid = make_loop(tmp_path, feed, FakeDisplay(), estimate=estimate)
    loop.settings.safety_s = 1.0              # longer than a third of the clip
    result = loop.run()
    assert seen[0] == 0 and seen[-1] == n - 1
    assert len(seen) + result.stats.dropped == n
    assert result.ended_by == "source_ended" and result.status == "interrupted"
    with store:
        row = store.session(sid[0])
        assert row is not None and row.status == "interrupted"


def test_the_report_says_a_video_ran_out(capsys: pytest.CaptureFixture[str]) -> None:
    from sessions.cli.live import report
    from sessions.coach.live_loop import LoopResult, LoopStats

    code = report(LoopResult("source_ended", "interrupted", 2, LoopStats()), 7, None)
    out = capsys.readouterr().out
    assert code == 0
    assert out.splitlines()[0] == "session 7 saved (ended early: the video ran out): 2 reps"


@OVERLAP
def test_a_real_ctrl_c_during_the_model_ends_the_session_at_the_next_frame(
        tmp_path: Path, overlap: bool) -> None:
    """SIGINT noted while the model works (sessions.interrupts) is raised at the loop's
    checkpoint: the session ends as on Ctrl-C, saved, and the interrupt is raised once only."""
    import os
    import signal

    from sessions.interrupts import deferred_interrupts

    sent: list[float] = []

    def estimate(frame: Frame) -> PoseRecord:
        if frame.t_s >= 23.0 and not sent:
            sent.append(frame.t_s)
            os.kill(os.getpid(), signal.SIGINT)
        return empty_record(frame)

    with deferred_interrupts() as ctrl_c:
        loop, store, sid = make_loop(tmp_path, DirectFeed(camera(60.0)), FakeDisplay(),
                                     estimate=estimate, overlap=overlap,
                                     checkpoint=ctrl_c.check)
        result = loop.run()
    assert sent and result.ended_by == "ctrl_c" and result.status == "interrupted"
    assert result.reps == 2
    with store:
        assert len(store.reps(sid[0])) == 2
