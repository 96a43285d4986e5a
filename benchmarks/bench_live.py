"""What the live session costs a frame, and the frame rate and frame-to-cue delay it achieves.

    .venv/bin/python benchmarks/bench_live.py [--clip CLIP.mp4] [--frames N]
                                              [--display video|window|none] [--skip-costs]

1. Per-frame cost of everything the live loop adds to the pose model (analysis, coach, drawing
   the skeleton and the overlay, writing the video), on simulated records, at 640x480 and
   1280x720.
2. The whole loop as if live on a clip (default: the first shared clip, when present), at
   640x480 and at 1280x720 input (the clip scaled, as a webcam asked for 1280x720 gives it):
   frames arrive at the clip's own rate on the capture thread, the full model runs, stale frames
   are dropped; once with everything on one thread and once with the model on its own thread
   overlapping the drawing and display (newest result wins). It reports frames analysed and
   shown a second and the frame-to-cue delay. The machine's load average is printed with it:
   on a shared machine the figures move with it.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pose import simulate as sim  # noqa: E402
from pose.analysis.analyzer import MovementAnalyzer  # noqa: E402
from pose.estimation.sources import Frame  # noqa: E402
from sessions.coach.coach import Coach, Command  # noqa: E402
from sessions.coach.displays import KeylessDisplay, VideoDisplay  # noqa: E402
from sessions.coach.overlay import CoachOverlay  # noqa: E402
from sessions.coach.skeleton import draw_skeleton  # noqa: E402

CLIP = ROOT.parent / "shared" / "realdata" / "video" / "rock01_steady_prozhekt2.mp4"


def per_frame_costs(n: int, width: int, height: int) -> dict[str, float]:
    """Median milliseconds a frame of each stage, on a simulated rocking session."""
    plan = sim.Plan(steps=(sim.Hold(3.0), sim.Rock(reps=20, period_s=6.0)), width=width,
                    height=height, noise=0.003)
    records = [rec for rec, _ in sim.iter_records(plan, 30.0)][:n]
    analyzer, coach, overlay = MovementAnalyzer(), Coach(), CoachOverlay()
    coach.command(Command.CONTINUE)
    times: dict[str, list[float]] = {k: [] for k in ("analysis", "coach", "draw", "write")}
    with tempfile.TemporaryDirectory() as tmp:
        display = VideoDisplay(Path(tmp) / "bench.mp4")
        background = np.full((height, width, 3), 90, np.uint8)
        for rec in records:
            t0 = time.perf_counter()
            fa = analyzer.update(rec)
            t1 = time.perf_counter()
            view = coach.update(rec.t_s, fa)
            t2 = time.perf_counter()
            img = background.copy()
            draw_skeleton(img, rec)
            overlay.draw(img, view)
            t3 = time.perf_counter()
            display.show(img, rec.t_s)
            t4 = time.perf_counter()
            for key, a, b in (("analysis", t0, t1), ("coach", t1, t2), ("draw", t2, t3),
                              ("write", t3, t4)):
                times[key].append((b - a) * 1000.0)
        display.close()
    return {k: float(np.median(v[10:])) for k, v in times.items()}


def scaled_clip(clip: Path, size: tuple[int, int], folder: Path) -> Path:
    """``clip`` resized to ``size`` (w, h), written to ``folder`` (the shared clips are 640x480;
    a 1280x720 camera gives the model and the loop bigger pictures)."""
    import cv2

    cap = cv2.VideoCapture(str(clip))
    fps = cap.get(cv2.CAP_PROP_FPS) or 30.0
    out = folder / f"{clip.stem}-{size[0]}x{size[1]}.mp4"
    writer = cv2.VideoWriter(str(out), cv2.VideoWriter.fourcc(*"mp4v"), fps, size)
    while True:
        ok, frame = cap.read()
        if not ok:
            break
        writer.write(cv2.resize(frame, size, interpolation=cv2.INTER_LINEAR))
    cap.release()
    writer.release()
    return out


def faster(source: Iterable[Frame], speed: float) -> Iterator[Frame]:
    """The frames with their timestamps divided by ``speed`` (paced, they come faster)."""
    for frame in source:
        yield Frame(frame.index, frame.t_s / speed, frame.bgr)


def live_on_clip(clip: Path, display_kind: str, overlap: bool, speed: float = 1.0) -> str:
    """Run the live loop as if live on ``clip`` (nothing saved); the stats line."""
    from pose.estimation import model_files
    from pose.estimation.estimator import PoseEstimator
    from pose.estimation.sources import VideoFileSource
    from sessions.coach.coach import CoachSettings
    from sessions.coach.displays import Display, WindowDisplay
    from sessions.coach.frame_feed import LatestFrameGrabber
    from sessions.coach.live_loop import LoopSettings, SessionLoop

    source = VideoFileSource(clip)
    with tempfile.TemporaryDirectory() as tmp, \
            PoseEstimator(model_files.resolve("full"), max_people=1) as estimator:
        display: Display
        if display_kind == "window":
            display = WindowDisplay("rocking-bench")
        elif display_kind == "video":
            display = VideoDisplay(Path(tmp) / "live.mp4", source.fps)
        else:
            display = KeylessDisplay()   # shows nothing: the loop's own cost
        loop = SessionLoop(
            feed=LatestFrameGrabber(faster(source, speed), live=False, paced=True, gated=True),
            estimate=estimator.process, analyzer=MovementAnalyzer(),
            coach=Coach(settings=CoachSettings(summary_hold_s=1.0)),
            display=display, draw_pose=draw_skeleton,
            settings=LoopSettings(safety_s=0.5, summary_s=0.5, summary_max_s=0.5,
                                  auto_continue=True, overlap=overlap))
        return loop.run().stats.line()


def main() -> int:
    import os

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clip", type=Path, default=CLIP if CLIP.exists() else None)
    parser.add_argument("--frames", type=int, default=600)
    parser.add_argument("--display", choices=("video", "window", "none"), default="video",
                        help="where the as-if-live run shows its pictures (window: needs a "
                        "DISPLAY; none: drawn, not shown)")
    parser.add_argument("--skip-costs", action="store_true", help="only the as-if-live runs")
    parser.add_argument("--speed", type=float, default=1.0,
                        help="play the clip this many times faster than recorded (2: a 60 fps "
                        "camera), to see how many frames a second the loop can take")
    args = parser.parse_args()
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    if not args.skip_costs:
        for width, height in ((640, 480), (1280, 720)):
            costs = per_frame_costs(args.frames, width, height)
            print(f"{width}x{height}, ms a frame (median): "
                  + ", ".join(f"{k} {v:.2f}" for k, v in costs.items())
                  + f"; total {sum(costs.values()):.2f}")
    if args.clip is None:
        print("no clip given and the shared clips are absent: skipping the as-if-live run")
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        for size in ((640, 480), (1280, 720)):
            clip = scaled_clip(args.clip, size, Path(tmp))
            for overlap in (False, True):
                line = live_on_clip(clip, args.display, overlap, args.speed)
                how = "as if live" + (f" at {args.speed:g}x speed" if args.speed != 1 else "")
                print(f"{how}, {size[0]}x{size[1]} input, display {args.display}, "
                      f"{'model and drawing overlapped' if overlap else 'one thread'}: "
                      f"{line}; load average {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
