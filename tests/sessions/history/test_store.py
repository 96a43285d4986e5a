"""The session store: round trip, migrations, refusing bad files untouched, privacy."""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import stat
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import nullcontext
from dataclasses import replace
from pathlib import Path

import pytest

from pose.events import Fault, MovementWarning, Rep, Verdict, WarningKind
from sessions.errors import UserError
from sessions.history.session_file import parse_session
from sessions.history.store import (
    SCHEMA_VERSION,
    PostureEvent,
    Sample,
    SessionMeta,
    SessionStore,
    StoreError,
    resolve_db_path,
    session_to_json,
)

REPS = [
    Rep(0, 1.5, 7.25, 5.75, 3.5, 2.25, 0.83, 0.61, 0.12, False, pause_s=0.5, peak_accel=1.25),
    Rep(1, 7.25, 8.5, 1.25, 0.6, 0.65, 0.9, 2.7, 1.4, True),
    Rep(2, 8.5, 9.1, 0.6, 0.3, 0.3, 0.2, 0.4, 0.1, False, partial=True),
]
WARNINGS = [
    MovementWarning(7.9, WarningKind.TOO_FAST, "Slow down", 2.7, 1.5),
    MovementWarning(8.0, WarningKind.LIMB_LIFTED, "Keep your hands down"),
]
POSTURE = [
    PostureEvent(0.0, Verdict.NO_PERSON),
    PostureEvent(0.5, Verdict.ON_ALL_FOURS, {Fault.HANDS_NOT_UNDER_SHOULDERS: True}, "ok"),
    PostureEvent(8.0, Verdict.LIMB_LIFTED, {Fault.HAND_LIFTED: True}, "a hand is lifted"),
]
SAMPLES = [
    Sample(0.0, None, None, "no_person", "no_person"),
    Sample(0.2, 0.0, 0.01, "calibrating", "on_all_fours", None),
    Sample(0.4, 0.31, 0.5, "back", "on_all_fours", 0.25, ("too_fast",)),
]
META = SessionMeta(source="video", source_detail="clip.mp4", target_reps=10, target_period_s=7.0,
                   target_back_s=4.0, target_forward_s=3.0, tempo_tolerance=0.25,
                   settings={"fast_speed": 1.5, "nested": {"a": [1, 2]}}, model_variant="full",
                   started_at=1_700_000_000.5)


def write_session(store: SessionStore) -> int:
    sid = store.start_session(META)
    store.append(sid, reps=REPS[:1], samples=SAMPLES[:2], posture=POSTURE[:2])
    store.append(sid, reps=REPS[1:], warnings=WARNINGS, samples=SAMPLES[2:], posture=POSTURE[2:])
    store.finish_session(sid, "completed", ended_at=1_700_000_100.25)
    return sid


def test_round_trip_reads_back_identical(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    with SessionStore.open(db) as store:
        sid = write_session(store)
    with SessionStore.open(db) as store:
        data = store.load(sid)
        assert data is not None
        assert data.session.meta == META
        assert data.session.status == "completed"
        assert data.session.started_at == META.started_at
        assert data.session.ended_at == 1_700_000_100.25
        assert data.reps == REPS
        assert data.warnings == WARNINGS
        assert data.posture == POSTURE
        assert data.samples == SAMPLES
        assert store.load(sid + 1) is None
        # and through the JSON form used by export and the fallback file, read back the way
        # `rocking import` reads it (the file's id is not kept: the store gives a new one)
        back = parse_session(json.loads(json.dumps(session_to_json(data))))
        assert back == replace(data, session=replace(data.session, id=0))


def test_posture_faults_are_stored_by_their_old_names(tmp_path: Path,
                                                      caplog: pytest.LogCaptureFixture) -> None:
    """Faults are an enum in the code, stored as the same names as ever: a database written
    before (a name this version does not know included) still reads."""
    db = tmp_path / "s.db"
    with SessionStore.open(db) as store:
        sid = write_session(store)
    with sqlite3.connect(db) as conn:
        stored = [r[0] for r in conn.execute("SELECT faults_json FROM posture_events ORDER BY t_s")]
        assert stored == ["{}", '{"hands_not_under_shoulders": true}', '{"hand_lifted": true}']
        conn.execute("UPDATE posture_events SET faults_json = ? WHERE t_s = 8.0",
                     ('{"hand_lifted": true, "knee_lifted": false, "left_wrist_lifted": true}',))
    with SessionStore.open(db) as store, caplog.at_level("WARNING"):
        events = store.posture_events(sid)
    assert events[2].faults == {Fault.HAND_LIFTED: True, Fault.KNEE_LIFTED: False}
    assert events[2].faults == {"hand_lifted": True, "knee_lifted": False}   # same strings
    assert "left_wrist_lifted" in caplog.text


def test_file_and_wal_are_private(tmp_path: Path) -> None:
    db = tmp_path / "sub" / "s.db"
    old = os.umask(0o022)
    try:
        with SessionStore.open(db) as store:
            write_session(store)
            wal = db.with_name(db.name + "-wal")
            assert wal.exists()
            assert stat.S_IMODE(wal.stat().st_mode) == 0o600
        assert stat.S_IMODE(db.stat().st_mode) == 0o600
        assert stat.S_IMODE(db.parent.stat().st_mode) == 0o700
    finally:
        os.umask(old)


@pytest.mark.parametrize(("arg", "env", "expected"), [
    ("a.db", "b.db", "a.db"),
    (None, "b.db", "b.db"),
    (None, None, "sessions.db"),
])
def test_resolve_db_path(monkeypatch: pytest.MonkeyPatch, arg: str | None, env: str | None,
                         expected: str) -> None:
    if env is None:
        monkeypatch.delenv("ROCKING_DB", raising=False)
    else:
        monkeypatch.setenv("ROCKING_DB", env)
    assert resolve_db_path(arg).name == expected


V1_SCHEMA = """
CREATE TABLE sessions (id INTEGER PRIMARY KEY, started_at REAL NOT NULL, ended_at REAL,
  source TEXT NOT NULL, source_detail TEXT NOT NULL DEFAULT '', target_reps INTEGER,
  target_period_s REAL, settings_json TEXT NOT NULL DEFAULT '{}',
  model_variant TEXT NOT NULL DEFAULT '', tool_version TEXT NOT NULL DEFAULT '',
  status TEXT NOT NULL);
CREATE TABLE reps (id INTEGER PRIMARY KEY, session_id INTEGER NOT NULL REFERENCES sessions(id)
  ON DELETE CASCADE, rep_index INTEGER NOT NULL, start_s REAL NOT NULL, end_s REAL NOT NULL,
  period_s REAL NOT NULL, back_s REAL NOT NULL, forward_s REAL NOT NULL, depth REAL NOT NULL,
  peak_speed REAL NOT NULL, jerk REAL NOT NULL, forceful INTEGER NOT NULL,
  partial INTEGER NOT NULL DEFAULT 0);
CREATE TABLE warnings (id INTEGER PRIMARY KEY, session_id INTEGER NOT NULL REFERENCES
  sessions(id) ON DELETE CASCADE, t_s REAL NOT NULL, kind TEXT NOT NULL, message TEXT NOT NULL,
  value REAL, threshold REAL);
CREATE INDEX reps_session ON reps(session_id);
CREATE INDEX warnings_session ON warnings(session_id);
INSERT INTO sessions VALUES (1, 1600000000.0, 1600000060.0, 'camera', '0', 8, 6.0, '{}', 'full',
  '0.0.9', 'completed');
INSERT INTO sessions VALUES (2, 1600000100.0, NULL, 'camera', '0', 8, 6.0, '{}', 'full',
  '0.0.9', 'running');
INSERT INTO reps VALUES (1, 1, 0, 1.0, 7.0, 6.0, 3.0, 3.0, 0.8, 0.5, 0.1, 0, 0);
INSERT INTO warnings VALUES (1, 1, 3.0, 'too_fast', 'Slow down', 2.0, 1.5);
PRAGMA user_version = 1;
"""


def test_version_1_file_upgrades(tmp_path: Path) -> None:
    db = tmp_path / "old.db"
    conn = sqlite3.connect(db)
    conn.executescript(V1_SCHEMA)
    conn.close()
    with SessionStore.open(db) as store:
        assert store.connection.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        old = store.load(1)
        assert old is not None
        assert old.session.meta.source == "camera"
        assert old.session.meta.tempo_tolerance == 0.2
        assert old.reps == [Rep(0, 1.0, 7.0, 6.0, 3.0, 3.0, 0.8, 0.5, 0.1, False)]
        assert [w.kind for w in old.warnings] == [WarningKind.TOO_FAST]
        # a v1 session left running has no owner recorded and no heartbeat: it is over
        assert store.recovered == [2]
        assert store.session(2) is not None and store.session(2).status == "interrupted"  # type: ignore[union-attr]
        # and the new tables work
        sid = write_session(store)
        assert store.samples(sid) == SAMPLES


def make_db(tmp_path: Path) -> Path:
    db = tmp_path / "s.db"
    with SessionStore.open(db) as store:
        write_session(store)
    return db


def newer_version(db: Path) -> None:
    conn = sqlite3.connect(db)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()


def garbage(db: Path) -> None:
    db.write_bytes(b"this is not a database\n" * 400)


def malformed(db: Path) -> None:
    raw = bytearray(db.read_bytes())
    raw[100:4096] = b"\xa5" * (4096 - 100)  # the schema page after the header
    db.write_bytes(bytes(raw))


def foreign_sqlite(db: Path) -> None:
    db.unlink()
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE recipes (name TEXT)")
    conn.commit()
    conn.close()


def read_only(db: Path) -> None:
    db.chmod(0o400)


def unreadable(db: Path) -> None:
    db.chmod(0o000)


@pytest.mark.parametrize(("damage", "words"), [
    (newer_version, "newer version of rocking"),
    (garbage, "not a rocking session database"),
    (malformed, "corrupt"),
    (foreign_sqlite, "not a rocking session database"),
    (read_only, "read-only"),
    (unreadable, "cannot read"),
])
def test_bad_file_refused_untouched(tmp_path: Path, damage: Callable[[Path], None],
                                    words: str) -> None:
    db = make_db(tmp_path)
    damage(db)
    mode = db.stat().st_mode
    db.chmod(0o600)
    before = db.read_bytes()
    db.chmod(mode)
    with pytest.raises(StoreError, match=words) as info:
        SessionStore.open(db, timeout_s=0.2)
    assert isinstance(info.value, UserError) and "\n" not in str(info.value)
    assert db.stat().st_mode == mode
    db.chmod(0o600)
    assert db.read_bytes() == before
    assert not db.with_name(db.name + "-journal").exists()


@pytest.fixture
def locked_db(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Path]:
    db = make_db(tmp_path)
    conn = sqlite3.connect(db, isolation_level=None)
    if request.param == "exclusive_mode":
        conn.execute("PRAGMA locking_mode = EXCLUSIVE")
    conn.execute("BEGIN EXCLUSIVE")
    conn.execute("INSERT INTO warnings (session_id, t_s, kind, message) "
                 "VALUES (1, 99, 'jerky', 'x')")
    yield db
    conn.execute("ROLLBACK")
    conn.close()


@pytest.mark.parametrize("locked_db", ["write_transaction", "exclusive_mode"], indirect=True)
def test_locked_file_gives_clear_error_untouched(locked_db: Path) -> None:
    before = locked_db.read_bytes()
    with pytest.raises(StoreError, match="locked by another program"):
        SessionStore.open(locked_db, timeout_s=0.2)
    assert locked_db.read_bytes() == before


def test_missing_file_not_created_when_asked(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="no session database"):
        SessionStore.open(tmp_path / "none.db", create=False)
    assert not (tmp_path / "none.db").exists()


def test_running_session_of_live_process_is_left_alone(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    with SessionStore.open(db) as store:
        mine = store.start_session(META)
        # pretend another process on this host owns a session: a live one and a dead one
        live = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
        dead = subprocess.Popen([sys.executable, "-c", "pass"])
        dead.wait()
        zombie = subprocess.Popen([sys.executable, "-c", "pass"])  # exits, not reaped yet
        while Path(f"/proc/{zombie.pid}/stat").exists() and \
                Path(f"/proc/{zombie.pid}/stat").read_text().rsplit(")", 1)[-1].split()[0] != "Z":
            time.sleep(0.01)
        ids = []
        for proc in (live, dead, zombie):
            sid = store.start_session(META)
            store.connection.execute("UPDATE sessions SET owner_pid = ?, owner_start = NULL "
                                     "WHERE id = ?", (proc.pid, sid))
            ids.append(sid)
    try:
        with SessionStore.open(db) as store:
            assert store.recovered == ids[1:]
            status = {sid: store.session(sid).status for sid in (mine, *ids)}  # type: ignore[union-attr]
    finally:
        live.kill()
        live.wait()
        zombie.wait()
    assert status == {mine: "running", ids[0]: "running", ids[1]: "interrupted",
                      ids[2]: "interrupted"}
    assert socket.gethostname()


@pytest.mark.parametrize(("status", "raises"), [
    ("completed", nullcontext()),
    ("interrupted", nullcontext()),
    ("running", pytest.raises(ValueError)),
])
def test_finish_status(tmp_path: Path, status: str, raises: nullcontext[None]) -> None:
    with SessionStore.open(tmp_path / "s.db") as store:
        sid = store.start_session(META)
        with raises:
            store.finish_session(sid, status, 5.0)  # type: ignore[arg-type]
            assert store.session(sid).status == status  # type: ignore[union-attr]


def test_delete_removes_everything(tmp_path: Path) -> None:
    with SessionStore.open(tmp_path / "s.db") as store:
        sid = write_session(store)
        keep = write_session(store)
        assert store.delete_session(sid)
        assert not store.delete_session(sid)
        assert store.load(sid) is None
        c = store.connection
        for table in ("reps", "warnings", "posture_events", "samples"):
            n = c.execute(f"SELECT count(*) FROM {table} WHERE session_id = ?", (sid,)).fetchone()
            assert n[0] == 0, table
        assert store.load(keep) is not None and store.load(keep).reps == REPS  # type: ignore[union-attr]


def test_sessions_filter_newest_first(tmp_path: Path) -> None:
    with SessionStore.open(tmp_path / "s.db") as store:
        for t in (300.0, 100.0, 200.0):
            store.start_session(SessionMeta(source="demo", started_at=t))
        assert [s.started_at for s in store.sessions()] == [300.0, 200.0, 100.0]
        assert [s.started_at for s in store.sessions(since=150.0)] == [300.0, 200.0]
        assert [s.started_at for s in store.sessions(until=250.0, limit=1)] == [200.0]


def test_meta_validation() -> None:
    with pytest.raises(ValueError, match="source"):
        SessionMeta(source="webcam")  # type: ignore[arg-type]


def _my_start() -> str | None:
    from sessions.history.store import _process_start

    return _process_start(os.getpid())


@pytest.mark.parametrize(("host", "pid", "start", "heartbeat_age", "gone"), [
    ("other-machine", 1234, None, 5.0, False),        # another machine, heard from recently
    ("other-machine", 1234, None, 3600.0, True),      # another machine, silent for an hour
    (None, None, None, None, True),                   # a v1 session: no owner, no heartbeat
    ("HERE", "ME", "MINE", 3600.0, False),            # this very process
    ("HERE", "PARENT", "WRONG", 1.0, True),           # live pid, but a different process (reused)
])
def test_owner_gone(host: str | None, pid: object, start: str | None,
                    heartbeat_age: float | None, gone: bool) -> None:
    from sessions.history.store import _owner_gone

    here = socket.gethostname()
    real_pid = {"ME": os.getpid(), "PARENT": os.getppid()}.get(str(pid), pid)
    real_start = {"MINE": _my_start(), "WRONG": "1"}.get(str(start), start)
    now = 1_000_000.0
    hb = None if heartbeat_age is None else now - heartbeat_age
    if start == "WRONG" and _my_start() is None:
        pytest.skip("no /proc here: a reused pid cannot be told apart")
    assert _owner_gone(here if host == "HERE" else host, real_pid,  # type: ignore[arg-type]
                       real_start, hb, now) is gone


LEAVE_WAL = """
import os, sqlite3, sys
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("PRAGMA wal_autocheckpoint = 0")
conn.execute("INSERT INTO warnings (session_id, t_s, kind, message) VALUES (1, 1, 'jerky', 'x')")
conn.execute(f"PRAGMA user_version = {int(sys.argv[2])}")
os._exit(0)  # die without closing: the changes stay in the -wal file, as after a crash
"""


@pytest.mark.parametrize(("version", "refused"), [(SCHEMA_VERSION + 1, True),
                                                 (SCHEMA_VERSION, False)])
def test_leftover_wal_of_a_refused_file_is_not_folded_in(tmp_path: Path, version: int,
                                                          refused: bool) -> None:
    db = make_db(tmp_path)
    subprocess.run([sys.executable, "-c", LEAVE_WAL, str(db), str(version)], check=True)
    wal = db.with_name(db.name + "-wal")
    assert wal.stat().st_size > 0
    before, wal_before = db.read_bytes(), wal.read_bytes()
    if refused:
        with pytest.raises(StoreError, match="newer version"):
            SessionStore.open(db, timeout_s=0.2)
        assert db.read_bytes() == before and wal.read_bytes() == wal_before
    else:  # our own crash leftovers are recovered: the committed warning is there
        with SessionStore.open(db) as store:
            assert len(store.warnings(1)) == len(WARNINGS) + 1


def test_read_only_open_reads_and_writes_nothing(tmp_path: Path) -> None:
    db = make_db(tmp_path)
    db.chmod(0o444)
    before = db.read_bytes()
    with pytest.raises(StoreError, match="read-only"):
        SessionStore.open(db)
    with SessionStore.open_read_only(db) as store:
        assert len(store.sessions()) == 1 and store.samples(1) == SAMPLES
        with pytest.raises(StoreError, match="read"):
            store.delete_session(1)
    assert db.read_bytes() == before


def test_read_only_open_of_an_older_file(tmp_path: Path) -> None:
    db = tmp_path / "old.db"
    conn = sqlite3.connect(db)
    conn.executescript(V1_SCHEMA)
    conn.close()
    db.chmod(0o444)
    before = db.read_bytes()
    with pytest.raises(StoreError, match=r"older format .* make it writable once") as info:
        SessionStore.open_read_only(db)
    assert "\n" not in str(info.value) and db.read_bytes() == before
    db.chmod(0o600)  # writable: an ordinary open upgrades it
    with SessionStore.open_read_only(db) as store:
        assert store.connection.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def test_empty_file_given_becomes_a_private_database(tmp_path: Path) -> None:
    db = tmp_path / "given.db"
    db.touch()
    db.chmod(0o644)
    with SessionStore.open(db) as store:
        write_session(store)
    assert stat.S_IMODE(db.stat().st_mode) == 0o600


def test_side_files_left_by_a_read_only_look_are_made_private(tmp_path: Path) -> None:
    db = make_db(tmp_path)
    db.chmod(0o444)
    with SessionStore.open_read_only(db) as store:
        assert len(store.sessions()) == 1
    db.chmod(0o600)
    wal = db.with_name(db.name + "-wal")
    if not wal.exists():  # this SQLite did not leave one: make what another would have left
        wal.touch()
    wal.chmod(0o444)
    with SessionStore.open(db) as store:
        assert stat.S_IMODE(wal.stat().st_mode) == 0o600
        write_session(store)


#: SQLite's "dead man switch" in the -shm (unix VFS: byte 128): every connection holds a shared
#: lock on it; a process that gets it exclusively takes itself for the only user and resets the
#: -shm, which kills another process still mapping it with SIGBUS
SHM_DMS_BYTE = 128
PROBE_DMS = (
    "import fcntl, os, sys\n"
    "fd = os.open(sys.argv[1], os.O_RDWR)\n"
    "try:\n"
    f"    fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB, 1, {SHM_DMS_BYTE})\n"
    "    print('free')\n"
    "except OSError:\n"
    "    print('held')\n")


@pytest.mark.parametrize("side_mode", [None, 0o644], ids=["fresh", "side-files-to-make-private"])
def test_an_open_store_keeps_sqlite_s_lock_for_other_processes(tmp_path: Path,
                                                                side_mode: int | None) -> None:
    """Making the -wal and -shm private must not drop SQLite's POSIX locks (closing any
    descriptor of a file drops all of a process's locks on it): a `rocking review` opening the
    database during an analyze would reset the -shm under it (that analyze died of SIGBUS)."""
    db = make_db(tmp_path)
    if side_mode is not None:
        for suffix in ("-wal", "-shm"):
            side = db.with_name(db.name + suffix)
            side.touch()
            side.chmod(side_mode)
    with SessionStore.open(db) as store:
        write_session(store)
        shm = db.with_name(db.name + "-shm")
        assert stat.S_IMODE(shm.stat().st_mode) == 0o600
        probe = subprocess.run([sys.executable, "-c", PROBE_DMS, str(shm)], capture_output=True,
                               text=True, timeout=60, check=True)
        assert probe.stdout.strip() == "held"
        write_session(store)    # and it goes on writing


def test_read_only_open_shows_an_abandoned_session_interrupted(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    live = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    try:
        with SessionStore.open(db) as store:
            ids = []
            for proc in (live, dead):
                sid = store.start_session(META)
                store.connection.execute("UPDATE sessions SET owner_pid = ?, owner_start = NULL "
                                         "WHERE id = ?", (proc.pid, sid))
                ids.append(sid)
        db.chmod(0o444)
        before = db.read_bytes()
        with SessionStore.open_read_only(db) as store:
            shown = {r.id: r.status for r in store.sessions()}
            one = store.session(ids[1])
    finally:
        live.kill()
        live.wait()
    assert shown == {ids[0]: "running", ids[1]: "interrupted"}
    assert one is not None and one.status == "interrupted" and one.ended_at is not None
    assert db.read_bytes() == before  # shown, not written


def test_version_4_file_upgrades_and_keeps_its_sessions_with_no_losses(tmp_path: Path) -> None:
    """A database from before losses were saved (schema v4) is upgraded in place: its sessions
    read back as they were, with no losses; new sessions save theirs."""
    from pose.events import Loss
    from sessions.history.store import MIGRATIONS

    db = tmp_path / "v4.db"
    conn = sqlite3.connect(db)
    for script in MIGRATIONS[:4]:
        conn.executescript(script)
    conn.execute("INSERT INTO sessions (id, started_at, ended_at, source, status, kind, name) "
                 "VALUES (1, 1600000000.0, 1600000060.0, 'video', 'completed', 'video', 'a')")
    conn.execute("INSERT INTO posture_events (session_id, t_s, verdict) "
                 "VALUES (1, 3.0, 'no_person')")
    conn.execute("PRAGMA user_version = 4")
    conn.commit()
    conn.close()
    with SessionStore.open(db) as store:
        assert store.connection.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        old = store.load(1)
        assert old is not None and old.losses == []
        assert [p.verdict for p in old.posture] == [Verdict.NO_PERSON]
        sid = write_session(store)
        store.append(sid, losses=[Loss(2.0, 4.5), Loss(9.0, 9.75)])
        assert store.losses(sid) == [Loss(2.0, 4.5), Loss(9.0, 9.75)]


def test_losses_round_trip_through_the_json_form(tmp_path: Path) -> None:
    from pose.events import Loss
    from sessions.history.session_file import parse_session

    with SessionStore.open(tmp_path / "s.db") as store:
        sid = write_session(store)
        store.append(sid, losses=[Loss(2.0, 4.5)])
        data = store.load(sid)
    assert data is not None
    doc = session_to_json(data)
    assert doc["losses"] == [{"start_s": 2.0, "end_s": 4.5}]
    assert parse_session(doc).losses == [Loss(2.0, 4.5)]
    older = {k: v for k, v in doc.items() if k != "losses"}    # a file from before v5
    assert parse_session(older).losses == []
    with pytest.raises(StoreError, match="end_s"):
        parse_session({**doc, "losses": [{"start_s": 5.0, "end_s": 4.0}]})
