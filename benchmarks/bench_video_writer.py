"""What recording a session costs a frame: the video writer against OpenCV's mp4v writer.

    .venv/bin/python benchmarks/bench_video_writer.py [--clip CLIP.mp4] [--seconds S]

Frames are the first seconds of a shared clip (read in place; a moving synthetic picture when
the clip is absent), scaled to 640x480 and 1280x720. For each size:
- live: frames handed over at 30 a second, as the live loop does, with a sound every second;
  the time ``write`` takes in the loop (the encoding runs on the writer's thread);
- as fast as possible, as `rocking analyze --out` does: wall time a frame, close included;
- OpenCV's mp4v writer (what the tool used before), as fast as possible, for comparison;
- the file size, as MB a minute.
Always report the machine's load (printed) with a figure: 8 people share these 2 cores.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sessions.output.video_writer import VideoWriter  # noqa: E402

CLIP = ROOT.parent / "shared" / "realdata" / "video" / "rock01_steady_prozhekt2.mp4"
FPS = 30.0


def load_frames(clip: Path, n: int) -> list[np.ndarray]:
    frames: list[np.ndarray] = []
    cap = cv2.VideoCapture(str(clip)) if clip.is_file() else None
    while cap is not None and len(frames) < n:
        ok, img = cap.read()
        if not ok:
            break
        frames.append(img)
    if not frames:                       # no clip here: a moving, textured picture
        rng = np.random.default_rng(0)
        base = rng.integers(0, 255, (480, 640, 3), np.uint8)
        frames = [np.roll(base, 4 * i, axis=1) for i in range(n)]
    return frames


def beep() -> np.ndarray:
    return (0.3 * np.sin(2 * np.pi * 660 * np.arange(4410) / 22050)).astype(np.float32)


def live(frames: list[np.ndarray], path: Path) -> list[float]:
    """Milliseconds each write() takes in the loop when frames come at 30 a second."""
    costs: list[float] = []
    start = time.perf_counter()
    with VideoWriter(path, FPS, audio=True) as video:
        for i, img in enumerate(frames):
            due = start + i / FPS
            delay = due - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            if i % 30 == 0:
                video.add_audio(i / FPS, beep(), 22050)
            t = time.perf_counter()
            video.write(img, i / FPS)
            costs.append((time.perf_counter() - t) * 1000)
    return costs


def flat_out(frames: list[np.ndarray], path: Path) -> float:
    """Milliseconds a frame, writing as fast as possible (close included)."""
    t = time.perf_counter()
    with VideoWriter(path, FPS) as video:
        for img in frames:
            video.write(img)
    return (time.perf_counter() - t) * 1000 / len(frames)


def opencv_mp4v(frames: list[np.ndarray], path: Path) -> float:
    h, w = frames[0].shape[:2]
    t = time.perf_counter()
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"mp4v"), FPS, (w, h))
    for img in frames:
        writer.write(img)
    writer.release()
    return (time.perf_counter() - t) * 1000 / len(frames)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clip", type=Path, default=CLIP)
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args()
    n = round(args.seconds * FPS)
    source = load_frames(args.clip, n)
    print(f"load average {os.getloadavg()[0]:.1f} {os.getloadavg()[1]:.1f} at start; "
          f"{len(source)} frames of {args.clip.name if args.clip.is_file() else 'synthetic'}")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for size in ((640, 480), (1280, 720)):
            frames = [cv2.resize(img, size, interpolation=cv2.INTER_AREA) for img in source]
            costs = np.array(live(frames, folder / "live.mp4")[10:])
            mb_min = (folder / "live.mp4").stat().st_size / 1e6 / (len(frames) / FPS / 60)
            fast = flat_out(frames, folder / "fast.mp4")
            old = opencv_mp4v(frames, folder / "old.mp4")
            print(f"{size[0]}x{size[1]}: write() in a 30 fps loop median {np.median(costs):.2f}"
                  f" ms, 95th percentile {np.percentile(costs, 95):.2f} ms, max "
                  f"{costs.max():.1f} ms; as fast as possible {fast:.2f} ms a frame "
                  f"(OpenCV mp4v {old:.2f} ms); {mb_min:.1f} MB a minute")
    print(f"load average {os.getloadavg()[0]:.1f} at the end")


if __name__ == "__main__":
    main()
