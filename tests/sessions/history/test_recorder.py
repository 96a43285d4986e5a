"""The session recorder: what it commits and when, and the fallback file when the store fails."""

from __future__ import annotations

import itertools
import json
import sqlite3
import stat
from collections.abc import Iterator
from contextlib import nullcontext
from dataclasses import replace
from pathlib import Path

import pytest
from helpers.databases import locked

from pose.events import (
    Fault,
    FrameAnalysis,
    MovementWarning,
    Phase,
    PostureResult,
    Rep,
    Verdict,
    WarningKind,
)
from sessions.history.recorder import SessionRecorder, load_fallback
from sessions.history.store import SessionMeta, SessionStore

FPS = 30.0


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def stream(seconds: float, rep_every_s: float = 5.0) -> Iterator[FrameAnalysis]:
    """A plain synthetic session: in position, a rep every few seconds, a warning in rep 2."""
    n = int(seconds * FPS)
    for i in range(n):
        t = i / FPS
        verdict = Verdict.LIMB_LIFTED if 9.0 <= t < 9.5 else Verdict.ON_ALL_FOURS
        faults = {Fault.HAND_LIFTED: verdict is Verdict.LIMB_LIFTED}
        rep = None
        k = round(t / rep_every_s)
        if k >= 1 and i == round(k * rep_every_s * FPS):
            rep = Rep(k - 1, (k - 1) * rep_every_s, t, rep_every_s, 3.0, 2.0, 0.8, 0.6, 0.1,
                      forceful=False)
        warnings: tuple[MovementWarning, ...] = ()
        if i == round(7.0 * FPS):
            warnings = (MovementWarning(t, WarningKind.TOO_FAST, "Slow down", 2.0, 1.5),)
        yield FrameAnalysis(t, PostureResult(verdict, faults), Phase.BACK, True,
                            depth=0.5, speed=0.1, rep=rep, warnings=warnings,
                            active=frozenset({WarningKind.TOO_FAST}) if warnings else frozenset())


def count(db: Path, table: str) -> int:
    conn = sqlite3.connect(db)
    try:
        return int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
    finally:
        conn.close()


def test_reps_and_warnings_committed_as_they_happen(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    clock = FakeClock()
    with SessionStore.open(db) as store:
        sid = store.start_session(SessionMeta(source="demo"))
        rec = SessionRecorder(store, sid, clock=clock)
        seen_reps = 0
        for fa in stream(16.0):
            clock.now = fa.t_s  # as if live
            rec.update(fa)
            if fa.rep is not None:
                seen_reps += 1
                assert count(db, "reps") == seen_reps  # visible to another connection at once
            if fa.warnings:
                assert count(db, "warnings") == 1
            assert len(rec.samples) <= 6 and len(rec.posture) <= 2  # committed ones let go
        rec.finish("completed")
        data = store.load(sid)
    assert data is not None
    assert data.session.status == "completed"
    assert [r.index for r in data.reps] == [0, 1, 2]
    assert [w.kind for w in data.warnings] == [WarningKind.TOO_FAST]
    # posture changes only: in position, hand lifted, back in position
    assert [p.verdict for p in data.posture] == [Verdict.ON_ALL_FOURS, Verdict.LIMB_LIFTED,
                                                 Verdict.ON_ALL_FOURS]
    assert data.posture[1].faults == {Fault.HAND_LIFTED: True}
    # 5 samples a second, evenly spaced
    times = [s.t_s for s in data.samples]
    assert len(times) == pytest.approx(16 * 5, abs=1)
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert min(gaps) >= 0.2 - 1 / FPS and max(gaps) <= 0.2 + 1 / FPS
    assert data.samples[0].phase == "back" and data.samples[0].verdict == "on_all_fours"


def test_series_batched_about_once_a_second(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    clock = FakeClock()
    with SessionStore.open(db) as store:
        sid = store.start_session(SessionMeta(source="demo"))
        rec = SessionRecorder(store, sid, clock=clock)
        frames = stream(4.0, rep_every_s=100.0)
        for _ in range(15):  # half a second of frames, clock not advanced: nothing written yet
            rec.update(next(frames))
        assert count(db, "samples") == 0
        clock.now = 1.0
        rec.update(next(frames))
        assert count(db, "samples") == 3  # t = 0, 0.2, 0.4 (frames up to 0.5 s)
        rec.finish("completed")
    assert count(db, "samples") == 3


def test_context_manager_marks_interrupted(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    with SessionStore.open(db) as store:
        sid = store.start_session(SessionMeta(source="camera"))
        with pytest.raises(KeyboardInterrupt), SessionRecorder(store, sid) as rec:
            for fa in stream(6.0):
                rec.update(fa)
            raise KeyboardInterrupt
        row = store.session(sid)
        assert row is not None and row.status == "interrupted" and row.ended_at is not None
        assert len(store.reps(sid)) == 1
        with pytest.raises(RuntimeError):
            rec.update(next(stream(1.0)))


def test_store_failure_writes_whole_session_to_fallback(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    with SessionStore.open(db, timeout_s=0.05) as store:
        sid = store.start_session(SessionMeta(source="camera", target_reps=5))
        rec = SessionRecorder(store, sid)
        frames = list(stream(16.0))
        for fa in frames[:200]:  # first rep (t=5 s) reaches the database
            rec.update(fa)
        with locked(db):
            for fa in frames[200:]:
                rec.update(fa)
            path = rec.finish("completed")
        assert len(store.reps(sid)) == 1
    assert path is not None and path.parent == tmp_path and path == rec.fallback_path
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    saved = load_fallback(path)
    assert json.loads(path.read_text())["series_complete"] is True
    assert saved.session.status == "completed"
    assert saved.session.meta.target_reps == 5
    assert len(saved.reps) == 3 and len(saved.warnings) == 1
    assert len(saved.samples) == pytest.approx(80, abs=1)
    # and it imports into a database
    with SessionStore.open(tmp_path / "other.db") as other:
        new = other.import_session(saved)
        back = other.load(new)
    assert back is not None and back.reps == saved.reps and back.samples == saved.samples


def test_load_fallback_refuses_other_json(tmp_path: Path) -> None:
    from sessions.history.store import StoreError

    bad = tmp_path / "x.json"
    bad.write_text('{"hello": 1}')
    with pytest.raises(StoreError, match="not a rocking session file"):
        load_fallback(bad)


def test_unknown_session_refused(tmp_path: Path) -> None:
    with SessionStore.open(tmp_path / "s.db") as store, pytest.raises(ValueError):
        SessionRecorder(store, 42)


class _Step:
    def __init__(self, analysis: FrameAnalysis | None) -> None:
        self.analysis = analysis


@pytest.mark.parametrize(("fail", "status"), [(False, "completed"), (True, "interrupted")])
def test_store_observer_saves_an_analyze_run(tmp_path: Path, fail: bool, status: str) -> None:
    from sessions.history.recorder import StoreObserver

    db = tmp_path / "s.db"
    meta = SessionMeta(source="video", source_detail="clip.mp4", model_variant="full")
    raises = pytest.raises(KeyboardInterrupt) if fail else nullcontext()
    with raises, StoreObserver(db, meta) as obs:
        obs.observe(_Step(None))  # frames before the analysis starts are skipped
        for fa in stream(11.0):
            obs.observe(_Step(fa))
        if fail:
            raise KeyboardInterrupt
    sid = obs.report_fields()["session_id"]
    with SessionStore.open(db) as store:
        row = store.session(sid)
        assert row is not None and row.status == status
        assert row.meta == replace(meta, started_at=row.started_at)
        assert len(store.reps(sid)) == 2


def test_store_observer_without_frames_saves_nothing(tmp_path: Path) -> None:
    from sessions.history.recorder import StoreObserver

    with StoreObserver(tmp_path / "s.db", SessionMeta(source="image")) as obs:
        obs.observe(_Step(None))
    assert obs.report_fields() == {"session_id": None}
    with SessionStore.open(tmp_path / "s.db") as store:
        assert store.sessions() == []


def test_final_rep_outside_a_frame(tmp_path: Path) -> None:
    from sessions.history.recorder import StoreObserver

    last = Rep(7, 40.0, 45.5, 5.5, 3.0, 2.5, 0.7, 0.5, 0.1, False)
    with StoreObserver(tmp_path / "s.db", SessionMeta(source="video")) as obs:
        for fa in stream(6.0):
            obs.observe(_Step(fa))
        obs.add_rep(last)
        assert count(tmp_path / "s.db", "reps") == 2  # committed at once
    with SessionStore.open(tmp_path / "s.db") as store:
        assert store.reps(obs.report_fields()["session_id"])[-1] == last


def with_nobody(frames: Iterator[FrameAnalysis], *spells: tuple[float, float]
                ) -> Iterator[FrameAnalysis]:
    """The same frames, with nobody found during each (start, end) spell."""
    for fa in frames:
        if any(a <= fa.t_s < b for a, b in spells):
            fa = FrameAnalysis(fa.t_s, PostureResult(Verdict.NO_PERSON, {Fault.NO_PERSON: True}),
                               Phase.NO_PERSON, True)
        yield fa


def test_losses_are_saved_as_they_end_and_at_the_end(tmp_path: Path) -> None:
    """Out of view 2 s mid-session (committed when they are found again, as a rep is), a 0.2 s
    miss (not a loss), and out of view when the session ends (closed at its last frame)."""
    from pose.events import Loss

    db = tmp_path / "s.db"
    with SessionStore.open(db) as store:
        sid = store.start_session(SessionMeta(source="camera"))
        rec = SessionRecorder(store, sid, clock=FakeClock())   # the clock never commits
        for fa in with_nobody(stream(16.0), (3.0, 5.0), (8.0, 8.2), (15.0, 16.0)):
            rec.update(fa)
            if 5.0 <= fa.t_s < 8.0:
                assert count(db, "losses") == 1            # committed at once
        assert count(db, "losses") == 1
        rec.finish("interrupted")
        losses = store.losses(sid)
        assert [x for loss in losses for x in (loss.start_s, loss.end_s)] == pytest.approx(
            [3.0, 5.0, 15.0, 16.0 - 1 / FPS])
        assert losses[0].duration_s == pytest.approx(2.0)
        assert store.load(sid).losses == losses                    # type: ignore[union-attr]
        # the posture changes still say "no person" too
        assert Verdict.NO_PERSON in [p.verdict for p in store.posture_events(sid)]
    assert rec.losses == losses and all(isinstance(x, Loss) for x in losses)


def test_losses_reach_the_fallback_file_and_import_back(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    with SessionStore.open(db, timeout_s=0.05) as store:
        sid = store.start_session(SessionMeta(source="camera"))
        rec = SessionRecorder(store, sid)
        with locked(db):
            for fa in with_nobody(stream(12.0), (3.0, 5.5)):
                rec.update(fa)
            path = rec.finish("completed")
    assert path is not None
    saved = load_fallback(path)
    assert [(x.start_s, x.end_s) for x in saved.losses] == [pytest.approx((3.0, 5.5))]
    with SessionStore.open(tmp_path / "other.db") as other:
        back = other.load(other.import_session(saved))
    assert back is not None and back.losses == saved.losses
