"""The `rocking live` command (plain `rocking` runs it).

    rocking live [--camera N|URL | --video FILE] [--target-reps N] [--tempo 4:3] [--minutes M]
                 [--db PATH] [--no-audio] [--no-voice] [--headless --out FILE.mp4] [--fullscreen]
                 [--model lite|full|heavy|PATH]
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pose.estimation.camera_url import CameraURL, CameraURLError, looks_like_url, redact
from sessions.cli.options import add_db_option, add_model_options, db_option
from sessions.coach.canvas import CANVAS_SIZE
from sessions.coach.displays import NO_DISPLAY, Display, display_problem, open_display
from sessions.coach.live_loop import LoopResult
from sessions.coach.plan import DEFAULT_TARGET_DURATION_S, DEFAULT_TARGET_REPS, Plan, Tempo
from sessions.errors import UserError
from sessions.interrupts import deferred_interrupts
from sessions.output.private_files import printable, printable_lines

if TYPE_CHECKING:
    from collections.abc import Iterable

    from pose.estimation.sources import CameraSource, Frame
    from sessions.coach.frame_feed import LatestFrameGrabber, Link

log = logging.getLogger(__name__)

#: What the camera is asked for (with CANVAS_SIZE); it gives what it can, shown in proportion.
CAMERA_FPS = 30.0

# ---- argument types ----------------------------------------------------------------------------
def _tempo(text: str) -> Tempo:
    try:
        return Tempo.parse(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _reps(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if not 1 <= value <= 500:
        raise argparse.ArgumentTypeError("must be 1 to 500")
    return value


def _minutes(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 0.1 <= value <= 240:
        raise argparse.ArgumentTypeError("must be 0.1 to 240 minutes")
    return value


def _camera(text: str) -> int | CameraURL:
    """A webcam index, or a network camera's address (a phone: http://, https://, rtsp://).
    Error messages never repeat a password or token the text may hold."""
    if text.isdigit():
        return int(text)
    if looks_like_url(text):
        try:
            return CameraURL.parse(text)
        except CameraURLError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None
    raise argparse.ArgumentTypeError(
        "a camera is a webcam's number (0, 1, ...) or a phone's address (http://..., "
        f"https://... or rtsp://...), got {redact(text)!r}")


def _mp4(text: str) -> Path:
    path = Path(text).expanduser()
    if path.suffix.lower() != ".mp4":
        raise argparse.ArgumentTypeError(f"must end in .mp4: {text}")
    if not path.parent.is_dir():
        raise argparse.ArgumentTypeError(f"folder does not exist: {path.parent}")
    if path.is_dir():
        raise argparse.ArgumentTypeError(f"{text} is a folder: name a file in it")
    return path


# ---- reporting ---------------------------------------------------------------------------------
CAMERA_LOST = "rocking: the camera stopped giving frames; what was done is saved\n"
PHONE_LOST = ("rocking: lost the phone's picture and could not reconnect; what was done is "
              "saved\n")


def report(result: LoopResult, session_id: int | None, out: Path | None, *,
           lost: bool = False, db: str = "", lost_message: str = CAMERA_LOST) -> int:
    """Tell the person how it ended (stdout for what was saved, stderr for problems).
    ``lost_message``: what to say when the camera was lost.

    ``lost``: the database failed and so did the fallback file; the session is reported as not
    saved, with exit status 3. Saved to a fallback file only: exit status 1. ``db``: the
    ``--db`` option to repeat in the hint.
    """
    lines: list[str] = []
    summary = result.summary_view.summary if result.summary_view is not None else None
    if session_id is not None and lost:
        lines.append(f"session {session_id} NOT saved ({result.status}): "
                     f"{result.reps} rep{'' if result.reps == 1 else 's'} counted")
    elif session_id is not None:
        where = f"session {session_id} saved"
        if result.fallback_path is not None:
            where = f"session saved to {result.fallback_path} (the database failed)"
        tempo = ""
        if summary is not None and summary.median_period_s is not None:
            tempo = f", median {summary.median_period_s:.1f} s a rep"
        reps = f"{result.reps} rep{'' if result.reps == 1 else 's'}"
        status = ("ended early: the video ran out" if result.ended_by == "source_ended"
                  else result.status)
        lines.append(f"{where} ({status}): {reps}{tempo}")
        if summary is not None:
            lines += [f"  {said}" for said in (summary.pain, summary.advice) if said]
        lines.append(f"  see it with: rocking review{db} {session_id}")
    else:
        lines.append("nothing saved: the session had not started")
    if out is not None and out.exists() and result.ended_by != "not_started":
        lines.append(f"annotated session recorded to {printable(out)}")
    sys.stdout.write(printable_lines("\n".join(lines)) + "\n")
    if session_id is not None and lost:
        sys.stderr.write(f"rocking: error: session {session_id} could not be saved: the "
                         "database failed and no fallback file could be written\n")
        return 3
    if result.error is not None:
        from pose.estimation.sources import SourceError

        if isinstance(result.error, SourceError | OSError):
            raise UserError(str(result.error))
        raise result.error
    if result.ended_by == "camera_lost":
        sys.stderr.write(lost_message)
        return 1
    if result.ended_by == "ctrl_c":
        sys.stderr.write("rocking: interrupted; what was done is saved\n")
        return 130
    if session_id is not None and result.fallback_path is not None:
        sys.stderr.write(f"rocking: the session database failed: `rocking import{db} "
                         f"{printable(result.fallback_path)}` adds the session to it\n")
        return 1
    return 0


# ---- live --------------------------------------------------------------------------------------
def live(args: argparse.Namespace) -> int:
    """The `live` sub-command."""
    from pose.analysis.analyzer import MovementAnalyzer
    from pose.estimation import model_files
    from pose.estimation.estimator import PoseEstimator
    from pose.estimation.model_files import ModelError
    from pose.estimation.network_camera import NetworkCameraSource
    from pose.estimation.sources import FrameSource, SourceError, VideoFileSource
    from sessions.coach.coach import Coach
    from sessions.coach.frame_feed import opened
    from sessions.coach.live_loop import SessionLoop
    from sessions.coach.skeleton import draw_skeleton
    from sessions.history.store import SessionStore

    plan = Plan(target_reps=args.target_reps, target_duration_s=args.minutes * 60.0,
                tempo=args.tempo)
    display_check(args)
    network = NetworkCameraSource(args.camera) if isinstance(args.camera, CameraURL) else None
    try:
        source: FrameSource = (VideoFileSource(args.video) if args.video is not None
                               else network or camera_source(args.camera))
        model = model_files.resolve(args.model, show_progress=True)
        frames = opened(source)      # the camera or file opens now, errors come first
    except (SourceError, ModelError) as exc:
        raise UserError(str(exc)) from None    # (a network error's cause may hold the URL)
    is_camera = args.video is None
    feed = make_feed(frames, is_camera, network.link if network is not None else None)
    # a phone's session keeps only that it was a network camera, and its host (no password)
    detail = (network.address.host if network is not None
              else str(args.camera) if is_camera else str(args.video))
    with deferred_interrupts(late=False) as ctrl_c, contextlib.ExitStack() as stack:
        store = stack.enter_context(SessionStore.open(args.db))
        estimator = stack.enter_context(PoseEstimator(model, max_people=args.people))
        display = open_display(args.headless, args.out, args.fullscreen, source.fps,
                               inputs=[args.video])
        stack.callback(display.close)
        audio = make_audio(args.no_audio)
        stack.callback(audio.close)
        sid: list[int] = []
        made: list[Any] = []
        recorder = recorder_factory(
            store, sid, source="camera" if is_camera else "video", detail=detail, plan=plan,
            model=model.variant.name, made=made,
            settings={"camera": "network"} if network is not None else None,
            name=f"network camera {detail}" if network is not None else "")
        loop = SessionLoop(
            feed=feed, estimate=estimator.process, analyzer=MovementAnalyzer(),
            coach=Coach(plan, coach_settings(display)), display=display,
            start_recording=recorder, audio=audio, sound=sound_options(args),
            draw_pose=draw_skeleton,
            canvas_size=CANVAS_SIZE, save_pain=pain_saver(store, sid),
            checkpoint=ctrl_c.check)
        result = loop.run()
        return report(result, sid[0] if sid else None, args.out,
                      lost=bool(made) and made[0].lost, db=db_option(args),
                      lost_message=PHONE_LOST if network is not None else CAMERA_LOST)


def camera_source(index: int) -> CameraSource:
    """The webcam, asked for the canvas's 1280x720 at 30 fps (it gives what it can: the picture
    is shown in proportion whatever its size)."""
    from pose.estimation.sources import CameraSource

    return CameraSource(index, *CANVAS_SIZE, fps=CAMERA_FPS)


def make_feed(frames: Iterable[Frame], is_camera: bool, link: Link | None = None
              ) -> LatestFrameGrabber:
    """The live loop's frames: a camera as it comes; a video at its own pace, held until the
    session starts (nothing of it plays behind the safety screen). ``link``: a network
    camera's reconnection state."""
    from sessions.coach.frame_feed import LatestFrameGrabber

    return LatestFrameGrabber(frames, live=is_camera, paced=not is_camera, gated=not is_camera,
                              link=link)


def display_check(args: argparse.Namespace) -> None:
    """Fail early, before any model loads, when the session could not be shown or recorded."""
    if args.headless and args.out is None:
        raise UserError("--headless needs --out FILE.mp4 (where to record the session)")
    if args.out is not None:
        from sessions.output.video_writer import check_output

        check_output(args.out, [getattr(args, "video", None)])   # never over what is read
    if not args.headless:
        problem = display_problem()
        if problem is not None:
            raise UserError(NO_DISPLAY.format(why=problem))


def coach_settings(display: Display) -> Any:
    """Recorded sessions leave the summary by themselves; windows wait for a key, and ask for
    the pain check-in (a recording has no one to press a key)."""
    from sessions.coach.coach import CoachSettings

    return CoachSettings(summary_hold_s=None if display.interactive else 4.0,
                         pain_check_in=display.interactive)


def pain_saver(store: Any, sid: list[int]) -> Callable[[int | None, int | None], None]:
    """Saves the pain check-in with the session once it has started (``sid`` holds its id)."""

    def save(before: int | None, after: int | None) -> None:
        if sid:
            store.set_pain(sid[0], before=before, after=after)

    return save


def sound_options(args: argparse.Namespace) -> Any:
    """--no-audio and --voice/--no-voice as the loop's sound options."""
    from sessions.coach.voice import SoundOptions

    return SoundOptions(enabled=not args.no_audio, voice=args.voice)


def make_audio(disabled: bool) -> Any:
    from sessions.coach.audio import AudioPlayer

    return AudioPlayer(enabled=not disabled)


def recorder_factory(store: Any, sid: list[int], *, source: str, detail: str, plan: Plan,
                     model: str, settings: dict[str, Any] | None = None,
                     made: list[Any] | None = None, name: str = "") -> Callable[[], Any]:
    """Starts the stored session when the person leaves the safety screen (its id appended to
    ``sid``, the recorder to ``made``: whether it was saved is asked of it at the end)."""
    from sessions.history.recorder import SessionRecorder
    from sessions.history.store import SessionMeta

    def start() -> SessionRecorder:
        meta = SessionMeta(
            source=source,  # type: ignore[arg-type]
            source_detail=detail, target_reps=plan.target_reps,
            target_period_s=plan.tempo.period_s, target_back_s=plan.tempo.back_s,
            target_forward_s=plan.tempo.forward_s,
            settings={"target_duration_s": plan.target_duration_s, **(settings or {})},
            model_variant=model, name=name)
        sid.append(store.start_session(meta))
        recorder = SessionRecorder(store, sid[0])
        if made is not None:
            made.append(recorder)
        return recorder

    return start


# ---- registration ------------------------------------------------------------------------------
def add_output_arguments(p: argparse.ArgumentParser) -> None:
    """The options `live` and `demo` share: the database, sound and where the session goes."""
    add_db_option(p)
    p.add_argument("--no-audio", action="store_true",
                   help="no sound at all, spoken or tones (a recording is silent too)")
    p.add_argument("--voice", action=argparse.BooleanOptionalAction, default=True,
                   help="spoken coaching; --no-voice keeps the tones only (default: voice on)")
    p.add_argument("--headless", action="store_true",
                   help="no window: record the coached session to --out instead")
    p.add_argument("--out", type=_mp4, default=None, metavar="FILE.mp4",
                   help="record the annotated session to this video")


def add_live_arguments(p: argparse.ArgumentParser) -> None:
    """The options of `live` (also accepted by plain `rocking`)."""
    src = p.add_mutually_exclusive_group()
    src.add_argument("--camera", type=_camera, default=0, metavar="N|URL",
                     help="webcam index, or a phone's (network camera's) address: "
                     "http://..., https://... or rtsp://... (default: %(default)s)")
    src.add_argument("--video", type=Path, default=None, metavar="FILE",
                     help="coach a recording as if it were live")
    p.add_argument("--target-reps", type=_reps, default=DEFAULT_TARGET_REPS, metavar="N",
                   help="end after this many reps (default: %(default)s)")
    p.add_argument("--minutes", type=_minutes, default=DEFAULT_TARGET_DURATION_S / 60,
                   metavar="M", help="end after this many minutes of rocking "
                   "(default: %(default)g)")
    p.add_argument("--tempo", type=_tempo, default=Tempo(), metavar="BACK:FORWARD",
                   help="seconds rocking back (breathing out) and coming forward (breathing "
                   "in), e.g. 4:3, or one number for the seconds a rep (default: 4:3)")
    add_output_arguments(p)
    p.add_argument("--fullscreen", action="store_true", help="fill the screen")
    add_model_options(p, people_default=1,
                      people_help="how many people the model looks for, following the most "
                      "visible one; 1 is fastest, which matters live")


def register(subparsers: Any) -> None:
    """Add `live` to the `rocking` command line."""
    p = subparsers.add_parser(
        "live", help="coach a rocking session through the webcam (the default command)",
        description="Coach one rocking session through the webcam: a safety screen, set-up "
        "help, a start-position check, then a pacer, rep count and warnings, and a summary. "
        "Keys: space pause/resume, q or Esc end and save, m mute. Every session is saved.")
    add_live_arguments(p)
    p.set_defaults(func=live)
