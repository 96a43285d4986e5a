"""Session history at scale: 10,000 sessions and a million samples, in a temporary folder.

Measures what a person waits for: opening the database, the session table (default page and all
10,000 sessions), one session's page (a one-hour session with 18,000 samples), its plot, the same
through the real `rocking review` command, and the recorder's per-frame cost.

    .venv/bin/python benchmarks/bench_store.py [--sessions N] [--samples M]
"""

from __future__ import annotations

import argparse
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from timing import best_of

from pose.events import Fault, FrameAnalysis, Phase, PostureResult, Rep, Verdict
from sessions.history.plots import png_bytes, session_figure
from sessions.history.recorder import SessionRecorder
from sessions.history.review import session_page, summaries
from sessions.history.store import SessionMeta, SessionStore

ROCKING = Path(__file__).resolve().parents[1] / ".venv" / "bin" / "rocking"
BUDGET_S = 1.0


def build(db: Path, n_sessions: int, n_samples: int, seed: int = 1) -> int:
    """Fill the database; return the id of a one-hour session in the middle of the history."""
    rng = random.Random(seed)
    long_samples = 3600 * 5
    per_session = max(1, (n_samples - long_samples) // (n_sessions - 1))
    t_start = time.time() - n_sessions * 3600 * 6
    with SessionStore.open(db) as store:
        c = store.connection
        c.execute("BEGIN")
        long_id = n_sessions // 2
        for i in range(1, n_sessions + 1):
            n = long_samples if i == long_id else per_session
            started = t_start + i * 3600 * 6
            c.execute("INSERT INTO sessions (id, started_at, ended_at, source, source_detail, "
                      "target_reps, target_period_s, target_back_s, target_forward_s, "
                      "settings_json, model_variant, tool_version, status) "
                      "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                      (i, started, started + n / 5, rng.choice(["camera", "demo", "video"]),
                       "0", 10, 7.0, 4.0, 3.0, '{"fast_speed": 1.5}', "full", "0.1.0",
                       rng.choice(["completed"] * 9 + ["interrupted"])))
            n_reps = max(1, int(n / 5 / 7))
            reps = []
            for k in range(n_reps):
                period = rng.gauss(7.0, 1.0)
                reps.append((i, k, k * 7.0, k * 7.0 + period, period, period * 0.57,
                             period * 0.43, rng.uniform(0.6, 1.0), rng.uniform(0.4, 1.2), 0.1,
                             int(period < 4.5), 0, 0.0, 0.0))
            c.executemany("INSERT INTO reps (session_id, rep_index, start_s, end_s, period_s, "
                          "back_s, forward_s, depth, peak_speed, jerk, forceful, partial, "
                          "pause_s, peak_accel) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)", reps)
            c.executemany("INSERT INTO warnings (session_id, t_s, kind, message, value, "
                          "threshold) VALUES (?,?,?,?,?,?)",
                          [(i, rng.uniform(0, n / 5), "too_fast", "Slow down", 2.0, 1.5)
                           for _ in range(rng.randint(0, 3))])
            c.executemany("INSERT INTO samples (session_id, t_s, depth, speed, phase, verdict, "
                          "target, active) VALUES (?,?,?,?,?,?,?,?)",
                          [(i, j / 5, 0.5 + 0.5 * ((j % 35) / 35), 0.2, "back", "on_all_fours",
                            0.5, "") for j in range(n)])
        c.execute("COMMIT")
        total = c.execute("SELECT count(*) FROM samples").fetchone()[0]
        print(f"built {n_sessions} sessions, {total} samples, "
              f"{c.execute('SELECT count(*) FROM reps').fetchone()[0]} reps; "
              f"{db.stat().st_size / 1e6:.0f} MB")
    return long_id


def recorder_cost(db: Path, seconds: float = 600.0,
                  fps: float = 30.0) -> tuple[list[float], list[float]]:
    """Per-frame cost of SessionRecorder.update over a simulated live session (its clock follows
    the session's time, so it commits once a second as it would live): frames that committed,
    frames that did not."""
    now = [0.0]
    with SessionStore.open(db) as store:
        sid = store.start_session(SessionMeta(source="demo"))
        rec = SessionRecorder(store, sid, clock=lambda: now[0])
        committed, plain = [], []
        posture = PostureResult(Verdict.ON_ALL_FOURS, {Fault.HANDS_NOT_UNDER_SHOULDERS: True})
        for i in range(int(seconds * fps)):
            t = i / fps
            now[0] = t
            rep = None
            if i and i % int(7 * fps) == 0:
                rep = Rep(i // int(7 * fps), t - 7, t, 7.0, 4.0, 3.0, 0.8, 0.6, 0.1, False)
            fa = FrameAnalysis(t, posture, Phase.BACK, True, depth=0.5, speed=0.2, rep=rep)
            before = len(rec.samples)
            t0 = time.perf_counter()
            rec.update(fa, target=0.5)
            cost = time.perf_counter() - t0
            (committed if len(rec.samples) < before else plain).append(cost)
        rec.finish("completed")
        store.delete_session(sid)
    return sorted(committed), sorted(plain)


def _describe(costs: list[float]) -> str:
    med = costs[len(costs) // 2]
    p99 = costs[int(len(costs) * 0.99)]
    return (f"{len(costs)} frames: median {med * 1e6:.1f} us, 99th percentile "
            f"{p99 * 1e6:.1f} us, worst {costs[-1] * 1e3:.2f} ms")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=10_000)
    parser.add_argument("--samples", type=int, default=1_000_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.db"
        t0 = time.perf_counter()
        long_id = build(db, args.sessions, args.samples)
        print(f"build: {time.perf_counter() - t0:.1f} s")
        results: list[tuple[str, float, bool]] = []

        def opened() -> None:
            SessionStore.open(db).close()

        results.append(("open the database", best_of(opened), True))
        with SessionStore.open(db) as store:
            results.append(("session table, newest 50",
                            best_of(lambda: summaries(store, limit=50)), True))
            results.append((f"session table, all {args.sessions}",
                            best_of(lambda: summaries(store)), True))
            results.append(("one session's page (1 h, 18,000 samples)",
                            best_of(lambda: session_page(store, long_id)), True))
            page = session_page(store, long_id)
            assert page is not None
            results.append(("its plot (PNG)",
                            best_of(lambda: png_bytes(session_figure(page)), 3), False))
        if ROCKING.exists():
            for label, extra in (("`rocking review` (process, end to end)", []),
                                 ("`rocking review ID` (process, end to end)", [str(long_id)])):
                cmd = [str(ROCKING), "review", *extra, "--db", str(db)]
                results.append((label, best_of(lambda c=cmd: subprocess.run(  # type: ignore[misc]
                    c, check=True, capture_output=True), 3), True))
        for label, secs, budgeted in results:
            verdict = ("ok" if secs < BUDGET_S else "OVER BUDGET") if budgeted else ""
            print(f"{label:<45} {secs * 1000:8.1f} ms  {verdict}")
        committed, plain = recorder_cost(db)
        print("recorder.update over 10 min at 30 fps (commits about once a second):")
        print(f"  frames with a commit:    {_describe(committed)}")
        print(f"  frames without a commit: {_describe(plain)}")
        over = [label for label, secs, b in results if b and secs >= BUDGET_S]
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
