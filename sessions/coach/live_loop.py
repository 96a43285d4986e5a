"""The live loop: one coached session, frame by frame, from the safety screen to the summary.

    frames (capture thread, newest only) -> estimator -> analyser -> coach -> overlay -> screen
                                                                           -> sound, store

The capture thread (``sessions.coach.frame_feed``) keeps only the newest frame: when processing
falls
behind, stale frames are dropped, never queued, so delay cannot build up. Pictures go to a window
or a video (``sessions.coach.displays``); these and the live loop are the only places that know
about
time, keys, windows and devices. The loop measures the frame rate it achieves
and the frame-to-cue delay (from a frame leaving the camera to its annotated picture being on
screen, cues and sounds included). Losing the camera, Ctrl-C or closing the window ends the
session as interrupted with everything so far saved.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal, Protocol

import numpy as np
from numpy.typing import NDArray

from pose.estimation.sources import Frame
from pose.events import FrameAnalysis, Rep
from pose.record import Landmark, PoseRecord
from sessions.coach.audio import AudioPlayer
from sessions.coach.canvas import CANVAS_SIZE, Letterbox, Placement
from sessions.coach.coach import Coach
from sessions.coach.displays import Display
from sessions.coach.frame_feed import Captured, FrameFeed
from sessions.coach.overlay import CoachOverlay
from sessions.coach.view import CoachView, Command, EndReason, Notice, Sound, Stage
from sessions.coach.voice import SessionSound, Sink, SoundOptions
from sessions.coach.words import PHONE_LOST, PHONE_LOST_DETAIL

log = logging.getLogger(__name__)

#: shown while a network camera (a phone) is being reconnected
LINK_LOST = Notice(PHONE_LOST, PHONE_LOST_DETAIL)

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


PAIN_STAGES = (Stage.PAIN_BEFORE, Stage.PAIN_AFTER)
SavePain = Callable[[int | None, int | None], None]


def key_command(key: int, stage: Stage) -> Command | None:
    """The command a key means at this stage (space starts and closes screens and skips the
    pain check-in, else pauses)."""
    cmd = KEY_COMMANDS.get(key)
    if cmd is Command.TOGGLE_PAUSE and stage in (Stage.SAFETY, Stage.SUMMARY, *PAIN_STAGES):
        return Command.CONTINUE
    return cmd


def near_side_visibility(record: PoseRecord) -> float | None:
    """Mean visibility of the key joints, taking the better side of each pair (None: nobody)."""
    if not record.has_person:
        return None
    vis = np.nan_to_num(record.visibility, nan=0.0)
    return float(np.mean([max(vis[a], vis[b]) for a, b in VISIBILITY_PAIRS]))


class DrawPose(Protocol):
    """Draws a record's skeleton onto the canvas, where its picture is shown (x, y, w, h)."""

    def __call__(self, img: BGRImage, record: PoseRecord, /, *,
                 region: tuple[int, int, int, int] | None = None) -> object: ...


def _region(p: Placement) -> tuple[int, int, int, int]:
    return p.x, p.y, p.w, p.h


VOICE_GRACE_S = 15.0   # a still screen waits at most this much longer for the voice to finish


# ---- the session ----------------------------------------------------------------------------
class Analyzer(Protocol):
    """The movement analysis: one FrameAnalysis per PoseRecord; ``finish`` at the end of the
    stream gives the rep that had already come back to the start, if any."""

    def update(self, record: PoseRecord) -> FrameAnalysis: ...
    def finish(self) -> Rep | None: ...


class Recorder(Protocol):
    """Saves the session as it happens (see sessions.history.recorder.SessionRecorder)."""

    def update(self, fa: FrameAnalysis, target: float | None = None) -> None: ...
    def add_rep(self, rep: Rep) -> None: ...
    def finish(self, status: Literal["running", "completed", "interrupted"] = "completed"
               ) -> Path | None: ...


@dataclass
class LoopStats:
    """What the loop achieved: frames, frame rate, delay (milliseconds), drops."""

    frames: int = 0              # analysed
    dropped: int = 0             # stale camera frames never analysed
    shown: int = 0               # pictures drawn and shown
    wall_s: float = 0.0
    delay_ms: deque[float] = field(default_factory=lambda: deque(maxlen=20_000))
    work_ms: deque[float] = field(default_factory=lambda: deque(maxlen=20_000))

    @property
    def fps(self) -> float:
        return self.frames / self.wall_s if self.wall_s > 0 else 0.0

    @property
    def shown_fps(self) -> float:
        return self.shown / self.wall_s if self.wall_s > 0 else 0.0

    def percentile(self, values: deque[float], q: float) -> float | None:
        return float(np.percentile(np.asarray(values), q)) if values else None

    def line(self) -> str:
        """One line for the log."""
        d50, d95 = self.percentile(self.delay_ms, 50), self.percentile(self.delay_ms, 95)
        w50 = self.percentile(self.work_ms, 50)
        if d50 is None or d95 is None or w50 is None:
            return "no frames processed"
        return (f"{self.frames} frames in {self.wall_s:.1f} s ({self.fps:.1f} fps analysed, "
                f"{self.shown_fps:.1f} shown), {self.dropped} stale frames dropped; "
                f"frame-to-cue delay median {d50:.0f} ms, 95th percentile {d95:.0f} ms; "
                f"work per frame median {w50:.1f} ms")


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
    link_poll_s: float = 0.2     # a reconnecting source: how often to look at its link
    auto_continue: bool = False  # leave the safety and summary screens by themselves (demo)
    out_fps: float = 30.0
    # the model (and analysis, coach, saving, sound) on its own thread while this one draws
    # and shows the newest result: on 2 cores the next frame's model overlaps this frame's
    # drawing (see benchmarks/bench_live.py)
    overlap: bool = False


@dataclass(frozen=True)
class _Analysed:
    """One frame through the model, analysis and coach, waiting to be drawn."""

    cap: Captured
    record: PoseRecord
    view: CoachView
    started_at: float
    present_s: float      # when it is shown in a recording (its sounds start then too)


class _Mailbox:
    """One slot from the model thread to the drawing: the newest result wins (stale results are
    dropped, never queued), or with ``lossless`` the model waits until the slot is taken."""

    def __init__(self, lossless: bool) -> None:
        self.lossless = lossless
        self.dropped = 0
        self.finished = False
        self.ended_by: EndedBy | None = None
        self.error: BaseException | None = None
        self._item: _Analysed | None = None
        self._cond = threading.Condition()

    def put(self, item: _Analysed, stop: threading.Event) -> None:
        with self._cond:
            if self.lossless:
                self._cond.wait_for(lambda: self._item is None or stop.is_set())
            elif self._item is not None:
                self.dropped += 1
            self._item = item
            self._cond.notify_all()

    def take(self, timeout_s: float) -> _Analysed | None:
        """The newest result (None: none in time, or the model has finished)."""
        with self._cond:
            self._cond.wait_for(lambda: self._item is not None or self.finished, timeout_s)
            item, self._item = self._item, None
            self._cond.notify_all()
            return item

    def finish(self, ended_by: EndedBy | None, error: BaseException | None = None) -> None:
        with self._cond:
            self.ended_by, self.error, self.finished = ended_by, error, True
            self._cond.notify_all()

    def wake(self) -> None:
        with self._cond:
            self._cond.notify_all()


class SessionLoop:
    """Runs one coached session from the safety screen to the summary."""

    def __init__(self, *, feed: FrameFeed, estimate: Callable[[Frame], PoseRecord],
                 analyzer: Analyzer, coach: Coach, display: Display,
                 start_recording: Callable[[], Recorder] | None = None,
                 audio: AudioPlayer | None = None, sound: SoundOptions | None = None,
                 overlay: CoachOverlay | None = None,
                 draw_pose: DrawPose | None = None,
                 canvas_size: tuple[int, int] = CANVAS_SIZE,
                 settings: LoopSettings | None = None, clock: Clock = time.monotonic,
                 save_pain: SavePain | None = None,
                 checkpoint: Callable[[], None] | None = None) -> None:
        self.feed = feed
        # called between frames and screen refreshes: raises KeyboardInterrupt there after a
        # Ctrl-C noted elsewhere (sessions.interrupts), never inside the model or a finalizer
        self.checkpoint = checkpoint or (lambda: None)
        self.save_pain = save_pain   # the pain check-in (before, after) goes to the session
        self.estimate = estimate
        self.analyzer = analyzer
        self.coach = coach
        self.display = display
        self.start_recording = start_recording
        self.audio = audio or AudioPlayer(enabled=False)
        # speech and tones on one schedule; a recording display gets them on its audio track
        # (no options: silent, as with no player)
        add_audio: Sink | None = getattr(display, "add_audio", None)
        self.sound = SessionSound(self.audio, sound or SoundOptions(enabled=False),
                                  coach.plan.tempo,
                                  sinks=[add_audio] if add_audio is not None else [])
        self.overlay = overlay or CoachOverlay()
        self.overlay.interactive = display.interactive   # no key prompts in a recording
        self.draw_pose = draw_pose
        self.canvas_size = canvas_size
        self.letterbox = Letterbox(canvas_size)
        self.settings = settings or LoopSettings()
        self.clock = clock
        self.stats = LoopStats()
        self._lock = threading.RLock()    # the analysis, coach and recorder: one thread at a time
        self._present_s = 0.0
        self._present_offset: float | None = None
        self._last_frame: BGRImage | None = None   # the newest camera picture (unmarked)
        self._last_t = 0.0
        self._recorder: Recorder | None = None
        self._flushed = False
        self._screen_s = 0.0    # how long the current still screen has been shown
        self._last_view: CoachView | None = None
        self._link_lost = False          # showing the "lost the picture" notice
        self._notice_sound = False       # the warning sound is still to play
        self._notice_at: float | None = None
        self._paused_for_link = False    # the coach was paused because the picture was lost

    # ---- helpers ---------------------------------------------------------------------------
    def _keys(self, wait_ms: int = 1) -> None:
        key = self.display.poll_key(wait_ms)
        if key is None:
            return
        with self._lock:
            if self.coach.stage in PAIN_STAGES and ord("0") <= key <= ord("9"):
                self.coach.pain_key(chr(key), self._screen_s)
                return
            cmd = key_command(key, self.coach.stage)
            if cmd is Command.END:
                self._end_of_stream()   # a rep just finished counts before the session ends
            if cmd is not None:
                self.coach.command(cmd)

    def _end_of_stream(self) -> None:
        """The frames stop (source ended, camera lost, key, Ctrl-C): a rep already back at the
        start is finished by the analysis, counted by the coach and saved (once)."""
        if self._flushed:
            return
        self._flushed = True
        try:
            rep = self.analyzer.finish()
            counted = self.coach.end_of_stream(rep)
            if counted is not None and self._recorder is not None:
                self._recorder.add_rep(counted)
        except Exception:   # never lose the session over its last rep
            log.exception("the last rep could not be finished")

    def _play(self, view: CoachView) -> None:
        """Start this view's sounds at the picture time it is shown at (never blocks)."""
        self.sound.update(view, self._present_s)

    def _still_screen(self, stage: Stage, max_s: float) -> None:
        """Show the safety or summary screen until a key (interactive) or for ``max_s``."""
        step = 1.0 / self.settings.out_fps
        waited = 0.0
        while self.coach.stage is stage and not self.display.closed():
            self.checkpoint()
            self._screen_s = waited
            if stage in PAIN_STAGES:
                self.coach.pain_tick(waited)
            cap = self.feed.latest() if stage in (Stage.SAFETY, Stage.PAIN_BEFORE) else None
            if cap is not None:
                bg, _ = self.letterbox.compose(cap.frame.bgr)
            elif self._last_frame is not None:
                bg, _ = self.letterbox.compose(self._last_frame)
            else:
                bg = self.letterbox.blank()
            view = self.coach.update(self._last_t, None)
            self._play(view)
            self.overlay.draw(bg, view)
            self.display.show(bg, self._present_s)
            self._present_s += step
            if self.display.interactive:
                self._keys(round(step * 1000))
            waited += step
            # leave by itself after max_s, once the voice has finished what it is saying
            # (a recording keeps the whole safety line and summary)
            if waited >= max_s - 1e-9 and (
                    self.sound.quiet(self._present_s) or waited >= max_s + VOICE_GRACE_S):
                self.coach.command(Command.CONTINUE)
            if stage is Stage.SAFETY and self.feed.error is not None:
                raise self.feed.error

    def _analyse(self, cap: Captured, recorder: Recorder | None) -> _Analysed:
        """The model, analysis, coach, saving and sounds for one frame."""
        t_work = self.clock()
        frame = cap.frame
        record = self.estimate(frame)
        with self._lock:
            analysis = self.analyzer.update(record)
            view = self.coach.update(frame.t_s, analysis, near_side_visibility(record))
            self._last_t = frame.t_s
            if recorder is not None:
                keep = replace(analysis, rep=view.counted_rep, warnings=view.new_warnings)
                recorder.update(keep, view.pacer.target if view.pacer is not None else None)
            if self._present_offset is None:
                self._present_offset = self._present_s - frame.t_s
            self._present_s = present_s = max(self._present_s, frame.t_s + self._present_offset)
        self._play(view)
        self.stats.frames += 1
        return _Analysed(cap, record, view, t_work, present_s)

    def _present(self, done: _Analysed) -> None:
        """Draw one analysed frame at the canvas's size and show it."""
        frame = done.cap.frame
        img, placement = self.letterbox.compose(frame.bgr)
        self._last_frame = frame.bgr
        if self.draw_pose is not None:
            self.draw_pose(img, done.record, region=_region(placement))
        self.overlay.draw(img, done.view)
        self.display.show(img, done.present_s)
        self._last_view = done.view
        now = self.clock()
        self.stats.shown += 1
        self.stats.delay_ms.append((now - done.cap.captured_at) * 1000.0)
        self.stats.work_ms.append((now - done.started_at) * 1000.0)

    # ---- the session -----------------------------------------------------------------------
    def run(self) -> LoopResult:
        """Run the session; always saves what was done. Never raises for the ways a live
        session ends (camera lost, window closed, Ctrl-C); source errors come back in
        ``LoopResult.error`` after saving."""
        recorder: Recorder | None = None
        dropped_before = 0
        ended_by: EndedBy = "not_started"
        error: BaseException | None = None
        start = self.clock()
        try:
            self.feed.start()
            auto = self.settings.auto_continue or not self.display.interactive
            self._still_screen(Stage.SAFETY, self.settings.safety_s if auto else float("inf"))
            self._still_screen(Stage.PAIN_BEFORE, float("inf"))   # skipped by itself in time
            if self.coach.stage is Stage.DONE or self.display.closed():
                return self._result("window_closed" if self.display.closed() else "not_started",
                                    None, None)
            self.feed.open_gate()
            if self.start_recording is not None:
                recorder = self._recorder = self.start_recording()
                self._pain_given()
            start = self.clock()
            dropped_before = self.feed.dropped    # frames not wanted during the safety screen
            ended_by = self._frames(recorder)
        except KeyboardInterrupt:
            ended_by = "ctrl_c"
        except Exception as exc:   # noqa: BLE001 - save first, then report
            error, ended_by = exc, "error"
        finally:
            if ended_by != "not_started":
                self._end_of_stream()
            self.stats.wall_s = self.clock() - start
            self.stats.dropped = self.feed.dropped - dropped_before
            self.feed.stop()
        if self.feed.error is not None and error is None:
            error = self.feed.error
        if ended_by in ("camera_lost", "window_closed", "ctrl_c") or error is not None:
            self.coach.interrupt()
        elif self.coach.stage not in (Stage.SUMMARY, Stage.DONE):
            self.coach.source_ended()            # a video that ran out before the plan
        # a video that ran out mid-session ended early: only the plan or the person completes it
        status: Literal["completed", "interrupted"] = (
            "completed" if ended_by in ("plan", "user") and error is None else "interrupted")
        fallback = recorder.finish(status) if recorder is not None else None
        log.info("session %s (%s): %s", status, ended_by, self.stats.line())
        try:
            if ended_by not in ("window_closed", "ctrl_c", "error"):
                self._still_screen(Stage.PAIN_AFTER, float("inf"))   # skipped by itself in time
        except KeyboardInterrupt:
            pass
        if self.coach.stage is Stage.PAIN_AFTER:   # not asked (the window closed, Ctrl-C)
            self.coach.command(Command.CONTINUE)
        if recorder is not None:
            self._pain_given()
        summary = self.coach.update(self._last_t, None)
        try:
            if ended_by not in ("window_closed", "ctrl_c") and self.coach.stage is Stage.SUMMARY:
                auto = self.settings.auto_continue or not self.display.interactive
                self._still_screen(Stage.SUMMARY, self.settings.summary_s if auto
                                   else self.settings.summary_max_s)
        except KeyboardInterrupt:
            pass
        finally:
            self.sound.flush()          # the rest of what is still being said, on the recording
            self.display.close()
            self.audio.close()
        return self._result(ended_by, status if recorder is not None else None, fallback,
                            error, summary)

    def _link_down(self) -> None:
        """No frame in time and the source's link is lost: pause the pacer so it does not run
        on alone (once), and show the notice from now on."""
        with self._lock:
            if self._link_lost:
                return
            self._link_lost = True
            self._notice_sound = True
            log.info("showing the lost-picture notice")
            if self.coach.stage is Stage.ROCKING and not self.coach.paused:
                self.coach.command(Command.TOGGLE_PAUSE)
                self._paused_for_link = True

    def _show_notice(self) -> None:
        """While the picture is lost: the last picture dimmed under the notice, every
        ``link_poll_s`` in real time (so a recording shows the gap), a warning sound first."""
        now = self.clock()
        if self._notice_at is not None and now - self._notice_at < self.settings.link_poll_s:
            return
        step = self.settings.link_poll_s if self._notice_at is None else now - self._notice_at
        self._notice_at = now
        with self._lock:
            view = self._last_view or self.coach.update(self._last_t, None)
            view = replace(view, notice=LINK_LOST, paused=self.coach.paused,
                           sounds=(Sound.WARNING,) if self._notice_sound else ())
            self._notice_sound = False
            self._present_s += step
            present_s = self._present_s
        self.sound.update(view, present_s)
        img = (self.letterbox.compose(self._last_frame)[0] if self._last_frame is not None
               else self.letterbox.blank())
        self.overlay.draw(img, view)
        self.display.show(img, present_s)

    def _link_up(self, t_s: float) -> None:
        """A frame (at ``t_s``) came: the notice goes; a pause the loss caused ends through a
        fresh 3-2-1 counted from now, not from the last frame before the loss."""
        with self._lock:
            if not self._link_lost:
                return
            self._link_lost = False
            self._notice_at = None
            log.info("the picture is back")
            if self._paused_for_link:
                self._paused_for_link = False
                if self.coach.paused:      # (unless a key resumed it meanwhile)
                    self.coach.update(t_s, None)       # the coach's clock to now (paused)
                    self.coach.command(Command.TOGGLE_PAUSE)

    def _frames(self, recorder: Recorder | None) -> EndedBy:
        if self.settings.overlap:
            return self._frames_overlapped(recorder)
        while True:
            self.checkpoint()
            ended = self._next(recorder)
            if ended is not None and not isinstance(ended, _Analysed):
                return ended
            if (over := self._turn(ended) or self._session_over()) is not None:
                return over

    def _turn(self, done: _Analysed | None) -> EndedBy | None:
        """Show a frame's result (or, with none while the camera reconnects, the notice) and
        answer the keys; "window_closed" once the person has closed the window."""
        if done is not None:
            self._present(done)
        elif self._link_lost:
            self._show_notice()
        if self.display.interactive:
            self._keys(1)
        return "window_closed" if self.display.closed() else None

    def _session_over(self) -> EndedBy | None:
        """Why the coached session is over (the person ended it, or the plan is done), or None
        while it goes on. The pain check-in after, summary and end follow on the screen."""
        if self.coach.stage in (Stage.PAIN_AFTER, Stage.SUMMARY, Stage.DONE):
            return "user" if self.coach.end_reason is EndReason.USER else "plan"
        return None

    def _next(self, recorder: Recorder | None) -> _Analysed | EndedBy | None:
        """The next frame analysed, or why the frames ended (None: no frame yet from a source
        that reconnects by itself: it, not this loop, decides when the camera is lost)."""
        link = self.feed.link
        cap = self.feed.get(self.settings.stall_s if link is None
                            else self.settings.link_poll_s)
        if cap is None:
            if self.feed.error is not None:
                raise self.feed.error
            if link is None or self.feed.ended:
                return "camera_lost" if self.feed.live else "source_ended"
            if link.lost:
                self._link_down()
            return None
        self._link_up(cap.frame.t_s)
        return self._analyse(cap, recorder)

    def _frames_overlapped(self, recorder: Recorder | None) -> EndedBy:
        """The model on its own thread; this one draws and shows the newest result (every
        result when the feed drops nothing: the demo, tests) and answers keys."""
        box = _Mailbox(lossless=self.feed.lossless)
        stop = threading.Event()

        def model() -> None:
            try:
                while not stop.is_set():
                    got = self._next(recorder)
                    if got is None:
                        continue             # reconnecting: the notice is drawn below
                    if not isinstance(got, _Analysed):
                        box.finish(got)
                        return
                    box.put(got, stop)
                    with self._lock:
                        if (over := self._session_over()) is not None:
                            box.finish(over)
                            return
                box.finish(None)
            except BaseException as exc:  # noqa: BLE001 - raised again on the loop's thread
                box.finish(None, exc)

        thread = threading.Thread(target=model, name="rocking-model", daemon=True)
        thread.start()
        try:
            while True:
                self.checkpoint()
                done = box.take(0.03)
                if (closed := self._turn(done)) is not None:
                    return closed
                if done is None and box.finished:
                    if box.error is not None:
                        raise box.error
                    return box.ended_by or "source_ended"
        finally:
            stop.set()
            box.wake()
            thread.join(self.settings.stall_s + 2.0)

    def _pain_given(self) -> None:
        """Save what the pain check-in has so far (never lets a failure end the session)."""
        before, after = self.coach.pain
        if self.save_pain is None or (before is None and after is None):
            return
        try:
            self.save_pain(before, after)
        except Exception:   # the session itself is saved: say so and go on
            log.exception("the pain check-in could not be saved")

    def _result(self, ended_by: EndedBy,
                status: Literal["completed", "interrupted"] | None,
                fallback: Path | None, error: BaseException | None = None,
                summary: CoachView | None = None) -> LoopResult:
        if ended_by in ("window_closed", "not_started"):
            self.sound.flush()
            self.display.close()
            self.audio.close()
        return LoopResult(ended_by, status or "not_saved", len(self.coach.reps), self.stats,
                          fallback, error, summary)
