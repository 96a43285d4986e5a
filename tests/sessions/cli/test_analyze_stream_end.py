"""`rocking analyze` on a recording that stops right after the last rep: the rep counts, in the
report and in the saved session (the recorder's end-of-stream path is the one the product uses)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from pose import simulate as sim
from pose.analysis.analyzer import MovementObserver
from pose.estimation.sources import Frame
from pose.record import PoseRecord
from sessions.cli.analyze import run_pipeline
from sessions.history.recorder import StoreObserver
from sessions.history.store import SessionMeta, SessionStore


class SimSource:
    """The simulated person's frames (tiny blank pictures; the estimator knows the records)."""

    name, fps, is_still = "sim", 30.0, False

    def __init__(self, records: list[PoseRecord]) -> None:
        self.records = records
        self.frame_count: int | None = len(records)

    def __iter__(self) -> Iterator[Frame]:
        blank = np.zeros((4, 4, 3), np.uint8)
        for i, rec in enumerate(self.records):
            yield Frame(i, rec.t_s, blank)


class SimEstimator:
    def __init__(self, records: list[PoseRecord]) -> None:
        self.records = records

    def process(self, frame: Frame) -> PoseRecord:
        return self.records[frame.index]


@pytest.mark.parametrize("tail_s", [0.1, 0.2, 0.3])
def test_a_rep_back_at_the_start_when_the_video_ends_counts(tmp_path: Path,
                                                            tail_s: float) -> None:
    plan = sim.Plan((sim.GetIntoPosition(), sim.Hold(2.0),
                     sim.Rock(3, period_s=5.0, back_share=0.6), sim.Hold(tail_s)))
    session = sim.simulate(plan, fps=30.0, seed=1)
    assert session.truth.full_rep_count == 3
    db = tmp_path / "s.db"
    movement = MovementObserver()
    with StoreObserver(db, SessionMeta(source="video", source_detail="cut.mp4")) as store:
        run_pipeline(SimSource(session.records), SimEstimator(session.records),
                     [movement, store])
        sid = store.report_fields()["session_id"]
    assert movement.report_fields()["rep_count"] == 3
    with SessionStore.open(db) as opened:
        assert len([r for r in opened.reps(sid) if not r.partial]) == 3
