"""Make the README's screenshots with the tool itself: run the demo session (no camera, nothing
saved) and keep the frame a little after the first "too fast" warning, and the summary. The
simulated camera gives 640x480 pictures, as most webcams do: the window shows them in proportion
(bars at the sides), with the coach's text drawn at the window's own 1280x720.

    .venv/bin/python scripts/make_screenshots.py [--out docs]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pose.events import WarningKind  # noqa: E402
from sessions.coach.coach import CoachView, Stage  # noqa: E402
from sessions.coach.demo_body import demo_loop  # noqa: E402
from sessions.coach.displays import KeylessDisplay  # noqa: E402
from sessions.coach.overlay import CoachOverlay, TextBox  # noqa: E402

CAMERA_SIZE = (640, 480)      # a 4:3 webcam
WARNING_DELAY_FRAMES = 6      # a moment after the figures appear: the pacer has moved on


class RememberingOverlay(CoachOverlay):
    """Draws as usual and remembers the view it drew last."""

    last: CoachView | None = None

    def draw(self, img: np.ndarray, view: CoachView) -> list[TextBox]:
        self.last = view
        return super().draw(img, view)


class ScreenshotDisplay(KeylessDisplay):
    """Keeps the two pictures the README shows; shows nothing. It stands for the window (so the
    key hints are drawn), though no key is ever pressed: the demo goes on by itself."""

    interactive = True

    def __init__(self, overlay: RememberingOverlay) -> None:
        self.overlay = overlay
        self.warning: np.ndarray | None = None
        self.summary: np.ndarray | None = None
        self._since_warning: int | None = None

    def show(self, img: np.ndarray, present_s: float) -> None:
        view = self.overlay.last
        if view is None:
            return
        # the first "too fast" banner once it tells the rep's real time, a moment later
        if self.warning is None and view.banner is not None and (
                (view.banner.kind is WarningKind.TOO_FAST
                 and view.banner.detail.startswith("You "))
                or self._since_warning is not None):
            self._since_warning = (self._since_warning or 0) + 1
            if self._since_warning >= WARNING_DELAY_FRAMES:
                self.warning = img.copy()
        if self.summary is None and view.stage is Stage.SUMMARY:
            self.summary = img.copy()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs", help="folder for the PNGs")
    args = parser.parse_args()
    overlay = RememberingOverlay()
    display = ScreenshotDisplay(overlay)
    result = demo_loop(display, None, paced=False, overlay=overlay,
                       camera_size=CAMERA_SIZE).run()
    if display.warning is None or display.summary is None:
        print(f"the demo did not show both screens (ended by {result.ended_by})", file=sys.stderr)
        return 1
    args.out.mkdir(parents=True, exist_ok=True)
    for name, img in (("warning", display.warning), ("summary", display.summary)):
        path = args.out / f"{name}.png"
        cv2.imwrite(str(path), img, [cv2.IMWRITE_PNG_COMPRESSION, 9])
        print(f"wrote {path} ({img.shape[1]}x{img.shape[0]})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
