"""Odd and hostile command lines get one line (`rocking: error: ...`) and a non-zero exit, never
a traceback; exported text cannot run as a spreadsheet formula; names cannot drive the
terminal; a frame rate no camera makes is not believed."""

from __future__ import annotations

import csv
import io
import struct
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np
import pytest
from helpers.media import still_image

from pose.events import MovementWarning, WarningKind
from sessions.history.store import SessionMeta, SessionStore

RunCli = Callable[..., tuple[int, str, str]]
HUGE = "99999999999999999999"


def one_line_error(code: int, out: str, err: str) -> bool:
    return (code in (2, 3) and err.startswith("rocking: error: ") and err.count("\n") == 1
            and "Traceback" not in err)


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "s.db"
    with SessionStore.open(path) as store:
        sid = store.start_session(SessionMeta(source="video",
                                              source_detail='=HYPERLINK("evil")'))
        store.append(sid, warnings=[
            MovementWarning(3.0, WarningKind.TOO_FAST, "@SUM(A1:A9)", -1.5, 1.0),
            MovementWarning(4.0, WarningKind.TOO_FAST, "-2+3", None, None),
            MovementWarning(5.0, WarningKind.TOO_FAST, "+cmd|' /C calc'!A0", 2.0, 1.0),
            MovementWarning(6.0, WarningKind.TOO_FAST, "\t=1+1", None, None)])
        store.finish_session(sid, "completed")
    return path


@pytest.mark.parametrize("argv", [
    ["review", HUGE], ["delete", HUGE, "--yes"], ["review", "--limit", HUGE],
    ["review", "--since", "800000d"], ["export", "--until", "800000d"], ["review", "0"],
    ["review", "--since", "99999999999w"],
], ids=["review-id", "delete-id", "limit", "since", "until", "zero-id", "weeks"])
def test_out_of_range_numbers_are_one_line(run_cli: RunCli, db: Path, argv: list[str]) -> None:
    code, out, err = run_cli(*argv, "--db", db)
    assert one_line_error(code, out, err), err
    assert "--help" in err


@pytest.mark.parametrize("argv", [
    ["review", "--bogus"], ["export", "--format", "xml"], ["analyze"], ["nonsense"],
    ["delete"], ["live", "--people", "9"],
], ids=["unknown-option", "bad-choice", "missing-path", "unknown-command", "missing-id",
        "bad-value"])
def test_argument_errors_are_one_line_with_a_pointer_to_help(run_cli: RunCli,
                                                             argv: list[str]) -> None:
    code, out, err = run_cli(*argv)
    assert code == 2 and out == ""
    assert err.startswith("rocking: error: ") and err.count("\n") == 1, err
    assert err.rstrip().endswith("--help`)") and "usage:" not in err


def test_live_headless_out_naming_a_folder_is_one_line(run_cli: RunCli, tmp_path: Path) -> None:
    folder = tmp_path / "recordings.mp4"
    folder.mkdir()
    code, out, err = run_cli("live", "--headless", "--out", folder, "--db", tmp_path / "s.db")
    assert one_line_error(code, out, err) and "is a folder" in err
    assert not (tmp_path / "s.db").exists()  # refused before anything was opened


def test_analyze_out_naming_a_folder_is_one_line(run_cli: RunCli, tmp_path: Path) -> None:
    photo = still_image(tmp_path / "me.jpg", (8, 8))
    folder = tmp_path / "drawn.jpg"
    folder.mkdir()
    code, out, err = run_cli("analyze", photo, "--out", folder, "--no-save")
    assert one_line_error(code, out, err) and "is a folder" in err


# --- exports a spreadsheet opens ------------------------------------------------------------------
def test_csv_cells_never_start_a_formula(run_cli: RunCli, db: Path) -> None:
    code, sessions_csv, err = run_cli("export", "--format", "csv", "--db", db)
    assert code == 0, err
    row = next(csv.DictReader(io.StringIO(sessions_csv)))
    assert row["source_detail"] == row["name"] == "'=HYPERLINK(\"evil\")"
    assert row["id"] == "1"  # numbers stay numbers
    code, warnings_csv, err = run_cli("export", "--format", "csv", "--table", "warnings",
                                      "--db", db)
    rows = list(csv.DictReader(io.StringIO(warnings_csv)))
    assert [r["message"] for r in rows] == ["'@SUM(A1:A9)", "'-2+3", "'+cmd|' /C calc'!A0",
                                            "'\t=1+1"]
    assert rows[0]["value"] == "-1.5"  # a negative number is not text: left as it is
    for text in (sessions_csv, warnings_csv):
        cells = [c for r in csv.reader(io.StringIO(text)) for c in r]
        assert not any(c[:1] in ("=", "+", "@", "\t") for c in cells)
    code, as_json, err = run_cli("export", "--db", db)  # JSON keeps the text exactly
    assert '=HYPERLINK(\\"evil\\")' in as_json and "'=" not in as_json


# --- names that would drive the terminal ---------------------------------------------------------
ESCAPE = "\x1b]0;owned\x07\x1b[2J"


def test_file_names_with_escape_sequences_are_printed_escaped(run_cli: RunCli, db: Path,
                                                              tmp_path: Path) -> None:
    code, _, err = run_cli("import", tmp_path / f"{ESCAPE}.json", "--db", db)
    assert code != 0 and "\x1b" not in err and "\\x1b]0;owned\\x07" in err
    target = tmp_path / f"export{ESCAPE}.json"
    code, _, err = run_cli("export", "--output", target, "--db", db)
    assert code == 0 and target.exists()
    assert "\x1b" not in err and "\\x1b[2J" in err
    code, _, err = run_cli("review", "--db", tmp_path / f"none{ESCAPE}.db")  # not there
    assert code == 2 and "\x1b" not in err and "\x07" not in err and "\\x1b[2J" in err


def test_stored_names_with_escape_sequences_are_shown_escaped(
        run_cli: RunCli, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A session's source (a video's path, stored when it was analysed) is shown escaped by
    the review table and page; the analyze summary shows its own source escaped too."""
    db = tmp_path / "s.db"
    with SessionStore.open(db) as store:
        sid = store.start_session(SessionMeta(source="video",
                                              source_detail=f"/videos/clip{ESCAPE}.mp4"))
        store.finish_session(sid, "completed")
    for argv in (["review"], ["review", "1"]):
        code, out, err = run_cli(*argv, "--db", db)
        assert code == 0, err
        assert "\x1b" not in out and "\x07" not in out
    code, out, _ = run_cli("review", "1", "--db", db, "--json")  # JSON escapes by itself
    assert "\x1b" not in out and "clip\\u001b]0;owned" in out
    from sessions.cli.analyze import emit
    from sessions.cli.analyze_report import base_report

    emit(base_report(f"me{ESCAPE}.jpg", 1, 0.0, 0), as_json=False, out=tmp_path / f"o{ESCAPE}")
    out = capsys.readouterr().out
    assert "me\\x1b]0;owned" in out and "\x1b" not in out and "\x07" not in out


# --- a frame rate no camera makes ----------------------------------------------------------------
def test_mp4_with_timescale_zero_is_not_a_17_minute_frame(tmp_path: Path,
                                                          caplog: pytest.LogCaptureFixture
                                                          ) -> None:
    from pose.estimation.sources import FALLBACK_FPS, VideoFileSource

    path = tmp_path / "broken.mp4"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"mp4v"), 10.0, (64, 48))
    for i in range(10):
        writer.write(np.full((48, 64, 3), 20 * i, np.uint8))
    writer.release()
    data = bytearray(path.read_bytes())
    for box in (b"mvhd", b"mdhd"):  # version 0 boxes: the timescale follows two 32-bit times
        at = data.find(box) + 4 + 4 + 8
        assert struct.unpack(">I", data[at:at + 4])[0] > 0
        data[at:at + 4] = b"\0\0\0\0"
    path.write_bytes(bytes(data))
    source = VideoFileSource(path)
    assert source.fps == FALLBACK_FPS
    assert "frame rate no camera makes" in caplog.text
    times = [f.t_s for f in source]
    assert times and times[-1] < 60.0


# --- the installed command, as a person runs it (smoke) ------------------------------------------
@pytest.mark.slow
def test_real_process_one_line_errors_and_refusal(tmp_path: Path) -> None:
    from helpers.cli import run_process

    photo = still_image(tmp_path / "me.jpg", (8, 8), 90)
    before = photo.read_bytes()
    link = tmp_path / "link.jpg"
    link.symlink_to(photo)
    for argv, message in ((["review", HUGE], "a session id is a whole number"),
                          (["analyze", photo, "--out", link], "it is the file being read")):
        done = run_process(*argv, "--db", tmp_path / "s.db")
        assert done.returncode == 2 and done.stdout == ""
        assert done.stderr.count("\n") == 1 and message in done.stderr, done.stderr
    assert photo.read_bytes() == before
