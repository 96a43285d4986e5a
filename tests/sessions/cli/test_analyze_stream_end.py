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


def analyze_and_save(records: list[PoseRecord], db: Path, name: str
                     ) -> tuple[MovementObserver, int]:
    """The simulated video through analyze's pipeline, saved to ``db``: the movement's report
    and the saved session's id."""
    movement = MovementObserver()
    with StoreObserver(db, SessionMeta(source="video", source_detail=name)) as store:
        run_pipeline(SimSource(records), SimEstimator(records), [movement, store])
        sid = store.report_fields()["session_id"]
    return movement, sid


@pytest.mark.parametrize("tail_s", [0.1, 0.2, 0.3])
def test_a_rep_back_at_the_start_when_the_video_ends_counts(tmp_path: Path,
                                                            tail_s: float) -> None:
    plan = sim.Plan((sim.GetIntoPosition(), sim.Hold(2.0),
                     sim.Rock(3, period_s=5.0, back_share=0.6), sim.Hold(tail_s)))
    session = sim.simulate(plan, fps=30.0, seed=1)
    assert session.truth.full_rep_count == 3
    db = tmp_path / "s.db"
    movement, sid = analyze_and_save(session.records, db, "cut.mp4")
    assert movement.report_fields()["rep_count"] == 3
    with SessionStore.open(db) as opened:
        assert len([r for r in opened.reps(sid) if not r.partial]) == 3


def test_losses_in_the_report_are_the_losses_saved(tmp_path: Path) -> None:
    """Out of view 2.5 s between two reps and again when the video ends: the report's
    ``losses`` and the saved session's hold the same spells (one rule, pose.analysis.losses)."""
    plan = sim.Plan((sim.GetIntoPosition(), sim.Hold(2.0), sim.Rock(2, period_s=5.0),
                     sim.Hold(4.0)), gaps=((3.0, 3.2), (12.2, 14.7), (17.0, 99.0)))
    session = sim.simulate(plan, fps=30.0, seed=3)
    db = tmp_path / "s.db"
    movement, sid = analyze_and_save(session.records, db, "gaps.mp4")
    reported = movement.report_fields()["losses"]
    assert [round(x["start_s"], 1) for x in reported][:1] == [12.2]
    assert len(reported) == 2                      # the 0.2 s gap is not a loss
    with SessionStore.open(db) as opened:
        saved = opened.losses(sid)
    assert [(x.start_s, x.end_s) for x in saved] == [
        pytest.approx((x["start_s"], x["end_s"]), abs=1e-3) for x in reported]
