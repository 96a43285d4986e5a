"""The demo: a simulated body coached through a whole session, drawn as a labelled stick figure.

The body (``pose.simulate``) steps into view, gets down on hands and knees and holds still until
the coach has calibrated and counted down; then it rocks in time with the pacer, rocks too fast
for a stretch (setting off the warnings), settles again, and the session ends at its target.
Nothing here pretends to be a camera image: the figure is drawn plainly and labelled SIMULATED.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import TYPE_CHECKING

import cv2
import numpy as np
from numpy.typing import NDArray

from pose import simulate as sim
from pose.estimation.sources import Frame
from pose.record import PoseRecord
from sessions.coach.coach import Coach, CoachSettings, Stage
from sessions.coach.plan import Plan, Tempo
from sessions.coach.skeleton import draw_skeleton

if TYPE_CHECKING:
    from sessions.coach.audio import AudioPlayer
    from sessions.coach.displays import Display
    from sessions.coach.live_loop import Recorder, SessionLoop
    from sessions.coach.overlay import CoachOverlay
    from sessions.coach.voice import SoundOptions

log = logging.getLogger(__name__)

WIDTH, HEIGHT, FPS = 1280, 720, 30.0
DEMO_TEMPO = Tempo(4.0, 3.0)
DEMO_TARGET_REPS = 8
BACK_SHARE = DEMO_TEMPO.back_s / DEMO_TEMPO.period_s

# Before rocking: out of view, then down onto hands and knees, then still (as long as needed).
SETUP_PLAN = sim.Plan(steps=(sim.Away(2.0), sim.GetIntoPosition(3.0), sim.Hold(60.0)),
                      width=WIDTH, height=HEIGHT, noise=0.003)
# From the end of the countdown: steady with the pacer, too fast, then steady to the target.
ROCKING_PLAN = sim.Plan(
    steps=(sim.Rock(3, period_s=DEMO_TEMPO.period_s, depth=0.8, back_share=BACK_SHARE),
           sim.Rock(3, period_s=1.6, depth=0.85, back_share=0.5),
           sim.Hold(2.0),
           sim.Rock(3, period_s=DEMO_TEMPO.period_s, depth=0.8, back_share=BACK_SHARE),
           sim.Hold(10.0)),
    width=WIDTH, height=HEIGHT, noise=0.003)

BGRImage = NDArray[np.uint8]
# Drawing: the simulated camera puts the floor near the bottom; show the figure larger, higher.
DISPLAY_ZOOM, SIM_FLOOR_Y, SHOWN_FLOOR_Y = 1.1, 0.93, 0.76
# The figure's area: below the heading (the instructions, or the warning banner) and above the
# floor line; a standing figure is shrunk about its feet to fit (kneeling, it already does).
FIGURE_TOP_Y = 0.27


class SimulatedBody:
    """Frames of the simulated body that follow the coach: it holds the start position until
    the countdown ends, then rocks. ``estimate`` gives each frame's record (no pose model)."""

    def __init__(self, coach: Coach, paced: bool = False, seed: int = 0,
                 camera_size: tuple[int, int] = (WIDTH, HEIGHT)) -> None:
        self.coach = coach
        self.paced = paced
        self.seed = seed
        self.camera_size = camera_size     # the simulated camera's picture (w, h)
        self._records: dict[int, PoseRecord] = {}

    def _plan(self, plan: sim.Plan) -> sim.Plan:
        w, h = self.camera_size
        return replace(plan, width=w, height=h)

    def _records_stream(self) -> Iterator[PoseRecord]:
        t_last = 0.0
        for rec, _ in sim.iter_records(self._plan(SETUP_PLAN), FPS, self.seed):
            t_last = rec.t_s
            yield rec
            if self.coach.stage is not Stage.SETUP and self.coach.stage not in (
                    Stage.SAFETY, Stage.START_POSITION, Stage.COUNTDOWN):
                break
        offset = t_last + 1.0 / FPS
        for rec, _ in sim.iter_records(self._plan(ROCKING_PLAN), FPS, self.seed + 1):
            if self.coach.stage in (Stage.SUMMARY, Stage.DONE):
                return
            yield PoseRecord(rec.t_s + offset, rec.width, rec.height, rec.image,
                             rec.visibility, rec.world)

    def frames(self) -> Iterator[Frame]:
        """Rendered frames, in real time when ``paced`` (a window), else as fast as possible."""
        start = time.monotonic()
        for i, rec in enumerate(self._records_stream()):
            self._records = {i: rec}
            if self.paced:
                delay = start + rec.t_s - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
            yield Frame(i, rec.t_s, render_body(rec))

    def estimate(self, frame: Frame) -> PoseRecord:
        """The record the frame was drawn from."""
        return self._records[frame.index]


def _for_display(record: PoseRecord) -> PoseRecord:
    """The figure enlarged and lifted clear of the pacer bar, and shrunk about its feet when it
    would reach above ``FIGURE_TOP_Y`` (drawing only; the analysis sees the record as
    simulated)."""
    image = record.image.copy()
    image[:, 0] = (image[:, 0] - 0.5) * DISPLAY_ZOOM + 0.5
    image[:, 1] = (image[:, 1] - SIM_FLOOR_Y) * DISPLAY_ZOOM + SHOWN_FLOOR_Y
    drawn = record.seen()    # the transform above keeps what is placed where it was
    if drawn.any():
        top, bottom = float(image[drawn, 1].min()), float(image[drawn, 1].max())
        if top < FIGURE_TOP_Y < bottom:
            k = (bottom - FIGURE_TOP_Y) / (bottom - top)
            cx = float(image[drawn, 0].mean())
            image[:, 0] = cx + (image[:, 0] - cx) * k
            image[:, 1] = bottom + (image[:, 1] - bottom) * k
    return PoseRecord(record.t_s, record.width, record.height, image, record.visibility,
                      record.world)


def render_body(record: PoseRecord, label: str = "SIMULATED") -> BGRImage:
    """The record as a plain stick figure on a plain background, labelled."""
    record = _for_display(record)
    w, h = record.width, record.height
    img = np.empty((h, w, 3), np.uint8)
    img[:] = (58, 50, 44)                                  # plain dark slate
    if record.has_person:
        px = record.pixels()
        floor = np.nanmax(px[[15, 16, 25, 26, 27, 28, 29, 30, 31, 32], 1])
        if np.isfinite(floor):
            y = min(h - 1, round(floor) + max(4, h // 90))
            img[y:] = (74, 66, 58)
            cv2.line(img, (0, y), (w - 1, y), (120, 110, 100), max(1, h // 240))
        draw_skeleton(img, record)
    scale = h / 480.0
    th = max(1, round(2 * scale))
    (tw, _), _ = cv2.getTextSize(label, cv2.FONT_HERSHEY_DUPLEX, 0.8 * scale, th)
    x, y = w - tw - round(14 * scale), round(h * 0.58)
    cv2.putText(img, label, (x, y), cv2.FONT_HERSHEY_DUPLEX, 0.8 * scale, (150, 150, 150), th,
                cv2.LINE_AA)
    return img


DEMO_PLAN = Plan(target_reps=DEMO_TARGET_REPS, target_duration_s=5 * 60.0, tempo=DEMO_TEMPO)


def demo_loop(display: Display, start_recording: Callable[[], Recorder] | None, *,
              paced: bool, audio: AudioPlayer | None = None,
              sound: SoundOptions | None = None,
              overlay: CoachOverlay | None = None,
              camera_size: tuple[int, int] = (WIDTH, HEIGHT)) -> SessionLoop:
    """The demo session's loop: the simulated body (following :data:`DEMO_PLAN`), the real
    analysis, coach and overlay; ``start_recording`` starts the saved session. The simulated
    camera gives ``camera_size`` pictures, shown in proportion in a WIDTH x HEIGHT canvas."""
    from pose.analysis.analyzer import MovementAnalyzer
    from sessions.coach.frame_feed import DirectFeed
    from sessions.coach.live_loop import LoopSettings, SessionLoop

    coach = Coach(DEMO_PLAN, CoachSettings(summary_hold_s=None))
    body = SimulatedBody(coach, paced=paced, camera_size=camera_size)
    return SessionLoop(
        feed=DirectFeed(body.frames()), estimate=body.estimate, analyzer=MovementAnalyzer(),
        coach=coach, display=display, start_recording=start_recording, audio=audio,
        sound=sound, overlay=overlay, canvas_size=(WIDTH, HEIGHT),
        settings=LoopSettings(safety_s=4.0, summary_s=6.0, out_fps=FPS, auto_continue=True))
