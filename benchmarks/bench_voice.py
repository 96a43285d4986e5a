"""What the voice costs the frame loop: the demo session run (without drawing) with the voice,
with tones only and with no sound, timing every SessionSound.update (the speech scheduler and
starting a sound) and the loop's own work per frame.

    .venv/bin/python benchmarks/bench_voice.py
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import sessions.coach.demo_body as demo_body  # noqa: E402
from sessions.coach.demo_sound import DemoSound, render_demo_sound  # noqa: E402
from sessions.coach.speech import Started  # noqa: E402
from sessions.coach.view import CoachView  # noqa: E402
from sessions.coach.voice import SessionSound  # noqa: E402


def timed_run(voice: bool, enabled: bool) -> tuple[DemoSound, list[float]]:
    """The demo with every SessionSound.update timed (milliseconds)."""
    costs: list[float] = []
    update = SessionSound.update

    def timed(self: SessionSound, view: CoachView, present_s: float) -> list[Started]:
        t0 = time.perf_counter()
        out = update(self, view, present_s)
        costs.append((time.perf_counter() - t0) * 1000.0)
        return out

    SessionSound.update = timed  # type: ignore[method-assign]
    try:
        run = render_demo_sound(voice=voice, enabled=enabled, draw=False)
    finally:
        SessionSound.update = update  # type: ignore[method-assign]
    return run, costs


def main() -> int:
    demo_body.render_body = lambda record, label="": np.zeros((72, 128, 3), np.uint8)
    print(f"load average {os.getloadavg()[0]:.2f} (1 min)")
    print(f"{'sound':<10} {'updates':>8} {'update median ms':>17} {'p99 ms':>8} {'max ms':>8} "
          f"{'loop work/frame median ms':>26} {'sounds':>7}")
    for name, voice, enabled in (("voice", True, True), ("tones", False, True),
                                 ("none", True, False)):
        run, costs = timed_run(voice, enabled)
        work = run.loop.stats.percentile(run.loop.stats.work_ms, 50) or 0.0
        print(f"{name:<10} {len(costs):>8} {np.median(costs):>17.4f} "
              f"{np.percentile(costs, 99):>8.3f} {max(costs):>8.3f} {work:>26.3f} "
              f"{len(run.log):>7}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
