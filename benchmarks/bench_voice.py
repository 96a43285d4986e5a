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
    configs = (("voice", True, True), ("tones", False, True), ("none", True, False))
    rounds = 3                       # interleaved, so a burst of load hits every configuration
    costs: dict[str, list[float]] = {name: [] for name, _, _ in configs}
    work: dict[str, list[float]] = {name: [] for name, _, _ in configs}
    sounds: dict[str, int] = {}
    print(f"load average {os.getloadavg()[0]:.2f} (1 min) at the start")
    for _ in range(rounds):
        for name, voice, enabled in configs:
            run, c = timed_run(voice, enabled)
            costs[name].extend(c)
            work[name].append(run.loop.stats.percentile(run.loop.stats.work_ms, 50) or 0.0)
            sounds[name] = len(run.log)
    print(f"load average {os.getloadavg()[0]:.2f} (1 min) at the end; {rounds} runs each")
    print(f"{'sound':<8} {'update median ms':>17} {'p99 ms':>8} {'max ms':>8} "
          f"{'loop work/frame ms (median of runs)':>36} {'sounds':>7}")
    for name, _, _ in configs:
        c = costs[name]
        print(f"{name:<8} {np.median(c):>17.4f} {np.percentile(c, 99):>8.3f} {max(c):>8.3f} "
              f"{np.median(work[name]):>36.3f} {sounds[name]:>7}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
