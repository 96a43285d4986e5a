"""The history as the person's own record (issue 12), through the real command line, in process:
kinds and names, what counts in trends and totals, --kind, --db, no local paths in what is
shared, integer counts, tempo against the plan, holds as pauses, CSV, the pain check-in."""

from __future__ import annotations

import csv
import io
import json
import re
import sqlite3
import struct
import subprocess
import sys
from pathlib import Path

import pytest
from helpers.fake_estimators import NobodyEstimator
from helpers.media import still_image

from pose.events import MovementWarning, Rep, WarningKind
from sessions.cli.main import main
from sessions.history.store import MIGRATIONS, Sample, SessionMeta, SessionStore

DAY = 86400.0
T0 = 1_780_000_000.0
SECRET = "alice-private"   # a folder name that must never reach anything shared


def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """Run `rocking ARGV` in this process; its exit status, stdout and stderr."""
    try:
        code = main(list(argv))
    except SystemExit as exc:   # argparse refusing an option
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def ok(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    code, out, err = cli(capsys, *argv)
    assert code == 0, err
    return out


def steady(n: int, period: float, *, first: float = 2.0) -> list[Rep]:
    return [Rep(i + 1, first + 8.0 * i, first + 8.0 * i + period, period, 0.55 * period,
                0.45 * period, 0.8, 0.4, 0.3, False) for i in range(n)]


def moving_samples(end_s: float) -> list[Sample]:
    """A series that keeps moving (no holds), 5 a second."""
    return [Sample(k / 5, 0.4, 0.3 if (k // 10) % 2 else -0.3,
                   "back" if (k // 10) % 2 else "forward", "on_all_fours")
            for k in range(int(end_s * 5))]


def add(store: SessionStore, started: float, meta: SessionMeta, reps: list[Rep],
        samples: list[Sample] | None = None, warnings: int = 0) -> int:
    sid = store.start_session(meta)
    end = max([r.end_s for r in reps] + [10.0]) + 2.0
    store.append(sid, reps=reps, samples=moving_samples(end) if samples is None else samples,
                 warnings=[MovementWarning(3.0 + i, WarningKind.TOO_FAST, "Slow down", 1.6, 1.3)
                           for i in range(warnings)])
    store.finish_session(sid, "completed", started + end)
    return sid


def planned(source: str, detail: str, started: float, **kw: object) -> SessionMeta:
    return SessionMeta(source=source, source_detail=detail, target_reps=6,  # type: ignore[arg-type]
                       target_period_s=6.0, target_back_s=3.5, target_forward_s=2.5,
                       started_at=started, **kw)  # type: ignore[arg-type]


@pytest.fixture
def db(tmp_path: Path) -> Path:
    """1 live (pain 3 -> 2), 2 demo, 3 photo, 4 video analysed (pain 2 -> 5, quicker than
    planned), 5 live with no plan and a long hold in child's pose."""
    path = tmp_path / "history.db"
    with SessionStore.open(path) as store:
        add(store, T0, planned("camera", "0", T0, pain_before=3, pain_after=2),
            steady(6, 6.0), warnings=2)
        add(store, T0 + DAY, planned("demo", "simulated", T0 + DAY), steady(8, 6.0))
        photo = store.start_session(SessionMeta(
            source="image", source_detail=f"/home/{SECRET}/back.jpg", started_at=T0 + 1.5 * DAY))
        store.finish_session(photo, "completed", T0 + 1.5 * DAY)
        add(store, T0 + 2 * DAY,
            planned("video", f"/home/{SECRET}/clips/rock.mp4", T0 + 2 * DAY, pain_before=2),
            steady(4, 4.0))
        store.set_pain(4, after=5)
        hold = Rep(1, 2.0, 32.4, 30.4, 15.2, 13.1, 0.95, 0.5, 0.3, False, pause_s=2.1)
        phases = ([(2.0, "back")] * 10 + [(4.0, "still")] * 60 + [(16.0, "back")] * 6
                  + [(17.2, "still")] * 10 + [(19.2, "forward")] + [(19.4, "still")] * 58
                  + [(31.0, "forward")] * 7)
        samples = [Sample(round(2.0 + k / 5, 3), 0.9, 0.0, phase, "rocked_back")
                   for k, (_, phase) in enumerate(phases)]
        add(store, T0 + 3 * DAY, SessionMeta(source="camera", source_detail="0",
                                             started_at=T0 + 3 * DAY), [hold], samples=samples)
    return path


# --- kinds, names, what counts ----------------------------------------------------------------
def test_review_json_carries_kind_name_and_pain(db: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    sessions = json.loads(ok(capsys, "review", "--json", "--db", str(db)))["sessions"]
    by_id = {s["id"]: s for s in sessions}
    assert [(by_id[i]["kind"], by_id[i]["name"]) for i in range(1, 6)] == [
        ("live", "camera 0"), ("demo", "demo"), ("photo", "back.jpg"), ("video", "rock.mp4"),
        ("live", "camera 0")]
    assert [(by_id[i]["pain_before"], by_id[i]["pain_after"]) for i in range(1, 6)] == [
        (3, 2), (None, None), (None, None), (2, 5), (None, None)]
    assert [by_id[i]["counted"] for i in range(1, 6)] == [True, False, False, True, True]
    # today's keys are all still there
    assert {"id", "started_at", "duration_s", "source", "source_detail", "status", "rep_count",
            "partial_count", "forceful_count", "median_period_s", "on_tempo_share",
            "warning_count", "target_reps", "target_period_s"} <= set(sessions[0])
    assert by_id[4]["source_detail"] == "rock.mp4"  # the folders were never stored


def test_the_sessions_before_are_the_persons_own(db: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    page = json.loads(ok(capsys, "review", "4", "--json", "--db", str(db)))["session"]
    trends = {t["name"]: t for t in page["trends"]}
    # only session 1 (live) is before: not the demo's 8 simulated reps, not the 0-rep photo
    assert trends["reps"]["n_before"] == 1 and trends["reps"]["before"] == 6
    demo = json.loads(ok(capsys, "review", "2", "--json", "--db", str(db)))["session"]
    assert demo["trends"] == []                      # a demo is never compared either
    text = ok(capsys, "review", "2", "--db", str(db))
    assert "A demo: listed, but not counted in your trends or totals." in text


def test_table_marks_what_is_not_counted(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = ok(capsys, "review", "--db", str(db))
    lines = out.splitlines()
    header = lines[1]
    assert header.split() == ["id", "started", "kind", "name", "time", "reps", "s/rep", "on",
                              "tempo", "forceful", "warnings", "pain", "ended"]
    demo = next(ln for ln in lines if ln.lstrip().startswith("2 "))
    assert " demo* " in demo
    assert "* not counted in trends or totals" in out
    # text columns are left-aligned: kind, name and pain start where their headers start
    for col in ("kind", "name", "pain", "ended"):
        at = header.index(col)
        for row in lines[3:8]:
            assert row[at] != " " and row[at - 1] == " ", (col, row)
    video = next(ln for ln in lines if ln.lstrip().startswith("4 "))
    assert "rock.mp4" in video and "2 → 5" in video and SECRET not in out


def test_range_report_counts_own_sessions_only(db: Path, tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    report, plot = tmp_path / "range.html", tmp_path / "trend.png"
    ok(capsys, "review", "--report", str(report), "--plot", str(plot), "--db", str(db))
    html = report.read_text()
    # 3 own sessions (1, 4, 5): 6 + 4 + 1 reps; the demo's 8 reps and the photo left out
    assert "3 exercise sessions, 11 reps, 2 warnings. Also listed, not counted: 1 demo, " \
           "1 photo." in html
    assert "demo (not counted)" in html and "photo (not counted)" in html
    assert "Pain went up after 1 session" in html and SECRET not in html
    # the trend plot has a fourth panel, the pain check-in, so it is taller
    width, height = struct.unpack(">II", plot.read_bytes()[16:24])
    assert (width, height) == (1000, 850)


def test_kind_filter(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    def ids(*kinds: str) -> list[int]:
        out = ok(capsys, "review", "--json", "--kind", ",".join(kinds), "--db", str(db))
        return [s["id"] for s in json.loads(out)["sessions"]]

    assert ids("demo") == [2]
    assert ids("live", "video") == [5, 4, 1]
    assert ids("photo") == [3]
    code, out, err = cli(capsys, "review", "--kind", "webcam", "--db", str(db))
    assert code == 2 and out == "" and "a kind is one of live, video, photo, demo" in err


# --- the database option ------------------------------------------------------------------------
def test_missing_database_given_is_an_error(tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str],
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    typo = tmp_path / "no" / "such" / "s.db"
    code, out, err = cli(capsys, "review", "--db", str(typo))
    assert code == 2 and out == ""
    assert err == f"rocking: error: no session database at {typo} (the file given with --db " \
                  "does not exist)\n"
    monkeypatch.setenv("ROCKING_DB", str(typo))
    code, _, err = cli(capsys, "review", "--json")
    assert code != 0 and "given with $ROCKING_DB does not exist" in err
    # the default file missing is a fresh start, not a typo
    monkeypatch.delenv("ROCKING_DB")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert "No sessions saved yet" in ok(capsys, "review")
    assert not typo.exists() and not (tmp_path / "data" / "rocking" / "sessions.db").exists()


def test_hints_repeat_the_database_option(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = ok(capsys, "review", "--db", str(db))
    assert f"`rocking review --db {db} ID` shows one session" in out
    # --db before the command reads the same file and is repeated the same way
    assert ok(capsys, "--db", str(db), "review") == out
    assert json.loads(ok(capsys, "--db", str(db), "review", "4", "--json"))["session"]["id"] == 4
    code, _, err = cli(capsys, "review", "99", "--db", str(db))
    assert code != 0 and f"(`rocking review --db {db}` lists them)" in err


# --- what is shown ------------------------------------------------------------------------------
def test_counts_are_whole_and_tempo_is_against_the_plan(
        db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = ok(capsys, "review", "4", "--db", str(db))
    assert "median tempo 4.0 s (quicker than planned: plan 6 s; 0 % of reps on tempo)" in out
    assert re.search(r"^reps\s+4\s+6\s+-2\s+higher is better$", out, re.M), out
    assert re.search(r"^forceful reps\s+0\s+0\s+\+0\s+lower is better$", out, re.M), out
    counts = re.findall(r"^(?:reps|forceful reps|pain \w+ \(0-10\)) +(.*)$", out, re.M)
    assert len(counts) == 4 and not any("." in c for c in counts), counts   # whole numbers
    assert re.search(r"^median tempo \(s per rep\)\s+4\.0 s\s+6\.0 s\s+-2\.0 s\s+closer is "
                     r"better$", out, re.M), out
    reps = json.loads(ok(capsys, "review", "4", "--json", "--db", str(db)))["session"]["reps"]
    assert {r["tempo"] for r in reps} == {"quicker than planned"}
    # no plan: the tempo is shown, neither quicker nor slower called better
    free = ok(capsys, "review", "5", "--db", str(db))
    line = next(ln for ln in free.splitlines() if ln.startswith("median tempo"))
    assert "better" not in line


def test_a_long_hold_is_a_pause(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    page = json.loads(ok(capsys, "review", "5", "--json", "--db", str(db)))["session"]
    timing = page["reps"][0]["timing"]
    # 12 s still on the way back and 11.6 s still on the way forward are holds, not movement
    assert timing["back_s"] == pytest.approx(3.2, abs=0.21)
    assert timing["forward_s"] == pytest.approx(1.5, abs=0.21)
    assert timing["pause_s"] == pytest.approx(30.4 - timing["back_s"] - timing["forward_s"])
    text = ok(capsys, "review", "5", "--db", str(db))
    row = next(ln for ln in text.splitlines() if re.match(r"\s*1\s+2\.0\s", ln))
    assert row.split()[:6] == ["1", "2.0", "30.4", f"{timing['back_s']:.1f}",
                               f"{timing['pause_s']:.1f}", f"{timing['forward_s']:.1f}"]


def test_steady_reps_keep_their_phases(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    reps = json.loads(ok(capsys, "review", "1", "--json", "--db", str(db)))["session"]["reps"]
    assert [r["timing"] for r in reps] == [{"back_s": 3.3, "pause_s": 0.0, "forward_s": 2.7}] * 6


def test_csv_is_rounded_with_true_and_false(db: Path, tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    with SessionStore.open(db) as store:
        add(store, T0 + 4 * DAY, planned("camera", "0", T0 + 4 * DAY),
            [Rep(1, 2.0, 9.166666666666667, 7.166666666666667, 4.1, 3.066666666666667, 0.8,
                 0.4, 0.3, True)])
    out = ok(capsys, "export", "--format", "csv", "--table", "reps", "--db", str(db))
    rows = list(csv.DictReader(io.StringIO(out)))
    last = rows[-1]
    assert (last["period_s"], last["forward_s"], last["forceful"], last["partial"]) == (
        "7.167", "3.067", "true", "false")
    assert "False" not in out and "True" not in out
    assert not re.search(r"\d\.\d{4,}", out)
    sessions = list(csv.DictReader(io.StringIO(
        ok(capsys, "export", "--format", "csv", "--db", str(db)))))
    assert [(s["kind"], s["name"], s["counted"], s["pain_before"], s["pain_after"])
            for s in sessions][:4] == [("live", "camera 0", "true", "3", "2"),
                                       ("demo", "demo", "false", "", ""),
                                       ("photo", "back.jpg", "false", "", ""),
                                       ("video", "rock.mp4", "true", "2", "5")]


def test_nothing_shared_holds_a_local_path(db: Path, tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    for argv in (("export",), ("export", "--samples"), ("export", "--format", "csv"),
                 ("review", "--json")):
        assert SECRET not in ok(capsys, *argv, "--db", str(db))
    for sid in ("3", "4"):
        report = tmp_path / f"s{sid}.html"
        ok(capsys, "review", sid, "--report", str(report), "--db", str(db))
        assert SECRET not in report.read_text() and "/home/" not in report.read_text()


# --- pain -----------------------------------------------------------------------------------------
def test_pain_on_the_session_page_and_report(db: Path, tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    out = ok(capsys, "review", "4", "--db", str(db))
    assert ("Pain (0-10): 2 before, 5 after. Your pain went up from 2 to 5: stop for today, "
            "and if it keeps happening, see your practitioner.") in out
    assert re.search(r"^pain after \(0-10\)\s+5\s+2\s+\+3\s+lower is better$", out, re.M), out
    down = ok(capsys, "review", "1", "--db", str(db))
    assert "Pain (0-10): 3 before, 2 after. Your pain went down from 3 to 2." in down
    report = tmp_path / "s4.html"
    ok(capsys, "review", "4", "--report", str(report), "--db", str(db))
    html = report.read_text()
    assert '<p class="pain-up">Your pain went up from 2 to 5' in html
    assert "<th>pain before</th><th>pain after</th>" in html


def test_pain_is_checked_by_the_store(tmp_path: Path) -> None:
    with SessionStore.open(tmp_path / "s.db") as store:
        sid = store.start_session(SessionMeta(source="camera", source_detail="0"))
        for bad in (11, -1, 2.5, True):
            with pytest.raises(ValueError, match="pain is rated 0 to 10"):
                store.set_pain(sid, before=bad)  # type: ignore[arg-type]
        store.set_pain(sid, before=0)
        store.set_pain(sid, after=10)
        row = store.session(sid)
        assert row is not None and (row.meta.pain_before, row.meta.pain_after) == (0, 10)


# --- an older file --------------------------------------------------------------------------------
def test_an_older_database_gets_kinds_and_loses_folders(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "v3.db"
    conn = sqlite3.connect(path)
    for step in MIGRATIONS[:3]:
        conn.executescript(step)
    rows = [(1, "camera", "0"), (2, "video", f"/home/{SECRET}/a b/rock 1.mp4"),
            (3, "image", f"C:\\Users\\{SECRET}\\back.jpg"), (4, "demo", "simulated"),
            (5, "video", "plain.mp4")]
    conn.executemany("INSERT INTO sessions (id, started_at, ended_at, source, source_detail, "
                     "status) VALUES (?, ?, ?, ?, ?, 'completed')",
                     [(i, T0 + i, T0 + i + 60, src, det) for i, src, det in rows])
    conn.execute("PRAGMA user_version = 3")
    conn.commit()
    conn.close()
    sessions = json.loads(ok(capsys, "review", "--json", "--db", str(path)))["sessions"]
    got = sorted((s["id"], s["kind"], s["name"], s["source_detail"]) for s in sessions)
    assert got == [(1, "live", "camera 0", "0"), (2, "video", "rock 1.mp4", "rock 1.mp4"),
                   (3, "photo", "back.jpg", "back.jpg"), (4, "demo", "demo", "simulated"),
                   (5, "video", "plain.mp4", "plain.mp4")]
    assert SECRET.encode() not in path.read_bytes()   # the upgrade rewrote the rows


# --- the one smoke test: a closed pipe --------------------------------------------------------
def test_a_closed_pipe_ends_quietly(tmp_path: Path) -> None:
    path = tmp_path / "many.db"
    with SessionStore.open(path) as store:
        for k in range(1500):   # a table longer than a pipe holds
            store.start_session(SessionMeta(source="camera", source_detail="0",
                                            started_at=T0 + k))
    script = (f"from sessions.cli.main import main; raise SystemExit(main(['review', '--limit', "
              f"'5000', '--db', {str(path)!r}]))")
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    assert proc.stdout is not None and proc.stderr is not None
    first = proc.stdout.readline()
    proc.stdout.close()               # as `| head -1` does
    err = proc.stderr.read().decode()
    proc.wait(timeout=60)
    assert first.startswith(b"Rocking sessions")
    assert err == "" and proc.returncode == 141


# --- photos are a posture check, saved only when asked ------------------------------------------
def test_a_photo_is_saved_only_with_save(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    import pose.estimation.estimator

    monkeypatch.setattr(pose.estimation.estimator, "PoseEstimator", NobodyEstimator)
    folder = tmp_path / SECRET
    folder.mkdir()
    photo = still_image(folder / "kitchen floor.jpg", (64, 48), 120)
    db = tmp_path / "s.db"
    report = json.loads(ok(capsys, "analyze", str(photo), "--json", "-q", "--db", str(db)))
    assert report["session_id"] is None
    assert not db.exists() or json.loads(ok(capsys, "review", "--json", "--db", str(db))) == {
        "sessions": []}
    report = json.loads(ok(capsys, "analyze", str(photo), "--json", "-q", "--save",
                           "--db", str(db)))
    saved = json.loads(ok(capsys, "review", "--json", "--db", str(db)))["sessions"]
    assert [(s["id"], s["kind"], s["name"], s["source_detail"]) for s in saved] == [
        (report["session_id"], "photo", "kitchen floor.jpg", "kitchen floor.jpg")]
    # the summary says why a photo was not kept, and a saved run's hint repeats --db
    text = ok(capsys, "analyze", str(photo), "-q", "--db", str(db))
    assert "not saved: a photo is a posture check, not a session (--save keeps it)" in text
    text = ok(capsys, "analyze", str(photo), "-q", "--save", "--db", str(db))
    assert re.search(rf"saved as session (\d+) \(see it with: rocking review --db "
                     rf"{re.escape(str(db))} \1\)", text), text
