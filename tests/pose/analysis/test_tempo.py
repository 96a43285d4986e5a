"""The one definition of "on tempo", shared by the coach and the history."""

from __future__ import annotations

from contextlib import nullcontext

import pytest

from pose.analysis.tempo import TempoVerdict, tempo_verdict


@pytest.mark.parametrize(("period", "target", "expected", "raises"), [
    (7.0, 7.0, TempoVerdict.ON_TEMPO, nullcontext()),
    (5.25, 7.0, TempoVerdict.ON_TEMPO, nullcontext()),     # 75 %: still on tempo
    (5.2, 7.0, TempoVerdict.QUICK, nullcontext()),
    (3.0, 7.0, TempoVerdict.QUICK, nullcontext()),
    (11.2, 7.0, TempoVerdict.ON_TEMPO, nullcontext()),     # 160 %: slow is no harm
    (11.3, 7.0, TempoVerdict.SLOW, nullcontext()),
    (7.0, 0.0, None, pytest.raises(ValueError, match="must be positive")),
])
def test_tempo_verdict(period: float, target: float, expected: TempoVerdict | None,
                       raises: nullcontext[None]) -> None:
    with raises:
        assert tempo_verdict(period, target) is expected
