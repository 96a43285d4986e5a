"""The camera picture in the live canvas keeps its true proportions (4:3, 16:9, portrait), in the
placement itself and in a whole recorded session."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

import cv2
import numpy as np
import pytest

from pose.analysis.analyzer import MovementAnalyzer
from pose.estimation.sources import Frame
from pose.record import PoseRecord
from sessions.coach.canvas import Letterbox, fit
from sessions.coach.coach import Coach, CoachSettings
from sessions.coach.displays import VideoDisplay
from sessions.coach.frame_feed import DirectFeed
from sessions.coach.live_loop import LoopSettings, SessionLoop
from sessions.coach.plan import Plan

MAGENTA = (255, 0, 255)


@pytest.mark.parametrize(
    ("src", "canvas", "expected"),
    [((640, 480), (1280, 720), (160, 0, 960, 720)),      # 4:3 webcam: pillarboxed
     ((1280, 720), (1280, 720), (0, 0, 1280, 720)),      # 16:9: fills it
     ((1920, 1080), (1280, 720), (0, 0, 1280, 720)),
     ((720, 1280), (1280, 720), (437, 0, 405, 720)),     # portrait phone
     ((1280, 480), (1280, 720), (0, 120, 1280, 480))],   # wider than the canvas: letterboxed
)
def test_fit_keeps_the_aspect_ratio(src: tuple[int, int], canvas: tuple[int, int],
                                    expected: tuple[int, int, int, int]) -> None:
    p = fit(src, canvas)
    assert (p.x, p.y, p.w, p.h) == expected
    assert p.w / p.h == pytest.approx(src[0] / src[1], rel=0.01)


def test_compose_puts_the_picture_in_the_middle_with_bars() -> None:
    img = np.full((480, 640, 3), 200, np.uint8)
    canvas, p = Letterbox((1280, 720)).compose(img)
    assert canvas.shape == (720, 1280, 3)
    assert (canvas[:, :p.x] == 0).all() and (canvas[:, p.x + p.w:] == 0).all()
    assert (canvas[:, p.x:p.x + p.w] == 200).all()
    same, q = Letterbox((640, 480)).compose(img)
    assert q.identity and same is not img and (same == img).all()


def circle_picture(w: int, h: int) -> np.ndarray:
    """A grey picture with a magenta circle in the middle: round only if not stretched."""
    img = np.full((h, w, 3), 70, np.uint8)
    cv2.circle(img, (w // 2, h // 2), min(w, h) // 4, MAGENTA, cv2.FILLED)
    return img


def magenta_box(img: np.ndarray) -> tuple[int, int]:
    """Width and height of the magenta area (tolerant of video compression)."""
    b, g, r = (img[..., i].astype(int) for i in range(3))
    mask = (b > 170) & (r > 170) & (g < 90)
    ys, xs = np.nonzero(mask)
    assert len(xs) > 50, "the circle is not in the picture"
    return int(xs.max() - xs.min() + 1), int(ys.max() - ys.min() + 1)


@pytest.mark.parametrize("size", [(320, 240), (320, 180), (180, 320)],
                         ids=["4:3", "16:9", "portrait"])
def test_a_recorded_session_keeps_the_camera_picture_round(size: tuple[int, int],
                                                           tmp_path: Path) -> None:
    w, h = size
    img = circle_picture(w, h)
    frames = [Frame(i, i / 30.0, img) for i in range(30)]
    out = tmp_path / "rec.mp4"
    display = VideoDisplay(out, 30.0)
    loop = SessionLoop(
        feed=DirectFeed(frames), estimate=lambda f: PoseRecord.empty(f.t_s, w, h),
        analyzer=MovementAnalyzer(),
        coach=Coach(Plan(), CoachSettings(summary_hold_s=0.1)), display=display,
        canvas_size=(640, 360), settings=LoopSettings(safety_s=0.1, summary_s=0.1))
    loop.run()
    cap = cv2.VideoCapture(str(out))
    pictures = []
    while True:
        ok, frame = cap.read()
        if not ok:
            break
        pictures.append(frame)
    cap.release()
    assert pictures and pictures[0].shape == (360, 640, 3)
    # a frame of the set-up stage (after the dimmed safety screen)
    bw, bh = magenta_box(pictures[len(pictures) // 2])
    assert bw / bh == pytest.approx(1.0, abs=0.08), (bw, bh)


class FakeCapture:
    """A webcam through OpenCV that only does 640x480 at 30 fps, whatever it is asked for."""

    asked: ClassVar[dict[int, float]] = {}

    def __init__(self, index: int) -> None:
        self.index, self.left = index, 3

    def isOpened(self) -> bool:
        return True

    def set(self, prop: int, value: float) -> bool:
        FakeCapture.asked[prop] = value
        return True

    def get(self, prop: int) -> float:
        return {cv2.CAP_PROP_FRAME_WIDTH: 640.0, cv2.CAP_PROP_FRAME_HEIGHT: 480.0,
                cv2.CAP_PROP_FPS: 30.0}.get(prop, 0.0)

    def read(self) -> tuple[bool, np.ndarray | None]:
        self.left -= 1
        return (True, circle_picture(640, 480)) if self.left >= 0 else (False, None)

    def release(self) -> None:
        pass


def test_the_camera_is_asked_for_1280x720_at_30_and_what_it_gives_is_kept_in_proportion(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from pose.estimation import sources
    from sessions.cli.live import camera_source

    FakeCapture.asked = {}
    monkeypatch.setattr(sources.cv2, "VideoCapture", FakeCapture)
    frames = list(camera_source(0))
    assert FakeCapture.asked == {cv2.CAP_PROP_FRAME_WIDTH: 1280, cv2.CAP_PROP_FRAME_HEIGHT: 720,
                                 cv2.CAP_PROP_FPS: 30.0}
    assert [f.bgr.shape for f in frames] == [(480, 640, 3)] * 3      # what it gives
    canvas, p = Letterbox().compose(frames[0].bgr)
    assert canvas.shape == (720, 1280, 3) and (p.x, p.w, p.h) == (160, 960, 720)
    bw, bh = magenta_box(canvas)
    assert bw / bh == pytest.approx(1.0, abs=0.03)
