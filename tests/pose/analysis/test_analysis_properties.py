"""Property tests: no input sequence (NaN, garbage, jumps, gaps, repeated or backward timestamps,
a person leaving) crashes the analysis or makes it count a rep out of nothing."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pose.analysis.alerts import DEFAULT_THRESHOLDS
from pose.analysis.analyzer import MovementAnalyzer, summarize
from pose.events import Rep, Verdict
from pose.record import N_LANDMARKS, Landmark, PoseRecord
from pose.simulate import Hold, Plan, simulate

# wild landmarks must not even print numpy warnings on a user's terminal
pytestmark = pytest.mark.filterwarnings("error::RuntimeWarning")

STILL = simulate(Plan((Hold(4.0),), noise=0.005), seed=0).records
BASE = STILL[0]

floats = st.floats(allow_nan=True, allow_infinity=True, width=64)
frame_kinds = st.sampled_from(["still", "empty", "nan", "jump", "garbage", "partial_nan",
                               "offscreen", "skip"])


def _make(kind: str, i: int, t: float, value: float, rng: np.random.Generator) -> PoseRecord | None:
    rec = STILL[i % len(STILL)]
    if kind == "still":
        return PoseRecord(t, rec.width, rec.height, rec.image, rec.visibility, rec.world)
    if kind == "empty":
        return PoseRecord.empty(t, rec.width, rec.height)
    if kind == "skip":
        return None
    image = rec.image.copy()
    world = rec.world.copy()
    vis = rec.visibility.copy()
    if kind == "nan":
        image[:] = value
    elif kind == "jump":           # the whole person teleports and scales
        image[:, :2] = image[:, :2] * (0.5 + abs(math.tanh(value)) if math.isfinite(value)
                                       else 1.0) + rng.uniform(-0.5, 0.5, 2)
    elif kind == "garbage":        # landmarks anywhere
        image = rng.uniform(-2, 3, size=(N_LANDMARKS, 3))
        world = rng.uniform(-2, 2, size=(N_LANDMARKS, 3))
        vis = rng.uniform(0, 1, size=N_LANDMARKS)
    elif kind == "partial_nan":
        idx = rng.choice(N_LANDMARKS, size=5, replace=False)
        image[idx] = np.nan
        world[idx] = value
    elif kind == "offscreen":      # leaving the frame
        image[:, 0] += 1.0 + rng.uniform(0, 0.5)
    return PoseRecord(t, rec.width, rec.height, image, vis, world)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(kinds=st.lists(frame_kinds, min_size=1, max_size=240), values=st.lists(floats, min_size=1),
       seed=st.integers(0, 2**16), gaps=st.lists(st.floats(-0.5, 2.0), min_size=1))
def test_arbitrary_sequences_never_crash_nor_count_reps(kinds: list[str], values: list[float],
                                                        seed: int, gaps: list[float]) -> None:
    rng = np.random.default_rng(seed)
    analyzer = MovementAnalyzer()
    t = 0.0
    results = []
    for i, kind in enumerate(kinds):
        t += gaps[i % len(gaps)]
        rec = _make(kind, i, t, values[i % len(values)], rng)
        if rec is None:
            continue
        fa = analyzer.update(rec)
        results.append(fa)
        assert fa.t_s == rec.t_s
        assert fa.depth is None or math.isfinite(fa.depth)
        assert fa.speed is None or math.isfinite(fa.speed)
        if not rec.has_person:
            assert fa.depth is None          # nothing is measured without a person
        if fa.posture.verdict is Verdict.NO_PERSON:
            assert fa.rep is None
    report = summarize(results)
    # no real rocking happened (only still frames and noise): nothing may be counted, also
    # not a rep that the end of the stream would finish
    assert report["rep_count"] == 0
    last = analyzer.finish()
    assert last is None or last.partial, last
    assert 0.0 <= report["on_all_fours_fraction"] <= 1.0


HIPS = [Landmark.LEFT_HIP, Landmark.RIGHT_HIP]
FRAME_S = STILL[1].t_s - STILL[0].t_s
#: Frames at the start of the hold left alone: the analysis calibrates on them.
SETTLE_FRAMES = 40


def _hold_with_hips_moved(moved: dict[int, tuple[float, float]]) -> list[Rep]:
    """Every rep (full or partial, also one finished by the end of the stream) the analysis
    makes of the still hold with the hips shifted on the frames given: frame -> (dx, dy), in
    tenths of the picture's width and twentieths of its height."""
    analyzer = MovementAnalyzer()
    reps = []
    for i, rec in enumerate(STILL):
        image = rec.image.copy()
        if i in moved:
            dx, dy = moved[i]
            image[HIPS, 0] -= 0.1 * dx
            image[HIPS, 1] += 0.05 * dy
        fa = analyzer.update(PoseRecord(rec.t_s, rec.width, rec.height, image, rec.visibility,
                                        rec.world))
        if fa.rep is not None:
            reps.append(fa.rep)
    last = analyzer.finish()
    return reps + ([last] if last is not None else [])


shifts = st.tuples(st.floats(-2.0, 2.0), st.floats(-2.0, 2.0))


@settings(max_examples=40, deadline=None)
@given(glitches=st.lists(st.tuples(st.integers(2, 12), shifts), min_size=1, max_size=20))
def test_isolated_one_frame_glitches_never_make_a_rep(
        glitches: list[tuple[int, tuple[float, float]]]) -> None:
    """Single wild frames inside a still hold (a mis-detected hip), each with its own shift and
    each followed by at least one good frame (``glitches``: frames since the previous glitch,
    shift), count nothing: no rep, not even a partial one."""
    moved: dict[int, tuple[float, float]] = {}
    at = SETTLE_FRAMES
    for gap, shift in glitches:
        at += gap
        if at >= len(STILL):
            break
        moved[at] = shift
    assert all(b - a >= 2 for a, b in itertools.pairwise(sorted(moved)))
    assert _hold_with_hips_moved(moved) == []


@settings(max_examples=40, deadline=None)
@given(start=st.integers(SETTLE_FRAMES, SETTLE_FRAMES + 20),
       length=st.integers(2, round(DEFAULT_THRESHOLDS.forceful_min_period_s / 2 / FRAME_S)),
       shift=shifts)
def test_a_short_burst_of_wild_frames_is_never_a_calm_counted_rep(
        start: int, length: int, shift: tuple[float, float]) -> None:
    """Two or more wild frames in a row that agree are, by the analysis's design, a real move
    (the spike filter holds back only a frame that the next one does not confirm), so a burst
    may make a rep. But a rep made of a burst shorter than half the forceful period is never
    a calm one: it is partial (not counted) or flagged forceful, so the person is warned."""
    reps = _hold_with_hips_moved({i: shift for i in range(start, start + length)})
    assert all(r.partial or r.forceful for r in reps), reps


@settings(max_examples=20, deadline=None)
@given(leave_at=st.floats(0.5, 3.5), back_after=st.floats(0.0, 6.0))
def test_a_person_leaving_and_returning_counts_nothing(leave_at: float, back_after: float) -> None:
    analyzer = MovementAnalyzer()
    results = []
    for rec in STILL:
        results.append(analyzer.update(PoseRecord.empty(rec.t_s, rec.width, rec.height)
                                       if leave_at <= rec.t_s < leave_at + back_after else rec))
    assert analyzer.finish() is None
    assert summarize(results)["rep_count"] == 0


def test_report_fields_fit_the_analyze_contract() -> None:
    """The observer's fields are exactly the movement keys of `rocking analyze`'s report."""
    from pose.analysis.analyzer import MovementObserver
    from pose.simulate import Rock

    class Step:
        def __init__(self, record: PoseRecord) -> None:
            self.record = record
            self.analysis = None

    observer = MovementObserver()
    session = simulate(Plan((Hold(2.0), Rock(2), Hold(1.0))), seed=0)
    for rec in session.records:
        step = Step(rec)
        observer.observe(step)
        assert step.analysis is not None
    fields = observer.report_fields()
    assert set(fields) == {"on_all_fours_fraction", "posture", "rep_count", "reps", "warnings",
                           "partial_reps", "losses"}
    assert fields["partial_reps"] == [] and fields["losses"] == []
    assert fields["rep_count"] == 2
    for rep in fields["reps"]:
        assert {"start_s", "end_s", "period_s", "back_s", "forward_s", "depth", "peak_speed",
                "forceful"} <= set(rep)
    assert fields["posture"]["verdict"] in ("on_all_fours", "rocked_back")
    assert isinstance(fields["posture"]["faults"], dict)
