"""The history commands through the real console script, with --db in a temporary folder."""

from __future__ import annotations

import base64
import csv
import io
import json
import re
import struct
import subprocess
from datetime import datetime
from pathlib import Path

import pytest
from helpers.cli import run_cli, run_process

from pose.events import Fault, Loss, MovementWarning, Rep, Verdict, WarningKind
from sessions.history.store import PostureEvent, Sample, SessionMeta, SessionStore

DAY = 86400.0
T0 = 1_780_000_000.0  # 2026-05-28


def run(*args: str, db: Path | None = None, stdin: str | None = None,
        ok: bool = True) -> subprocess.CompletedProcess[str]:
    proc = run_cli(*args, *(["--db", str(db)] if db is not None else []), stdin=stdin)
    if ok:
        assert proc.returncode == 0, proc.stderr
    return proc


def rep(i: int, period: float, forceful: bool = False, partial: bool = False) -> Rep:
    start = 2.0 + 6.0 * i
    return Rep(i, start, start + period, period, period * 0.6, period * 0.4, 0.8, 0.5, 0.1,
               forceful, partial)


def add_session(store: SessionStore, started: float, periods: list[float],
                status: str = "completed", n_warnings: int = 0) -> int:
    sid = store.start_session(SessionMeta(source="video", source_detail="clip.mp4",
                                          target_reps=8, target_period_s=6.0,
                                          target_back_s=3.5, target_forward_s=2.5,
                                          started_at=started))
    reps = [rep(i, p, forceful=p < 2.0) for i, p in enumerate(periods)]
    reps.append(rep(len(periods), 1.0, partial=True))
    warnings = [MovementWarning(3.0 + i, WarningKind.TOO_FAST, "Slow down", 2.5, 1.5)
                for i in range(n_warnings)]
    end = 2.0 + 6.0 * len(periods) + 2
    samples = [Sample(t / 5, 0.5 + 0.4 * ((t % 30) / 30), 0.2, "back", "on_all_fours",
                      0.5) for t in range(int(end * 5))]
    store.append(sid, reps=reps, warnings=warnings, samples=samples,
                 posture=[PostureEvent(0.0, Verdict.ON_ALL_FOURS),
                          PostureEvent(4.0, Verdict.LIMB_LIFTED, {Fault.HAND_LIFTED: True},
                                       "a hand is lifted")])
    if status != "running":
        store.finish_session(sid, status, started + end)  # type: ignore[arg-type]
    return sid


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "history.db"
    with SessionStore.open(path) as store:
        add_session(store, T0, [6.0, 6.2, 5.0, 1.5], n_warnings=2)           # id 1
        add_session(store, T0 + DAY, [6.0, 6.1, 6.0, 5.9, 6.3], "interrupted")  # id 2
        add_session(store, T0 + 2 * DAY, [5.5, 6.0, 9.0], n_warnings=1)      # id 3
        store.append(3, losses=[Loss(12.25, 14.75)])          # out of view 2.5 s
    return path




def test_review_json_lists_sessions_newest_first(db: Path) -> None:
    out = json.loads(run("review", "--json", db=db).stdout)
    sessions = out["sessions"]
    assert [s["id"] for s in sessions] == [3, 2, 1]
    first = sessions[2]
    assert {"id", "started_at", "source", "rep_count", "status"} <= set(first)
    assert first["source"] == "video" and first["status"] == "completed"
    assert first["rep_count"] == 4 and first["partial_count"] == 1
    assert first["forceful_count"] == 1 and first["warning_count"] == 2
    assert first["median_period_s"] == pytest.approx(5.5)
    assert first["on_tempo_share"] == pytest.approx(0.75)  # 6.0, 6.2, 5.0 within 6 +- 1.2
    assert sessions[1]["status"] == "interrupted"


MIDWAY = datetime.fromtimestamp(T0 + 1.5 * DAY).isoformat(timespec="minutes")  # local time


@pytest.mark.parametrize(("args", "ids"), [
    (("--limit", "2"), [3, 2]),
    (("--since", MIDWAY), [3]),
    (("--until", MIDWAY), [2, 1]),
    (("--since", MIDWAY, "--limit", "5"), [3]),
])
def test_review_filters(db: Path, args: tuple[str, ...], ids: list[int]) -> None:
    sessions = json.loads(run("review", "--json", *args, db=db).stdout)["sessions"]
    assert [s["id"] for s in sessions] == ids


def test_review_one_session_json(db: Path) -> None:
    page = json.loads(run("review", "3", "--json", db=db).stdout)["session"]
    assert page["id"] == 3 and page["rep_count"] == 3
    assert [r["period_s"] for r in page["reps"]] == [5.5, 6.0, 9.0, 1.0]
    # 9 s against a 6 s plan is 150 %: on tempo (pose.analysis.tempo: 75 % to 160 %)
    assert [r["on_tempo"] for r in page["reps"]] == [True, True, True, None]
    assert page["warning_kinds"] == {"too_fast": 1}
    assert page["posture_faults"][0]["verdict"] == "limb_lifted"
    trends = {t["name"]: t for t in page["trends"]}
    assert trends["reps"]["value"] == 3 and trends["reps"]["before"] == 4.5
    assert trends["reps"]["n_before"] == 2


def test_review_table_text(db: Path) -> None:
    out = run("review", db=db).stdout
    assert "Rocking sessions" in out and "interrupted" in out
    one = run("review", "1", db=db).stdout
    assert "Reps" in one and "Warnings" in one and "Slow down" in one


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return int(width), int(height)


@pytest.mark.parametrize("sid", ["1", None])
def test_plot_is_a_sensible_png(db: Path, tmp_path: Path, sid: str | None) -> None:
    out = tmp_path / "plot.png"
    run("review", *([sid] if sid else []), "--plot", str(out), db=db)
    data = out.read_bytes()
    width, height = png_size(data)
    assert 600 <= width <= 2000 and 400 <= height <= 1500
    assert len(data) > 10_000  # there is something drawn, not a blank canvas
    assert data.endswith(b"IEND\xaeB`\x82")


def test_html_report_is_self_contained(db: Path, tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    run("review", "1", "--report", str(out), db=db)
    html = out.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>")
    assert '<table class="reps">' in html
    rep_rows = re.search(r'<table class="reps">.*?</table>', html, re.S)
    assert rep_rows is not None and rep_rows.group(0).count("<tr") == 1 + 5  # header + reps
    assert "<td>6.2</td>" in rep_rows.group(0)
    images = re.findall(r'<img [^>]*src="data:image/png;base64,([A-Za-z0-9+/=]+)"', html)
    assert images and all(png_size(base64.b64decode(i))[0] > 500 for i in images)
    assert not re.search(r"https?://|<script|<link|@import|url\(", html, re.I)
    assert "not medical advice" in html


def test_range_report(db: Path, tmp_path: Path) -> None:
    out = tmp_path / "range.html"
    run("review", "--report", str(out), db=db)
    html = out.read_text(encoding="utf-8")
    assert html.count("<tr") == 1 + 3 and "data:image/png;base64," in html
    assert not re.search(r"https?://|<script|<link", html, re.I)


def test_review_shows_when_the_person_was_out_of_view(db: Path, tmp_path: Path) -> None:
    text = run("review", "3", db=db).stdout
    assert "Out of view" in text
    line = next(x for x in text.splitlines() if "12.2" in x or "12.3" in x)
    assert "14.8" in line and "2.5" in line
    assert "Out of view" not in run("review", "1", db=db).stdout
    page = json.loads(run("review", "3", "--json", db=db).stdout)["session"]
    assert page["losses"] == [{"start_s": 12.25, "end_s": 14.75, "duration_s": 2.5}]
    report = tmp_path / "three.html"
    run("review", "3", "--report", str(report), db=db)
    assert "Out of view" in report.read_text(encoding="utf-8")
    doc = json.loads(run("export", "--format", "json", db=db).stdout)
    assert [s["losses"] for s in doc["sessions"]] == [[], [], [{"start_s": 12.25,
                                                               "end_s": 14.75}]]


@pytest.mark.parametrize("table", ["sessions", "reps", "warnings", "samples", "losses"])
def test_export_csv(db: Path, table: str) -> None:
    rows = list(csv.DictReader(io.StringIO(run("export", "--format", "csv", "--table", table,
                                               db=db).stdout)))
    samples = sum(int((2.0 + 6.0 * n + 2) * 5) for n in (4, 5, 3))
    expected = {"sessions": 3, "reps": 5 + 6 + 4, "warnings": 3, "samples": samples,
                "losses": 1}[table]
    assert len(rows) == expected
    if table == "losses":
        assert rows == [{"session_id": "3", "start_s": "12.25", "end_s": "14.75",
                         "duration_s": "2.5"}]
    if table == "reps":
        assert {r["session_id"] for r in rows} == {"1", "2", "3"}


def test_export_json_to_file(db: Path, tmp_path: Path) -> None:
    out = tmp_path / "all.json"
    run("export", "--format", "json", "--samples", "--output", str(out), db=db)
    doc = json.loads(out.read_text())
    assert [s["id"] for s in doc["sessions"]] == [1, 2, 3]
    assert len(doc["sessions"][0]["reps"]) == 5 and doc["sessions"][0]["samples"]


def test_delete_asks_and_refuses_without_tty(db: Path) -> None:
    proc = run("delete", "2", db=db, ok=False, stdin="")
    assert proc.returncode != 0 and "--yes" in proc.stderr and "Traceback" not in proc.stderr
    assert len(json.loads(run("review", "--json", db=db).stdout)["sessions"]) == 3
    assert json.loads(run("delete", "2", "--yes", "--json", db=db).stdout) == {"deleted": 2}
    ids = [s["id"] for s in json.loads(run("review", "--json", db=db).stdout)["sessions"]]
    assert ids == [3, 1]


@pytest.mark.parametrize(("args", "message"), [
    (("review", "99"), "no session 99"),
    (("delete", "99", "--yes"), "no session 99"),
    (("review", "--since", "last tuesday"), "cannot read the date"),
    (("review", "--limit", "0"), "1 or more"),
    (("review", "--plot", "/nonexistent/dir/p.png"), "does not exist"),
])
def test_bad_input_one_clear_line(db: Path, args: tuple[str, ...], message: str) -> None:
    before = db.read_bytes()
    proc = run(*args, db=db, ok=False)
    assert proc.returncode != 0 and proc.stdout == ""
    assert proc.stderr.startswith("rocking: error: ") and proc.stderr.count("\n") == 1
    assert message in proc.stderr
    assert db.read_bytes() == before, "nothing recorded is touched"


def test_corrupt_db_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.db"
    bad.write_bytes(b"not sqlite at all" * 100)
    before = bad.read_bytes()
    proc = run("review", db=bad, ok=False)
    assert proc.returncode != 0 and "not a rocking session database" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
    assert bad.read_bytes() == before


def test_a_missing_database_file_given_is_an_error(tmp_path: Path) -> None:
    missing = tmp_path / "none.db"
    for args in (("review", "--json"), ("review",), ("export",)):
        proc = run(*args, db=missing, ok=False)
        assert proc.returncode != 0 and proc.stdout == ""
        assert proc.stderr == (f"rocking: error: no session database at {missing} (the file "
                               "given with --db does not exist)\n")
    assert not missing.exists()


def test_env_var_selects_database(db: Path) -> None:
    """A real process (smoke test of the module entry point), the database from the variable."""
    proc = run_process("review", "--json", env={"ROCKING_DB": str(db)}, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert len(json.loads(proc.stdout)["sessions"]) == 3


def test_delete_refuses_a_session_still_recording(db: Path) -> None:
    with SessionStore.open(db) as store:  # owned by this (live) test process
        sid = add_session(store, T0 + 3 * DAY, [6.0], status="running")
    proc = run("delete", str(sid), "--yes", db=db, ok=False)
    assert proc.returncode != 0 and "still being recorded" in proc.stderr
    page = json.loads(run("review", str(sid), "--json", db=db).stdout)["session"]
    assert page["status"] == "running"


def test_import_fallback_file(db: Path, tmp_path: Path) -> None:
    from sessions.history.store import JSON_FORMAT, session_to_json

    with SessionStore.open(db) as store:
        data = store.load(1)
    assert data is not None
    fallback = tmp_path / "rocking-session-x.json"
    fallback.write_text(json.dumps({"format": JSON_FORMAT, "session": session_to_json(data)}))
    sid = json.loads(run("import", str(fallback), "--json", db=db).stdout)["session_id"]
    page = json.loads(run("review", str(sid), "--json", db=db).stdout)["session"]
    assert page["rep_count"] == 4 and page["status"] == "completed"
    bad = run("import", str(db), db=db, ok=False)
    assert bad.returncode != 0 and "not a rocking session file" in bad.stderr


def add_photo(store: SessionStore, started: float) -> int:
    """What `rocking analyze PHOTO` saves: one frame, its posture, no reps."""
    sid = store.start_session(SessionMeta(source="image", source_detail="me.jpg",
                                          started_at=started))
    store.append(sid, samples=[Sample(0.0, None, None, "setting_up", "limb_lifted")],
                 posture=[PostureEvent(0.0, Verdict.LIMB_LIFTED, {Fault.HAND_LIFTED: True},
                                       "a hand is lifted")])
    store.finish_session(sid, "completed", started)
    return sid


def test_photos_are_listed_but_not_trends(db: Path, tmp_path: Path) -> None:
    with SessionStore.open(db) as store:
        photo = add_photo(store, T0 + 1.5 * DAY)                 # between clips 2 and 3
        clip = add_session(store, T0 + 3 * DAY, [6.0, 6.0])
    listed = json.loads(run("review", "--json", db=db).stdout)["sessions"]
    assert [s["source"] for s in listed if s["id"] == photo] == ["image"]
    page = json.loads(run("review", str(clip), "--json", db=db).stdout)["session"]
    trends = {t["name"]: t for t in page["trends"]}
    assert trends["reps"]["n_before"] == 3 and trends["reps"]["before"] == 4.0  # not a 0
    shot = json.loads(run("review", str(photo), "--json", db=db).stdout)["session"]
    assert shot["trends"] == [] and shot["posture_verdict"] == "limb_lifted"
    text = run("review", str(photo), db=db).stdout
    assert "Posture in the photo: limb lifted (a hand is lifted)" in text
    assert "Against your" not in text
    proc = run("review", str(photo), "--plot", str(tmp_path / "p.png"), db=db, ok=False)
    assert proc.returncode != 0 and "a photo: it has a posture verdict" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1 and not (tmp_path / "p.png").exists()
    report = tmp_path / "photo.html"
    run("review", str(photo), "--report", str(report), db=db)
    assert "Posture in the photo: limb lifted" in report.read_text()
    # the range report lists the photo but plots only the clips
    out = tmp_path / "all.html"
    run("review", "--report", str(out), "--plot", str(tmp_path / "t.png"), db=db)
    html = out.read_text()
    assert re.search(r"<td[^>]*>photo \(not counted\)</td><td[^>]*>me\.jpg</td>", html), \
        "listed as a photo, not counted"
    assert (tmp_path / "t.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_plot_of_a_session_without_samples_says_so(db: Path, tmp_path: Path) -> None:
    with SessionStore.open(db) as store:
        sid = store.start_session(SessionMeta(source="camera", started_at=T0 + 4 * DAY))
        store.finish_session(sid, "interrupted", T0 + 4 * DAY + 5)
    proc = run("review", str(sid), "--plot", str(tmp_path / "p.png"), db=db, ok=False)
    assert proc.returncode != 0 and "no movement recorded" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "p.png").exists()


def test_read_only_database_is_reviewed_unchanged(db: Path, tmp_path: Path) -> None:
    from sessions.history.store import JSON_FORMAT, session_to_json

    with SessionStore.open(db) as store:
        data = store.load(1)
    assert data is not None
    fallback = tmp_path / "rocking-session-x.json"
    fallback.write_text(json.dumps({"format": JSON_FORMAT, "session": session_to_json(data)}))
    db.chmod(0o444)
    before = db.read_bytes()
    assert "Rocking sessions" in run("review", db=db).stdout
    assert len(json.loads(run("review", "--json", db=db).stdout)["sessions"]) == 3
    assert "Reps" in run("review", "1", db=db).stdout
    run("review", "1", "--plot", str(tmp_path / "one.png"), "--report",
        str(tmp_path / "one.html"), db=db)
    run("review", "--plot", str(tmp_path / "all.png"), db=db)
    assert "session_id" in run("export", "--format", "csv", "--table", "reps", db=db).stdout
    assert len(json.loads(run("export", db=db).stdout)["sessions"]) == 3
    for args in (("delete", "1", "--yes"), ("import", str(fallback))):
        proc = run(*args, db=db, ok=False)
        assert proc.returncode != 0 and "read-only" in proc.stderr
        assert len(proc.stderr.strip().splitlines()) == 1
    assert db.read_bytes() == before and stat_mode(db) == 0o444


def stat_mode(path: Path) -> int:
    return path.stat().st_mode & 0o777


def test_review_text_small_things(db: Path) -> None:
    with SessionStore.open(db) as store:
        sid = add_session(store, T0 + 5 * DAY, [6.0], n_warnings=1)
        store.append(sid, warnings=[MovementWarning(
            9.0, WarningKind.TOO_FAST, "Slow down: this rep took much less time than the plan; "
            "breathe out fully while rocking back toward the heels, then come forward", 2.5,
            1.5)])
    one = run("review", "3", db=db).stdout
    assert "1 warning" in one and "1 warnings" not in one
    assert "Against your 2 sessions before" in one
    two = run("review", "2", db=db).stdout
    assert "0 warnings" in two and "Against your session before" in two
    page = run("review", str(sid), db=db).stdout
    assert "2 warnings" in page and "1 rep of 8" in page
    header = next(ln for ln in page.splitlines() if ln.startswith("rep "))
    assert header.split()[-1] == "note"
    assert max(len(ln) for ln in page.splitlines()) <= 100
    assert "Slow down: this rep" in page and page.rstrip().count("\n") > 0
    assert all(w in page.split() for w in ("breathe", "heels,", "then", "come", "forward"))
    assert sum(1 for ln in page.splitlines() if ln.startswith(" " * 16)) >= 1  # wrapped, not cut


@pytest.mark.parametrize(("args", "message"), [
    (("export", "--format", "json", "--table", "reps"), "--table applies to --format csv"),
    (("export", "--format", "csv", "--samples"), "--samples applies to --format json"),
])
def test_export_rejects_options_that_do_not_apply(db: Path, args: tuple[str, ...],
                                                  message: str) -> None:
    proc = run(*args, db=db, ok=False)
    assert proc.returncode != 0 and message in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1 and proc.stdout == ""


def test_import_of_a_foreign_json_says_it_once(db: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"hello": 1}')
    before = db.read_bytes()
    proc = run("import", str(bad), db=db, ok=False)
    assert proc.returncode != 0 and proc.stderr.count("not a rocking session file") == 1
    assert proc.stderr.count("\n") == 1
    assert db.read_bytes() == before, "nothing imported"


def test_delete_help_describes_the_id() -> None:
    assert "the session to delete" in run("delete", "--help").stdout
