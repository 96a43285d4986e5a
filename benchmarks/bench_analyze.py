"""`rocking analyze` against a bare MediaPipe loop on the same files, side by side in one run.

Usage: .venv/bin/python benchmarks/bench_analyze.py [CLIP ...] [--rounds N] [--people N]

For each clip (default: every shared clip in ../shared/realdata/video and video_real) the two
run in turn, ``--rounds`` times each, alternating so machine load hits both alike; each run is a
whole pass over the file with its own model load, wall time:
- bare: OpenCV decode -> BGR to RGB -> ``detect_for_video`` with one person, nothing else;
- analyze: ``rocking analyze CLIP --json -q --no-save`` in this process with its defaults (it
  looks for up to 2 people while (re)acquiring, then tracks one; decodes ahead on a thread;
  estimates a video of 10 s or more in segments, one model a core; runs the movement analysis
  and the report).
Prints per clip the best and median wall time of each, the ratio analyze / bare (best and
median), and the median of the paired ratios (each round's analyze run against the bare run
next to it, which shared machine load hits alike), with the load average before and after: the
machine is shared, so read them together.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import statistics
import sys
import time
from pathlib import Path

import cv2

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pose.estimation import model_files  # noqa: E402
from pose.estimation.native_output import native_stderr_to_log  # noqa: E402
from sessions.cli.main import main as rocking  # noqa: E402

REALDATA = ROOT.parent / "shared" / "realdata"


def bare_s(clip: Path, model: model_files.ModelBytes) -> float:
    """Wall time of the bare loop over the whole clip, model load included."""
    import mediapipe as mp
    from mediapipe.tasks.python import BaseOptions, vision

    start = time.perf_counter()
    options = vision.PoseLandmarkerOptions(
        base_options=BaseOptions(model_asset_buffer=model.data),
        running_mode=vision.RunningMode.VIDEO, num_poses=1)
    with native_stderr_to_log():
        landmarker = vision.PoseLandmarker.create_from_options(options)
    cap = cv2.VideoCapture(str(clip))
    last = -1
    try:
        while True:
            ok, bgr = cap.read()
            if not ok:
                break
            ms = max(round(cap.get(cv2.CAP_PROP_POS_MSEC)), last + 1)
            last = ms
            image = mp.Image(image_format=mp.ImageFormat.SRGB,
                             data=cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
            landmarker.detect_for_video(image, ms)
    finally:
        cap.release()
        with native_stderr_to_log():
            landmarker.close()
    return time.perf_counter() - start


def analyze_s(clip: Path, people: int | None) -> float:
    """Wall time of `rocking analyze CLIP --json -q --no-save` in this process."""
    argv = ["analyze", str(clip), "--json", "-q", "--no-save"]
    if people is not None:
        argv += ["--people", str(people)]
    start = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):
        code = rocking(argv)
    elapsed = time.perf_counter() - start
    if code != 0:
        raise SystemExit(f"rocking analyze {clip} exited {code}")
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("clips", nargs="*", type=Path)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--people", type=int, default=None,
                        help="pass --people N to analyze (default: its own default)")
    opts = parser.parse_args()
    clips = opts.clips or sorted([*REALDATA.glob("video/*.mp4"),
                                  *REALDATA.glob("video_real/*.mp4")])
    if not clips:
        print(f"no clips given and none in {REALDATA}", file=sys.stderr)
        return 1
    model = model_files.resolve("full")
    print(f"load average before: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f}")
    ratios_best, ratios_median, ratios_paired = [], [], []
    for clip in clips:
        bare, whole = [], []
        for i in range(opts.rounds):
            for run in (("bare", "analyze") if i % 2 == 0 else ("analyze", "bare")):
                if run == "bare":
                    bare.append(bare_s(clip, model))
                else:
                    whole.append(analyze_s(clip, opts.people))
        rb, rm = min(whole) / min(bare), statistics.median(whole) / statistics.median(bare)
        rp = statistics.median(w / b for w, b in zip(whole, bare, strict=True))
        ratios_best.append(rb)
        ratios_median.append(rm)
        ratios_paired.append(rp)
        print(f"{clip.name}: bare best {min(bare):.2f} s median {statistics.median(bare):.2f} s; "
              f"analyze best {min(whole):.2f} s median {statistics.median(whole):.2f} s; "
              f"ratio best {rb:.3f}, median {rm:.3f}, paired median {rp:.3f} "
              f"(load {os.getloadavg()[0]:.2f})", flush=True)
    print(f"all clips: ratio analyze / bare, best-of-{opts.rounds}: "
          f"{min(ratios_best):.3f}-{max(ratios_best):.3f} (mean "
          f"{statistics.fmean(ratios_best):.3f}); medians {min(ratios_median):.3f}-"
          f"{max(ratios_median):.3f} (mean {statistics.fmean(ratios_median):.3f}); paired "
          f"medians {min(ratios_paired):.3f}-{max(ratios_paired):.3f} (mean "
          f"{statistics.fmean(ratios_paired):.3f})")
    print(f"load average after: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
