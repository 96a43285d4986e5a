"""What the live session costs a frame, and the frame rate and frame-to-cue delay it achieves.

    .venv/bin/python benchmarks/bench_live.py [--clip CLIP.mp4] [--frames N]

1. Per-frame cost of everything the live loop adds to the pose model (analysis, coach, drawing
   the skeleton and the overlay, writing the video), on simulated records, at 640x480 and
   1280x720.
2. The whole loop as if live on a clip (default: the first shared clip, when present): frames
   arrive at the clip's own rate on the capture thread, the full model runs, stale frames are
   dropped; it reports frames processed a second and the frame-to-cue delay.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pose import simulate as sim  # noqa: E402
from pose.analysis.analyzer import MovementAnalyzer  # noqa: E402
from sessions.coach.coach import Coach, Command  # noqa: E402
from sessions.coach.displays import VideoDisplay  # noqa: E402
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


def live_on_clip(clip: Path) -> str:
    """Run the live loop as if live on ``clip`` (headless, nothing saved); the stats line."""
    from pose.estimation import model_files
    from pose.estimation.estimator import PoseEstimator
    from pose.estimation.sources import VideoFileSource
    from sessions.coach.coach import CoachSettings
    from sessions.coach.frame_feed import LatestFrameGrabber
    from sessions.coach.live_loop import LoopSettings, SessionLoop

    source = VideoFileSource(clip)
    with tempfile.TemporaryDirectory() as tmp, \
            PoseEstimator(model_files.resolve("full"), max_people=1) as estimator:
        loop = SessionLoop(
            feed=LatestFrameGrabber(source, live=False, paced=True, gated=True),
            estimate=estimator.process, analyzer=MovementAnalyzer(),
            coach=Coach(settings=CoachSettings(summary_hold_s=1.0)),
            display=VideoDisplay(Path(tmp) / "live.mp4", source.fps), draw_pose=draw_skeleton,
            settings=LoopSettings(safety_s=0.5, summary_s=0.5))
        return loop.run().stats.line()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clip", type=Path, default=CLIP if CLIP.exists() else None)
    parser.add_argument("--frames", type=int, default=600)
    args = parser.parse_args()
    for width, height in ((640, 480), (1280, 720)):
        costs = per_frame_costs(args.frames, width, height)
        print(f"{width}x{height}, ms a frame (median): "
              + ", ".join(f"{k} {v:.2f}" for k, v in costs.items())
              + f"; total {sum(costs.values()):.2f}")
    if args.clip is None:
        print("no clip given and the shared clips are absent: skipping the as-if-live run")
        return 0
    print(f"as if live on {args.clip.name}: {live_on_clip(args.clip)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
