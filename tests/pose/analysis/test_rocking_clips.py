"""Rep counting and force on the real rocking clips (../shared/realdata/video), real pose model.

Each clip runs through the estimator once, then comes from the landmark cache."""

from __future__ import annotations

import json
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from helpers import landmark_cache

from pose.analysis.analyzer import MovementAnalyzer, summarize
from pose.estimation import model_files
from pose.events import FrameAnalysis, Rep, WarningKind
from pose.record import PoseRecord

pytestmark = pytest.mark.slow

CLIP_NAMES = ["rock01_steady_prozhekt2", "rock06_long10_prozhekt", "rock07_mixed_fitinsight",
              "rock08_breathing_forceful_prozhekt2", "rock09_holds_fitinsight"]
#: Each clip's tests run in one test worker (pytest-xdist's loadgroup), so one worker runs the
#: estimator over it while the other works on something else, and no clip is estimated twice.
CLIPS = [pytest.param(n, id=n, marks=pytest.mark.xdist_group(n)) for n in CLIP_NAMES]


@dataclass(frozen=True)
class ClipRun:
    truth: dict[str, Any]
    frames: list[FrameAnalysis]
    summary: dict[str, Any]

    @property
    def reps(self) -> list[Rep]:
        return [f.rep for f in self.frames if f.rep is not None and not f.rep.partial]

    def truth_seconds(self, frame_range: list[int]) -> tuple[float, float]:
        fps = float(self.truth["fps"])
        return frame_range[0] / fps, frame_range[1] / fps


class ClipCache:
    """The real estimator's records per clip (tests/helpers/landmark_cache.py: computed once,
    kept on disk until the clip, the model or the estimation code changes)."""

    def __init__(self, folder: Path, model: model_files.ModelBytes) -> None:
        self.folder = folder
        self.model = model

    def get(self, name: str) -> list[PoseRecord] | None:
        path = self.folder / f"{name}.mp4"
        return landmark_cache.records(path, self.model, people=1) if path.exists() else None


@pytest.fixture(scope="session")
def clip_records(realdata: Path, pose_model: model_files.ModelBytes) -> ClipCache:
    return ClipCache(realdata / "video", pose_model)


def _run(name: str, realdata: Path, clip_records: ClipCache) -> ClipRun:
    records = clip_records.get(name)
    if records is None:
        pytest.skip(f"clip {name} not in {realdata / 'video'}")
    truth = json.loads((realdata / "video" / f"{name}.json").read_text())
    analyzer = MovementAnalyzer()
    frames = [analyzer.update(r) for r in records]
    return ClipRun(truth, frames, summarize(frames, extras=True))


@pytest.mark.parametrize("name", CLIPS)
def test_rep_count_matches_the_truth(name: str, realdata: Path,
                                     clip_records: ClipCache) -> None:
    run = _run(name, realdata, clip_records)
    assert run.summary["rep_count"] == run.truth["expected_full_reps"]
    n_partial = run.truth["reps_by_label"].get("partial", 0)
    assert len(run.summary["partial_reps"]) == n_partial


@pytest.mark.parametrize("name", CLIPS)
def test_forceful_reps_match_the_forceful_segments(
        name: str, realdata: Path, clip_records: ClipCache) -> None:
    run = _run(name, realdata, clip_records)
    ranges = [run.truth_seconds(r) for r in run.truth["forceful_frame_ranges"]]
    flagged = [r for r in run.reps if r.forceful]
    assert len(flagged) == run.truth["reps_by_label"].get("forceful", 0)
    for rep in flagged:
        mid = (rep.start_s + rep.end_s) / 2
        assert any(a <= mid <= b for a, b in ranges), rep
    # speed and jerk warnings only around the forceful segments
    for f in run.frames:
        for w in f.warnings:
            if w.kind in (WarningKind.TOO_FAST, WarningKind.JERKY):
                assert any(a <= w.t_s <= b + 1.0 for a, b in ranges), w


@pytest.mark.parametrize("name", CLIPS)
def test_rep_timing_and_depth_follow_the_truth(
        name: str, realdata: Path, clip_records: ClipCache) -> None:
    run = _run(name, realdata, clip_records)
    fps = float(run.truth["fps"])
    full_truth = [r for r in run.truth["reps"] if r["is_full"]]
    assert len(run.reps) == len(full_truth)
    for rep, truth in zip(run.reps, full_truth, strict=True):
        t0, t1 = truth["start_frame"] / fps, truth["end_frame"] / fps
        assert abs(rep.start_s - t0) < 0.6 and abs(rep.end_s - t1) < 0.8, (rep, truth)
        # timing resolution: 15%, or 0.3 s (the smoothing's lag) on the quick reps
        assert abs(rep.period_s - truth["period_s"]) <= max(0.15 * truth["period_s"], 0.3)
        assert rep.depth == pytest.approx(truth["amp"], abs=0.2)


def test_breath_led_reps_show_the_long_exhale(realdata: Path,
                                              clip_records: ClipCache) -> None:
    run = _run("rock08_breathing_forceful_prozhekt2", realdata, clip_records)
    slow = [r for r in run.reps if not r.forceful]
    assert len(slow) == 5
    assert all(r.back_s > 1.4 * r.forward_s for r in slow)


@pytest.mark.parametrize("name", CLIPS)
def test_in_position_and_calibrated_during_the_opening_hold(
        name: str, realdata: Path, clip_records: ClipCache) -> None:
    run = _run(name, realdata, clip_records)
    assert run.summary["on_all_fours_fraction"] > 0.95
    first_rep = run.truth["reps"][0]["start_frame"] / float(run.truth["fps"])
    calibrated_at = next(f.t_s for f in run.frames if f.calibrated)
    assert calibrated_at < first_rep


@pytest.mark.parametrize("name", CLIPS)
def test_posture_never_flickers_while_rocking(
        name: str, realdata: Path, clip_records: ClipCache) -> None:
    """Only in position throughout, and exactly one switch to rocked-back and back per full rep."""
    run = _run(name, realdata, clip_records)
    verdicts = [f.posture.verdict for f in run.frames]
    assert all(v.in_position for v in verdicts)
    switches = sum(a is not b for a, b in pairwise(verdicts))
    assert switches <= 2 * run.truth["expected_full_reps"]


REAL_NEGATIVES = [pytest.param(n, id=n, marks=pytest.mark.xdist_group(n))
                  for n in ("real02_tj_catcow_side", "real03_yg_childspose_hold_side")]


@pytest.mark.parametrize("name", REAL_NEGATIVES)
def test_real_all_fours_footage_that_is_not_rocking_counts_nothing(
        name: str, realdata: Path, pose_model: model_files.ModelBytes) -> None:
    """Real recordings (../shared/realdata/video_real): a slow cat-cow and a child's pose hold
    give no rep, no partial rep and no force warning; the child's pose is never taken as the
    start position (it is not tabletop), so nothing is ever calibrated there."""
    path = realdata / "video_real" / f"{name}.mp4"
    if not path.exists():
        pytest.skip(f"clip {name} not in {path.parent}")
    truth = json.loads(path.with_suffix(".json").read_text())
    analyzer = MovementAnalyzer()
    frames = [analyzer.update(r) for r in landmark_cache.records(path, pose_model, people=1)]
    last = analyzer.finish()
    summary = summarize(frames)
    assert summary["rep_count"] == truth["expected_full_reps"] == 0
    assert last is None and not summary["partial_reps"]
    assert not [w for w in summary["warnings"] if w["kind"] in ("too_fast", "jerky")]
    if "childspose" in name:
        assert not any(f.calibrated for f in frames)
        assert all(f.posture.verdict.value == "rocked_back" for f in frames)
