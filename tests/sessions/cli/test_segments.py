"""A long video estimated in segments on parallel threads is handed on as one run would hand it:
every frame once, in order; a seam where the models disagree, or a failure, as a single run."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

from pose.estimation.sources import Frame, SourceError
from pose.record import N_LANDMARKS, PoseRecord
from sessions.cli import segments
from sessions.cli.segments import estimates, plan


class FakeVideo:
    """``n`` frames at ``fps``; frame i's pixels hold i. ``broken_at``: reading that frame
    raises, as a damaged file does; ``stated``: the frame count the file states."""

    def __init__(self, n: int, fps: float = 10.0, broken_at: int | None = None,
                 stated: int | None = None) -> None:
        self.fps = fps
        self.n = n
        self.frame_count = n if stated is None else stated   # a cut-off file states more
        self.broken_at = broken_at
        self.is_still = False

    def frames_from(self, start: int) -> Iterator[Frame]:
        for i in range(start, self.n):
            if i == self.broken_at:
                raise SourceError(f"frame {i} is damaged")
            yield Frame(i, i / self.fps, np.full((4, 6, 3), i % 256, np.uint8))

    def __iter__(self) -> Iterator[Frame]:
        return self.frames_from(0)


class Tracker:
    """A person whose place follows the frames' pixels, smoothed over the frames this one has
    seen (as MediaPipe's tracking is): after a few frames, two of them agree closely.
    ``offset`` puts the person elsewhere (another person); ``quiet_after``: frames until it says
    ``native_quiet``, each call before that noted with its thread."""

    def __init__(self, offset: float = 0.0, quiet_after: int = 0) -> None:
        self.offset = offset
        self.place: float | None = None
        self.calls = 0
        self.quiet_after = quiet_after
        self.noisy_threads: list[threading.Thread] = []

    def __enter__(self) -> Tracker:
        return self

    def __exit__(self, *exc: object) -> None:
        pass

    @property
    def native_quiet(self) -> bool:
        return self.calls >= self.quiet_after

    def process(self, frame: Frame) -> PoseRecord:
        if not self.native_quiet:
            self.noisy_threads.append(threading.current_thread())
        self.calls += 1
        raw = 0.2 + 0.6 * (int(frame.bgr[0, 0, 0]) % 50) / 50 + self.offset
        self.place = raw if self.place is None else 0.5 * self.place + 0.5 * raw
        image = np.zeros((N_LANDMARKS, 3))
        image[:, 0] = self.place
        image[:, 1] = np.linspace(0.3, 0.7, N_LANDMARKS)
        return PoseRecord(frame.t_s, frame.width, frame.height, image, np.ones(N_LANDMARKS),
                          np.zeros((N_LANDMARKS, 3)))


def places(found: Any) -> list[tuple[int, float]]:
    return [(frame.index, round(float(record.image[0, 0]), 6)) for frame, record in found]


def no_segment_threads() -> bool:
    return not any(t.name == "rocking-segment" for t in threading.enumerate())


@pytest.mark.parametrize(("frames", "fps", "workers", "count"), [
    (100, 10.0, 1, 1),            # one core: one model
    (49, 10.0, 2, 1),             # under 2.5 s a segment
    (50, 10.0, 2, 2),
    (100, 10.0, 2, 2),
    (1800, 30.0, 2, 2),
    (1800, 30.0, 3, 3),
    (1800, 30.0, 8, 4),           # at most four
])
def test_segments_share_the_frames_evenly(frames: int, fps: float, workers: int,
                                          count: int) -> None:
    starts, warm_up = plan(frames, fps, workers)
    assert len(starts) == count and starts[0] == 0 and starts == sorted(set(starts))
    assert warm_up == round(segments.WARM_UP_S * fps)
    shares = [b - a for a, b in zip(starts, [*starts[1:], frames], strict=True)]
    # what each model estimates: a later one its warm-up too
    work = [shares[0]] + [s + warm_up for s in shares[1:]]
    assert max(work) - min(work) <= 1
    assert min(shares) >= segments.MIN_SEGMENT_S * fps - warm_up or count == 1


def test_unknown_length_is_not_split() -> None:
    assert plan(None, 30.0, 4)[0] == [0]


@pytest.mark.parametrize("workers", [2, 3, 4])
def test_segments_hand_on_every_frame_once_in_order_as_one_model(workers: int) -> None:
    video = FakeVideo(200)
    single = places(estimates(video, Tracker()))
    done: list[int] = []
    split = places(estimates(video, Tracker(), done.append, open_more=Tracker, workers=workers))
    assert [i for i, _ in split] == list(range(200))
    # after its warm-up each later model agrees with the single one to within the smoothing
    assert np.allclose([p for _, p in split], [p for _, p in single], atol=1e-3)
    assert done == list(range(10, 201, 10))     # frames handed on in order: what Ctrl-C keeps
    assert no_segment_threads()


def test_a_later_model_following_someone_else_is_not_used() -> None:
    video = FakeVideo(200)
    later: list[Tracker] = []

    def elsewhere() -> Tracker:
        later.append(Tracker(offset=0.2))
        return later[-1]

    split = places(estimates(video, Tracker(), open_more=elsewhere, workers=2))
    assert split == places(estimates(video, Tracker()))   # the first model went on alone
    assert len(later) == 1 and later[0].calls >= 10       # (the other was tried)


def test_a_damaged_frame_in_a_later_segment_stops_the_run_there() -> None:
    video = FakeVideo(200, broken_at=150)
    handed: list[int] = []
    with pytest.raises(SourceError, match="frame 150"):
        for frame, _ in estimates(video, Tracker(), open_more=Tracker, workers=2):
            handed.append(frame.index)
    assert handed == list(range(150))
    assert no_segment_threads()


def test_leaving_early_stops_the_later_models() -> None:
    found = estimates(FakeVideo(400), Tracker(), open_more=Tracker, workers=4)
    first = [frame.index for (frame, _), _ in zip(found, range(5), strict=False)]
    assert first == list(range(5))
    found.close()
    assert no_segment_threads()


def test_first_detections_run_on_the_main_thread() -> None:
    """MediaPipe's chatter on a model's first detections can be kept off the terminal only on
    the main thread: a later model's calls go there until it is quiet."""
    later: list[Tracker] = []

    def noisy() -> Tracker:
        later.append(Tracker(quiet_after=3))
        return later[-1]

    split = places(estimates(FakeVideo(200), Tracker(), open_more=noisy, workers=2))
    assert len(split) == 200
    assert len(later) == 1 and later[0].calls > 3
    assert later[0].noisy_threads == [threading.main_thread()] * 3


class FailsAt(Tracker):
    """Raises ``error`` when it comes to frame ``at`` (Ctrl-C there, or the model failing)."""

    def __init__(self, at: int, error: BaseException) -> None:
        super().__init__()
        self.at = at
        self.error = error

    def process(self, frame: Frame) -> PoseRecord:
        if frame.index == self.at:
            raise self.error
        return super().process(frame)


def test_ctrl_c_hands_on_the_frames_estimated_in_order_and_stops_every_model() -> None:
    handed: list[int] = []
    with pytest.raises(KeyboardInterrupt):
        for frame, _ in estimates(FakeVideo(200), FailsAt(40, KeyboardInterrupt()),
                                  open_more=Tracker, workers=2):
            handed.append(frame.index)
    assert handed == list(range(40))
    assert no_segment_threads()


class Slow(Tracker):
    """A later model held up (until ``release``, at most 10 s a frame)."""

    def __init__(self, release: threading.Event) -> None:
        super().__init__()
        self.release = release

    def process(self, frame: Frame) -> PoseRecord:
        self.release.wait(10.0)
        return super().process(frame)


def test_ctrl_c_while_waiting_for_a_later_segment_stops_at_once() -> None:
    """The first part done, the main thread waits for the later one: Ctrl-C (the checkpoint
    raising) is taken there, not after the later model has finished its part."""
    release = threading.Event()
    waits: list[int] = []

    def checkpoint() -> None:
        waits.append(1)
        if len(waits) == 3:
            release.set()        # the later model's frame in hand ends; it must stop after it
            raise KeyboardInterrupt

    handed: list[int] = []
    with pytest.raises(KeyboardInterrupt):
        for frame, _ in estimates(FakeVideo(200), Tracker(), open_more=lambda: Slow(release),
                                  workers=2, checkpoint=checkpoint):
            handed.append(frame.index)
    first_end = plan(200, 10.0, 2)[0][1]
    assert handed == list(range(first_end))      # the first part, then the wait
    assert len(waits) == 3 and no_segment_threads()


@pytest.mark.parametrize("frames", [30, 80, 140])   # before the seam, in the warm-up, after it
def test_a_cut_off_file_stating_more_frames_is_handed_on_whole(frames: int) -> None:
    video = FakeVideo(frames, stated=200)
    split = places(estimates(video, Tracker(), open_more=Tracker, workers=2))
    single = places(estimates(video, Tracker()))
    assert [i for i, _ in split] == [i for i, _ in single] == list(range(frames))
    assert np.allclose([p for _, p in split], [p for _, p in single], atol=1e-3)
    assert no_segment_threads()


def test_a_later_model_failing_leaves_its_part_to_the_model_before() -> None:
    video = FakeVideo(200)
    failing = RuntimeError("the model failed")
    split = places(estimates(video, Tracker(), open_more=lambda: FailsAt(150, failing),
                             workers=2))
    assert split == places(estimates(video, Tracker()))
    assert no_segment_threads()
