"""Time per 640x480 frame: bare MediaPipe `detect_for_video` against the `rocking analyze` pipeline.

Usage: .venv/bin/python benchmarks/bench_pipeline.py [--clip PATH] [--frames N]

All in-process timings use the same decoded frames held in memory, so decoding is not counted,
and leave out the first 10 frames (warm-up):
- bare: `detect_for_video` alone (RGB conversion done beforehand), num_poses 1 and 2;
- analyze loop: `run_pipeline` with the real PoseEstimator (conversion, person choice, PoseRecord)
  and the observers `rocking analyze` builds (movement analysis, saving to a throw-away session
  database, plus the skeleton writer for --out);
  the two run frame by frame in turn, so machine load hits both alike;
- end to end: the `rocking analyze --json -q` console script on the whole clip, wall time per frame
  (includes process start, model load and video decoding).
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pose.estimation import model_files  # noqa: E402
from pose.estimation.estimator import PoseEstimator  # noqa: E402
from pose.estimation.sources import Frame, open_source  # noqa: E402
from sessions.cli.analyze import build_observers, run_pipeline  # noqa: E402
from sessions.cli.main import build_parser  # noqa: E402

WARM_UP = 10  # frames left out of the means (first calls allocate)
DEFAULT_CLIP = ROOT.parent / "shared" / "realdata" / "video" / "rock01_steady_prozhekt2.mp4"


class MemorySource:
    """Pre-decoded frames behind the FrameSource interface."""

    is_still = False

    def __init__(self, frames: list[Frame], fps: float) -> None:
        self.frames = frames
        self.fps = fps
        self.frame_count: int | None = len(frames)
        self.name = "memory"

    def __iter__(self) -> Iterator[Frame]:
        return iter(self.frames)


class OneFrame(MemorySource):
    """One frame, run through on the calling thread: the tool's whole work for a frame, serially
    (`rocking analyze` spreads it over three threads, decoding, the model and the observers:
    bench_analyze.py times that against the bare loop)."""

    is_still = True


def interleaved_ms(frames: list[Frame], fps: float, model: model_files.ModelBytes, people: int,
                   out: Path | None, db: Path) -> tuple[list[float], list[float]]:
    """Per-frame times of bare detect_for_video and of the analyze loop, frame by frame in turn.

    Two landmarkers run side by side (bare MediaPipe, and the tool's PoseEstimator inside
    run_pipeline with the observers `rocking analyze` builds), so both see the same machine load.
    """
    import mediapipe as mp
    from mediapipe.tasks.python import BaseOptions, vision

    from pose.estimation.native_output import native_stderr_to_log

    rgb = [cv2.cvtColor(f.bgr, cv2.COLOR_BGR2RGB) for f in frames]
    options = vision.PoseLandmarkerOptions(
        base_options=BaseOptions(model_asset_buffer=model.data),
        running_mode=vision.RunningMode.VIDEO, num_poses=people)
    argv = ["analyze", "memory", "--people", str(people), "--db", str(db)]
    if out is not None:
        argv += ["--out", str(out)]
    args = build_parser().parse_args(argv)
    bare: list[float] = []
    whole: list[float] = []
    with contextlib.ExitStack() as stack:
        with native_stderr_to_log():
            landmarker = vision.PoseLandmarker.create_from_options(options)

        def close_quietly() -> None:
            with native_stderr_to_log():
                landmarker.close()

        stack.callback(close_quietly)
        observers = build_observers(args, MemorySource(frames, fps), stack)
        estimator = stack.enter_context(PoseEstimator(model, max_people=people))
        for i, frame in enumerate(frames):
            def run_bare(frame: Frame = frame, i: int = i) -> None:
                image = mp.Image(image_format=mp.ImageFormat.SRGB, data=rgb[i])
                start = time.perf_counter()
                with native_stderr_to_log() if i == 0 else contextlib.nullcontext():
                    landmarker.detect_for_video(image, round(frame.t_s * 1000))
                bare.append(1000 * (time.perf_counter() - start))

            def run_whole(frame: Frame = frame) -> None:
                start = time.perf_counter()
                run_pipeline(OneFrame([frame], fps), estimator, observers)
                whole.append(1000 * (time.perf_counter() - start))

            for run in (run_bare, run_whole) if i % 2 else (run_whole, run_bare):
                run()
    return bare[WARM_UP:], whole[WARM_UP:]


def end_to_end_ms(clip: Path, people: int, db: Path) -> tuple[float, int]:
    rocking = Path(sys.executable).with_name("rocking")
    start = time.perf_counter()
    done = subprocess.run([str(rocking), "analyze", str(clip), "--json", "-q", "--db", str(db),
                           "--people", str(people)],
                          capture_output=True, text=True, check=True)
    elapsed = time.perf_counter() - start
    import json

    frames = int(json.loads(done.stdout)["frames"])
    return 1000 * elapsed / frames, frames


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clip", type=Path, default=DEFAULT_CLIP)
    parser.add_argument("--frames", type=int, default=300)
    parser.add_argument("--no-end-to-end", action="store_true")
    opts = parser.parse_args()
    if not opts.clip.is_file():
        print(f"clip not found: {opts.clip}", file=sys.stderr)
        return 1
    source = open_source(opts.clip)
    frames = []
    for frame in source:
        if frame.width != 640 or frame.height != 480:
            frame = Frame(frame.index, frame.t_s,
                          np.asarray(cv2.resize(frame.bgr, (640, 480)), dtype=np.uint8))
        frames.append(frame)
        if len(frames) >= opts.frames:
            break
    model = model_files.resolve("full")
    print(f"{len(frames)} frames of {opts.clip.name}, 640x480, full model, "
          f"{np.__name__} {np.__version__}, cv2 {cv2.__version__}")
    for people in (1, 2):
        for out in (None, "out.mp4"):
            with tempfile.TemporaryDirectory() as tmp:
                bare, whole = interleaved_ms(frames, source.fps, model, people,
                                             Path(tmp) / out if out else None,
                                             Path(tmp) / "history.db")
            extra = [w - b for b, w in zip(bare, whole, strict=True)]
            label = f"people={people}" + (", with --out (skeleton video)" if out else "")
            print(f"{label}: bare detect_for_video median {statistics.median(bare):.1f} ms "
                  f"(mean {statistics.fmean(bare):.1f}); analyze loop median "
                  f"{statistics.median(whole):.1f} ms (mean {statistics.fmean(whole):.1f}); "
                  f"added per frame: median {statistics.median(extra):+.2f} ms")
    if not opts.no_end_to_end:
        for people in (1, 2):
            with tempfile.TemporaryDirectory() as tmp:
                per_frame, n = end_to_end_ms(opts.clip, people, Path(tmp) / "history.db")
            print(f"end to end `rocking analyze --json -q --people {people}` on {n} frames: "
                  f"{per_frame:.1f} ms per frame (wall, incl. start-up and decoding)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
