"""The loss rule the analyze report and the saved session share (pose.analysis.losses)."""

from __future__ import annotations

import pytest

from pose.analysis.losses import MIN_LOSS_S, LossTracker
from pose.events import Loss


def feed(tracker: LossTracker, seen: str, fps: float = 10.0) -> list[Loss]:
    """One frame a character: ``#`` a person found, ``.`` nobody."""
    out = []
    for i, c in enumerate(seen):
        loss = tracker.update(i / fps, person=c == "#")
        if loss is not None:
            out.append(loss)
    return out


@pytest.mark.parametrize(
    ("seen", "losses"),
    [
        ("....####", []),                          # nobody yet: not a loss
        ("###....###", []),                        # 0.4 s: a few missed frames
        ("###.....###", [Loss(0.3, 0.8)]),         # 0.5 s: a loss, ends when found again
        ("##..........##......#", [Loss(0.2, 1.2), Loss(1.4, 2.0)]),
    ],
    ids=["before_first_seen", "too_short", "just_long_enough", "two"],
)
def test_losses_from_the_first_frame_without_to_the_frame_found_again(
        seen: str, losses: list[Loss]) -> None:
    tracker = LossTracker()
    got = feed(tracker, seen)
    assert [(x.start_s, x.end_s) for x in got] == [
        (pytest.approx(x.start_s), pytest.approx(x.end_s)) for x in losses]
    assert tracker.finish() is None
    assert all(x.duration_s >= MIN_LOSS_S for x in got)


def test_a_loss_still_going_at_the_end_of_the_stream_ends_at_the_last_frame() -> None:
    tracker = LossTracker()
    assert feed(tracker, "###......") == []
    loss = tracker.finish()
    assert loss is not None
    assert (loss.start_s, loss.end_s) == pytest.approx((0.3, 0.8))
    assert loss.duration_s == pytest.approx(0.5)
    short = LossTracker()
    feed(short, "###...")
    assert short.finish() is None                  # 0.2 s at the end: not a loss
