"""The plan's tempo parsing and validation, and the pacer's positions and turn points."""

from __future__ import annotations

import itertools
from contextlib import AbstractContextManager, nullcontext

import numpy as np
import pytest

from sessions.coach.plan import Pacer, PacerPhase, Plan, Tempo, Turn


@pytest.mark.parametrize(
    ("text", "expected", "raises"),
    [
        ("4:3", Tempo(4, 3), nullcontext()),
        ("5/2.5", Tempo(5, 2.5), nullcontext()),
        (" 6, 4 ", Tempo(6, 4), nullcontext()),
        ("4 3", Tempo(4, 3), nullcontext()),
        ("7", Tempo(4, 3), nullcontext()),
        ("14", Tempo(8, 6), nullcontext()),
        ("fast", None, pytest.raises(ValueError, match="tempo must look like")),
        ("4:3:2", None, pytest.raises(ValueError, match="tempo must look like")),
        ("", None, pytest.raises(ValueError, match="tempo must look like")),
        ("0.2:3", None, pytest.raises(ValueError, match="back must be")),
        ("4:90", None, pytest.raises(ValueError, match="forward must be")),
        ("nan:3", None, pytest.raises(ValueError, match="back must be")),
    ],
)
def test_tempo_parse(text: str, expected: Tempo | None,
                     raises: AbstractContextManager[object]) -> None:
    with raises:
        assert Tempo.parse(text) == expected


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"target_reps": 0}, "target reps"),
        ({"target_reps": 1000}, "target reps"),
        ({"target_duration_s": 0.0}, "target duration"),
        ({"target_duration_s": float("inf")}, "target duration"),
    ],
)
def test_plan_rejects_bad_targets(kwargs: dict[str, float], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        Plan(**kwargs)  # type: ignore[arg-type]


def test_plan_defaults_are_slow_and_breath_led() -> None:
    plan = Plan()
    assert plan.tempo.back_s > plan.tempo.forward_s  # long exhale back, shorter inhale forward
    assert plan.tempo.period_s >= 6.0
    assert plan.target_reps >= 5


@pytest.mark.parametrize(
    ("t", "depth", "phase"),
    [
        (0.0, 0.0, PacerPhase.BACK),
        (2.0, 0.5, PacerPhase.BACK),       # half way back (cosine ease is symmetric)
        (4.0, 1.0, PacerPhase.FORWARD),    # the far turn point
        (5.5, 0.5, PacerPhase.FORWARD),
        (7.0, 0.0, PacerPhase.BACK),       # next cycle starts
        (9.0, 0.5, PacerPhase.BACK),
        (-1.0, 0.0, PacerPhase.BACK),      # before it starts: at the start position
    ],
)
def test_pacer_target_depth(t: float, depth: float, phase: PacerPhase) -> None:
    pacer = Pacer(Tempo(4, 3))
    assert pacer.target_depth(t) == pytest.approx(depth, abs=1e-9)
    assert pacer.phase(t) is phase


def test_pacer_depth_is_smooth_and_bounded() -> None:
    pacer = Pacer(Tempo(4, 3))
    ts = np.arange(0, 21, 0.01)
    depth = np.array([pacer.target_depth(t) for t in ts])
    assert depth.min() >= 0.0 and depth.max() <= 1.0
    # no jumps: the largest step in 10 ms is what a cosine over 3 s allows
    assert np.abs(np.diff(depth)).max() < np.pi / 2 / 3.0 * 0.01 * 1.01


def test_pacer_turns_between_frames_at_30fps_hits_each_turn_once() -> None:
    pacer = Pacer(Tempo(4, 3))
    frames = np.arange(-0.5, 14.0, 1 / 30)
    turns = [tp for a, b in itertools.pairwise(frames)
             for tp in pacer.turns_between(float(a), float(b))]
    assert [(tp.t_s, tp.turn) for tp in turns] == [
        (0.0, Turn.GO_BACK), (4.0, Turn.GO_FORWARD),
        (7.0, Turn.GO_BACK), (11.0, Turn.GO_FORWARD),
    ]


@pytest.mark.parametrize(("t0", "t1"), [(3.0, 3.0), (5.0, 4.0)])
def test_pacer_turns_between_empty_interval(t0: float, t1: float) -> None:
    assert Pacer().turns_between(t0, t1) == []


def test_pacer_phase_remaining() -> None:
    pacer = Pacer(Tempo(4, 3))
    assert pacer.phase_remaining_s(1.0) == pytest.approx(3.0)
    assert pacer.phase_remaining_s(5.0) == pytest.approx(2.0)
