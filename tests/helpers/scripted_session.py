"""Stand-ins for the live loop's edges, for headless tests of a whole session: a fake camera,
an analysis that rocks to a script, an overlay that keeps every line it drew."""

from __future__ import annotations

import time
from collections.abc import Iterator

import numpy as np

from helpers.posture_figures import TABLETOP
from pose.analysis.tabletop import check_tabletop
from pose.estimation.sources import Frame, SourceError
from pose.events import FrameAnalysis, Phase, PostureResult, Rep, Verdict
from pose.record import PoseRecord
from sessions.coach.coach import CoachView
from sessions.coach.overlay import CoachOverlay, TextBox

FPS = 30.0
PERIOD_S = 7.0


def camera(seconds: float, *, fail: bool = False, sleep_s: float = 0.0) -> Iterator[Frame]:
    """A fake camera: small grey frames at 30 fps, each ``sleep_s`` apart in real time (0: as
    fast as they are taken), then it stops (or raises SourceError, with ``fail``)."""
    img = np.full((48, 64, 3), 90, np.uint8)
    for i in range(int(seconds * FPS)):
        if sleep_s:
            time.sleep(sleep_s)
        yield Frame(i, i / FPS, img)
    if fail:
        raise SourceError("camera 0 stopped giving frames")


class ScriptedRocking:
    """In position throughout, calibrated after 1 s; the first rep starts at 8 s (well after
    the countdown ends, about 5 s in) and one ends every PERIOD_S seconds from 15 s. Reps are
    emitted on the first frame at or after their end, so frames dropped by the capture thread
    lose none."""

    def __init__(self, first_rep_start: float = 8.0) -> None:
        self.next_end = first_rep_start + PERIOD_S
        self.index = 0

    def update(self, record: PoseRecord) -> FrameAnalysis:
        t = record.t_s
        rep = None
        if t >= self.next_end:
            self.index += 1
            rep = Rep(self.index, self.next_end - PERIOD_S, self.next_end, PERIOD_S, 4.0, 3.0,
                      0.9, 0.5, 0.1, False)
            self.next_end += PERIOD_S
        calibrated = t >= 1.0
        return FrameAnalysis(t, PostureResult(Verdict.ON_ALL_FOURS, {}, "ok"),
                             Phase.STILL if calibrated else Phase.CALIBRATING, calibrated,
                             0.5 * (1 - np.cos(2 * np.pi * t / PERIOD_S)), 0.1, rep,
                             start=check_tabletop(TABLETOP), facing=1.0)

    def finish(self) -> Rep | None:
        return None


class TextsShown(CoachOverlay):
    """Draws as usual and keeps every line of text drawn."""

    def __init__(self) -> None:
        super().__init__()
        self.texts: list[str] = []

    def draw(self, img: np.ndarray, view: CoachView) -> list[TextBox]:
        boxes = super().draw(img, view)
        self.texts += [b.text for b in boxes]
        return boxes
