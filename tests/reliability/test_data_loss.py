"""Nothing a person recorded is lost: an output never replaces what is being read, files are
written whole or not at all, and a session that was not saved is never reported as saved."""

from __future__ import annotations

import errno
import json
import os
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

import cv2
import pytest
from helpers.databases import locked
from helpers.fake_estimators import NobodyEstimator
from helpers.media import still_image

from sessions.history.store import SessionMeta, SessionStore, StoreError
from sessions.output import private_files
from sessions.output.private_files import OutputError, write_private_bytes

RunCli = Callable[..., tuple[int, str, str]]


def mode(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


@pytest.fixture
def photo(tmp_path: Path) -> Path:
    return still_image(tmp_path / "me.jpg", (64, 48), 120)


@pytest.fixture
def clip(tmp_path: Path) -> Path:
    path = tmp_path / "me.mp4"
    path.write_bytes(b"\x00\x00\x00\x18ftypmp42 a person's own recording")
    return path


@pytest.fixture
def fake_estimator(monkeypatch: pytest.MonkeyPatch) -> None:
    import pose.estimation.estimator

    monkeypatch.setattr(pose.estimation.estimator, "PoseEstimator", NobodyEstimator)


# --- an output that is the input ------------------------------------------------------------------
@pytest.mark.parametrize("how", ["same", "symlink", "hardlink"])
@pytest.mark.parametrize("kind", ["photo", "clip"])
def test_analyze_out_never_replaces_its_input(run_cli: RunCli, tmp_path: Path, how: str,
                                              kind: str, request: pytest.FixtureRequest) -> None:
    src: Path = request.getfixturevalue(kind)
    before = src.read_bytes()
    out = src
    if how == "symlink":
        out = tmp_path / f"link{src.suffix}"
        out.symlink_to(src)
    elif how == "hardlink":
        out = tmp_path / f"hard{src.suffix}"
        os.link(src, out)
    code, stdout, err = run_cli("analyze", src, "--out", out, "--no-save", "-q")
    assert code == 2 and stdout == ""
    assert err.startswith("rocking: error: refusing to write") and err.count("\n") == 1
    assert src.read_bytes() == before


def test_private_writer_refuses_the_file_it_reads(tmp_path: Path) -> None:
    src = tmp_path / "sessions.db"
    src.write_bytes(b"data")
    link = tmp_path / "other-name.csv"
    link.symlink_to(src)
    for target in (src, link):
        with pytest.raises(OutputError, match="it is the file being read"):
            write_private_bytes(target, b"x", inputs=[src])
    assert src.read_bytes() == b"data"


def test_export_output_never_replaces_the_database(run_cli: RunCli, tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    with SessionStore.open(db) as store:
        store.finish_session(store.start_session(SessionMeta(source="demo")), "completed")
    before = db.read_bytes()
    code, _, err = run_cli("export", "--db", db, "--output", db)
    assert code == 2 and "it is the file being read" in err and err.count("\n") == 1
    assert db.read_bytes() == before
    with SessionStore.open_read_only(db) as store:
        assert len(store.sessions()) == 1


# --- whole or nothing ---------------------------------------------------------------------------
def _disk_full(fd: int, data: bytes) -> None:
    os.write(fd, data[: len(data) // 2])  # half of it made it to the disk, then no room
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def test_full_disk_leaves_the_old_file_whole(tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "report.html"
    target.write_text("the old report")
    monkeypatch.setattr(private_files, "_write_all", _disk_full)
    with pytest.raises(OutputError, match="no space left on the disk"):
        write_private_bytes(target, b"the new report " * 1000)
    assert target.read_text() == "the old report"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.html"]  # no temp file left


def test_analyze_image_out_is_private_also_over_an_existing_file(
        run_cli: RunCli, photo: Path, tmp_path: Path, fake_estimator: None) -> None:
    out = tmp_path / "drawn.jpg"
    out.write_bytes(b"old")
    out.chmod(0o644)
    code, _, err = run_cli("analyze", photo, "--out", out, "--no-save", "-q")
    assert code == 0, err
    assert mode(out) == 0o600
    assert cv2.imread(str(out)) is not None


# --- a session that was not saved is never reported saved ----------------------------------------
@pytest.fixture
def failing_database(monkeypatch: pytest.MonkeyPatch) -> None:
    """The database fails at the first write after the session starts (a full disk)."""

    def full(*_args: Any, **_kwargs: Any) -> None:
        raise StoreError("session database: database or disk is full")

    monkeypatch.setattr(SessionStore, "append", full)
    monkeypatch.setattr(SessionStore, "finish_session", full)


def test_analyze_saved_nowhere_says_so_and_fails(
        run_cli: RunCli, photo: Path, tmp_path: Path, fake_estimator: None,
        failing_database: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(private_files, "_write_all", _disk_full)  # no room for the fallback
    # a photo is saved only when asked (--save)
    code, stdout, err = run_cli("analyze", photo, "--save", "--db", tmp_path / "s.db", "--json",
                                "-q")
    report = json.loads(stdout)
    assert code == 3
    assert report["session_id"] is None and report["saved_to"] is None
    assert "could not be saved" in report["not_saved"]
    assert "rocking: error: session 1 could not be saved" in err
    assert [p.name for p in tmp_path.iterdir() if p.suffix == ".json"] == []
    code, stdout, err = run_cli("analyze", photo, "--save", "--db", tmp_path / "s.db", "-q")
    assert code == 3 and "saved as session" not in stdout


def test_analyze_saved_to_a_fallback_file_says_where(
        run_cli: RunCli, photo: Path, tmp_path: Path, fake_estimator: None,
        failing_database: None) -> None:
    code, stdout, err = run_cli("analyze", photo, "--save", "--db", tmp_path / "s.db", "-q")
    assert code == 1
    assert "saved as session" not in stdout and "NOT in the database" in stdout
    saved = [p for p in tmp_path.iterdir() if p.suffix == ".json"]
    assert len(saved) == 1 and mode(saved[0]) == 0o600
    assert f"saved to {saved[0]}" in err


def test_live_report_never_calls_a_lost_session_saved(capsys: pytest.CaptureFixture[str]) -> None:
    from sessions.cli.live import report
    from sessions.coach.live_loop import LoopResult, LoopStats

    result = LoopResult(ended_by="source_ended", status="completed", reps=3, stats=LoopStats(),
                        fallback_path=None)
    code = report(result, 1, None, lost=True)
    out = capsys.readouterr()
    assert code == 3
    assert "saved" not in out.out.replace("NOT saved", "")
    assert out.err.startswith("rocking: error: session 1 could not be saved")


def test_live_report_of_a_fallback_save_says_where_and_exits_1(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    from sessions.cli.live import report
    from sessions.coach.live_loop import LoopResult, LoopStats

    saved = tmp_path / "rocking-session-1.json"
    result = LoopResult(ended_by="source_ended", status="completed", reps=3, stats=LoopStats(),
                        fallback_path=saved)
    assert report(result, 1, None) == 1
    out = capsys.readouterr()
    assert f"session saved to {saved} (the database failed)" in out.out
    assert f"rocking import {saved}" in out.err


# --- the fallback file --------------------------------------------------------------------------
def test_fallback_never_follows_planted_links(tmp_path: Path, victim: Path,
                                              untouched: Callable[[], bool]) -> None:
    """Another user plants links at the names the fallback file used to use (and at its final
    name): the victim keeps its content and mode; the session lands in a private file."""
    import time

    from pose.events import Rep
    from sessions.history.recorder import SessionRecorder, load_fallback

    db = tmp_path / "s.db"
    with SessionStore.open(db, timeout_s=0.05) as store:
        sid = store.start_session(SessionMeta(source="camera"))
        row = store.session(sid)
        assert row is not None
        stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(row.started_at))
        name = f"rocking-session-{stamp}-{sid}.json"
        (tmp_path / (name + ".tmp")).symlink_to(victim)
        (tmp_path / name).symlink_to(victim)
        rec = SessionRecorder(store, sid)
        with locked(db):
            rec.add_rep(Rep(0, 0.0, 5.0, 5.0, 3.0, 2.0, 0.8, 0.6, 0.1, forceful=False))
            path = rec.finish("completed")
    assert untouched()
    assert path == tmp_path / name and not path.is_symlink() and mode(path) == 0o600
    assert len(load_fallback(path).reps) == 1
    assert (tmp_path / (name + ".tmp")).is_symlink()  # left alone, not written through
