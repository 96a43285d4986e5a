"""The session history: one SQLite file (standard library `sqlite3`), crash-safe and private.

Where: ``--db PATH``, else the ``ROCKING_DB`` environment variable, else
``platformdirs.user_data_path("rocking") / "sessions.db"`` (see :func:`resolve_db_path`).

Usage (the live loop, the demo and ``rocking analyze`` all do this)::

    with SessionStore.open(path_or_None) as store:
        sid = store.start_session(SessionMeta(source="camera", target_reps=10, target_period_s=6.0))
        rec = SessionRecorder(store, sid)        # sessions.history.recorder
        for fa in analyses: rec.update(fa)
        rec.finish("completed")                  # or "interrupted"

Guarantees:
- The file (and SQLite's -wal/-shm beside it) is created with mode 0600: this is health data.
  Deleted rows are overwritten (``secure_delete``).
- The schema is versioned with ``PRAGMA user_version``; older files are upgraded in place by
  :data:`MIGRATIONS`, a file from a newer version of the tool is refused.
- WAL journal with ``synchronous=NORMAL``: every commit survives the process being killed
  (kill -9); a power cut may lose the last second but never corrupts the file.
- On open, sessions left ``running`` by a process that no longer exists are marked
  ``interrupted`` (the owner's host, pid and process start time are recorded, so a session
  running in another live process is left alone).
- :meth:`SessionStore.open_read_only` (the review and export) reads without writing anything,
  so a read-only file can still be looked at; writing commands refuse it.
- A corrupt, foreign, locked, unreadable or read-only file raises :class:`StoreError` with one
  clear line; the file is checked before anything writes to it and is never recreated.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import socket
import sqlite3
import stat
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from types import TracebackType
from typing import Any, Literal

from pose.events import Fault, Loss, MovementWarning, Rep, Verdict, WarningKind
from sessions.errors import UserError
from sessions.output.private_files import FOLDER_MODE, PRIVATE_MODE
from sessions.version import __version__

log = logging.getLogger(__name__)

Source = Literal["camera", "video", "image", "demo"]
Status = Literal["running", "completed", "interrupted"]
SOURCES: tuple[str, ...] = ("camera", "video", "image", "demo")
# What a session is, for the person: live (a camera), video (a recording coached or analysed),
# photo (a posture check of one picture), demo (the simulated body). Only OWN_KINDS, the
# person's own exercise, count in trends and totals.
KINDS: tuple[str, ...] = ("live", "video", "photo", "demo")
OWN_KINDS: tuple[str, ...] = ("live", "video")
KIND_OF_SOURCE: dict[str, str] = {"camera": "live", "video": "video", "image": "photo",
                                  "demo": "demo"}
PAIN_MAX = 10  # pain is rated 0 (none) to 10 (the worst imaginable)
STATUSES: tuple[str, ...] = ("running", "completed", "interrupted")

ENV_VAR = "ROCKING_DB"
DB_FILENAME = "sessions.db"
APPLICATION_ID = 0x526F636B  # "Rock": marks the file as ours in the SQLite header
SQLITE_MAGIC = b"SQLite format 3\x00"
DEFAULT_TIMEOUT_S = 5.0
STALE_HEARTBEAT_S = 600.0  # another host's session with no sign of life this long is over


class StoreError(UserError):
    """The session database cannot be used; the message is one line for the user."""

    exit_code = 3


class AlreadyImported(StoreError):
    """The file was imported before, as session ``session_id``: nothing was added."""

    exit_code = 0

    def __init__(self, session_id: int) -> None:
        super().__init__(f"already imported as session {session_id}")
        self.session_id = session_id


# --- schema -------------------------------------------------------------------------------------
# MIGRATIONS[i] takes a file from user_version i to i + 1. Never edit a released step: add one.
_V1 = """
CREATE TABLE sessions (
    id INTEGER PRIMARY KEY,
    started_at REAL NOT NULL,            -- unix time, seconds
    ended_at REAL,
    source TEXT NOT NULL,                -- camera | video | image | demo
    source_detail TEXT NOT NULL DEFAULT '',
    target_reps INTEGER,
    target_period_s REAL,
    settings_json TEXT NOT NULL DEFAULT '{}',
    model_variant TEXT NOT NULL DEFAULT '',
    tool_version TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL                 -- running | completed | interrupted
);
CREATE TABLE reps (
    id INTEGER PRIMARY KEY,
    session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    rep_index INTEGER NOT NULL,
    start_s REAL NOT NULL, end_s REAL NOT NULL, period_s REAL NOT NULL,
    back_s REAL NOT NULL, forward_s REAL NOT NULL,
    depth REAL NOT NULL, peak_speed REAL NOT NULL, jerk REAL NOT NULL,
    forceful INTEGER NOT NULL, partial INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE warnings (
    id INTEGER PRIMARY KEY,
    session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    t_s REAL NOT NULL,
    kind TEXT NOT NULL,
    message TEXT NOT NULL,
    value REAL,
    threshold REAL
);
CREATE INDEX reps_session ON reps(session_id);
CREATE INDEX warnings_session ON warnings(session_id);
"""

_V2 = """
ALTER TABLE sessions ADD COLUMN target_back_s REAL;
ALTER TABLE sessions ADD COLUMN target_forward_s REAL;
ALTER TABLE sessions ADD COLUMN tempo_tolerance REAL NOT NULL DEFAULT 0.2;
ALTER TABLE sessions ADD COLUMN owner_host TEXT;
ALTER TABLE sessions ADD COLUMN owner_pid INTEGER;
ALTER TABLE sessions ADD COLUMN owner_start TEXT;
ALTER TABLE sessions ADD COLUMN heartbeat_at REAL;
CREATE INDEX sessions_started ON sessions(started_at);
CREATE INDEX sessions_running ON sessions(status) WHERE status = 'running';
DROP INDEX reps_session;
DROP INDEX warnings_session;
CREATE INDEX reps_session ON reps(session_id, id);
CREATE INDEX warnings_session ON warnings(session_id, t_s);
CREATE TABLE posture_events (
    id INTEGER PRIMARY KEY,
    session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    t_s REAL NOT NULL,
    verdict TEXT NOT NULL,
    faults_json TEXT NOT NULL DEFAULT '{}',
    message TEXT NOT NULL DEFAULT ''
);
CREATE INDEX posture_events_session ON posture_events(session_id, t_s);
CREATE TABLE samples (
    session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    t_s REAL NOT NULL,
    depth REAL,
    speed REAL,
    phase TEXT NOT NULL,
    verdict TEXT NOT NULL,
    target REAL,                          -- the pacer's target depth, when there is a pacer
    active TEXT NOT NULL DEFAULT '',      -- warning kinds in force, comma-separated
    PRIMARY KEY (session_id, t_s)
) WITHOUT ROWID;
"""

_V3 = """
ALTER TABLE reps ADD COLUMN pause_s REAL NOT NULL DEFAULT 0;
ALTER TABLE reps ADD COLUMN peak_accel REAL NOT NULL DEFAULT 0;
"""

# v4: what a session is (kind) and a short name to show and share; the pain check-in. A file's
# folders are never kept: rows from before keep only the base name of the file (the SQL is
# basename: strip what rtrim leaves when it drops every character that is not a slash).
_V4 = """
ALTER TABLE sessions ADD COLUMN kind TEXT NOT NULL DEFAULT '';
ALTER TABLE sessions ADD COLUMN name TEXT NOT NULL DEFAULT '';
ALTER TABLE sessions ADD COLUMN pain_before INTEGER;
ALTER TABLE sessions ADD COLUMN pain_after INTEGER;
UPDATE sessions SET source_detail = replace(source_detail, rtrim(source_detail,
    replace(source_detail, '/', '')), '') WHERE source IN ('video', 'image');
UPDATE sessions SET source_detail = replace(source_detail, rtrim(source_detail,
    replace(source_detail, char(92), '')), '') WHERE source IN ('video', 'image');
UPDATE sessions SET kind = CASE source WHEN 'camera' THEN 'live' WHEN 'image' THEN 'photo'
    WHEN 'demo' THEN 'demo' ELSE 'video' END;
UPDATE sessions SET name = CASE source WHEN 'camera' THEN 'camera ' || source_detail
    WHEN 'demo' THEN 'demo' ELSE source_detail END;
CREATE INDEX sessions_kind_started ON sessions(kind, started_at);
"""

# v5: when and for how long the person was out of view (a loss), each its own row. Files from
# before have no losses recorded (their "no person" posture changes remain).
_V5 = """
CREATE TABLE losses (
    id INTEGER PRIMARY KEY,
    session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    start_s REAL NOT NULL,               -- the first frame without the person
    end_s REAL NOT NULL                  -- found again (or the last frame)
);
CREATE INDEX losses_session ON losses(session_id, start_s);
"""

MIGRATIONS: tuple[str, ...] = (_V1, _V2, _V3, _V4, _V5)
SCHEMA_VERSION = len(MIGRATIONS)


# --- records --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class SessionMeta:
    """What is known when a session starts: where the frames come from, the plan, the settings."""

    source: Source
    source_detail: str = ""                # camera index, file name (no folders), "simulated"
    target_reps: int | None = None
    target_period_s: float | None = None   # the plan's tempo: seconds per rep
    target_back_s: float | None = None     # of which rocking back (the exhale)
    target_forward_s: float | None = None  # and coming forward (the inhale)
    tempo_tolerance: float = 0.2           # unused: kept for older files (the one rule of "on
                                           # tempo" is pose.analysis.tempo)
    settings: dict[str, Any] = field(default_factory=dict)  # thresholds and options in force
    model_variant: str = ""
    tool_version: str = __version__
    started_at: float | None = None        # unix time; None: now
    kind: str = ""                         # one of KINDS; "": from the source
    name: str = ""                         # short, shareable; "": from source and detail
    pain_before: int | None = None         # the pain check-in, 0-10 (None: not given)
    pain_after: int | None = None

    def __post_init__(self) -> None:
        if self.source not in SOURCES:
            raise ValueError(f"source must be one of {SOURCES}, got {self.source!r}")
        if not 0.0 <= self.tempo_tolerance < 1.0:
            raise ValueError(f"tempo_tolerance must be in [0, 1), got {self.tempo_tolerance}")
        if self.source in ("video", "image"):   # a file's name, never its folders
            object.__setattr__(self, "source_detail", base_name(self.source_detail))
        if not self.kind:
            object.__setattr__(self, "kind", KIND_OF_SOURCE[self.source])
        if self.kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}, got {self.kind!r}")
        if not self.name:
            object.__setattr__(self, "name", default_name(self.source, self.source_detail))
        for pain in (self.pain_before, self.pain_after):
            check_pain(pain)


def check_pain(pain: int | None) -> None:
    """Raise ValueError unless ``pain`` is None or a whole number 0-10."""
    if pain is not None and (isinstance(pain, bool) or not isinstance(pain, int)
                             or not 0 <= pain <= PAIN_MAX):
        raise ValueError(f"pain is rated 0 to {PAIN_MAX}, got {pain!r}")


def base_name(detail: str) -> str:
    """A file's name without its folders (either kind of slash); a URL's host only (never its
    user name, password, path or query)."""
    if re.match(r"[A-Za-z][A-Za-z0-9+.-]*://", detail):
        from urllib.parse import urlsplit

        try:
            return urlsplit(detail).hostname or ""
        except ValueError:
            return ""
    return detail.replace("\\", "/").rstrip("/").rsplit("/", 1)[-1]


def default_name(source: str, detail: str) -> str:
    """The short name of a session when none is given: ``camera 0``, ``demo``, a file's name."""
    if source == "camera":
        short = base_name(detail)
        return f"camera {short}" if short else "camera"
    if source == "demo":
        return "demo"
    return base_name(detail)


@dataclass(frozen=True)
class PostureEvent:
    """A change of posture verdict (and its faults) at a moment of the session."""

    t_s: float
    verdict: Verdict
    faults: dict[Fault, bool] = field(default_factory=dict)  # as in PostureResult.faults
    message: str = ""


@dataclass(frozen=True)
class Sample:
    """One point of the downsampled time series."""

    t_s: float
    depth: float | None
    speed: float | None
    phase: str
    verdict: str
    target: float | None = None
    active: tuple[str, ...] = ()


@dataclass(frozen=True)
class SessionRow:
    """A stored session as read back."""

    id: int
    meta: SessionMeta
    started_at: float
    ended_at: float | None
    status: Status
    heartbeat_at: float | None = field(default=None, compare=False)  # last sign of life


@dataclass(frozen=True)
class SessionData:
    """A whole stored session."""

    session: SessionRow
    reps: list[Rep]
    warnings: list[MovementWarning]
    posture: list[PostureEvent]
    samples: list[Sample]
    losses: list[Loss] = field(default_factory=list)


# --- paths and checks -----------------------------------------------------------------------------
def default_data_dir() -> Path:
    """The per-user data folder of the tool."""
    import platformdirs

    return Path(platformdirs.user_data_path("rocking"))


def resolve_db_path(path: str | os.PathLike[str] | None = None) -> Path:
    """The database file: ``path`` if given, else ``$ROCKING_DB``, else the user data folder."""
    if path is not None and str(path) != "":
        return Path(path).expanduser()
    env = os.environ.get(ENV_VAR, "")
    if env:
        return Path(env).expanduser()
    return default_data_dir() / DB_FILENAME


def _writable(path: Path) -> bool:
    """Writable by this tool: by access() and by its mode bits (root may write anything, but a
    file marked read-only by its owner is read-only for this tool)."""
    return os.access(path, os.W_OK) and bool(path.stat().st_mode & 0o222)


def _check_existing_file(path: Path, *, write: bool = True) -> None:
    """Refuse, without touching it, a file we cannot or must not open (for writing, unless
    ``write`` is False)."""
    try:
        st = path.stat()
    except OSError as exc:
        raise StoreError(f"cannot read session database {path}: {exc.strerror}") from exc
    if not stat.S_ISREG(st.st_mode):
        raise StoreError(f"session database {path} is not a regular file")
    # Mode bits as well as access(): root may write anything, but a file marked
    # read-only by its owner is read-only for this tool.
    if not os.access(path, os.R_OK) or not st.st_mode & 0o444:
        raise StoreError(f"cannot read session database {path}: permission denied")
    if write and not _writable(path):
        raise StoreError(f"session database {path} is read-only; make it writable "
                         "or choose another file with --db")
    if st.st_size == 0:
        return
    try:
        with path.open("rb") as fh:
            head = fh.read(len(SQLITE_MAGIC))
    except OSError as exc:
        raise StoreError(f"cannot read session database {path}: {exc.strerror}") from exc
    if head != SQLITE_MAGIC:
        raise StoreError(f"{path} is not a rocking session database (not SQLite, or corrupt); "
                         "it was left untouched: move it away or choose another file with --db")
    folder = path.parent
    if write and not os.access(folder, os.W_OK | os.X_OK):
        raise StoreError(f"folder {folder} is not writable (SQLite needs to create "
                         f"{path.name}-wal beside the database)")


SIDE_SUFFIXES = ("-wal", "-shm", "-journal")


def _side(path: Path, suffix: str) -> Path:
    return path.with_name(path.name + suffix)


def _check_side_files(path: Path) -> None:
    """Refuse a database whose -wal, -shm or -journal is a link or not a regular file (planted
    by someone who can write the folder): SQLite would follow it, and so would a chmod."""
    for suffix in SIDE_SUFFIXES:
        side = _side(path, suffix)
        try:
            st = side.lstat()
        except FileNotFoundError:
            continue
        except OSError as exc:
            raise StoreError(f"cannot check {side}: {exc.strerror}") from exc
        if stat.S_ISLNK(st.st_mode) or not stat.S_ISREG(st.st_mode):
            what = "a link" if stat.S_ISLNK(st.st_mode) else "not a regular file"
            raise StoreError(f"{side} beside the session database is {what} (not made by "
                             "SQLite); refusing to use the database: remove it and try again")


def _private_side_files(path: Path) -> None:
    """SQLite's -wal and -shm beside the database: mode 0600. SQLite gives them the mode of the
    database file. A link is never followed (see :func:`_chmod_private`)."""
    for suffix in ("-wal", "-shm"):
        _chmod_private(_side(path, suffix), str(_side(path, suffix)), follow=False)


def _make_private(path: Path) -> None:
    """An existing database opened for writing becomes 0600 (it may have been made 0644)."""
    _chmod_private(path, f"session database {path}", follow=True)


#: Linux: a descriptor that only names the file. Closing an ordinary descriptor of a file drops
#: every POSIX lock this process holds on it, SQLite's too: with the -shm's lock gone, another
#: process opening the database (``rocking review``) takes itself for the only one and empties
#: the -shm, and this process dies of SIGBUS on its next write (seen in about 1 analyze in 12
#: while another process read the database). Closing an O_PATH descriptor drops no lock.
_PATH_ONLY: int = getattr(os, "O_PATH", 0)


def _chmod_private(path: Path, what: str, *, follow: bool) -> None:
    """Make ``path`` mode 0600 if it is a regular file that is not (absent: nothing to do; a
    link, with ``follow`` False: left alone), without opening it for reading where the system
    can name a file without opening it (so SQLite's locks on it are kept)."""
    nofollow = 0 if follow else os.O_NOFOLLOW
    flags = (_PATH_ONLY if _PATH_ONLY else os.O_RDONLY | os.O_NONBLOCK) | nofollow
    try:
        fd = os.open(path, flags)
    except OSError:  # absent, or a link (refused by _check_side_files before any use)
        return
    try:
        st = os.fstat(fd)
        if stat.S_ISREG(st.st_mode) and stat.S_IMODE(st.st_mode) != PRIVATE_MODE:
            if _PATH_ONLY:
                Path(f"/proc/self/fd/{fd}").chmod(PRIVATE_MODE)   # this very file, no link
            else:
                os.fchmod(fd, PRIVATE_MODE)
    except OSError as exc:
        log.warning("could not make %s private (mode 0600): %s", what, exc.strerror)
    finally:
        os.close(fd)


def _folder_writable(path: Path) -> bool:
    """SQLite can create -wal/-shm beside the database (false on a read-only file system)."""
    return os.access(path.parent, os.W_OK | os.X_OK)


def _read_only_uri(path: Path) -> str:
    """A URI to read a database without writing anything beside it.

    With both -wal and -shm beside it (a writer has it open, or one was killed), ``mode=ro``
    reads through them, also on a read-only file system (SQLite reads a read-only -shm).
    Otherwise ``immutable``: no locks and no -wal/-shm created (a WAL writer that starts
    meanwhile leaves the main file alone until a checkpoint); a -wal left without its -shm
    cannot be read then, and the log says so."""
    uri = path.resolve().as_uri()
    wal, shm = _side(path, "-wal"), _side(path, "-shm")
    if wal.exists() and shm.exists():
        return f"{uri}?mode=ro"
    with contextlib.suppress(OSError):
        if wal.stat().st_size > 0 and not _folder_writable(path):
            log.warning("%s has a -wal but no -shm beside it on a read-only folder: its latest "
                        "changes cannot be read until it is opened where it can be written",
                        path)
    return f"{uri}?immutable=1"


def _create_private_file(path: Path) -> None:
    """Create an empty file with mode 0600 (and its folder with 0700) if it does not exist."""
    if path.is_symlink() and not path.exists():
        raise StoreError(f"session database {path} is a link to {path.readlink()}, which "
                         "does not exist; fix the link or choose another file with --db")
    try:
        path.parent.mkdir(mode=FOLDER_MODE, parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError) as exc:
        raise StoreError(f"cannot create session database {path}: a part of its folder "
                         f"({path.parent}) is a file, not a folder") from exc
    except OSError as exc:
        raise StoreError(f"cannot create session database {path}: {exc.strerror}") from exc
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY | os.O_NOFOLLOW,
                     PRIVATE_MODE)
    except FileExistsError:
        return
    except OSError as exc:
        raise StoreError(f"cannot create session database {path}: {exc.strerror}") from exc
    try:
        os.fchmod(fd, PRIVATE_MODE)  # whatever the umask
    finally:
        os.close(fd)


def _describe(exc: sqlite3.Error, path: Path, timeout_s: float) -> str:
    text = str(exc)
    low = text.lower()
    if "locked" in low or "busy" in low:
        return (f"session database {path} is locked by another program (another rocking "
                f"session?); gave up after {timeout_s:g} s")
    if "readonly" in low or "read-only" in low:
        return f"session database {path} is read-only ({text})"
    if "malformed" in low or "not a database" in low or "corrupt" in low:
        return (f"session database {path} is corrupt ({text}); it was left untouched: "
                "move it away or choose another file with --db")
    if "unable to open" in low:
        return f"cannot open session database {path} ({text})"
    return f"session database {path}: {text}"


def _proc_stat(pid: int) -> list[str]:
    """The fields of /proc/PID/stat after the command name (Linux); [] elsewhere."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return []
    return raw.rsplit(")", 1)[-1].split()


def _process_start(pid: int) -> str | None:
    """The start time of a process (Linux /proc), to tell a reused pid from the original."""
    fields = _proc_stat(pid)
    return fields[19] if len(fields) > 19 else None


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OSError:
        return False
    return True


def _owner_gone(host: str | None, pid: int | None, start: str | None,
                heartbeat: float | None, now: float) -> bool:
    """True when the process that was recording a session is certainly not running any more."""
    if host == socket.gethostname() and pid is not None:
        if pid == os.getpid():
            return False
        if not _pid_alive(pid):
            return True
        fields = _proc_stat(pid)
        if fields and fields[0] in ("Z", "X"):  # killed, not yet reaped by its parent
            return True
        current = fields[19] if len(fields) > 19 else None
        return start is not None and current is not None and current != start
    # Unknown owner (older file, or another machine sharing the file): go by its heartbeat.
    return heartbeat is None or now - heartbeat > STALE_HEARTBEAT_S


def _check_identity(conn: sqlite3.Connection, path: Path) -> tuple[int, int]:
    """Refuse a foreign or newer file; return its schema version and application id."""
    version = int(conn.execute("PRAGMA user_version").fetchone()[0])
    app_id = int(conn.execute("PRAGMA application_id").fetchone()[0])
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    if app_id not in (0, APPLICATION_ID) or (version == 0 and tables) or (
            version > 0 and "sessions" not in tables):
        raise StoreError(f"{path} is an SQLite file but not a rocking session database; "
                         "it was left untouched: choose another file with --db")
    if version > SCHEMA_VERSION:
        raise StoreError(f"session database {path} was written by a newer version of "
                         f"rocking (schema v{version}; this version knows up to "
                         f"v{SCHEMA_VERSION}): upgrade rocking to open it")
    return version, app_id


def _validate_read_only(path: Path, timeout_s: float) -> None:
    """Look at an existing file through a read-only connection first: a refused file is then
    never written, not even by SQLite folding a leftover WAL into it when a connection closes."""
    try:
        conn = sqlite3.connect(_read_only_uri(path), uri=True, timeout=timeout_s)
    except sqlite3.Error as exc:
        raise StoreError(_describe(exc, path, timeout_s)) from exc
    try:
        _check_identity(conn, path)
    except sqlite3.Error as exc:
        raise StoreError(_describe(exc, path, timeout_s)) from exc
    finally:
        conn.close()


@contextlib.contextmanager
def _closed_on_error(conn: sqlite3.Connection, path: Path, timeout_s: float) -> Iterator[None]:
    """Close a freshly opened connection if setting it up fails; SQLite errors become one-line
    StoreErrors."""
    try:
        yield
    except sqlite3.Error as exc:
        conn.close()
        raise StoreError(_describe(exc, path, timeout_s)) from exc
    except BaseException:
        conn.close()
        raise


# --- the store ----------------------------------------------------------------------------------
class SessionStore:
    """A connection to the session database. Open with :meth:`open`; use as a context manager."""

    def __init__(self, conn: sqlite3.Connection, path: Path, timeout_s: float) -> None:
        self._conn = conn
        self.path = path
        self.timeout_s = timeout_s
        self.recovered: list[int] = []  # sessions marked interrupted when this store opened
        self.read_only = False  # opened by open_read_only: nothing is written
        self.last_import_replaced: int | None = None  # see import_session

    # -- opening
    @classmethod
    def open(cls, path: str | os.PathLike[str] | None = None, *,
             timeout_s: float = DEFAULT_TIMEOUT_S, create: bool = True) -> SessionStore:
        """Open (creating and upgrading as needed) the database; raise StoreError if unusable.

        With ``create=False`` a missing file raises StoreError instead of being created.
        """
        db = resolve_db_path(path)
        if db.exists():
            _check_existing_file(db)
        elif not create:
            raise StoreError(f"no session database at {db} (no session has been saved yet)")
        else:
            _create_private_file(db)
        _check_side_files(db)
        if db.stat().st_size > 0:
            _validate_read_only(db, timeout_s)
            _make_private(db)
        else:  # an empty file (made by us, or given with --db) becomes the database: private
            try:
                db.chmod(PRIVATE_MODE)
            except OSError as exc:
                raise StoreError(f"cannot make session database {db} private (mode 0600): "
                                 f"{exc.strerror}") from exc
        _private_side_files(db)  # the file is ours: its -wal must be writable before we write
        try:
            conn = sqlite3.connect(db, timeout=timeout_s, isolation_level=None,
                                   check_same_thread=False)
        except sqlite3.Error as exc:
            raise StoreError(_describe(exc, db, timeout_s)) from exc
        store = cls(conn, db, timeout_s)
        with _closed_on_error(conn, db, timeout_s):
            store._prepare()
        return store

    @classmethod
    def open_read_only(cls, path: str | os.PathLike[str] | None = None, *,
                       timeout_s: float = DEFAULT_TIMEOUT_S) -> SessionStore:
        """Open an existing database only to read it: nothing is written, not even the recovery
        of unfinished sessions, and no -wal/-shm is made beside it (see :func:`_read_only_uri`),
        so a read-only file, also on a read-only file system, can be reviewed.

        A file in an older format is upgraded by an ordinary :meth:`open` when it is writable;
        a read-only one is refused (its queries would not work) with one line.
        """
        db = resolve_db_path(path)
        if not db.exists():
            raise StoreError(f"no session database at {db} (no session has been saved yet)")
        _check_existing_file(db, write=False)
        _check_side_files(db)
        try:
            conn = sqlite3.connect(_read_only_uri(db), uri=True,
                                   timeout=timeout_s, isolation_level=None,
                                   check_same_thread=False)
        except sqlite3.Error as exc:
            raise StoreError(_describe(exc, db, timeout_s)) from exc
        with _closed_on_error(conn, db, timeout_s):
            version, _app_id = _check_identity(conn, db)
            conn.execute(f"PRAGMA busy_timeout = {int(timeout_s * 1000)}")
        if version < SCHEMA_VERSION:
            conn.close()
            if _writable(db):
                return cls.open(db, timeout_s=timeout_s, create=False)
            raise StoreError(f"session database {db} is read-only and in an older format "
                             f"(schema v{version}, now v{SCHEMA_VERSION}): make it writable "
                             "once so that rocking can upgrade it")
        store = cls(conn, db, timeout_s)
        store.read_only = True
        return store

    def _as_seen(self, rows: list[SessionRow]) -> list[SessionRow]:
        """Read-only: a session left running by a process that is gone is shown interrupted
        (as an ordinary open would mark it), without writing that down."""
        if not self.read_only or all(r.status != "running" for r in rows):
            return rows
        now, out = time.time(), []
        for r in rows:
            if r.status == "running":
                owner = self._conn.execute(
                    "SELECT owner_host, owner_pid, owner_start, heartbeat_at FROM sessions "
                    "WHERE id = ?", (r.id,)).fetchone()
                if owner is not None and _owner_gone(owner[0], owner[1], owner[2], owner[3],
                                                     now):
                    r = replace(r, status="interrupted",
                                ended_at=owner[3] if owner[3] is not None else r.started_at)
            out.append(r)
        return out

    def _prepare(self) -> None:
        conn = self._conn
        # Checked again (the read-only look may have met an empty file): nothing below writes
        # unless the file is ours and not newer.
        version, app_id = _check_identity(conn, self.path)
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA secure_delete = ON")
        conn.execute(f"PRAGMA busy_timeout = {int(self.timeout_s * 1000)}")
        mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if str(mode).lower() != "wal":
            raise StoreError(f"session database {self.path}: cannot use WAL mode ({mode}); "
                             "is it on a network or read-only file system?")
        conn.execute("PRAGMA synchronous = NORMAL")
        with self._write():
            version = int(conn.execute("PRAGMA user_version").fetchone()[0])
            for step in range(version, SCHEMA_VERSION):
                log.info("upgrading session database %s to schema v%d", self.path, step + 1)
                for statement in _split_sql(MIGRATIONS[step]):
                    conn.execute(statement)
                conn.execute(f"PRAGMA user_version = {step + 1}")
            if app_id != APPLICATION_ID:
                conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            self.recovered = self._recover_interrupted()
        _private_side_files(self.path)

    def _recover_interrupted(self) -> list[int]:
        rows = self._conn.execute(
            "SELECT id, owner_host, owner_pid, owner_start, heartbeat_at, started_at "
            "FROM sessions WHERE status = 'running'").fetchall()
        now = time.time()
        gone = [r for r in rows if _owner_gone(r[1], r[2], r[3], r[4], now)]
        for sid, *_rest, heartbeat, started in gone:
            self._conn.execute(
                "UPDATE sessions SET status = 'interrupted', ended_at = ? WHERE id = ?",
                (heartbeat if heartbeat is not None else started, sid))
            log.warning("session %d was left unfinished (the program stopped); "
                        "marked interrupted", sid)
        return [int(r[0]) for r in gone]

    @contextlib.contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction (taken at once, so a busy file fails here, not halfway).
        Inside another one (import_session), part of it: all or nothing together."""
        if self._conn.in_transaction:
            yield self._conn
            return
        self._conn.execute("BEGIN IMMEDIATE")
        try:
            yield self._conn
        except BaseException:
            self._conn.execute("ROLLBACK")
            raise
        self._conn.execute("COMMIT")

    @contextlib.contextmanager
    def _errors(self) -> Iterator[None]:
        try:
            yield
        except sqlite3.Error as exc:
            raise StoreError(_describe(exc, self.path, self.timeout_s)) from exc

    @property
    def connection(self) -> sqlite3.Connection:
        """The raw connection, for the review's queries."""
        return self._conn

    def close(self) -> None:
        """Close the connection (SQLite checkpoints the WAL into the main file)."""
        self._conn.close()

    def __enter__(self) -> SessionStore:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    # -- writing
    def start_session(self, meta: SessionMeta) -> int:
        """Insert a running session owned by this process; return its id."""
        now = time.time()
        started = meta.started_at if meta.started_at is not None else now
        pid = os.getpid()
        with self._errors(), self._write() as c:
            cur = c.execute(
                "INSERT INTO sessions (started_at, source, source_detail, target_reps, "
                "target_period_s, target_back_s, target_forward_s, tempo_tolerance, "
                "settings_json, model_variant, tool_version, status, owner_host, owner_pid, "
                "owner_start, heartbeat_at, kind, name, pain_before, pain_after) "
                "VALUES (?,?,?,?,?,?,?,?,?,?,?,'running',?,?,?,?,?,?,?,?)",
                (started, meta.source, meta.source_detail, meta.target_reps,
                 meta.target_period_s, meta.target_back_s, meta.target_forward_s,
                 meta.tempo_tolerance, json.dumps(meta.settings, sort_keys=True, default=str),
                 meta.model_variant, meta.tool_version, socket.gethostname(), pid,
                 _process_start(pid), now, meta.kind, meta.name, meta.pain_before,
                 meta.pain_after))
            sid = cur.lastrowid
        assert sid is not None
        return int(sid)

    def append(self, session_id: int, *, reps: Sequence[Rep] = (),
               warnings: Sequence[MovementWarning] = (),
               posture: Sequence[PostureEvent] = (), samples: Sequence[Sample] = (),
               losses: Sequence[Loss] = (), heartbeat: bool = True) -> None:
        """Write a batch of events for a session in one transaction."""
        with self._errors(), self._write() as c:
            if losses:
                c.executemany(
                    "INSERT INTO losses (session_id, start_s, end_s) VALUES (?,?,?)",
                    [(session_id, x.start_s, x.end_s) for x in losses])
            if reps:
                c.executemany(
                    "INSERT INTO reps (session_id, rep_index, start_s, end_s, period_s, back_s, "
                    "forward_s, depth, peak_speed, jerk, forceful, partial, pause_s, "
                    "peak_accel) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                    [(session_id, r.index, r.start_s, r.end_s, r.period_s, r.back_s,
                      r.forward_s, r.depth, r.peak_speed, r.jerk, int(r.forceful),
                      int(r.partial), r.pause_s, r.peak_accel) for r in reps])
            if warnings:
                c.executemany(
                    "INSERT INTO warnings (session_id, t_s, kind, message, value, threshold) "
                    "VALUES (?,?,?,?,?,?)",
                    [(session_id, w.t_s, str(w.kind), w.message, w.value, w.threshold)
                     for w in warnings])
            if posture:
                c.executemany(
                    "INSERT INTO posture_events (session_id, t_s, verdict, faults_json, message) "
                    "VALUES (?,?,?,?,?)",
                    [(session_id, p.t_s, str(p.verdict), json.dumps(p.faults, sort_keys=True),
                      p.message) for p in posture])
            if samples:
                c.executemany(
                    "INSERT OR REPLACE INTO samples (session_id, t_s, depth, speed, phase, "
                    "verdict, target, active) VALUES (?,?,?,?,?,?,?,?)",
                    [(session_id, s.t_s, s.depth, s.speed, s.phase, s.verdict, s.target,
                      ",".join(s.active)) for s in samples])
            if heartbeat:
                c.execute("UPDATE sessions SET heartbeat_at = ? WHERE id = ?",
                          (time.time(), session_id))

    def set_pain(self, session_id: int, *, before: int | None = None,
                 after: int | None = None) -> None:
        """Record the pain check-in (0-10) before and/or after a session; None leaves a
        value as it is."""
        check_pain(before)
        check_pain(after)
        with self._errors(), self._write() as c:
            c.execute("UPDATE sessions SET pain_before = coalesce(?, pain_before), "
                      "pain_after = coalesce(?, pain_after) WHERE id = ?",
                      (before, after, session_id))

    def finish_session(self, session_id: int, status: Status,
                       ended_at: float | None = None) -> None:
        """Mark a session completed or interrupted."""
        if status not in ("completed", "interrupted"):
            raise ValueError(f"a session finishes completed or interrupted, not {status!r}")
        end = ended_at if ended_at is not None else time.time()
        with self._errors(), self._write() as c:
            c.execute("UPDATE sessions SET status = ?, ended_at = ?, heartbeat_at = ? "
                      "WHERE id = ?", (status, end, end, session_id))

    def delete_session(self, session_id: int) -> bool:
        """Delete a session and everything recorded with it; False if there was none."""
        with self._errors(), self._write() as c:
            cur = c.execute("DELETE FROM sessions WHERE id = ?", (session_id,))
            return cur.rowcount > 0

    def import_session(self, data: SessionData, *, content_hash: str | None = None,
                       replaces: int | None = None) -> int:
        """Store a whole session read elsewhere (a JSON fallback file) in one transaction (all
        or nothing); return its new id. ``content_hash`` (the file's SHA-256) is kept in the
        session's settings as ``imported_from``; a file imported before raises
        :class:`AlreadyImported` and adds nothing. ``replaces``: the id the session had in
        this database when it failed; the partial copy left there is deleted in the same
        transaction if it is that session (same start, ``interrupted``, no more reps than the
        file holds); :attr:`last_import_replaced` then names it."""
        row = data.session
        settings = dict(row.meta.settings)
        if content_hash is not None:
            settings["imported_from"] = {"sha256": content_hash}
        meta = replace(row.meta, started_at=row.started_at, settings=settings)
        status: Status = "completed" if row.status == "completed" else "interrupted"
        replaced: int | None = None
        with self._errors(), self._write() as c:
            if content_hash is not None:
                found = c.execute(
                    "SELECT id FROM sessions WHERE json_valid(settings_json) AND "
                    "json_extract(settings_json, '$.imported_from.sha256') = ? LIMIT 1",
                    (content_hash,)).fetchone()
                if found is not None:
                    raise AlreadyImported(int(found[0]))
            if replaces is not None:
                old = c.execute("SELECT started_at, status, (SELECT count(*) FROM reps WHERE "
                                "session_id = ?) FROM sessions WHERE id = ?",
                                (replaces, replaces)).fetchone()
                if (old is not None and old[0] == row.started_at and old[1] == "interrupted"
                        and old[2] <= len(data.reps)):
                    c.execute("DELETE FROM sessions WHERE id = ?", (replaces,))
                    replaced = replaces
            sid = self.start_session(meta)
            self.append(sid, reps=data.reps, warnings=data.warnings, posture=data.posture,
                        samples=data.samples, losses=data.losses, heartbeat=False)
            self.finish_session(sid, status, row.ended_at)
        self.last_import_replaced = replaced
        return sid

    # -- reading
    def session(self, session_id: int) -> SessionRow | None:
        """One session's row, or None."""
        with self._errors():
            row = self._conn.execute(f"SELECT {_SESSION_COLS} FROM sessions WHERE id = ?",
                                     (session_id,)).fetchone()
            return self._as_seen([_session_row(row)])[0] if row else None

    def sessions(self, *, since: float | None = None, until: float | None = None,
                 limit: int | None = None,
                 kinds: Sequence[str] | None = None) -> list[SessionRow]:
        """Sessions started in [since, until), newest first; only these ``kinds`` if given."""
        params: list[Any] = [since if since is not None else float("-inf"),
                             until if until is not None else float("inf")]
        only = ""
        if kinds is not None:
            only = f" AND kind IN ({','.join('?' * len(kinds))})"
            params += list(kinds)
        sql = f"SELECT {_SESSION_COLS} FROM sessions WHERE started_at >= ? AND started_at < ?" \
              f"{only} ORDER BY started_at DESC, id DESC"
        if limit is not None:
            sql += " LIMIT ?"
            params.append(limit)
        with self._errors():
            return self._as_seen([_session_row(r) for r in self._conn.execute(sql, params)])

    def reps(self, session_id: int) -> list[Rep]:
        """A session's reps (partials included) in the order they happened."""
        with self._errors():
            rows = self._conn.execute(
                "SELECT rep_index, start_s, end_s, period_s, back_s, forward_s, depth, "
                "peak_speed, jerk, forceful, partial, pause_s, peak_accel FROM reps "
                "WHERE session_id = ? ORDER BY id",
                (session_id,)).fetchall()
        return [Rep(index=int(r[0]), start_s=r[1], end_s=r[2], period_s=r[3], back_s=r[4],
                    forward_s=r[5], depth=r[6], peak_speed=r[7], jerk=r[8],
                    forceful=bool(r[9]), partial=bool(r[10]), pause_s=r[11],
                    peak_accel=r[12]) for r in rows]

    def warnings(self, session_id: int) -> list[MovementWarning]:
        """A session's warnings in time order."""
        with self._errors():
            rows = self._conn.execute(
                "SELECT t_s, kind, message, value, threshold FROM warnings "
                "WHERE session_id = ? ORDER BY t_s, id", (session_id,)).fetchall()
        return [MovementWarning(r[0], _warning_kind(r[1]), r[2], r[3], r[4]) for r in rows]

    def posture_events(self, session_id: int) -> list[PostureEvent]:
        """A session's posture changes in time order."""
        with self._errors():
            rows = self._conn.execute(
                "SELECT t_s, verdict, faults_json, message FROM posture_events "
                "WHERE session_id = ? ORDER BY t_s, id", (session_id,)).fetchall()
        return [PostureEvent(r[0], Verdict(r[1]), faults_from_names(json.loads(r[2])), r[3])
                for r in rows]

    def losses(self, session_id: int) -> list[Loss]:
        """When the person was out of view in a session, in time order."""
        with self._errors():
            rows = self._conn.execute(
                "SELECT start_s, end_s FROM losses WHERE session_id = ? ORDER BY start_s, id",
                (session_id,)).fetchall()
        return [Loss(r[0], r[1]) for r in rows]

    def samples(self, session_id: int) -> list[Sample]:
        """A session's downsampled time series."""
        with self._errors():
            rows = self._conn.execute(
                "SELECT t_s, depth, speed, phase, verdict, target, active FROM samples "
                "WHERE session_id = ? ORDER BY t_s", (session_id,)).fetchall()
        return [Sample(r[0], r[1], r[2], r[3], r[4], r[5],
                       tuple(x for x in r[6].split(",") if x)) for r in rows]

    def load(self, session_id: int) -> SessionData | None:
        """Everything stored about one session, or None."""
        row = self.session(session_id)
        if row is None:
            return None
        return SessionData(row, self.reps(session_id), self.warnings(session_id),
                           self.posture_events(session_id), self.samples(session_id),
                           self.losses(session_id))


_SESSION_COLS = ("id, started_at, ended_at, source, source_detail, target_reps, target_period_s, "
                 "target_back_s, target_forward_s, tempo_tolerance, settings_json, model_variant, "
                 "tool_version, status, heartbeat_at, kind, name, pain_before, pain_after")


def _session_row(r: Sequence[Any]) -> SessionRow:
    meta = SessionMeta(source=r[3], source_detail=r[4], target_reps=r[5], target_period_s=r[6],
                       target_back_s=r[7], target_forward_s=r[8], tempo_tolerance=r[9],
                       settings=json.loads(r[10] or "{}"), model_variant=r[11],
                       tool_version=r[12], started_at=r[1], kind=r[15], name=r[16],
                       pain_before=r[17], pain_after=r[18])
    return SessionRow(id=int(r[0]), meta=meta, started_at=r[1], ended_at=r[2], status=r[13],
                      heartbeat_at=r[14])


def _warning_kind(value: str) -> WarningKind:
    return WarningKind(value)


def faults_from_names(names: dict[str, bool]) -> dict[Fault, bool]:
    """Stored posture faults (their names, as saved) as Faults. A name this version does not
    know is left out, with a note in the log: the rest of the session still reads."""
    known = {f.value for f in Fault}
    unknown = sorted(k for k in names if k not in known)
    if unknown:
        log.warning("posture faults this version does not know, left out: %s",
                    ", ".join(unknown))
    return {Fault(k): bool(v) for k, v in names.items() if k in known}


def _split_sql(script: str) -> Iterable[str]:
    """The statements of a migration script (no semicolons inside statements)."""
    lines = [ln.split("--", 1)[0] for ln in script.splitlines()]
    for stmt in "\n".join(lines).split(";"):
        if stmt.strip():
            yield stmt.strip()


# --- JSON form (export, and the fallback file when the database fails mid-session) ----------------
JSON_FORMAT = "rocking-session"


def session_to_json(data: SessionData, *, with_samples: bool = True) -> dict[str, Any]:
    """A session as plain JSON-able data (the export and fallback format)."""
    row = data.session
    meta = asdict(row.meta)
    meta.pop("started_at")
    out: dict[str, Any] = {
        "id": row.id, "started_at": row.started_at, "ended_at": row.ended_at,
        "status": row.status, **meta,
        "reps": [asdict(r) for r in data.reps],
        "warnings": [{**asdict(w), "kind": str(w.kind)} for w in data.warnings],
        "posture": [{**asdict(p), "verdict": str(p.verdict)} for p in data.posture],
        "losses": [asdict(x) for x in data.losses],
    }
    if with_samples:
        out["samples"] = [{**asdict(s), "active": list(s.active)} for s in data.samples]
    return out
