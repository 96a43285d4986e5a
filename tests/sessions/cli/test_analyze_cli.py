"""`rocking analyze` through the real console script, plus its observer seam in-process."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import av
import cv2
import numpy as np
import pytest
from helpers.cli import run_cli, run_process
from helpers.media import avi_cut_mid_stream, still_image, truncated_video, write_video

from pose.estimation.sources import Frame, open_source
from pose.events import FrameAnalysis, Phase, PostureResult, Verdict
from pose.record import PoseRecord
from sessions.cli.analyze import Step, run_pipeline
from sessions.cli.analyze_report import REPORT_KEYS, base_report, merge, summary_lines

TABLETOP = "q_prozhekt_tabletop_side.jpg"


def rocking(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return run_cli(*args)


@pytest.fixture(scope="module")
def person_video(realdata: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """12 frames at 10 fps of a shared photo resized to 640x480 (in a temporary folder)."""
    photo = cv2.imread(str(realdata / "images" / TABLETOP))
    assert photo is not None
    frame = cv2.resize(photo, (640, 480))
    return write_video(tmp_path_factory.mktemp("video") / "tabletop.mp4", [frame] * 12, 10.0)


@pytest.mark.slow
def test_image_with_a_person_as_json(realdata: Path) -> None:
    # a real process: MediaPipe's native chatter on fd 2 must not reach the terminal
    result = run_process("analyze", realdata / "images" / TABLETOP, "--json", "--save")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert tuple(report) == REPORT_KEYS
    assert report["frames"] == 1
    assert report["pose_detected_fraction"] == 1.0
    assert (report["fps"], report["duration_s"]) == (0.0, 0.0)
    assert report["on_all_fours_fraction"] == 1.0   # movement analysis: tabletop photo
    assert report["posture"]["verdict"] == "on_all_fours"
    assert (report["rep_count"], report["reps"]) == (0, [])
    assert isinstance(report["session_id"], int)    # --save: saved in the temporary history
    assert result.stderr == ""


@pytest.mark.slow
def test_image_summary_is_short_and_readable(realdata: Path) -> None:
    result = rocking("analyze", realdata / "images" / TABLETOP)
    assert result.returncode == 0, result.stderr
    assert "person found" in result.stdout
    assert len(result.stdout.splitlines()) <= 10
    assert result.stderr == ""


@pytest.mark.slow
def test_image_without_a_person_is_a_valid_result(tmp_path: Path) -> None:
    blank = still_image(tmp_path / "empty_room.png", (320, 240), 200)
    result = rocking("analyze", blank, "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert (report["frames"], report["pose_detected_fraction"]) == (1, 0.0)


@pytest.mark.slow
def test_video_with_a_person_and_skeleton_output(person_video: Path, tmp_path: Path) -> None:
    out = tmp_path / "drawn.mp4"
    result = rocking("analyze", person_video, "--json", "--out", out)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["frames"] == 12
    assert report["fps"] == pytest.approx(10.0)
    assert report["duration_s"] == pytest.approx(1.2)
    assert report["pose_detected_fraction"] >= 11 / 12
    drawn = list(open_source(out))
    assert len(drawn) == 12
    original = next(iter(open_source(person_video)))
    assert np.abs(drawn[0].bgr.astype(int) - original.bgr.astype(int)).max() > 100  # lines drawn
    assert [f.t_s for f in drawn] == pytest.approx([i / 10.0 for i in range(12)])
    assert out.stat().st_mode & 0o777 == 0o600, "the drawn video shows the person: private"
    with av.open(str(out)) as container:           # H.264 that browsers play; no sound track
        assert [(s.type, s.codec_context.name) for s in container.streams] == [("video", "h264")]


def text_file_as_mp4(tmp_path: Path) -> Path:
    path = tmp_path / "readme.mp4"
    path.write_text("not a video")
    return path


def tampered_model(tmp_path: Path) -> Path:
    from pose.estimation.model_files import BUNDLED_DIR

    data = bytearray((BUNDLED_DIR / "pose_landmarker_full.task").read_bytes())
    data[1000] ^= 1
    path = tmp_path / "pose_landmarker_full.task"
    path.write_bytes(bytes(data))
    return path


def still(tmp_path: Path) -> Path:
    return still_image(tmp_path / "still.png", (32, 32))


@pytest.mark.slow
@pytest.mark.parametrize(
    ("make_args", "message"),
    [
        (lambda p: [p / "missing.mp4"], "no such file"),
        (lambda p: [truncated_video(p)], "cannot read"),
        (lambda p: [text_file_as_mp4(p)], "cannot read"),
        (lambda p: [still(p), "--model", tampered_model(p)], "SHA-256"),
        (lambda p: [still(p), "--out", p / "no_such_folder" / "x.mp4"], "folder does not exist"),
        (lambda p: [still(p), "--out", p / "x.txt"], "must end in .mp4"),
    ],
    ids=["missing", "truncated", "text_as_mp4", "tampered_model", "out_folder", "out_suffix"],
)
def test_errors_are_one_line_and_non_zero(tmp_path: Path, make_args: Any, message: str) -> None:
    result = rocking("analyze", *make_args(tmp_path), "--json")
    assert result.returncode != 0
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("rocking: error:")
    assert message in lines[0]


@pytest.mark.slow
@pytest.mark.parametrize("args", [["--help"], ["analyze", "--help"]])
def test_help_explains_itself(args: list[str]) -> None:
    result = rocking(*args)
    assert result.returncode == 0
    assert "analyze" in result.stdout


# --- the seam later issues plug into (no model) ---

class FakeEstimator:
    def process(self, frame: Any) -> PoseRecord:
        empty = PoseRecord.empty(frame.t_s, frame.width, frame.height)
        if frame.index % 2:
            return empty
        image = np.full((33, 3), 0.5)
        return PoseRecord(frame.t_s, frame.width, frame.height, image, np.ones(33), image)


class Tagger:
    """Fills step.analysis, as the movement analysis observer will."""

    def observe(self, step: Step) -> None:
        step.analysis = FrameAnalysis(step.record.t_s, PostureResult(Verdict.NO_PERSON),
                                      Phase.NO_PERSON, calibrated=False)

    def end(self, ending: Any) -> None:
        pass

    def report_fields(self) -> dict[str, Any]:
        return {"rep_count": 0}


class Reader:
    """Reads what the observer before it left on the step, as the session store will."""

    def __init__(self) -> None:
        self.seen: list[float] = []

    def observe(self, step: Step) -> None:
        assert step.analysis is not None
        self.seen.append(step.analysis.t_s)

    def end(self, ending: Any) -> None:
        pass

    def report_fields(self) -> dict[str, Any]:
        return {"rep_count": len(self.seen), "session_id": 7}


def test_pipeline_calls_observers_in_order_and_counts_people(tmp_path: Path) -> None:
    video = write_video(tmp_path / "v.mp4", [np.zeros((48, 64, 3), np.uint8)] * 5, 5.0)
    tagger, reader = Tagger(), Reader()
    counts = run_pipeline(open_source(video), FakeEstimator(), [tagger, reader])
    assert (counts.frames, counts.with_person) == (5, 3)
    assert reader.seen == pytest.approx([0.0, 0.2, 0.4, 0.6, 0.8])
    report = base_report("v.mp4", counts.frames, 5.0, counts.with_person,
                         counts.duration_s(5.0))
    assert report["duration_s"] == pytest.approx(1.0)
    for observer in (tagger, reader):
        merge(report, observer.report_fields())
    assert report["pose_detected_fraction"] == 0.6
    assert (report["rep_count"], report["session_id"]) == (5, 7)
    assert any("reps counted: 5" in line for line in summary_lines(report))


def test_report_rejects_fields_outside_the_schema() -> None:
    with pytest.raises(ValueError, match="schema"):
        merge(base_report("x", 1, 0.0, 1), {"made_up": 1})


def _rep(i: int, period: float, back: float, forward: float, forceful: bool = False,
         partial: bool = False) -> dict[str, Any]:
    return {"index": i, "start_s": 5.0 * i, "end_s": 5.0 * i + period, "period_s": period,
            "back_s": back, "forward_s": forward, "depth": 0.3 if partial else 0.9,
            "peak_speed": 0.5, "jerk": 1.0, "forceful": forceful, "partial": partial,
            "pause_s": 0.0, "peak_accel": 1.0}


def test_summary_tells_forceful_partial_tempo_and_warnings_by_kind() -> None:
    report = base_report("clip.mp4", 900, 30.0, 900)
    merge(report, {
        "rep_count": 3,
        "reps": [_rep(0, 6.0, 4.0, 2.0), _rep(1, 5.0, 3.0, 2.0, forceful=True),
                 _rep(2, 7.0, 4.5, 2.5)],
        "partial_reps": [_rep(3, 3.0, 1.5, 1.5, partial=True)],
        "warnings": [{"t_s": 12.2, "kind": "too_fast", "message": "Slow down"},
                     {"t_s": 75.0, "kind": "too_fast", "message": "Slow down"},
                     {"t_s": 20.0, "kind": "jerky", "message": "Smoothly"}],
    })
    text = "\n".join(summary_lines(report))
    assert "reps counted: 3 (1 forceful); median 6.0 s a rep (4.0 back / 2.0 forward)" in text
    assert "partial reps (too shallow, not counted): 1" in text
    assert "warnings: 3" in text
    assert "too fast x2: at 0:12, 1:15" in text
    assert "jerky x1: at 0:20" in text
    assert "truncated" not in text


def test_summary_grammar_and_truncation_note() -> None:
    report = base_report("one.mp4", 1, 25.0, 1, 0.04)
    report["truncated"] = True
    lines = summary_lines(report)
    assert "  1 frame at 25 fps (0.0 s)" in lines
    assert any("ended early (truncated?)" in line for line in lines)
    assert "  2 frames at 25 fps (0.1 s)" in summary_lines(base_report("two.mp4", 2, 25.0, 0,
                                                                         0.08))


def test_duration_comes_from_the_frames_own_times_on_a_variable_rate_video(
        tmp_path: Path) -> None:
    """A phone-style clip, 30 fps for 1 s then 15 fps for 2 s: 3 s long, from the first frame's
    time to the end of the last (its time plus the gap before it)."""
    from helpers.media import write_timed_video

    times = [i / 30 for i in range(30)] + [1.0 + i / 15 for i in range(30)]
    video = write_timed_video(tmp_path / "vfr.mp4", (
        (t, np.full((48, 64, 3), 60, np.uint8)) for t in times))
    source = open_source(video)
    counts = run_pipeline(source, FakeEstimator(), [])
    assert counts.frames == 60
    assert counts.duration_s(source.fps) == pytest.approx(3.0, abs=0.005)
    # (frames / the rate the file states says 2.97 s: OpenCV's rate is an average)
    report = base_report(str(video), counts.frames, source.fps, counts.with_person,
                         counts.duration_s(source.fps))
    assert report["duration_s"] == pytest.approx(3.0, abs=0.005)


def test_one_frame_lasts_one_frame_interval_and_a_still_lasts_nothing() -> None:
    from sessions.cli.analyze import PoseCounter

    counter = PoseCounter()
    assert counter.duration_s(30.0) == 0.0               # no frames
    frame = Frame(0, 0.5, np.zeros((4, 4, 3), np.uint8))
    counter.observe(Step(frame, PoseRecord.empty(0.5, 4, 4)))
    assert counter.duration_s(25.0) == pytest.approx(0.04)
    assert counter.duration_s(0.0) == 0.0                # a still image


def test_partial_reps_are_listed_apart_from_counted_reps() -> None:
    from pose.analysis.analyzer import summarize
    from pose.events import Rep

    def fa(t: float, rep: Rep | None) -> FrameAnalysis:
        return FrameAnalysis(t, PostureResult(Verdict.ON_ALL_FOURS), Phase.STILL,
                             calibrated=True, rep=rep)

    full = Rep(0, 0.0, 5.0, 5.0, 3.0, 2.0, 0.9, 0.4, 1.0, False)
    partial = Rep(1, 5.0, 7.0, 2.0, 1.0, 1.0, 0.2, 0.2, 1.0, False, partial=True)
    out = summarize([fa(0.0, None), fa(5.0, full), fa(7.0, partial)])
    assert out["rep_count"] == len(out["reps"]) == 1
    assert [r["index"] for r in out["partial_reps"]] == [1]
    assert set(out["partial_reps"][0]) == set(out["reps"][0])


@pytest.mark.slow
def test_truncated_video_is_reported_in_the_summary_not_as_a_log_line(tmp_path: Path) -> None:
    cut = avi_cut_mid_stream(tmp_path)
    result = run_process("analyze", cut, "--no-save", "-q", "--people", "1")
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert "ended early (truncated?)" in result.stdout
    result = rocking("analyze", cut, "--no-save", "-q", "--people", "1", "--json")
    report = json.loads(result.stdout)
    assert tuple(report) == REPORT_KEYS
    assert report["truncated"] is True


@pytest.mark.slow
def test_analyze_help_describes_what_it_reports() -> None:
    result = rocking("analyze", "--help")
    assert result.returncode == 0
    text = " ".join(result.stdout.split())
    assert "fills in" not in text
    for word in ("reps counted", "forceful", "partial", "tempo", "warnings"):
        assert word in text


def test_an_image_name_for_a_video_output_is_refused(tmp_path: Path) -> None:
    video = write_video(tmp_path / "clip.mp4", [np.zeros((48, 64, 3), np.uint8)] * 3, 10.0)
    for name in ("drawn.png", "drawn.JPG"):
        result = rocking("analyze", video, "--out", tmp_path / name, "--no-save")
        assert result.returncode == 2
        assert result.stderr.startswith("rocking: error: --out for a video must end in .mp4")
        assert len(result.stderr.splitlines()) == 1
        assert not (tmp_path / name).exists()


def test_the_drawn_video_shows_what_the_coach_would_show() -> None:
    """The analysis of a simulated session through the coach's overlay: the rep count, the last
    rep's tempo, the posture and a too-fast warning with its figure, as text on the frame."""
    from pose.analysis.alerts import DEFAULT_THRESHOLDS
    from pose.analysis.analyzer import MovementAnalyzer
    from pose.simulate import Hold, Plan, Rock, simulate
    from sessions.coach.analysis_view import AnalysisViews
    from sessions.coach.overlay import CoachOverlay

    session = simulate(Plan((Hold(2.0), Rock(2, period_s=5.0), Rock(2, period_s=1.2),
                             Hold(1.0))))
    analyzer, views, overlay = MovementAnalyzer(), AnalysisViews(), CoachOverlay(interactive=False)
    texts: list[list[str]] = []
    for record in session.records:
        img = np.zeros((480, 640, 3), np.uint8)
        texts.append([b.text for b in overlay.draw(img, views.view(analyzer.update(record)))])
    assert any("Hold still" in " ".join(t) for t in texts[:30])          # calibrating
    after_two = texts[int(12.5 * 30)]
    assert "2" in after_two and "reps" in after_two
    assert any(t.startswith(("Last rep 4.8", "Last rep 4.9", "Last rep 5.0")) for t in after_two)
    assert "On hands and knees" in after_two or "Rocked back" in after_two
    banners = [t for t in texts if "Slow down" in t]
    limit = f"limit {DEFAULT_THRESHOLDS.too_fast_speed:.2f}"      # the figure, as the code has it
    assert banners and any(limit in " ".join(t) for t in banners)


def test_the_summary_says_when_the_person_was_out_of_view() -> None:
    report = base_report("clip.mp4", 900, 30.0, 800)
    report["losses"] = [{"start_s": 12.2, "end_s": 14.7, "duration_s": 2.5},
                        {"start_s": 65.0, "end_s": 66.0, "duration_s": 1.0}]
    assert "  out of view 2 times: 2.5 s at 0:12, 1.0 s at 1:05" in summary_lines(report)
    report["losses"] = []
    assert not [line for line in summary_lines(report) if "out of view" in line]


# --- the three-stage pipeline: decoding, the model, the observers each on a thread ---

class ThreadNoting:
    """An observer that notes the thread it ran on and the frames it saw."""

    def __init__(self, fail_at: int | None = None) -> None:
        self.fail_at = fail_at
        self.seen: list[int] = []
        self.threads: set[str] = set()
        self.ended = False

    def observe(self, step: Step) -> None:
        import threading

        self.threads.add(threading.current_thread().name)
        if step.frame.index == self.fail_at:
            raise ValueError(f"observer failed at frame {step.frame.index}")
        self.seen.append(step.frame.index)

    def end(self, ending: Any) -> None:
        self.ended = True

    def report_fields(self) -> dict[str, Any]:
        return {}


class PreparingEstimator(FakeEstimator):
    """Has ``prepare``, as the real estimator: the pipeline hands ``process`` what it made."""

    def __init__(self, interrupt_at: int | None = None) -> None:
        self.interrupt_at = interrupt_at
        self.prepared_on: set[str] = set()
        self.processed_on: set[str] = set()

    def prepare(self, frame: Any) -> Any:
        import threading
        from types import SimpleNamespace

        self.prepared_on.add(threading.current_thread().name)
        return SimpleNamespace(frame=frame)

    def process(self, frame: Any) -> PoseRecord:
        import threading

        self.processed_on.add(threading.current_thread().name)
        if frame.frame.index == self.interrupt_at:
            raise KeyboardInterrupt
        return super().process(frame.frame)


def test_frames_are_prepared_ahead_and_observed_in_order_on_their_own_threads(
        tmp_path: Path) -> None:
    import threading

    video = write_video(tmp_path / "v.mp4", [np.zeros((48, 64, 3), np.uint8)] * 30, 10.0)
    estimator, noting = PreparingEstimator(), ThreadNoting()
    counts = run_pipeline(open_source(video), estimator, [noting])
    assert noting.seen == list(range(30)) and noting.ended
    assert (counts.frames, counts.with_person) == (30, 15)
    caller = threading.current_thread().name
    assert estimator.processed_on == {caller}                     # the model: the caller's
    assert estimator.prepared_on == {"rocking-decode"}
    assert noting.threads == {"rocking-observe"}
    assert not [t for t in threading.enumerate() if t.name.startswith("rocking-")]


def test_an_observer_failing_stops_the_run_with_its_error(tmp_path: Path) -> None:
    import threading

    video = write_video(tmp_path / "v.mp4", [np.zeros((48, 64, 3), np.uint8)] * 30, 10.0)
    noting = ThreadNoting(fail_at=4)
    with pytest.raises(ValueError, match="frame 4"):
        run_pipeline(open_source(video), PreparingEstimator(), [noting])
    assert noting.seen == [0, 1, 2, 3] and not noting.ended
    assert not [t for t in threading.enumerate() if t.name.startswith("rocking-")]


def test_ctrl_c_while_estimating_lets_the_observers_take_every_frame_done(
        tmp_path: Path) -> None:
    """What was estimated before Ctrl-C reaches the observers (the session store saves it)."""
    import threading

    video = write_video(tmp_path / "v.mp4", [np.zeros((48, 64, 3), np.uint8)] * 30, 10.0)
    noting = ThreadNoting()
    with pytest.raises(KeyboardInterrupt):
        run_pipeline(open_source(video), PreparingEstimator(interrupt_at=12), [noting])
    assert noting.seen == list(range(12))
    assert not [t for t in threading.enumerate() if t.name.startswith("rocking-")]


class SendsCtrlC(PreparingEstimator):
    """Ctrl-C (a real SIGINT to this process) arrives while the model works on one frame."""

    def process(self, frame: Any) -> PoseRecord:
        import os
        import signal

        if frame.frame.index == self.interrupt_at:
            os.kill(os.getpid(), signal.SIGINT)
        return FakeEstimator.process(self, frame.frame)


def test_ctrl_c_during_the_model_stops_the_run_at_the_next_frame(tmp_path: Path) -> None:
    """The model's frame is finished (MediaPipe is never left mid-call), and the frames before
    reach the observers; then the run stops."""
    from sessions.interrupts import deferred_interrupts

    video = write_video(tmp_path / "v.mp4", [np.zeros((48, 64, 3), np.uint8)] * 30, 10.0)
    noting = ThreadNoting()
    with pytest.raises(KeyboardInterrupt), deferred_interrupts() as ctrl_c:
        run_pipeline(open_source(video), SendsCtrlC(interrupt_at=12), [noting],
                     checkpoint=ctrl_c.check)
    assert noting.seen == list(range(12)) and not noting.ended


@pytest.mark.parametrize(("fields", "said"), [
    ({"session_id": 7}, ["rocking: interrupted; the part analysed is saved as session 7 "
                         "(interrupted): see it with: rocking review --db x.db 7"]),
    ({"session_id": None, "saved_to": "/tmp/s.json"},
     ["rocking: interrupted", "rocking: the session database failed: the session was saved to "
      "/tmp/s.json; `rocking import --db x.db FILE` adds it back"]),
    ({"session_id": None, "not_saved": "session 7 could not be saved: no"},
     ["rocking: interrupted", "rocking: error: session 7 could not be saved: no"]),
    ({"session_id": None}, ["rocking: interrupted (nothing was saved)"]),
])
def test_ctrl_c_says_where_the_part_analysed_went(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], fields: dict[str, Any],
        said: list[str]) -> None:
    from sessions.cli.analyze import interrupted
    from sessions.history.recorder import StoreObserver
    from sessions.history.store import SessionMeta

    with StoreObserver(tmp_path / "s.db", SessionMeta(source="video")) as store:
        store.report_fields = lambda: fields  # type: ignore[method-assign]
        interrupted([store], " --db x.db")
    assert capsys.readouterr().err.splitlines() == said
