"""What the reliability checks cost: `rocking import` of a one-hour session (every field checked,
one transaction) and the private writer (temporary file, fsync, rename) against a plain write.

    .venv/bin/python benchmarks/bench_import.py
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from timing import best_of

from pose.events import Fault, MovementWarning, Phase, Rep, Verdict, WarningKind
from sessions.history.recorder import read_fallback
from sessions.history.store import (
    JSON_FORMAT,
    PostureEvent,
    Sample,
    SessionData,
    SessionMeta,
    SessionRow,
    SessionStore,
    session_to_json,
)
from sessions.output.private_files import write_private_bytes


def one_hour_session() -> SessionData:
    """A fallback file's worth: 18,000 samples (5 a second), 514 reps, 60 warnings."""
    meta = SessionMeta(source="camera", source_detail="0", target_reps=500, target_period_s=7.0,
                       started_at=1_764_000_000.0)
    row = SessionRow(1, meta, 1_764_000_000.0, 1_764_003_600.0, "completed")
    reps = [Rep(i, i * 7.0, i * 7.0 + 6.5, 6.5, 3.5, 3.0, 0.8, 0.5, 0.1, forceful=i % 9 == 0)
            for i in range(514)]
    warns = [MovementWarning(i * 60.0, WarningKind.TOO_FAST, "Slow down", 1.4, 1.0)
             for i in range(60)]
    posture = [PostureEvent(i * 120.0, Verdict.ON_ALL_FOURS, {Fault.HAND_LIFTED: False})
               for i in range(30)]
    samples = [Sample(i * 0.2, 0.5, 0.1, str(Phase.BACK), str(Verdict.ON_ALL_FOURS), 0.5,
                      ("too_fast",)) for i in range(18_000)]
    return SessionData(row, reps, warns, posture, samples)


def main() -> int:
    load = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        path = folder / "rocking-session.json"
        doc = {"format": JSON_FORMAT, "format_version": 1,
               "session": session_to_json(one_hour_session())}
        path.write_text(json.dumps(doc))
        size_mb = path.stat().st_size / 2**20
        check = best_of(lambda: read_fallback(path))
        plain = best_of(lambda: json.loads(path.read_text()))
        n = [0]

        def import_once() -> None:
            n[0] += 1
            with SessionStore.open(folder / f"import{n[0]}.db") as store:
                store.import_session(read_fallback(path).data)

        whole = best_of(import_once, 3)
        data = path.read_bytes()
        target = folder / "export.json"
        private = best_of(lambda: write_private_bytes(target, data))
        bare = best_of(lambda: (folder / "plain.json").write_bytes(data))
    print(f"load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f} (2 cores)")
    print(f"one-hour fallback file: {size_mb:.1f} MB")
    print(f"  read and check every field: {check * 1000:.0f} ms "
          f"(json.loads alone: {plain * 1000:.0f} ms)")
    print(f"  whole import into a new database (one transaction): {whole * 1000:.0f} ms")
    print(f"private write of it (temp, fsync, rename): {private * 1000:.1f} ms; "
          f"plain write without fsync: {bare * 1000:.1f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
