"""`rocking import` does not trust its input: every field's type and range is checked before
anything is written, the import is one transaction, a file imported before is recognised, and
only a regular file of sane size is read. A hypothesis fuzz test mutates a real fallback file
and checks that no traceback escapes and the database stays readable by every command."""

from __future__ import annotations

import contextlib
import copy
import json
import os
import sqlite3
import tempfile
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from helpers.databases import locked
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from pose.events import Fault, MovementWarning, Phase, Rep, Verdict, WarningKind
from sessions.history.store import PostureEvent, Sample, SessionMeta, SessionStore, StoreError

RunCli = Callable[..., tuple[int, str, str]]


def real_fallback_file(folder: Path) -> Path:
    """A fallback file written by the recorder itself, when its database locked up mid-way."""
    from sessions.history.recorder import SessionRecorder

    db = folder / "failing.db"
    with SessionStore.open(db, timeout_s=0.05) as store:
        sid = store.start_session(SessionMeta(source="camera", source_detail="0", target_reps=5,
                                              target_period_s=6.0, target_back_s=3.5,
                                              target_forward_s=2.5,
                                              settings={"thresholds": {"fast": 1.5}}))
        rec = SessionRecorder(store, sid)
        with locked(db):
            # the recorder finds the database locked at its first write
            rec.add_rep(Rep(0, 1.0, 7.0, 6.0, 3.5, 2.5, 0.8, 0.6, 0.1, forceful=False))
            rec.add_rep(Rep(1, 7.0, 11.0, 4.0, 2.0, 2.0, 0.9, 1.4, 0.3, forceful=True,
                            pause_s=0.2, peak_accel=3.0))
            rec.warnings.append(MovementWarning(9.0, WarningKind.TOO_FAST, "Slow down", 1.4, 1.0))
            rec.posture.append(PostureEvent(0.0, Verdict.ON_ALL_FOURS, {Fault.HAND_LIFTED: False}))
            rec.samples.extend(Sample(i * 0.2, 0.05 * (i % 20), 0.1, str(Phase.BACK),
                                      str(Verdict.ON_ALL_FOURS), 0.5, ("too_fast",))
                               for i in range(60))
            path = rec.finish("completed")
    assert path is not None
    return path


@pytest.fixture(scope="module")
def fallback(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    doc = json.loads(real_fallback_file(tmp_path_factory.mktemp("fallback")).read_text())
    assert len(doc["session"]["reps"]) == 2 and len(doc["session"]["samples"]) == 60
    return doc


def write(folder: Path, doc: Any, name: str = "session.json") -> Path:
    path = folder / name
    path.write_text(json.dumps(doc))
    return path


def sessions_in(db: Path) -> int:
    if not db.exists():
        return 0
    with SessionStore.open_read_only(db) as store:
        return len(store.sessions())


# --- the cases found by hand ---------------------------------------------------------------------
@pytest.mark.parametrize(("where", "value", "message"), [
    (("reps", 0, "start_s"), "abc", "reps[0].start_s must be a number"),
    (("started_at",), 1e300, "session.started_at is out of range"),
    (("samples", 3, "depth"), "deep", "samples[3].depth must be a number"),
    (("reps", 1, "forceful"), "yes", "reps[1].forceful must be true or false"),
    (("warnings", 0, "kind"), "tickle", "warnings[0].kind must be one of"),
    (("target_period_s",), 0, "target_period_s must be more than 0"),
    (("samples", 0, "phase"), "dancing", "samples[0].phase must be one of"),
    (("reps", 0, "index"), -1, "reps[0].index is out of range"),
    (("reps", 0, "surprise"), 1, "a field this version does not know"),
    (("settings",), json.loads("[" * 20 + "]" * 20), "settings must be an object"),
], ids=["rep-text", "huge-start", "sample-text", "bool-text", "unknown-kind", "zero-tempo",
        "unknown-phase", "negative-index", "unknown-field", "settings-list"])
def test_bad_field_refused_before_anything_is_written(
        run_cli: RunCli, fallback: dict[str, Any], tmp_path: Path, where: tuple[Any, ...],
        value: Any, message: str) -> None:
    doc = copy.deepcopy(fallback)
    node = doc["session"]
    for key in where[:-1]:
        node = node[key]
    node[where[-1]] = value
    db = tmp_path / "s.db"
    code, out, err = run_cli("import", write(tmp_path, doc), "--db", db)
    assert code == 3 and out == "" and err.count("\n") == 1, err
    assert message in err
    assert sessions_in(db) == 0


def test_a_good_file_imports_once(run_cli: RunCli, fallback: dict[str, Any],
                                  tmp_path: Path) -> None:
    path, db = write(tmp_path, fallback), tmp_path / "s.db"
    assert run_cli("import", path, "--db", db)[0] == 0
    code, out, _ = run_cli("import", path, "--db", db, "--json")
    assert code == 0 and json.loads(out) == {"session_id": 1, "already_imported": True}
    assert sessions_in(db) == 1
    with SessionStore.open_read_only(db) as store:
        data = store.load(1)
    assert data is not None and len(data.reps) == 2 and len(data.samples) == 60
    assert data.session.meta.settings["thresholds"] == {"fast": 1.5}


def test_import_is_all_or_nothing(run_cli: RunCli, fallback: dict[str, Any], tmp_path: Path,
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """A write that fails halfway (after the session row, at its reps) leaves nothing."""
    db = tmp_path / "s.db"
    real_append = SessionStore.append

    def fail_at_reps(self: SessionStore, *args: Any, **kwargs: Any) -> None:
        real_append(self, *args, samples=kwargs.pop("samples"), heartbeat=False)
        raise StoreError("database or disk is full")

    monkeypatch.setattr(SessionStore, "append", fail_at_reps)
    for _ in range(3):
        code, _, err = run_cli("import", write(tmp_path, fallback), "--db", db)
        assert code == 3 and "disk is full" in err
    with contextlib.closing(sqlite3.connect(db)) as conn:
        assert [conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                for t in ("sessions", "reps", "samples")] == [0, 0, 0]


def test_only_a_regular_file_of_sane_size_is_read(run_cli: RunCli, tmp_path: Path) -> None:
    fifo = tmp_path / "session.json"
    os.mkfifo(fifo)
    result: list[tuple[int, str, str]] = []
    worker = threading.Thread(target=lambda: result.append(run_cli("import", fifo, "--db",
                                                                    tmp_path / "s.db")))
    worker.start()
    worker.join(10)
    if worker.is_alive():  # unblock it before failing
        with contextlib.suppress(OSError), open(fifo, "w"):  # noqa: PTH123
            pass
        worker.join()
        pytest.fail("import of a FIFO hung")
    code, _, err = result[0]
    assert code == 3 and "not a regular file" in err
    for other in ("/dev/zero", tmp_path):
        code, _, err = run_cli("import", other, "--db", tmp_path / "s.db")
        assert code == 3 and "not a regular file" in err
    big = tmp_path / "big.json"
    with big.open("wb") as fh:
        fh.truncate(65 * 2**20)  # sparse: no disk used
    code, _, err = run_cli("import", big, "--db", tmp_path / "s.db")
    assert code == 3 and "too large" in err


def test_nesting_beyond_the_parser_is_one_line(run_cli: RunCli, tmp_path: Path) -> None:
    path = tmp_path / "deep.json"
    path.write_text('{"format": "rocking-session", "session": ' + "[" * 100_000
                    + "]" * 100_000 + "}")
    code, _, err = run_cli("import", path, "--db", tmp_path / "s.db")
    assert code == 3 and "nested too deeply" in err and err.count("\n") == 1


# --- the fuzz test -------------------------------------------------------------------------------
def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Every place in a JSON tree (keys and list positions)."""
    yield prefix
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _paths(v, (*prefix, k))
    elif isinstance(node, list):
        for i, v in enumerate(node[:3]):  # the first few samples stand for the rest
            yield from _paths(v, (*prefix, i))


plausible = st.one_of(st.floats(-2.0, 10.0), st.sampled_from([0, 0.0, 1e-9, 1e5, -0.0]),
                      st.integers(0, 3), st.none(), st.booleans())
json_leaf = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True), st.sampled_from([
        "", "abc", "deep", "=HYPERLINK(\"x\")", "\x1b[2J", "\x00", "running", "completed",
        "back", "on_all_fours", "too_fast", "camera", "1e300", "-1", "9" * 30]),
    st.text(max_size=20))
json_value = st.recursive(json_leaf, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=8), inner, max_size=3)),
    max_leaves=8)


@st.composite
def mutated(draw: st.DrawFn, doc: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(doc)
    for _ in range(draw(st.integers(1, 3))):
        places = list(_paths(out["session"], ("session",)))[1:]  # the session itself stays
        where = draw(st.sampled_from(places))
        parent: Any = out
        for key in where[:-1]:
            parent = parent[key]
        last = where[-1]
        action = draw(st.sampled_from(["replace", "replace", "plausible", "plausible", "delete",
                                       "add", "nest", "drop_list"]))
        target = parent[last]
        if action == "replace":
            parent[last] = draw(json_value)
        elif action == "plausible":  # a value of a likely type, at its edges
            parent[last] = draw(plausible)
        elif action == "delete":
            del parent[last]
        elif action == "add" and isinstance(target, dict):
            target[draw(st.text(max_size=10))] = draw(json_value)
        elif action == "nest":
            parent[last] = [target] if draw(st.booleans()) else {"value": target}
        elif action == "drop_list" and isinstance(target, list) and target:
            target.pop(draw(st.integers(0, len(target) - 1)))
    return out


def _cli(*args: Any) -> tuple[int, str, str]:
    """The CLI in-process (hypothesis runs many examples in one test: no capsys fixture)."""
    from helpers.cli import run_cli

    done = run_cli(*map(os.fspath, args))
    return done.returncode, done.stdout, done.stderr


@pytest.fixture(scope="module")
def fuzz_seed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return json.loads(real_fallback_file(tmp_path_factory.mktemp("seed")).read_text())


@given(data=st.data())
@settings(max_examples=30, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
def test_fuzzed_import_never_crashes_nor_breaks_the_database(fuzz_seed: dict[str, Any],
                                                             data: st.DataObject) -> None:
    doc = data.draw(mutated(fuzz_seed))
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        db = folder / "s.db"
        path = folder / "session.json"
        path.write_text(json.dumps(doc))  # NaN and Infinity too, as Python writes them
        code, _, err = _cli("import", path, "--db", db)
        assert code in (0, 3), err
        event("refused" if code == 3 else "imported")
        if code == 3:
            assert err.startswith("rocking: error: ") and err.count("\n") == 1, err
            assert sessions_in(db) == 0  # nothing half-imported
            return
        assert sessions_in(db) == 1
        # every reading command works on what was accepted
        csv = ["export", "--format", "csv", "--table"]
        for argv in (["review"], ["review", "1", "--json"], ["export", "--samples"],
                     [*csv, "sessions"], [*csv, "reps"], [*csv, "warnings"], [*csv, "samples"],
                     ["review", "1", "--report", folder / "r.html"]):
            code, _, err = _cli(*argv, "--db", db)
            assert code == 0 and "Traceback" not in err, (argv, err)
        # the session's plot is in its report; the trend plot (a photo has none: one line, 2)
        code, _, err = _cli("review", "--plot", folder / "trend.png", "--db", db)
        assert code == 0 or (code == 2 and err.count("\n") == 1), err


def test_import_replaces_the_partial_copy_the_failed_database_kept(run_cli: RunCli,
                                                                   tmp_path: Path) -> None:
    """The database failed after the first rep: it keeps a partial session, the fallback file
    the whole one. Importing the file into that database leaves one session, the whole one."""
    path = real_fallback_file(tmp_path)  # its database is tmp_path / "failing.db"
    db = tmp_path / "failing.db"
    with contextlib.closing(sqlite3.connect(db)) as conn:  # as the next open finds it: the
        conn.execute("UPDATE sessions SET status = 'interrupted'")  # recorder's process gone
        conn.commit()
    other = tmp_path / "other.db"
    assert run_cli("import", path, "--db", other)[0] == 0  # another database: a plain import
    code, out, err = run_cli("import", path, "--db", db, "--json")
    assert code == 0, err
    sid = json.loads(out)["session_id"]
    assert json.loads(out) == {"session_id": sid, "replaced": 1}
    with SessionStore.open_read_only(db) as store:
        rows = store.sessions()
        assert [r.id for r in rows] == [sid] and rows[0].status == "completed"
        assert len(store.reps(sid)) == 2
