"""`rocking analyze PATH`: run the pose pipeline over a video or an image and report on it.

The run is a loop over frames: estimate the pose, wrap frame and record in a ``Step``, and hand
the step to each observer in turn (an observer may fill ``step.analysis`` for the ones after it).
When the source is exhausted, each observer contributes its fields to the report. Movement
analysis and the session store plug in as observers: see ``build_observers``.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import queue
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from pose.estimation import model_files
from pose.estimation.model_files import ModelError
from pose.estimation.sources import (
    IMAGE_SUFFIXES,
    Frame,
    FrameSource,
    SourceError,
    open_source,
)
from pose.events import FrameAnalysis, Rep
from pose.record import PoseRecord
from sessions.cli.analyze_report import base_report, merge, summary_lines
from sessions.cli.options import add_db_option, add_model_options, db_option
from sessions.cli.segments import OpenEstimator, ProgressHook, estimates
from sessions.errors import UserError
from sessions.interrupts import deferred_interrupts
from sessions.output.private_files import printable, printable_lines

if TYPE_CHECKING:
    from sessions.output.video_writer import VideoWriter



@dataclass
class Step:
    """One frame as it passes through the observers."""

    frame: Frame
    record: PoseRecord
    analysis: FrameAnalysis | None = None  # set by the movement analysis observer


@dataclass
class StreamEnd:
    """The end of the stream as the observers see it, in order: the movement analysis sets
    ``rep`` to a rep that was already back at the start when the frames stopped."""

    rep: Rep | None = None


class FrameObserver(Protocol):
    """Sees every step in order; says what it found at the end (keys of the JSON report)."""

    def observe(self, step: Step) -> None: ...

    def end(self, ending: StreamEnd) -> None: ...

    def report_fields(self) -> dict[str, Any]: ...


class Estimator(Protocol):
    """Frames to pose records (pose.estimation.estimator.PoseEstimator; a fake in tests). One
    with a ``prepare(frame)`` method is handed what that returned (which keeps the frame as
    ``.frame``), prepared on the decoding thread, instead of the frame itself."""

    def process(self, frame: Any) -> PoseRecord: ...




class PoseCounter:
    """Counts frames and frames with a person, and times the stream by its frames' own times."""

    def __init__(self) -> None:
        self.frames = 0
        self.with_person = 0
        self.first_t: float | None = None
        self.last_t: float | None = None
        self._last_gap: float | None = None

    def observe(self, step: Step) -> None:
        self.frames += 1
        self.with_person += step.record.has_person
        t = step.frame.t_s
        if self.first_t is None:
            self.first_t = t
        elif self.last_t is not None:
            self._last_gap = t - self.last_t
        self.last_t = t

    def duration_s(self, fps: float) -> float:
        """From the first frame's time to the end of the last one (its time plus the gap before
        it): on a variable-rate video the true length, where frames / average fps is not. One
        frame lasts 1 / ``fps``; a still (``fps`` 0) lasts 0."""
        if self.first_t is None or self.last_t is None or fps <= 0:
            return 0.0
        last = self._last_gap if self._last_gap is not None else 1.0 / fps
        return self.last_t - self.first_t + last

    def end(self, ending: StreamEnd) -> None:
        pass

    def report_fields(self) -> dict[str, Any]:
        return {}


class SkeletonWriter:
    """Writes each frame with the skeleton and what the coach would show drawn (rep count, last
    rep's tempo, posture, active warnings: sessions.coach.analysis_view through the coach's
    overlay): a video (the one video writer: H.264, each frame at its own time in the source,
    no sound), or one image for a still."""

    def __init__(self, path: Path, fps: float, inputs: Sequence[str | Path] = ()) -> None:
        self.path = path
        self.inputs = tuple(inputs)  # never written over (see check_out_path)
        self.fps = fps if fps > 0 else 1.0
        self.as_image = path.suffix.lower() in IMAGE_SUFFIXES
        self._video: VideoWriter | None = None
        self._last: Any = None
        from sessions.coach.analysis_view import AnalysisViews
        from sessions.coach.overlay import CoachOverlay

        self._views = AnalysisViews()
        self._overlay = CoachOverlay(interactive=False)

    def __enter__(self) -> SkeletonWriter:
        if not self.as_image:
            from sessions.output.video_writer import VideoWriter

            self._video = VideoWriter(self.path, self.fps, inputs=self.inputs)
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def observe(self, step: Step) -> None:
        from sessions.coach.skeleton import draw_skeleton

        drawn = draw_skeleton(step.frame.bgr.copy(), step.record)
        if step.analysis is not None:
            self._overlay.draw(drawn, self._views.view(step.analysis))
        if self._video is not None:
            self._video.write(drawn, step.frame.t_s)
        else:
            self._last = drawn

    def close(self) -> None:
        if self._video is not None:
            video, self._video = self._video, None
            video.close()
        if self._last is not None:
            import cv2

            from sessions.output.private_files import write_private_bytes

            ok, encoded = cv2.imencode(self.path.suffix.lower(), self._last)
            if not ok:
                raise UserError(f"cannot write image {printable(self.path)}")
            self._last = None
            write_private_bytes(self.path, encoded.tobytes(), inputs=self.inputs)

    def end(self, ending: StreamEnd) -> None:
        pass

    def report_fields(self) -> dict[str, Any]:
        return {}


def check_out_path(path: Path, source: str | Path | None = None) -> Path:
    """Validate ``--out`` before any work: an .mp4 (or an image file) in an existing folder,
    not a folder, and not the file being analysed (also through a link)."""
    from sessions.output.private_files import refuse_overwriting_input

    if path.suffix.lower() not in {".mp4", *IMAGE_SUFFIXES}:
        raise UserError(f"--out must end in .mp4 (or an image suffix for a still): "
                        f"{printable(path)}")
    still = source is not None and Path(source).suffix.lower() in IMAGE_SUFFIXES
    if source is not None and not still and path.suffix.lower() in IMAGE_SUFFIXES:
        raise UserError(f"--out for a video must end in .mp4, not an image name: "
                        f"{printable(path)}")
    if not path.parent.is_dir():
        raise UserError(f"--out folder does not exist: {printable(path.parent)}")
    refuse_overwriting_input(path, [source])
    return path


def build_observers(args: argparse.Namespace, source: FrameSource,
                    stack: contextlib.ExitStack) -> list[FrameObserver]:
    """The per-frame observers of a run, in order. Add movement analysis and storage here."""
    from pose.analysis.analyzer import MovementObserver

    # first: it fills step.analysis (posture, depth, reps, warnings) for the observers after it
    movement = MovementObserver()
    observers: list[FrameObserver] = [movement]
    if args.out is not None:
        observers.append(stack.enter_context(SkeletonWriter(args.out, source.fps,
                                                            inputs=[args.path])))
    # keep last: it saves the analysis the observers above filled in. A photo is a posture
    # check, not an exercise session: saved only when asked (--save).
    if not args.no_save and (not source.is_still or args.save):
        thresholds = dataclasses.asdict(movement.analyzer.thresholds)
        observers.append(stack.enter_context(store_observer(args, source, thresholds)))
    return observers


def store_observer(args: argparse.Namespace, source: FrameSource,
                   thresholds: dict[str, Any]) -> Any:
    """Saves the run in the session history (opened now, so a bad database fails early)."""
    from sessions.history.recorder import StoreObserver
    from sessions.history.store import SessionMeta

    # the file's name only, never its folders (reports and exports are shared)
    meta = SessionMeta(source="image" if source.is_still else "video",
                       source_detail=Path(args.path).name, model_variant=args.model,
                       settings={"thresholds": thresholds, "people": args.people})
    return StoreObserver(args.db, meta)


def run_pipeline(
    source: FrameSource,
    estimator: Estimator,
    observers: Sequence[FrameObserver],
    progress: ProgressHook | None = None,
    open_more: OpenEstimator | None = None,
    workers: int | None = None,
    checkpoint: Callable[[], None] | None = None,
) -> PoseCounter:
    """Estimate every frame and pass it through the observers; returns the frame counts.

    A video runs as three stages on three threads, so that the pose model's thread does nothing
    but run the model: the next frames are decoded (and converted for the model, with the
    estimator's ``prepare`` when it has one) on one thread, the model and the choice of person
    run on the calling thread, and the observers (movement analysis, drawing, saving) take each
    step in order on a third. Given ``open_more`` (opens another estimator like ``estimator``),
    a long video file is estimated in segments on the spare cores (sessions.cli.segments; as if
    it had ``workers`` cores when given), and the observers still take every step in order. A
    still image runs on the calling thread alone. ``checkpoint`` is called between frames and
    while waiting for a later segment (it raises ``KeyboardInterrupt`` there after Ctrl-C:
    sessions.interrupts).
    """
    counter = PoseCounter()
    chain: list[FrameObserver] = [counter, *observers]
    if source.is_still:
        for frame in source:
            _observe(chain, Step(frame, estimator.process(frame)))
    else:
        found = estimates(source, estimator, progress, open_more, workers, checkpoint)
        with ObserverThread(chain) as observing, contextlib.closing(found):
            for frame, record in found:
                if checkpoint is not None:
                    checkpoint()
                observing.submit(Step(frame, record))
    ending = StreamEnd()
    for observer in chain:
        observer.end(ending)
    return counter


def _observe(chain: Sequence[FrameObserver], step: Step) -> None:
    for observer in chain:
        observer.observe(step)


_DONE = object()


class ObserverThread:
    """Hands each step to the observers on a thread of their own, in order, while the caller
    works on the next frame. A context manager: leaving it lets the observers finish every step
    handed over (also on Ctrl-C: the frames from the start, in order) and waits for them; what an
    observer raised is raised on the caller's thread, at the next ``submit`` or on leaving."""

    def __init__(self, chain: Sequence[FrameObserver], depth: int = 4) -> None:
        self._chain = tuple(chain)
        self._steps: queue.Queue[object] = queue.Queue(maxsize=depth)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._work, name="rocking-observe", daemon=True)

    def __enter__(self) -> ObserverThread:
        self._thread.start()
        return self

    def _work(self) -> None:
        while True:
            step = self._steps.get()
            if step is _DONE:
                return
            if self._error is None:   # after a failure: only drain, so the caller never blocks
                try:
                    _observe(self._chain, step)  # type: ignore[arg-type]
                except BaseException as exc:  # noqa: BLE001 - re-raised on the caller's thread
                    self._error = exc

    def submit(self, step: Step) -> None:
        """Queue one step (waits while the observers are ``depth`` steps behind)."""
        if self._error is not None:
            raise self._error
        self._steps.put(step)

    def __exit__(self, exc_type: type[BaseException] | None, *exc: object) -> None:
        self._steps.put(_DONE)
        self._thread.join()
        if self._error is not None and exc_type is None:
            raise self._error


@contextlib.contextmanager
def progress_bar(source: FrameSource, enabled: bool) -> Iterator[ProgressHook | None]:
    """A rich progress bar on stderr for videos; yields an ``update(frames_done)`` callable."""
    if not enabled or source.is_still:
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    console = Console(stderr=True)
    if not console.is_terminal:  # logs and pipes get the summary only
        yield None
        return
    # auto_refresh=False: no drawing thread, so nothing writes to the terminal while the
    # estimator briefly captures file descriptor 2.
    with Progress("analysing", BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                  console=console, auto_refresh=False, transient=True) as bar:
        task = bar.add_task("analyse", total=source.frame_count)

        def update(done: int) -> None:
            bar.update(task, completed=done)
            bar.refresh()

        yield update


def analyze(args: argparse.Namespace) -> int:
    """The sub-command: returns the exit code."""
    from pose.estimation.estimator import PoseEstimator

    out = check_out_path(args.out, args.path) if args.out is not None else None
    observers: list[FrameObserver] = []
    try:
        source = open_source(args.path)
        model = model_files.resolve(args.model, show_progress=not args.quiet)
        # Ctrl-C stops the run between frames (never inside MediaPipe, or in a finalizer that
        # would swallow it); leaving the stack then marks the saved session interrupted
        with deferred_interrupts() as ctrl_c, contextlib.ExitStack() as stack:
            observers[:] = build_observers(args, source, stack)
            estimator = stack.enter_context(PoseEstimator(model, max_people=args.people))
            with progress_bar(source, enabled=not args.quiet) as progress:
                counts = run_pipeline(
                    source, estimator, observers, progress,
                    open_more=lambda: PoseEstimator(model, max_people=args.people),
                    checkpoint=ctrl_c.check)
            ctrl_c.check()
    except (SourceError, ModelError) as exc:
        raise UserError(str(exc)) from exc
    except KeyboardInterrupt:
        interrupted(observers, db_option(args))
        return 130
    report = base_report(str(args.path), counts.frames, source.fps, counts.with_person,
                         counts.duration_s(source.fps))
    report["truncated"] = bool(getattr(source, "truncated", False))
    for observer in observers:
        merge(report, observer.report_fields())
    emit(report, as_json=args.json, out=out, db=db_option(args),
         photo_not_saved=source.is_still and not args.save and not args.no_save)
    return save_status(report, db_option(args))


def interrupted(observers: Sequence[FrameObserver], db: str = "") -> None:
    """Say what Ctrl-C left: the part analysed until then, saved as an interrupted session (and
    where to see it); a database failure as at the end of a run (``save_status``)."""
    from sessions.history.recorder import StoreObserver

    fields: dict[str, Any] = {"session_id": None}
    for observer in observers:
        if isinstance(observer, StoreObserver):
            fields = observer.report_fields()
    sid = fields["session_id"]
    if sid is not None:
        sys.stderr.write(f"rocking: interrupted; the part analysed is saved as session {sid} "
                         f"(interrupted): see it with: rocking review{db} {sid}\n")
    elif fields.get("saved_to") or fields.get("not_saved"):
        sys.stderr.write("rocking: interrupted\n")
        save_status(fields, db)
    else:
        sys.stderr.write("rocking: interrupted (nothing was saved)\n")


def save_status(report: dict[str, Any], db: str = "") -> int:
    """The exit status for how the run was saved: 0 in the database (or --no-save), 1 saved
    to a fallback file only, 3 saved nowhere (then the report's session_id is null)."""
    if report.get("not_saved"):
        sys.stderr.write(f"rocking: error: {report['not_saved']}\n")
        return 3
    if report.get("saved_to"):
        sys.stderr.write(f"rocking: the session database failed: the session was saved to "
                         f"{printable(report['saved_to'])}; `rocking import{db} FILE` adds it "
                         "back\n")
        return 1
    return 0


def emit(report: dict[str, Any], as_json: bool, out: Path | None, db: str = "",
         photo_not_saved: bool = False) -> None:
    """Print the report: one JSON object, or the human summary (its hints repeat ``db``, the
    --db given)."""
    if as_json:
        sys.stdout.write(json.dumps(report, allow_nan=False) + "\n")
        return
    lines = summary_lines(report, db)
    if photo_not_saved:
        lines.append("  not saved: a photo is a posture check, not a session (--save keeps it)")
    if out is not None:
        lines.append(f"  skeleton and coaching drawn into {out}")
    sys.stdout.write(printable_lines("\n".join(lines)) + "\n")


def register(subparsers: Any) -> None:
    """Add `analyze` to the `rocking` command line."""
    parser = subparsers.add_parser(
        "analyze",
        help="analyse a recorded video or a photo",
        description="Run pose estimation and movement analysis over a video or an image and "
        "report what was seen: how often a person was found and on hands and knees, the posture "
        "verdict (with what to fix), the reps counted (forceful ones, partial ones too shallow "
        "to count, median tempo back/forward) and the warnings with their times. The run is "
        "saved in the session history unless --no-save (a photo only with --save).",
    )
    parser.add_argument("path", type=str, metavar="PATH",
                        help="a video file (mp4, avi, ...) or an image (jpg, png, ...)")
    parser.add_argument("--json", action="store_true",
                        help="print one JSON object instead of the summary")
    parser.add_argument("--out", type=Path, default=None, metavar="FILE.mp4",
                        help="write the video with the skeleton and what the coach would show "
                        "drawn on it (rep count, last rep's tempo, posture, warnings); for a "
                        "photo, an image file")
    add_model_options(parser, people_default=2,
                      people_help="how many people to look for, following the most visible "
                      "one; 1 is faster")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress bars")
    save = parser.add_mutually_exclusive_group()
    save.add_argument("--no-save", action="store_true",
                      help="do not save the run in the session history")
    save.add_argument("--save", action="store_true",
                      help="save a photo's posture check in the session history too (videos "
                      "are saved anyway)")
    add_db_option(parser)
    parser.set_defaults(func=analyze)

