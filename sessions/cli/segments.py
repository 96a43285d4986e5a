"""Every frame of a source estimated, in order: on this thread, or, for a long video file, in
segments on parallel threads.

The pose model runs one frame at a time, each after the last (its tracking and smoothing follow
the frames), and keeps about one core busy. A video file is all there already, so on a machine
with more cores its later parts are estimated at the same time by models of their own, each on
its own thread (MediaPipe computes without Python's lock), and the steps are handed to the
observers in the file's order: the movement analysis sees one stream, as from one model.

A later segment's model starts ``WARM_UP_S`` before the segment's first frame and keeps those
frames apart, so that its tracking and smoothing have settled on the person by then. The model
before it estimates the same frames, and the two must agree on every one (the same person in the
same place, or nobody): otherwise the model before goes on alone to the end of the file, as a
single run would (a model starting afresh may choose another of two people in view). A later
model's estimates are kept as pose records only; its frames are decoded again when they are
handed on, so memory holds no pictures.
"""

from __future__ import annotations

import contextlib
import logging
import os
import queue
import threading
from collections import deque
from collections.abc import Callable, Generator, Iterable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

from pose.estimation.person_tracking import distance
from pose.estimation.sources import Frame, SourceError, close_iterator, read_ahead
from pose.record import PoseRecord

log = logging.getLogger(__name__)

T = TypeVar("T")

PROGRESS_EVERY = 10  # frames between progress-bar refreshes
ProgressHook = Callable[[int], None]  # called with the number of frames done

#: a later segment's model starts this long before the segment and must agree with the model
#: before it over that time; not less than the person follower's ``max_gap_s``, so that where
#: nobody was seen in that time, both choose afresh the next person they see
WARM_UP_S = 1.0
#: split only where every segment gets at least this long (shorter: loading another model and
#: the warm-up cost about what the split saves; measured against a bare loop on 2 cores: a 5 s
#: clip split in two 0.96-1.01, 6 s 0.92, 8 s 0.83, where one model takes 1.07)
MIN_SEGMENT_S = 2.5
MAX_SEGMENTS = 4
#: two models' estimates of the same person in the same frame differ by about 0.001-0.01 of the
#: frame (mean over the landmarks) once both track them; more is another person, or a lost one
SAME_PLACE = 0.05


class SegmentedSource(Protocol):
    """A video file that can be read from any frame on (pose.estimation.sources.VideoFileSource)."""

    fps: float
    frame_count: int | None

    def frames_from(self, start: int) -> Iterator[Frame]: ...


OpenEstimator = Callable[[], AbstractContextManager[Any]]


def cpu_count() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def plan(frame_count: int | None, fps: float, workers: int) -> tuple[list[int], int]:
    """Where each segment starts (frame indices, the first 0) and the warm-up in frames: every
    model gets about the same number of frames to estimate, its warm-up included."""
    if not frame_count or fps <= 0:
        return [0], 0
    warm_up = max(1, round(WARM_UP_S * fps))
    n = min(workers, MAX_SEGMENTS, int(frame_count / (MIN_SEGMENT_S * fps)))
    if n < 2:
        return [0], warm_up
    share = (frame_count + (n - 1) * warm_up) / n
    return [0] + [round(k * share - (k - 1) * warm_up) for k in range(1, n)], warm_up


def agree(earlier: list[PoseRecord], later: list[PoseRecord]) -> bool:
    """Whether two models' records of the same frames show the same person in the same place, or
    nobody, on every frame."""
    if len(earlier) != len(later) or not earlier:
        return False
    for a, b in zip(earlier, later, strict=True):
        if a.t_s != b.t_s or a.has_person != b.has_person:
            return False
        if a.has_person and distance(a, b) > SAME_PLACE:
            return False
    return True


class MainThreadCalls:
    """Calls a worker thread hands to the main thread and waits for: MediaPipe's chatter on a
    model's first detections can be kept off the terminal only there
    (pose.estimation.native_output). The main thread runs them in ``serve``."""

    def __init__(self, stop: threading.Event) -> None:
        self._calls: queue.Queue[tuple[Callable[[], Any], list[Any], threading.Event]] = (
            queue.Queue())
        self._stop = stop

    def call(self, fn: Callable[[], T]) -> T:
        """Run ``fn`` on the main thread (from a worker); raises what it raised."""
        box: list[Any] = []
        done = threading.Event()
        self._calls.put((fn, box, done))
        while not done.wait(0.05):
            if self._stop.is_set():
                raise _Stopped
        value, error = box
        if error is not None:
            raise error
        return value

    def serve(self, wait_s: float = 0.0) -> None:
        """Run the calls waiting (on the main thread), waiting up to ``wait_s`` for a first."""
        try:
            fn, box, done = self._calls.get(timeout=wait_s) if wait_s else self._calls.get_nowait()
        except queue.Empty:
            return
        while True:
            try:
                box[:] = [fn(), None]
            except BaseException as exc:  # noqa: BLE001 - raised on the worker's thread
                box[:] = [None, exc]
            done.set()
            try:
                fn, box, done = self._calls.get_nowait()
            except queue.Empty:
                return


class _Stopped(Exception):
    """The run stopped while a worker waited for the main thread."""


@dataclass
class LaterSegment:
    """Frames ``start`` to ``end`` (exclusive; None: to the end of the file), estimated on a
    thread of its own by ``estimator`` after the ``warm_up`` frames before ``start``."""

    source: SegmentedSource
    start: int
    end: int | None
    warm_up: int
    estimator: Any
    stop: threading.Event
    main: MainThreadCalls
    warm: list[PoseRecord] = field(default_factory=list)
    records: list[PoseRecord] = field(default_factory=list)
    error: BaseException | None = None
    _thread: threading.Thread | None = None

    def begin(self) -> None:
        self._thread = threading.Thread(target=self._work, name="rocking-segment", daemon=True)
        self._thread.start()

    def _process(self, item: Any) -> PoseRecord:
        if getattr(self.estimator, "native_quiet", True):
            return self.estimator.process(item)
        return self.main.call(lambda: self.estimator.process(item))

    def _work(self) -> None:
        prepare: Callable[[Frame], Any] | None = getattr(self.estimator, "prepare", None)
        frames = self.source.frames_from(self.start - self.warm_up)
        try:
            for frame in frames:
                if self.stop.is_set() or (self.end is not None and frame.index >= self.end):
                    return
                record = self._process(frame if prepare is None else prepare(frame))
                (self.warm if frame.index < self.start else self.records).append(record)
        except _Stopped:
            return
        except BaseException as exc:  # noqa: BLE001 - raised on the caller's thread, in order
            self.error = exc
        finally:
            close_iterator(frames)

    def model_failed(self) -> bool:
        """Whether the model stopped on something else than the file (which the model before
        would have met too, where a single run meets it)."""
        return self.error is not None and not isinstance(self.error, SourceError)

    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def join(self) -> None:
        if self._thread is not None:
            self._thread.join()

    def wait(self, checkpoint: Callable[[], None] | None = None) -> None:
        """Wait for the thread (on the main thread: serving its calls meanwhile, and calling
        ``checkpoint``, which may raise KeyboardInterrupt after Ctrl-C)."""
        while self.running():
            if checkpoint is not None:
                checkpoint()
            self.main.serve(wait_s=0.02)

    def handed_on(self) -> Iterator[tuple[Frame, PoseRecord]]:
        """The segment's frames, decoded again (ahead, on a thread), with their records; then what
        stopped the model early is raised, where a single run would have raised it."""
        frames = read_ahead(self.source.frames_from(self.start))
        try:
            for frame, record in zip(frames, self.records, strict=False):
                if record.t_s != frame.t_s:
                    raise RuntimeError(f"frame {frame.index} decoded at {frame.t_s} s, "
                                       f"estimated at {record.t_s} s")
                yield frame, record
        finally:
            frames.close()
        if self.error is not None:
            raise self.error


@contextlib.contextmanager
def later_segments(source: SegmentedSource, open_estimator: OpenEstimator,
                   workers: int | None = None) -> Iterator[tuple[int | None, list[LaterSegment]]]:
    """Where the first segment ends (None: no split) and the later segments, running; leaving
    stops them and closes their models."""
    starts, warm_up = plan(source.frame_count, source.fps,
                           cpu_count() if workers is None else workers)
    if len(starts) < 2:
        yield None, []
        return
    stop = threading.Event()
    main = MainThreadCalls(stop)
    ends: list[int | None] = [*starts[2:], None]
    segments: list[LaterSegment] = []
    with contextlib.ExitStack() as models:
        try:
            for start, end in zip(starts[1:], ends, strict=True):
                estimator = models.enter_context(open_estimator())
                segments.append(LaterSegment(source, start, end, warm_up, estimator, stop, main))
            log.debug("estimating in %d segments from frames %s (warm-up %d frames)",
                      len(starts), starts, warm_up)
            for segment in segments:
                segment.begin()
            yield starts[1], segments
        finally:
            stop.set()
            for segment in segments:
                segment.join()


class _Progress:
    """Calls the progress hook every ``PROGRESS_EVERY`` frames handed on, with how many: the
    frames in order from the start, which is what Ctrl-C keeps (a later segment estimated ahead
    counts when it is handed on)."""

    def __init__(self, hook: ProgressHook | None) -> None:
        self.hook = hook
        self.done = 0

    def tick(self) -> None:
        self.done += 1
        if self.hook is not None and self.done % PROGRESS_EVERY == 0:
            self.hook(self.done)


def estimates(source: Iterable[Frame], estimator: Any, progress: ProgressHook | None = None,
              open_more: OpenEstimator | None = None, workers: int | None = None,
              checkpoint: Callable[[], None] | None = None,
              ) -> Generator[tuple[Frame, PoseRecord], None, None]:
    """Every frame of a video with its record, in order, the next frames decoded (and prepared by
    the estimator's ``prepare``, when it has one) ahead on a thread. Given ``open_more`` (opens
    another estimator like ``estimator``) and a source with ``frames_from``, a long video is
    estimated in segments on the cores there are (``workers``: as if there were that many): the
    first here, the later ones on threads of their own. Closing this stops every thread.
    ``checkpoint`` is called while waiting for a later segment (it may raise KeyboardInterrupt)."""
    counted = _Progress(progress)
    frames_from: Callable[[int], Iterator[Frame]] | None = getattr(source, "frames_from", None)
    split: AbstractContextManager[tuple[int | None, list[LaterSegment]]] = (
        later_segments(source, open_more, workers)  # type: ignore[arg-type]
        if open_more is not None and frames_from is not None
        else contextlib.nullcontext((None, [])))
    with split as (first_end, later):
        if first_end is None or frames_from is None:
            yield from _estimated(iter(source), estimator, counted)
            return
        recent: deque[PoseRecord] = deque(maxlen=later[0].warm_up)
        yield from _estimated(_until(frames_from(0), first_end), estimator, counted, recent,
                              later[0].main)
        before: Any = estimator
        for segment in later:
            segment.wait(checkpoint)
            if not agree(list(recent), segment.warm) or segment.model_failed():
                log.info("frames from %d: the model there disagreed with the one before or "
                         "failed (%r); one model estimates the rest", segment.start, segment.error)
                segment.stop.set()
                yield from _estimated(frames_from(segment.start), before, counted)
                return
            for frame, record in segment.handed_on():
                recent.append(record)
                segment.main.serve()
                counted.tick()
                yield frame, record
            before = segment.estimator


def _estimated(frames: Iterator[Frame], estimator: Any, progress: _Progress,
               recent: deque[PoseRecord] | None = None, main: MainThreadCalls | None = None
               ) -> Iterator[tuple[Frame, PoseRecord]]:
    """``frames`` estimated on this thread, the next ones decoded (and prepared) ahead; the last
    records kept in ``recent``; calls waiting for the main thread served between frames."""
    prepare: Callable[[Frame], Any] | None = getattr(estimator, "prepare", None)
    # closed, file released, on any exit
    with contextlib.closing(read_ahead(_prepared(frames, prepare))) as items:
        for item in items:
            if main is not None:
                main.serve()
            frame = item.frame if prepare is not None else item
            record = estimator.process(item)
            if recent is not None:
                recent.append(record)
            progress.tick()
            yield frame, record


def _until(frames: Iterator[Frame], end: int) -> Iterator[Frame]:
    """The frames before index ``end``; closing this closes ``frames``."""
    try:
        for frame in frames:
            if frame.index >= end:
                return
            yield frame
    finally:
        close_iterator(frames)


def _prepared(frames: Iterable[Frame], prepare: Callable[[Frame], Any] | None) -> Iterator[Any]:
    """``frames``, each made ready for the model by ``prepare`` (on the thread iterating this);
    closing this closes ``frames`` (a video file is released)."""
    it = iter(frames)
    try:
        for frame in it:
            yield frame if prepare is None else prepare(frame)
    finally:
        close_iterator(it)
