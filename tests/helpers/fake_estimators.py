"""Stand-ins for the MediaPipe estimator, for tests where what is saved or refused does not
depend on the landmarks (monkeypatch ``pose.estimation.estimator.PoseEstimator`` with one)."""

from __future__ import annotations

from typing import Any

from pose.record import PoseRecord


class NobodyEstimator:
    """Finds nobody in any frame; takes the real estimator's arguments and ignores them."""

    def __init__(self, *_args: object, **_kwargs: object) -> None:
        pass

    def __enter__(self) -> NobodyEstimator:
        return self

    def __exit__(self, *exc: object) -> None:
        pass

    def process(self, frame: Any) -> PoseRecord:
        return PoseRecord.empty(frame.t_s, frame.width, frame.height)
