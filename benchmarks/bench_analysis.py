"""Analysis cost per frame (posture + rocking + reps + warnings), against the pose model's ~16 ms.

Run: .venv/bin/python benchmarks/bench_analysis.py [--minutes M]
Feeds a simulated session (breath-led rocking with a forceful stretch, landmark jitter, dropped
frames) through MovementAnalyzer and reports the time per frame, and how it holds over a long
session (the analyser keeps no history, so the last minute must cost what the first did).
"""

from __future__ import annotations

import argparse
import statistics
import time

from pose.analysis.analyzer import MovementAnalyzer
from pose.simulate import Hold, Plan, Rock, simulate

MODEL_MS = 16.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=5.0, help="simulated session length")
    args = parser.parse_args()
    block = (Rock(4, period_s=6.0, back_share=0.67), Rock(2, period_s=1.5), Hold(2.0))
    seconds_per_block = 4 * 6.0 + 2 * 1.5 + 2.0
    n_blocks = max(1, round(args.minutes * 60 / seconds_per_block))
    plan = Plan((Hold(2.0), *block * n_blocks), noise=0.01, drop_rate=0.02, heading_deg=180)
    records = simulate(plan, fps=30, seed=0).records
    analyzer = MovementAnalyzer()
    times = []
    for rec in records:
        t0 = time.perf_counter()
        analyzer.update(rec)
        times.append((time.perf_counter() - t0) * 1000.0)
    n = len(times)
    minute = min(1800, n // 2)
    first, last = times[:minute], times[-minute:]
    p95 = sorted(times)[int(0.95 * n)]
    print(f"frames: {n} ({n / 30 / 60:.1f} min at 30 fps), reps counted: {analyzer.reps.count}")
    print(f"analysis per frame: mean {statistics.fmean(times):.3f} ms, "
          f"median {statistics.median(times):.3f} ms, p95 {p95:.3f} ms, max {max(times):.2f} ms")
    print(f"first minute mean {statistics.fmean(first):.3f} ms, "
          f"last minute mean {statistics.fmean(last):.3f} ms")
    print(f"share of the pose model's ~{MODEL_MS:.0f} ms: "
          f"{100 * statistics.fmean(times) / MODEL_MS:.1f}%")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
