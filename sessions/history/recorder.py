"""Saving a session as it happens: the per-frame analysis stream in, the session store out.

    rec = SessionRecorder(store, session_id)   # sessions.history.store opens the store
    for fa in analyses:                            # one FrameAnalysis per frame
        rec.update(fa, target=pacer_depth_or_None)
    rec.finish("completed")                        # or "interrupted"

or, as a context manager that finishes "completed" on a normal exit and "interrupted" on an
exception (Ctrl-C included)::

    with SessionRecorder(store, sid) as rec: ...

What is written, and when:
- every rep, every warning and every loss of the person (out of view ``MIN_LOSS_S`` or more,
  pose.analysis.losses: the rule the analyze report uses) is committed in the frame it arrives
  (crash-safe: after a kill -9 everything up to the last rep is in the database); a loss still
  going when the session finishes ends at its last frame;
- posture changes (verdict or faults differ from the previous frame) and a downsampled series
  (``SAMPLE_HZ``, 5 per second: depth, speed, phase, verdict, pacer target, warnings in
  force) are batched and committed about once a second (``COMMIT_INTERVAL_S``).

``update`` costs a few microseconds on frames that write nothing.

If the database fails mid-session (disk full, file locked for too long...), the session is not
lost: the recorder stops writing to it and saves the session to a JSON file next to the database
(or in the user data folder), logging where; :attr:`SessionRecorder.fallback_path` says it too.
The file holds every rep and warning, and the posture changes and samples the database can still
give back plus those since (``series_complete`` false when it could not read them back).
``rocking import FILE`` puts such a file back into a database.

Memory stays flat: posture changes and samples are let go once committed; only reps and
warnings (a few a minute) are kept for the whole session.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Any, NamedTuple

from pose.analysis.losses import LossTracker
from pose.events import Fault, FrameAnalysis, Loss, MovementWarning, Rep, Verdict
from sessions.history.store import (
    JSON_FORMAT,
    PostureEvent,
    Sample,
    SessionData,
    SessionMeta,
    SessionRow,
    SessionStore,
    Status,
    StoreError,
    default_data_dir,
    session_to_json,
)

log = logging.getLogger(__name__)

#: The series is downsampled to this many samples a second ...
SAMPLE_HZ = 5.0
#: ... and, with the posture changes, committed about this often.
COMMIT_INTERVAL_S = 1.0


class SessionRecorder:
    """Writes one session's reps, warnings, posture changes and a downsampled series."""

    def __init__(self, store: SessionStore, session_id: int, *,
                 clock: Callable[[], float] = time.monotonic) -> None:
        row = store.session(session_id)
        if row is None:
            raise ValueError(f"no session {session_id} in {store.path}")
        self.store = store
        self.session_id = session_id
        self._row = row
        self._dt = 1.0 / SAMPLE_HZ
        self._interval = COMMIT_INTERVAL_S
        self._clock = clock
        self._last_commit = clock()
        self._next_sample_t = float("-inf")
        self._last_posture: tuple[Verdict, tuple[tuple[str, bool], ...]] | None = None
        # All reps and warnings (few, and the heart of a session, kept for the fallback file);
        # posture changes and samples only until they are committed, so memory stays flat.
        self.reps: list[Rep] = []
        self.warnings: list[MovementWarning] = []
        self.losses: list[Loss] = []
        self._loss = LossTracker()
        self.posture: list[PostureEvent] = []
        self.samples: list[Sample] = []
        self._pending = [0, 0, 0]  # reps, warnings and losses already committed
        self._committed: tuple[list[PostureEvent], list[Sample]] | None = None
        self._failed: str | None = None
        self._last_fallback = 0.0
        self._fallback_events = 0
        self.fallback_path: Path | None = None
        self._fallback_current = False  # the last fallback write succeeded
        self.finished: Status | None = None

    # -- per frame
    def update(self, fa: FrameAnalysis, target: float | None = None) -> None:
        """Take one frame's analysis (and the pacer's target depth, when there is a pacer)."""
        if self.finished is not None:
            raise RuntimeError("update() after finish()")
        urgent = False
        if fa.rep is not None:
            self.reps.append(fa.rep)
            urgent = True
        if fa.warnings:
            self.warnings.extend(fa.warnings)
            urgent = True
        loss = self._loss.update(fa.t_s, person=not fa.posture.faults.get(Fault.NO_PERSON))
        if loss is not None:
            self.losses.append(loss)
            urgent = True
        posture = fa.posture
        key = (posture.verdict, tuple(posture.faults.items()))
        if key != self._last_posture:
            self._last_posture = key
            self.posture.append(PostureEvent(fa.t_s, posture.verdict, dict(posture.faults),
                                             posture.message))
        if fa.t_s + 1e-9 >= self._next_sample_t:  # (tolerate float rounding of frame times)
            self.samples.append(Sample(fa.t_s, fa.depth, fa.speed, str(fa.phase),
                                       str(posture.verdict), target,
                                       tuple(sorted(str(k) for k in fa.active))))
            self._next_sample_t += self._dt
            if self._next_sample_t <= fa.t_s:
                self._next_sample_t = fa.t_s + self._dt
        if urgent or self._clock() - self._last_commit >= self._interval:
            self.flush()

    def add_rep(self, rep: Rep) -> None:
        """A rep that completed outside a frame (MovementAnalyzer.finish() at the end of a
        stream); committed at once like the others."""
        if self.finished is not None:
            raise RuntimeError("add_rep() after finish()")
        self.reps.append(rep)
        self.flush()

    def flush(self) -> None:
        """Commit what is pending now (or refresh the fallback file once the store failed)."""
        self._last_commit = self._clock()
        if self._failed is not None:
            if self._last_commit - self._last_fallback >= 10.0 \
                    or self._events() > self._fallback_events:
                self._write_fallback()
            return
        r, w, x = self._pending
        try:
            self.store.append(self.session_id, reps=self.reps[r:], warnings=self.warnings[w:],
                              posture=self.posture, samples=self.samples,
                              losses=self.losses[x:])
        except StoreError as exc:
            self._fail(exc)
            return
        self._pending = [len(self.reps), len(self.warnings), len(self.losses)]
        self.posture.clear()
        self.samples.clear()

    def finish(self, status: Status = "completed") -> Path | None:
        """Commit what is left and close the session; return the fallback file if one was used."""
        if self.finished is not None:
            return self.fallback_path
        loss = self._loss.finish()   # out of view until the end
        if loss is not None:
            self.losses.append(loss)
        self.flush()
        self.finished = status
        ended = time.time()
        if self._failed is None:
            try:
                self.store.finish_session(self.session_id, status, ended)
            except StoreError as exc:
                self._fail(exc)
        if self._failed is not None:
            self._write_fallback(ended_at=ended)
        return self.fallback_path

    @property
    def in_database(self) -> bool:
        """Everything so far is in the database (it has not failed)."""
        return self._failed is None

    @property
    def lost(self) -> bool:
        """The database failed and the latest fallback file could not be written either: the
        session is not saved anywhere, and must never be reported as saved."""
        return self._failed is not None and not self._fallback_current

    def __enter__(self) -> SessionRecorder:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.finish("completed" if exc_type is None else "interrupted")

    # -- failure path
    def _fail(self, exc: StoreError) -> None:
        self._failed = str(exc)
        log.error("could not save to the session database: %s", exc)
        try:  # the series committed before the failure, if the database can still be read
            self._committed = (self.store.posture_events(self.session_id),
                               self.store.samples(self.session_id))
        except StoreError:
            self._committed = None
        self._write_fallback()

    def snapshot(self, ended_at: float | None = None) -> SessionData:
        """The session for the fallback file: all reps, warnings and losses; posture changes and
        samples not yet committed, plus (after a failure) those the database still gave back."""
        row = SessionRow(self.session_id, self._row.meta, self._row.started_at, ended_at,
                         self.finished or "running")
        posture, samples = self._committed or ([], [])
        return SessionData(row, list(self.reps), list(self.warnings), posture + self.posture,
                           samples + self.samples, list(self.losses))

    def _events(self) -> int:
        return len(self.reps) + len(self.warnings) + len(self.losses)

    def _write_fallback(self, ended_at: float | None = None) -> None:
        self._last_fallback = self._clock()
        self._fallback_events = self._events()
        doc: dict[str, Any] = {
            "format": JSON_FORMAT, "format_version": 1,
            "note": "saved here because the session database failed: "
                    f"{self._failed}; `rocking import` this file to add it to a database",
            "database": str(self.store.path), "database_session_id": self.session_id,
            "series_complete": self._committed is not None,
            "session": session_to_json(self.snapshot(ended_at)),
        }
        stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(self._row.started_at))
        name = f"rocking-session-{stamp}-{self.session_id}.json"
        places = [self.store.path.parent, default_data_dir()]
        if self.fallback_path is not None:
            places.insert(0, self.fallback_path.parent)
        for folder in places:
            path = folder / name
            if _write_private_json(path, doc):
                if path != self.fallback_path:
                    log.warning("session %d saved to %s instead of the database",
                                self.session_id, path)
                self.fallback_path = path
                self._fallback_current = True
                return
        self._fallback_current = False
        log.error("could not save session %d anywhere (tried %s)", self.session_id,
                  ", ".join(str(p) for p in places))


class StoreObserver:
    """Saves a `rocking analyze` run: an observer of its frame loop (sessions.cli.analyze).

    Opens the store at once (so a bad database fails before any frame is processed) and starts
    the session at the first analysed frame; use as a context manager, which finishes the
    session "completed" on a normal exit and "interrupted" on an exception or Ctrl-C.
    """

    def __init__(self, db: str | os.PathLike[str] | None, meta: SessionMeta) -> None:
        self.meta = meta
        self.store = SessionStore.open(db)
        self.recorder: SessionRecorder | None = None

    def observe(self, step: Any) -> None:
        """Take one frame's step; only its ``analysis`` (a FrameAnalysis) is used."""
        fa = getattr(step, "analysis", None)
        if fa is None:
            return
        if self.recorder is None:
            self.recorder = SessionRecorder(self.store, self.store.start_session(self.meta))
        self.recorder.update(fa)

    def end(self, ending: Any) -> None:
        """The end of the stream: a rep the analysis finished then (``ending.rep``) is saved."""
        if getattr(ending, "rep", None) is not None:
            self.add_rep(ending.rep)

    def add_rep(self, rep: Rep) -> None:
        """A rep completed at the end of the stream (MovementAnalyzer.finish())."""
        if self.recorder is None:
            self.recorder = SessionRecorder(self.store, self.store.start_session(self.meta))
        self.recorder.add_rep(rep)

    def report_fields(self) -> dict[str, Any]:
        """The report's ``session_id``: None when nothing was analysed (so nothing saved), and
        when the database failed: then ``saved_to`` names the fallback file, or ``not_saved``
        says why the session is saved nowhere (it is never reported as saved)."""
        rec = self.recorder
        if rec is None:
            return {"session_id": None}
        if rec.in_database:
            return {"session_id": rec.session_id}
        if rec.lost:
            return {"session_id": None,
                    "not_saved": f"session {rec.session_id} could not be saved: the database "
                                 "failed and no fallback file could be written"}
        return {"session_id": None, "saved_to": str(rec.fallback_path)}

    def __enter__(self) -> StoreObserver:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        try:
            if self.recorder is not None:
                self.recorder.finish("completed" if exc_type is None else "interrupted")
        finally:
            self.store.close()


def _write_private_json(path: Path, doc: dict[str, Any]) -> bool:
    """Write atomically with mode 0600 (sessions.output.private_files); False if it cannot."""
    from sessions.output.private_files import OutputError, write_private_text

    try:
        write_private_text(path, json.dumps(doc), make_folder=True)
    except OutputError as exc:
        log.error("%s", exc)
        return False
    return True


class FallbackFile(NamedTuple):
    """A fallback file as read by :func:`read_fallback`."""

    data: SessionData
    sha256: str                       # of the file's bytes: recognises a file imported before
    database: str | None              # the database that failed, as the file names it
    database_session_id: int | None   # the session's id in it (a partial copy may be there)


def read_fallback(path: Path) -> FallbackFile:
    """Read a fallback file written by the recorder, every field checked (see
    sessions.history.session_file); raise StoreError if it is not one."""
    from sessions.history.session_file import parse_session, read_session_file

    doc, sha256 = read_session_file(path)
    if doc.get("format") != JSON_FORMAT:
        raise StoreError(f"{path} is not a rocking session file (no \"format\": "
                         f"\"{JSON_FORMAT}\")")
    if "session" not in doc:
        raise StoreError(f"{path} is not a valid rocking session file: it holds no session")
    database = doc.get("database")
    sid = doc.get("database_session_id")
    return FallbackFile(parse_session(doc["session"], path), sha256,
                        database if isinstance(database, str) and "\x00" not in database
                        else None,
                        sid if isinstance(sid, int) and not isinstance(sid, bool)
                        and 1 <= sid < 2**63 else None)


def load_fallback(path: Path) -> SessionData:
    """The session in a fallback file written by the recorder (see :func:`read_fallback`)."""
    return read_fallback(path).data


__all__ = ["FallbackFile", "SessionMeta", "SessionRecorder", "StoreObserver", "load_fallback",
           "read_fallback"]
