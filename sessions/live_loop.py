"""The live loop: the only place that knows about time, keys, windows and devices.

    frames (capture thread, newest only) -> estimator -> analyser -> coach -> overlay -> screen
                                                                           -> sound, store

A capture thread keeps only the newest frame: when processing falls behind, stale frames are
dropped, never queued, so delay cannot build up. The loop measures the frame rate it achieves
and the frame-to-cue delay (from a frame leaving the camera to its annotated picture being on
screen, cues and sounds included). Losing the camera, Ctrl-C or closing the window ends the
session as interrupted with everything so far saved.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal, Protocol

import cv2
import numpy as np
from numpy.typing import NDArray

from pose.events import FrameAnalysis
from pose.record import Landmark, PoseRecord
from pose.sources import Frame
from sessions.audio import AudioPlayer
from sessions.guide import Coach, CoachView, Command, EndReason, Stage
from sessions.overlay import CoachOverlay

log = logging.getLogger(__name__)

BGRImage = NDArray[np.uint8]
Clock = Callable[[], float]
EndedBy = Literal["plan", "user", "source_ended", "camera_lost", "window_closed", "ctrl_c",
                  "error", "not_started"]

KEY_COMMANDS: dict[int, Command] = {
    ord(" "): Command.TOGGLE_PAUSE, ord("q"): Command.END, ord("Q"): Command.END,
    27: Command.END, ord("m"): Command.TOGGLE_MUTE, ord("M"): Command.TOGGLE_MUTE,
    13: Command.CONTINUE, 10: Command.CONTINUE,
}
VISIBILITY_PAIRS = (
    (Landmark.LEFT_SHOULDER, Landmark.RIGHT_SHOULDER), (Landmark.LEFT_WRIST, Landmark.RIGHT_WRIST),
    (Landmark.LEFT_HIP, Landmark.RIGHT_HIP), (Landmark.LEFT_KNEE, Landmark.RIGHT_KNEE),
    (Landmark.LEFT_ANKLE, Landmark.RIGHT_ANKLE),
)


def key_command(key: int, stage: Stage) -> Command | None:
    """The command a key means at this stage (space starts and closes screens, else pauses)."""
    cmd = KEY_COMMANDS.get(key)
    if cmd is Command.TOGGLE_PAUSE and stage in (Stage.SAFETY, Stage.SUMMARY):
        return Command.CONTINUE
    return cmd


def near_side_visibility(record: PoseRecord) -> float | None:
    """Mean visibility of the key joints, taking the better side of each pair (None: nobody)."""
    if not record.has_person:
        return None
    vis = np.nan_to_num(record.visibility, nan=0.0)
    return float(np.mean([max(vis[a], vis[b]) for a, b in VISIBILITY_PAIRS]))


# ---- frames in -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Captured:
    """A frame and the moment (loop clock) it was captured."""

    frame: Frame
    captured_at: float


class FrameFeed(Protocol):
    """Where the loop gets frames."""

    live: bool          # True: a camera, whose ending means the camera was lost
    dropped: int
    error: BaseException | None

    def start(self) -> None: ...
    def open_gate(self) -> None: ...
    def latest(self) -> Captured | None: ...
    def get(self, timeout_s: float) -> Captured | None: ...
    def stop(self) -> None: ...


class LatestFrameGrabber:
    """Reads a frame source on its own thread and keeps only the newest frame.

    ``paced=True`` plays a file at its own frame rate (as a camera would deliver it).
    ``gated=True`` holds the source before its first frame until :meth:`open_gate`.
    """

    def __init__(self, source: Iterable[Frame], *, live: bool, paced: bool = False,
                 gated: bool = False, clock: Clock = time.monotonic) -> None:
        self.source = source
        self.live = live
        self.paced = paced
        self.clock = clock
        self.dropped = 0
        self.captured = 0
        self.error: BaseException | None = None
        self._gate = threading.Event()
        if not gated:
            self._gate.set()
        self._cond = threading.Condition()
        self._slot: Captured | None = None
        self._last: Captured | None = None
        self._ended = False
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="rocking-capture", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def open_gate(self) -> None:
        self._gate.set()

    def _run(self) -> None:
        it: Iterator[Frame] | None = None
        try:
            while not self._gate.wait(0.1):
                if self._stop.is_set():
                    return
            it = iter(self.source)
            start_wall: float | None = None
            start_t = 0.0
            for frame in it:
                if self._stop.is_set():
                    break
                if self.paced:
                    if start_wall is None:
                        start_wall, start_t = self.clock(), frame.t_s
                    delay = start_wall + (frame.t_s - start_t) - self.clock()
                    if delay > 0 and self._stop.wait(delay):
                        break
                with self._cond:
                    if self._slot is not None:
                        self.dropped += 1
                    self._slot = self._last = Captured(frame, self.clock())
                    self.captured += 1
                    self._cond.notify_all()
        except BaseException as exc:  # noqa: BLE001 - handed to the loop, which reports it
            self.error = exc
        finally:
            close = getattr(it, "close", None)
            if close is not None:
                close()      # a generator source releases its device in its finally
            with self._cond:
                self._ended = True
                self._cond.notify_all()

    def latest(self) -> Captured | None:
        """The newest frame seen, without taking it (for a background picture)."""
        with self._cond:
            return self._last

    def get(self, timeout_s: float) -> Captured | None:
        """The newest frame not yet taken; None when the source ended or gave nothing in time."""
        with self._cond:
            self._cond.wait_for(lambda: self._slot is not None or self._ended, timeout_s)
            cap, self._slot = self._slot, None
            return cap

    def stop(self) -> None:
        self._stop.set()
        self._gate.set()
        if self._thread.is_alive():
            self._thread.join(2.0)


class DirectFeed:
    """Frames straight from an iterator, none dropped (the demo, tests)."""

    live = False
    dropped = 0
    error: BaseException | None = None

    def __init__(self, frames: Iterable[Frame], clock: Clock = time.monotonic) -> None:
        self._it = iter(frames)
        self._last: Captured | None = None
        self.clock = clock

    def start(self) -> None:
        pass

    def open_gate(self) -> None:
        pass

    def latest(self) -> Captured | None:
        return self._last

    def get(self, timeout_s: float) -> Captured | None:
        try:
            frame = next(self._it)
        except StopIteration:
            return None
        except Exception as exc:  # noqa: BLE001 - reported by the loop
            self.error = exc
            return None
        self._last = Captured(frame, self.clock())
        return self._last

    def stop(self) -> None:
        close = getattr(self._it, "close", None)
        if close is not None:
            close()


# ---- pictures out ----------------------------------------------------------------------------
class Display(Protocol):
    """Where annotated frames go."""

    interactive: bool

    def show(self, img: BGRImage, present_s: float) -> None: ...
    def poll_key(self, wait_ms: int) -> int | None: ...
    def closed(self) -> bool: ...
    def close(self) -> None: ...


class WindowDisplay:
    """An OpenCV window; ``fullscreen`` for a screen across the room."""

    interactive = True

    def __init__(self, name: str = "rocking", fullscreen: bool = False) -> None:
        self.name = name
        # GUI_NORMAL: no Qt toolbar or status bar, only the picture; KEEPRATIO when resized
        cv2.namedWindow(name, cv2.WINDOW_NORMAL | cv2.WINDOW_KEEPRATIO | cv2.WINDOW_GUI_NORMAL)
        if fullscreen:
            cv2.setWindowProperty(name, cv2.WND_PROP_FULLSCREEN, cv2.WINDOW_FULLSCREEN)
        self._shown = False
        self._closed = False

    def show(self, img: BGRImage, present_s: float) -> None:
        if not self._shown:
            h, w = img.shape[:2]
            cv2.resizeWindow(self.name, w, h)
        cv2.imshow(self.name, img)
        self._shown = True

    def poll_key(self, wait_ms: int) -> int | None:
        key = cv2.waitKey(max(1, wait_ms))
        return None if key < 0 else key & 0xFF

    def closed(self) -> bool:
        if self._closed:
            return True
        if self._shown and cv2.getWindowProperty(self.name, cv2.WND_PROP_VISIBLE) < 1:
            self._closed = True
        return self._closed

    def close(self) -> None:
        if not self._closed:
            cv2.destroyWindow(self.name)
            cv2.waitKey(1)
            self._closed = True


class VideoDisplay:
    """Records the annotated session to a video file in real time: each picture is repeated
    until the next one is due, so dropped frames do not speed the recording up."""

    interactive = False

    def __init__(self, path: Path, fps: float = 30.0) -> None:
        self.path = path
        self.fps = fps
        self.frames = 0
        self._writer: cv2.VideoWriter | None = None
        self._size: tuple[int, int] | None = None

    def show(self, img: BGRImage, present_s: float) -> None:
        if self._writer is None:
            h, w = img.shape[:2]
            self._size = (w, h)
            self.path.parent.mkdir(parents=True, exist_ok=True)
            writer = cv2.VideoWriter(str(self.path), cv2.VideoWriter.fourcc(*"mp4v"),
                                     self.fps, self._size)
            if not writer.isOpened():
                raise OSError(f"cannot write a video to {self.path}")
            self._writer = writer
        assert self._size is not None
        if (img.shape[1], img.shape[0]) != self._size:
            img = np.asarray(cv2.resize(img, self._size, interpolation=cv2.INTER_AREA),
                             dtype=np.uint8)
        due = max(self.frames + 1, round(present_s * self.fps) + 1)
        while self.frames < due:
            self._writer.write(img)
            self.frames += 1

    def poll_key(self, wait_ms: int) -> int | None:
        return None

    def closed(self) -> bool:
        return False

    def close(self) -> None:
        if self._writer is not None:
            self._writer.release()
            self._writer = None


# ---- the session ----------------------------------------------------------------------------
class Analyzer(Protocol):
    """The movement analysis: one FrameAnalysis per PoseRecord."""

    def update(self, record: PoseRecord) -> FrameAnalysis: ...


class Recorder(Protocol):
    """Saves the session as it happens (see sessions.recorder.SessionRecorder)."""

    def update(self, fa: FrameAnalysis, target: float | None = None) -> None: ...
    def finish(self, status: Literal["running", "completed", "interrupted"] = "completed"
               ) -> Path | None: ...


@dataclass
class LoopStats:
    """What the loop achieved: frames, frame rate, delay (milliseconds), drops."""

    frames: int = 0
    dropped: int = 0
    wall_s: float = 0.0
    delay_ms: deque[float] = field(default_factory=lambda: deque(maxlen=20_000))
    work_ms: deque[float] = field(default_factory=lambda: deque(maxlen=20_000))

    @property
    def fps(self) -> float:
        return self.frames / self.wall_s if self.wall_s > 0 else 0.0

    def percentile(self, values: deque[float], q: float) -> float | None:
        return float(np.percentile(np.asarray(values), q)) if values else None

    def line(self) -> str:
        """One line for the log."""
        d50, d95 = self.percentile(self.delay_ms, 50), self.percentile(self.delay_ms, 95)
        w50 = self.percentile(self.work_ms, 50)
        if d50 is None or d95 is None or w50 is None:
            return "no frames processed"
        return (f"{self.frames} frames in {self.wall_s:.1f} s ({self.fps:.1f} fps), "
                f"{self.dropped} stale frames dropped; frame-to-cue delay median {d50:.0f} ms, "
                f"95th percentile {d95:.0f} ms; work per frame median {w50:.1f} ms")


@dataclass(frozen=True)
class LoopResult:
    """How a session ended."""

    ended_by: EndedBy
    status: Literal["completed", "interrupted", "not_saved"]
    reps: int
    stats: LoopStats
    fallback_path: Path | None = None
    error: BaseException | None = None
    summary_view: CoachView | None = None


@dataclass
class LoopSettings:
    """Timings of the loop."""

    safety_s: float = 3.0        # non-interactive: how long the safety screen is recorded
    summary_s: float = 5.0       # non-interactive: how long the summary is recorded
    summary_max_s: float = 120.0  # interactive: the summary closes by itself after this
    stall_s: float = 3.0         # a camera giving no frame this long is lost
    auto_continue: bool = False  # leave the safety and summary screens by themselves (demo)
    out_fps: float = 30.0


class SessionLoop:
    """Runs one coached session from the safety screen to the summary."""

    def __init__(self, *, feed: FrameFeed, estimate: Callable[[Frame], PoseRecord],
                 analyzer: Analyzer, coach: Coach, display: Display,
                 start_recording: Callable[[], Recorder] | None = None,
                 audio: AudioPlayer | None = None, overlay: CoachOverlay | None = None,
                 draw_pose: Callable[[BGRImage, PoseRecord], object] | None = None,
                 canvas_size: tuple[int, int] = (1280, 720),
                 settings: LoopSettings | None = None, clock: Clock = time.monotonic) -> None:
        self.feed = feed
        self.estimate = estimate
        self.analyzer = analyzer
        self.coach = coach
        self.display = display
        self.start_recording = start_recording
        self.audio = audio or AudioPlayer(enabled=False)
        self.overlay = overlay or CoachOverlay()
        self.draw_pose = draw_pose
        self.canvas_size = canvas_size
        self.settings = settings or LoopSettings()
        self.clock = clock
        self.stats = LoopStats()
        self._present_s = 0.0
        self._present_offset: float | None = None
        self._last_img: BGRImage | None = None
        self._last_t = 0.0

    # ---- helpers ---------------------------------------------------------------------------
    def _keys(self, wait_ms: int = 1) -> None:
        key = self.display.poll_key(wait_ms)
        if key is None:
            return
        cmd = key_command(key, self.coach.stage)
        if cmd is not None:
            self.coach.command(cmd)

    def _play(self, view: CoachView) -> None:
        self.audio.muted = view.muted
        for sound in view.sounds:
            self.audio.play(sound)

    def _still_screen(self, stage: Stage, max_s: float) -> None:
        """Show the safety or summary screen until a key (interactive) or for ``max_s``."""
        step = 1.0 / self.settings.out_fps
        waited = 0.0
        while self.coach.stage is stage and not self.display.closed():
            cap = self.feed.latest() if stage is Stage.SAFETY else None
            if cap is not None:
                bg = cap.frame.bgr.copy()
            elif self._last_img is not None:
                bg = self._last_img.copy()
            else:
                w, h = self.canvas_size
                bg = np.zeros((h, w, 3), np.uint8)
            view = self.coach.update(self._last_t, None)
            self._play(view)
            self.overlay.draw(bg, view)
            self.display.show(bg, self._present_s)
            self._present_s += step
            if self.display.interactive:
                self._keys(round(step * 1000))
            waited += step
            if waited >= max_s - 1e-9:
                self.coach.command(Command.CONTINUE)
            if stage is Stage.SAFETY and self.feed.error is not None:
                raise self.feed.error

    def _frame(self, cap: Captured, recorder: Recorder | None) -> CoachView:
        t_work = self.clock()
        frame = cap.frame
        record = self.estimate(frame)
        analysis = self.analyzer.update(record)
        view = self.coach.update(frame.t_s, analysis, near_side_visibility(record))
        self._last_t = frame.t_s
        if recorder is not None:
            keep = replace(analysis, rep=view.counted_rep, warnings=view.new_warnings)
            recorder.update(keep, view.pacer.target if view.pacer is not None else None)
        self._play(view)
        img = frame.bgr.copy()
        if self.draw_pose is not None:
            self.draw_pose(img, record)
        self.overlay.draw(img, view)
        if self._present_offset is None:
            self._present_offset = self._present_s - frame.t_s
        self._present_s = max(self._present_s, frame.t_s + self._present_offset)
        self.display.show(img, self._present_s)
        self._last_img = frame.bgr
        now = self.clock()
        self.stats.frames += 1
        self.stats.delay_ms.append((now - cap.captured_at) * 1000.0)
        self.stats.work_ms.append((now - t_work) * 1000.0)
        return view

    # ---- the session -----------------------------------------------------------------------
    def run(self) -> LoopResult:
        """Run the session; always saves what was done. Never raises for the ways a live
        session ends (camera lost, window closed, Ctrl-C); source errors come back in
        ``LoopResult.error`` after saving."""
        recorder: Recorder | None = None
        ended_by: EndedBy = "not_started"
        error: BaseException | None = None
        start = self.clock()
        try:
            self.feed.start()
            auto = self.settings.auto_continue or not self.display.interactive
            self._still_screen(Stage.SAFETY, self.settings.safety_s if auto else float("inf"))
            if self.coach.stage is Stage.DONE or self.display.closed():
                return self._result("window_closed" if self.display.closed() else "not_started",
                                    None, None)
            self.feed.open_gate()
            if self.start_recording is not None:
                recorder = self.start_recording()
            start = self.clock()
            ended_by = self._frames(recorder)
        except KeyboardInterrupt:
            ended_by = "ctrl_c"
        except Exception as exc:   # noqa: BLE001 - save first, then report
            error, ended_by = exc, "error"
        finally:
            self.stats.wall_s = self.clock() - start
            self.stats.dropped = self.feed.dropped
            self.feed.stop()
        if self.feed.error is not None and error is None:
            error = self.feed.error
        if ended_by in ("camera_lost", "window_closed", "ctrl_c") or error is not None:
            self.coach.interrupt()
        elif self.coach.stage not in (Stage.SUMMARY, Stage.DONE):
            self.coach.command(Command.END)      # a recording that ran out: end as if by key
        status: Literal["completed", "interrupted"] = (
            "completed" if ended_by in ("plan", "user", "source_ended") and error is None
            else "interrupted")
        fallback = recorder.finish(status) if recorder is not None else None
        log.info("session %s (%s): %s", status, ended_by, self.stats.line())
        summary = self.coach.update(self._last_t, None)
        try:
            if ended_by not in ("window_closed", "ctrl_c") and self.coach.stage is Stage.SUMMARY:
                auto = self.settings.auto_continue or not self.display.interactive
                self._still_screen(Stage.SUMMARY, self.settings.summary_s if auto
                                   else self.settings.summary_max_s)
        except KeyboardInterrupt:
            pass
        finally:
            self.display.close()
            self.audio.close()
        return self._result(ended_by, status if recorder is not None else None, fallback,
                            error, summary)

    def _frames(self, recorder: Recorder | None) -> EndedBy:
        while True:
            cap = self.feed.get(self.settings.stall_s)
            if cap is None:
                if self.feed.error is not None:
                    raise self.feed.error
                return "camera_lost" if self.feed.live else "source_ended"
            self._frame(cap, recorder)
            if self.display.interactive:
                self._keys(1)
            if self.display.closed():
                return "window_closed"
            if self.coach.stage in (Stage.SUMMARY, Stage.DONE):
                return "user" if self.coach.end_reason is EndReason.USER else "plan"

    def _result(self, ended_by: EndedBy,
                status: Literal["completed", "interrupted"] | None,
                fallback: Path | None, error: BaseException | None = None,
                summary: CoachView | None = None) -> LoopResult:
        if ended_by in ("window_closed", "not_started"):
            self.display.close()
            self.audio.close()
        return LoopResult(ended_by, status or "not_saved", len(self.coach.reps), self.stats,
                          fallback, error, summary)
