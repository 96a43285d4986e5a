"""Crash safety: a `rocking analyze` run killed mid-way keeps its reps and shows as interrupted.

Runs the real console script on a shared rocking clip, waits (reading the database from this
process) until at least one rep is committed, then kills it: SIGKILL (nothing can clean up; the
next open recovers the session) or SIGINT (Ctrl-C: the run marks the session itself).
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from helpers.media import write_video
from helpers.paths import REALDATA_DIR, ROCKING

from sessions.history.store import SessionStore

REALDATA = REALDATA_DIR
CLIP = REALDATA / "video" / "rock06_long10_prozhekt.mp4"  # 10 reps of 5.5 s, about a minute

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not CLIP.exists(), reason=f"shared rocking clip {CLIP} not present"),
]


def committed_reps(db: Path) -> int:
    """Reps visible to another connection (0 while the file or its tables do not exist yet)."""
    if not db.exists():
        return 0
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1.0)
    try:
        return int(conn.execute("SELECT count(*) FROM reps").fetchone()[0])
    except sqlite3.OperationalError:
        return 0
    finally:
        conn.close()


def run_until_first_rep(db: Path) -> tuple[subprocess.Popen[bytes], int]:
    proc = subprocess.Popen([*ROCKING, "analyze", str(CLIP), "--json", "-q", "--people", "1",
                             "--db", str(db)], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        seen = committed_reps(db)
        if seen >= 1:
            return proc, seen
        if proc.poll() is not None:
            _out, err = proc.communicate()
            pytest.fail(f"rocking analyze ended (code {proc.returncode}) before a rep was "
                        f"saved: {err.decode()[-500:]}")
        time.sleep(0.1)
    proc.kill()
    proc.wait()
    pytest.fail("no rep was saved within 240 s")


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGINT], ids=["SIGKILL", "SIGINT"])
def test_killed_analyze_keeps_reps_and_is_interrupted(tmp_path: Path, sig: int) -> None:
    db = tmp_path / "history.db"
    proc, seen = run_until_first_rep(db)
    os.kill(proc.pid, sig)
    _out, err = proc.communicate(timeout=60)
    assert proc.returncode != 0
    if sig == signal.SIGINT:
        assert "Traceback" not in err.decode()
    with SessionStore.open(db) as store:
        assert store.connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        sessions = store.sessions()
        assert len(sessions) == 1
        row = sessions[0]
        assert row.status == "interrupted"
        assert row.meta.source == "video" and row.meta.source_detail.endswith(CLIP.name)
        # SIGKILL: the next open found the owner dead; SIGINT: the run marked it itself
        assert store.recovered == ([row.id] if sig == signal.SIGKILL else [])
        reps = store.reps(row.id)
        assert len(reps) >= seen
        assert all(r.period_s > 0 and r.end_s > r.start_s for r in reps)
        assert len(reps) < 10 + 2  # it really was stopped mid-run (the clip has 10 reps)
        if sig == signal.SIGINT:   # and the person is told where it is
            assert f"saved as session {row.id} (interrupted)" in err.decode()
        assert store.samples(row.id)  # the series up to about the last second is there too


def first_seconds(clip: Path, seconds: float, out: Path) -> Path:
    """The first seconds of a clip, written to a temporary file (the shared clip stays put)."""
    import cv2

    cap = cv2.VideoCapture(str(clip))
    fps = cap.get(cv2.CAP_PROP_FPS)

    def frames() -> Iterator[np.ndarray]:
        for _ in range(int(seconds * fps)):
            ok, frame = cap.read()
            assert ok
            yield frame

    try:
        return write_video(out, frames(), fps)
    finally:
        cap.release()


def test_completed_analyze_is_saved(tmp_path: Path) -> None:
    """A whole (short) run, for comparison: completed, its session id in the JSON report."""
    import json

    db = tmp_path / "history.db"
    # the first 12 s of a steady clip: two 5 s reps after the start position
    short = first_seconds(REALDATA / "video" / "rock01_steady_prozhekt2.mp4", 12.0,
                          tmp_path / "short.mp4")
    proc = subprocess.run([*ROCKING, "analyze", str(short), "--json", "-q", "--people", "1",
                           "--db", str(db)], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    with SessionStore.open(db) as store:
        row = store.session(report["session_id"])
        assert row is not None and row.status == "completed"
        assert row.meta.settings["thresholds"]  # the thresholds in force are kept
        full = [r for r in store.reps(row.id) if not r.partial]
        assert len(full) == report["rep_count"] >= 1
        assert [round(r.period_s, 3) for r in full] == [r["period_s"] for r in report["reps"]]


@pytest.mark.parametrize(("extra", "saved"), [((), False), (("--save",), True),
                                               (("--no-save",), False)])
def test_image_run_saved_only_with_save(tmp_path: Path, extra: tuple[str, ...],
                                        saved: bool) -> None:
    """A photo is a posture check, not an exercise session: saved only when asked."""
    import json

    db = tmp_path / "history.db"
    photo = next((REALDATA / "images").glob("*.jpg"))
    proc = subprocess.run([*ROCKING, "analyze", str(photo), "--json", *extra,
                           "--db", str(db)], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    sid = json.loads(proc.stdout)["session_id"]
    assert db.exists() == saved
    if saved:
        with SessionStore.open(db) as store:
            row = store.session(sid)
            assert row is not None and row.meta.source == "image" and row.status == "completed"
    else:
        assert sid is None
