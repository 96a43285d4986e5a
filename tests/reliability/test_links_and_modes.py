"""Nothing leaks: everything the tool writes that holds a person's data is 0600, new or
existing; a link planted in the database folder is never followed; a database that is refused
or only read gets nothing new beside it; a read-only database can still be reviewed."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import sqlite3
import stat
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from pose.events import Phase, Rep, Verdict
from sessions.history.store import Sample, SessionMeta, SessionStore, StoreError

RunCli = Callable[..., tuple[int, str, str]]


def mode(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


def listing(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def make_db(path: Path) -> Path:
    """A database with one finished session that has reps and a movement series."""
    with SessionStore.open(path) as store:
        sid = store.start_session(SessionMeta(source="video", source_detail="clip.mp4"))
        store.append(sid, reps=[Rep(0, 1.0, 6.0, 5.0, 3.0, 2.0, 0.8, 0.5, 0.1, forceful=False)],
                     samples=[Sample(i * 0.2, 0.1 * (i % 10), 0.05, str(Phase.BACK),
                                     str(Verdict.ON_ALL_FOURS)) for i in range(60)])
        store.finish_session(sid, "completed")
    return path


@pytest.fixture
def db(tmp_path: Path) -> Path:
    folder = tmp_path / "history"
    folder.mkdir()
    return make_db(folder / "sessions.db")


# --- modes ---------------------------------------------------------------------------------------
def test_existing_0644_database_made_private_by_a_writing_open(db: Path) -> None:
    db.chmod(0o644)
    with SessionStore.open(db) as store:
        store.sessions()
        assert mode(db) == 0o600
        assert all(mode(db.with_name(db.name + s)) == 0o600 for s in ("-wal", "-shm")
                   if db.with_name(db.name + s).exists())


@pytest.mark.parametrize("argv", [
    ["export", "--output", "{out}.json"],
    ["export", "--format", "csv", "--output", "{out}.csv"],
    ["review", "1", "--plot", "{out}.png"],
    ["review", "1", "--report", "{out}.html"],
    ["review", "--report", "{out}.html"],
], ids=["export-json", "export-csv", "plot", "report", "range-report"])
def test_outputs_over_an_existing_0644_file_end_up_0600(run_cli: RunCli, db: Path,
                                                       tmp_path: Path, argv: list[str]) -> None:
    target = Path(argv[-1].format(out=tmp_path / "out"))
    target.write_text("an old world-readable file")
    target.chmod(0o644)
    code, _, err = run_cli(*argv[:-1], target, "--db", db)
    assert code == 0, err
    assert mode(target) == 0o600 and target.read_bytes() != b"an old world-readable file"
    assert [p for p in listing(tmp_path) if p.endswith(".tmp")] == []


# --- planted links -------------------------------------------------------------------------------
@pytest.mark.parametrize("suffix", ["-wal", "-shm", "-journal"])
@pytest.mark.parametrize("argv", [["review"], ["delete", "1", "--yes"], ["export"]],
                         ids=["review", "delete", "export"])
def test_planted_side_file_link_is_refused_and_never_followed(
        run_cli: RunCli, db: Path, victim: Path, untouched: Callable[[], bool], suffix: str,
        argv: list[str]) -> None:
    side = db.with_name(db.name + suffix)
    side.symlink_to(victim)
    before = listing(db.parent)
    code, out, err = run_cli(*argv, "--db", db)
    assert code == 3 and out == ""
    assert err.startswith("rocking: error: ") and "is a link" in err and err.count("\n") == 1
    assert untouched()
    assert listing(db.parent) == before and side.is_symlink()


def test_store_refuses_a_side_file_that_is_a_folder(db: Path) -> None:
    db.with_name(db.name + "-wal").mkdir()
    with pytest.raises(StoreError, match="not a regular file"):
        SessionStore.open(db)


# --- nothing new beside a refused or only-read database ------------------------------------------
def test_review_of_a_read_only_database_leaves_nothing_beside_it(run_cli: RunCli,
                                                                 db: Path) -> None:
    db.chmod(0o444)
    before, content = listing(db.parent), db.read_bytes()
    for argv in (["review"], ["review", "1"], ["export", "--format", "csv"]):
        code, out, err = run_cli(*argv, "--db", db)
        assert code == 0 and out, err
    code, _, err = run_cli("delete", "1", "--yes", "--db", db)
    assert code == 3 and "read-only" in err
    assert listing(db.parent) == before and db.read_bytes() == content


def test_refused_foreign_database_leaves_its_folder_as_it_was(run_cli: RunCli,
                                                              tmp_path: Path) -> None:
    foreign = tmp_path / "other.db"
    with contextlib.closing(sqlite3.connect(foreign)) as conn:
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("CREATE TABLE notes (x)")
        conn.commit()
    before, content = listing(tmp_path), foreign.read_bytes()
    for argv in (["review"], ["delete", "1", "--yes"]):
        code, _, err = run_cli(*argv, "--db", foreign)
        assert code == 3 and "not a rocking session database" in err
    assert listing(tmp_path) == before and foreign.read_bytes() == content


@contextlib.contextmanager
def read_only_folder(folder: Path) -> Iterator[None]:
    """The folder made unwritable: by its mode for an ordinary user; for root (who may write
    anything) by a read-only tmpfs mounted over it, or the test is skipped."""
    if os.geteuid() != 0:
        folder.chmod(0o555)
        try:
            yield
        finally:
            folder.chmod(0o755)
        return
    keep = folder.with_name(folder.name + "-copy")
    shutil.copytree(folder, keep)
    mount = shutil.which("mount")
    if mount is None or subprocess.run([mount, "-t", "tmpfs", "-o", "size=4m", "tmpfs",
                                        str(folder)], capture_output=True).returncode != 0:
        pytest.skip("running as root without permission to mount a read-only file system")
    try:
        for item in keep.iterdir():
            shutil.copy2(item, folder / item.name)
        subprocess.run([mount, "-o", "remount,ro", str(folder)], check=True,
                       capture_output=True)
        yield
    finally:
        subprocess.run(["umount", str(folder)], check=False, capture_output=True)


def test_database_on_a_read_only_file_system_can_be_reviewed(run_cli: RunCli, db: Path) -> None:
    with read_only_folder(db.parent):
        assert not os.access(db.parent, os.W_OK)
        code, out, err = run_cli("review", "--db", db)
        assert code == 0, err
        assert "Rocking sessions" in out and "clip.mp4" not in err
        code, out, err = run_cli("review", "1", "--db", db)
        assert code == 0 and "1 rep" in out, err
        code, _, err = run_cli("delete", "1", "--yes", "--db", db)
        assert code == 3 and err.count("\n") == 1


def test_read_only_file_system_with_a_crash_left_wal_shows_everything(run_cli: RunCli,
                                                                      tmp_path: Path) -> None:
    """The database's newest sessions are still only in its -wal (a writer was killed, or the
    disk was made read-only under it): a review on the read-only file system sees them."""
    folder = tmp_path / "history"
    folder.mkdir()
    db = make_db(folder / "sessions.db")
    store = SessionStore.open(db)  # kept open: its commits stay in the -wal
    try:
        sid = store.start_session(SessionMeta(source="camera"))
        store.finish_session(sid, "completed")
        assert db.with_name(db.name + "-wal").stat().st_size > 0
        with read_only_folder(folder):
            code, out, err = run_cli("review", "--json", "--db", db)
            assert code == 0, err
            assert len(json.loads(out)["sessions"]) == 2
    finally:
        store.close()


# --- --db that cannot be a database --------------------------------------------------------------
def test_dangling_db_link_is_one_line(run_cli: RunCli, tmp_path: Path) -> None:
    link = tmp_path / "sessions.db"
    link.symlink_to(tmp_path / "gone" / "sessions.db")
    code, _, err = run_cli("delete", "1", "--yes", "--db", link)
    assert code == 2 and err.count("\n") == 1 and "Traceback" not in err
    with pytest.raises(StoreError, match="which does not exist"):
        SessionStore.open(link)
    assert not (tmp_path / "gone").exists()


def test_db_under_a_file_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "plain").write_text("a file")
    with pytest.raises(StoreError, match="is a file, not a folder"):
        SessionStore.open(tmp_path / "plain" / "sessions.db")
