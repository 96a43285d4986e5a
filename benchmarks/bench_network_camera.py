"""Frame-to-cue delay and frames dropped with a phone as the camera, over a local stream.

    .venv/bin/python benchmarks/bench_network_camera.py [--clip CLIP.mp4] [--fps 30]
                                                         [--reader own|ffmpeg|both]

A local MJPEG server (127.0.0.1, as a phone's webcam app serves) sends the clip's frames at
``--fps``, each stamped with its sequence number in a corner and its send time noted. The whole
live loop reads it through ``NetworkCameraSource``: the full pose model, analysis, coach,
skeleton and overlay, and a headless video display. For every picture that reaches the display
the delay is measured from the moment the server sent that frame (the frame-to-cue delay a
person sees, network and decoding included); frames never shown were dropped as stale (the
newest frame always wins). ``--reader ffmpeg`` reads the same stream with OpenCV's FFmpeg back
end instead of the tool's own MJPEG reader, for comparison.
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
sys.path.insert(0, str(ROOT / "tests"))

from helpers.mjpeg_server import MjpegServer, jpeg  # noqa: E402

from pose.analysis.analyzer import MovementAnalyzer  # noqa: E402
from pose.estimation import model_files  # noqa: E402
from pose.estimation.estimator import PoseEstimator  # noqa: E402
from pose.estimation.network_camera import NetworkCameraSource  # noqa: E402
from pose.estimation.sources import Frame  # noqa: E402
from sessions.coach.coach import Coach, CoachSettings  # noqa: E402
from sessions.coach.displays import VideoDisplay  # noqa: E402
from sessions.coach.frame_feed import LatestFrameGrabber, opened  # noqa: E402
from sessions.coach.live_loop import LoopSettings, SessionLoop  # noqa: E402
from sessions.coach.skeleton import draw_skeleton  # noqa: E402

CLIP = ROOT.parent / "shared" / "realdata" / "video" / "rock01_steady_prozhekt2.mp4"
BITS, CELL = 12, 8          # the sequence number: 12 black/white cells of 8x8 px, top left


def stamp(img: np.ndarray, seq: int) -> None:
    for b in range(BITS):
        img[:CELL, b * CELL:(b + 1) * CELL] = 255 if seq >> b & 1 else 0


def read_stamp(img: np.ndarray) -> int:
    cells = img[1:CELL - 1, :BITS * CELL].reshape(CELL - 2, BITS, CELL, 3)[:, :, 1:-1]
    return sum(1 << b for b, v in enumerate(cells.mean(axis=(0, 2, 3))) if v > 128)


def stamped_clip(path: Path) -> list[bytes]:
    cap = cv2.VideoCapture(str(path))
    out: list[bytes] = []
    while True:
        ok, frame = cap.read()
        if not ok:
            break
        stamp(frame, len(out))
        out.append(jpeg(frame))
    cap.release()
    return out


class TimedDisplay(VideoDisplay):
    """A headless display noting when each analysed frame's picture is shown."""

    def __init__(self, path: Path, fps: float) -> None:
        super().__init__(path, fps)
        self.current: int | None = None
        self.shown: dict[int, float] = {}

    def show(self, img: np.ndarray, present_s: float) -> None:
        super().show(img, present_s)
        if self.current is not None:
            self.shown[self.current] = time.monotonic()
            self.current = None


def run(pictures: list[bytes], fps: float, use_ffmpeg: bool) -> str:
    with MjpegServer(pictures, fps=fps, loop=False) as server, \
            tempfile.TemporaryDirectory() as tmp, \
            PoseEstimator(model_files.resolve("full"), max_people=1) as estimator:
        source = NetworkCameraSource(server.url, give_up_s=0.5, backoff_s=(0.1,),
                                     use_ffmpeg=use_ffmpeg)
        display = TimedDisplay(Path(tmp) / "phone.mp4", fps)
        bad_stamps = 0

        def estimate(frame: Frame) -> object:
            nonlocal bad_stamps
            seq = read_stamp(frame.bgr)
            if seq in display.shown or seq >= len(pictures):
                bad_stamps += 1
            display.current = seq
            return estimator.process(frame)

        feed = LatestFrameGrabber(opened(source), live=True, link=source.link)
        loop = SessionLoop(
            feed=feed, estimate=estimate, analyzer=MovementAnalyzer(),  # type: ignore[arg-type]
            coach=Coach(settings=CoachSettings(summary_hold_s=0.5)), display=display,
            draw_pose=draw_skeleton, settings=LoopSettings(safety_s=0.3, summary_s=0.3))
        loop.run()
        sent = dict(server.sent)
    delays = np.array([(display.shown[s] - sent[s]) * 1000 for s in display.shown if s in sent])
    p50, p90, p95, p99 = np.percentile(delays, [50, 90, 95, 99])
    return (f"{len(sent)} frames sent, {len(delays)} shown, {len(sent) - len(delays)} dropped "
            f"as stale ({100 * (len(sent) - len(delays)) / len(sent):.0f}%), "
            f"{bad_stamps} misread stamps; send-to-screen delay median {p50:.0f} ms, "
            f"90th {p90:.0f}, 95th {p95:.0f}, 99th {p99:.0f}, max {delays.max():.0f} ms")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clip", type=Path, default=CLIP)
    parser.add_argument("--fps", type=float, default=30.0)
    parser.add_argument("--reader", choices=("own", "ffmpeg", "both"), default="both")
    args = parser.parse_args()
    if not args.clip.exists():
        print(f"no clip at {args.clip}: give one with --clip")
        return 1
    pictures = stamped_clip(args.clip)
    for reader in (("own", "ffmpeg") if args.reader == "both" else (args.reader,)):
        load = os.getloadavg()[0]
        line = run(pictures, args.fps, reader == "ffmpeg")
        print(f"{reader} reader, {args.clip.name} at {args.fps:g} fps (load {load:.1f}): {line}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
