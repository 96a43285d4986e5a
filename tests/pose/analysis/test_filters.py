"""One Euro filter: smoothing when still, little lag when moving, NaN-safe, vectorised."""

from __future__ import annotations

import numpy as np
import pytest

from pose.analysis.filters import OneEuroFilter


def _run(f: OneEuroFilter, t: np.ndarray, x: np.ndarray) -> np.ndarray:
    return np.array([f(ti, xi) for ti, xi in zip(t, x, strict=True)])


def test_reduces_jitter_of_a_still_signal() -> None:
    rng = np.random.default_rng(0)
    t = np.arange(300) / 30.0
    x = 5.0 + rng.normal(0, 1.0, size=t.size)
    y = _run(OneEuroFilter(min_cutoff_hz=1.0, beta=0.0), t, x)
    assert np.std(y[30:]) < 0.4 * np.std(x[30:])
    assert abs(np.mean(y[30:]) - 5.0) < 0.2


def _ramp_lag_frames(beta: float, fps: float = 30.0) -> float:
    t = np.arange(120) / fps
    x = 10.0 * t      # ten units per second
    y = _run(OneEuroFilter(min_cutoff_hz=1.0, beta=beta), t, x)
    return float((x[-1] - y[-1]) / (10.0 / fps))


def test_still_cutoff_lags_a_ramp_by_its_time_constant() -> None:
    """With beta 0 it is a first-order low-pass at 1 Hz: a ramp lags by tau = 1 / (2 pi) s."""
    assert _ramp_lag_frames(0.0) == pytest.approx(30.0 / (2 * np.pi), rel=0.01)


def test_speed_raises_the_cutoff_so_a_ramp_lags_less() -> None:
    lags = [_ramp_lag_frames(beta) for beta in (0.0, 0.2, 1.0)]
    assert lags[0] > lags[1] > lags[2] > 0, lags
    assert lags[2] < 1.0, "at beta 1 a 10 unit/s ramp is followed within a frame"


def test_first_value_passes_through_and_reset_forgets() -> None:
    f = OneEuroFilter()
    assert f(0.0, 3.0) == pytest.approx(3.0)
    f(0.1, 100.0)
    f.reset()
    assert f(0.2, -7.0) == pytest.approx(-7.0)


def test_vectorised_over_landmarks_with_nan_elements_left_untouched() -> None:
    f = OneEuroFilter(min_cutoff_hz=1.0)
    a = np.array([[0.0, 0.0], [1.0, 1.0]])
    f(0.0, a)
    b = np.array([[1.0, 1.0], [np.nan, np.nan]])
    out = f(1 / 30, b)
    assert out.shape == (2, 2)
    assert np.isnan(out[1]).all()                 # NaN in, NaN out
    assert 0.0 < out[0, 0] < 1.0                  # smoothed toward the new value
    out2 = f(2 / 30, np.array([[1.0, 1.0], [0.0, 0.0]]))
    assert 0.0 < out2[1, 0] < 1.0                 # smoothed from its old state, not restarted


def test_element_never_finite_starts_from_its_first_value() -> None:
    f = OneEuroFilter()
    f(0.0, np.array([np.nan, 1.0]))
    out = f(0.1, np.array([4.0, 1.0]))
    assert out[0] == pytest.approx(4.0)


@pytest.mark.parametrize("dt", [0.0, -0.1])
def test_repeated_or_backward_timestamp_keeps_state(dt: float) -> None:
    f = OneEuroFilter()
    f(1.0, 2.0)
    assert f(1.0 + dt, 50.0) == pytest.approx(2.0)


@pytest.mark.parametrize(("kw"), [{"min_cutoff_hz": 0.0}, {"d_cutoff_hz": -1.0}, {"beta": -0.1}])
def test_bad_parameters_raise(kw: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        OneEuroFilter(**kw)

