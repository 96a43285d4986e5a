"""The history commands: `rocking review`, `export`, `delete` and `import`.

    rocking review [ID] [--since DATE] [--until DATE] [--limit N] [--kind KIND[,KIND]] [--json]
                   [--plot FILE.png] [--report FILE.html] [--db PATH]
    rocking export [--format csv|json] [--table sessions|reps|warnings|samples|losses]
                   [--samples] [--since DATE] [--until DATE] [--output FILE] [--db PATH]
    rocking delete ID [--yes] [--json] [--db PATH]
    rocking import FILE.json [--json] [--db PATH]   (a session saved to a fallback file)
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from pose.messages import in_words
from sessions.cli.options import add_db_option, db_option
from sessions.errors import UserError
from sessions.history.store import (
    ENV_VAR,
    KINDS,
    SessionStore,
    resolve_db_path,
    session_to_json,
)
from sessions.output.private_files import printable, printable_lines, same_file

DEFAULT_LIMIT = 50


MAX_ID = 2**63 - 1  # SQLite's largest integer


def _when(text: str) -> float:
    from sessions.history.review import parse_when

    try:
        return parse_when(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    except OverflowError:  # 800000d ago is before the calendar starts
        raise argparse.ArgumentTypeError(f"the date {text!r} is out of range") from None


def _whole_number(text: str, problem: str) -> int:
    """A whole number from 1 to :data:`MAX_ID` (what SQLite's integers hold), else ``problem``."""
    try:
        n = int(text)
    except ValueError:
        n = 0
    if not 1 <= n <= MAX_ID:
        raise argparse.ArgumentTypeError(f"{problem}, got {text!r}")
    return n


def _positive(text: str) -> int:
    return _whole_number(text, f"must be a whole number of 1 or more (at most {MAX_ID})")


def _session_id(text: str) -> int:
    return _whole_number(text, f"a session id is a whole number from 1 to {MAX_ID} "
                               "(`rocking review` lists them)")


def _kinds(text: str) -> list[str]:
    kinds = [k.strip().lower() for k in text.split(",") if k.strip()]
    wrong = [k for k in kinds if k not in KINDS]
    if wrong or not kinds:
        raise argparse.ArgumentTypeError(f"a kind is one of {', '.join(KINDS)}, got {text!r}")
    return kinds




def _range_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--since", type=_when, default=None, metavar="DATE",
                   help="only sessions from this date (2026-11-01, today, 7d...)")
    p.add_argument("--until", type=_when, default=None, metavar="DATE",
                   help="only sessions before this date")


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the review, export, delete and import sub-commands."""
    p = sub.add_parser("review", help="show saved sessions, one session, plots and reports",
                       description="Show the saved sessions (newest first), or one session's "
                       "reps, warnings and trends against earlier sessions.")
    p.add_argument("id", type=_session_id, nargs="?", default=None, metavar="ID",
                   help="a session id (from the table) to show in detail")
    _range_args(p)
    p.add_argument("--limit", type=_positive, default=DEFAULT_LIMIT, metavar="N",
                   help=f"at most N sessions in the table (default {DEFAULT_LIMIT})")
    p.add_argument("--kind", type=_kinds, default=None, metavar="KIND[,KIND]",
                   help="only these kinds of session: live (webcam), video (a recording, "
                   "coached or analysed), photo, demo")
    p.add_argument("--json", action="store_true", help="print JSON instead of tables")
    p.add_argument("--plot", type=Path, default=None, metavar="FILE.png",
                   help="write a plot: the session's movement, or the trend over sessions")
    p.add_argument("--report", type=Path, default=None, metavar="FILE.html",
                   help="write a self-contained HTML report to send to a practitioner")
    add_db_option(p)
    p.set_defaults(func=run_review)

    e = sub.add_parser("export", help="export saved sessions as CSV or JSON",
                       description="Export sessions (all, or a date range) as CSV or JSON.")
    e.add_argument("--format", choices=("csv", "json"), default="json",
                   help="JSON: whole sessions; CSV: one table (default json)")
    e.add_argument("--table", choices=tuple(CSV_COLUMNS), default=None,
                   help="CSV only: which table (default sessions)")
    e.add_argument("--samples", action="store_true",
                   help="JSON only: include the downsampled time series")
    _range_args(e)
    e.add_argument("--output", "-o", type=Path, default=None, metavar="FILE",
                   help="write to FILE (default: standard output)")
    add_db_option(e)
    e.set_defaults(func=run_export)

    d = sub.add_parser("delete", help="delete a saved session",
                       description="Delete a session and everything recorded with it.")
    d.add_argument("id", type=_session_id, metavar="ID",
                   help="the session to delete (its id in `rocking review`)")
    d.add_argument("--yes", "-y", action="store_true", help="do not ask for confirmation")
    d.add_argument("--json", action="store_true", help='print {"deleted": ID} when done')
    add_db_option(d)
    d.set_defaults(func=run_delete)

    i = sub.add_parser("import", help="add a session saved to a fallback JSON file",
                       description="Add a session that was saved to a JSON file (because the "
                       "database failed during it) to the session database.")
    i.add_argument("file", type=Path, metavar="FILE.json",
                   help="the fallback file rocking named when the database failed")
    i.add_argument("--json", action="store_true", help='print {"session_id": ID} when done')
    add_db_option(i)
    i.set_defaults(func=run_import)


@contextmanager
def _open(args: argparse.Namespace, *, create: bool = False,
          read_only: bool = False) -> Iterator[SessionStore | None]:
    """The store, or None when no database exists yet (nothing saved). ``read_only``: for the
    reading commands, which then work on a read-only file and never write to it."""
    path = resolve_db_path(args.db)
    if not create and not path.exists():
        given = args.db is not None and str(args.db) != ""
        if given or os.environ.get(ENV_VAR):
            # a path the person gave: a typo must not look like lost data
            how = "--db" if given else f"${ENV_VAR}"
            raise UserError(f"no session database at {path} (the file given with {how} does "
                            "not exist)")
        yield None   # the default file: nothing saved yet
        return
    if read_only:
        if path.is_file() and path.stat().st_size == 0:  # created, nothing saved yet
            yield None
            return
        with SessionStore.open_read_only(path) as store:
            yield store
        return
    with SessionStore.open(path) as store:
        yield store


def _write_private(args: argparse.Namespace, path: Path, data: bytes) -> None:
    """Write a file readable by its owner only (reports hold health data), atomically, never
    over the session database being read (sessions.output.private_files)."""
    from sessions.output.private_files import write_private_bytes

    db = resolve_db_path(args.db)
    write_private_bytes(path, data,
                        inputs=[db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")])


def _emit(text: str) -> None:
    sys.stdout.write(text if text.endswith("\n") else text + "\n")


# --- review -------------------------------------------------------------------------------------
def run_review(args: argparse.Namespace) -> int:
    """`rocking review`."""
    for opt, suffix in (("plot", ".png"), ("report", ".html")):
        target = getattr(args, opt)
        if target is not None and not target.parent.is_dir():
            raise UserError(f"--{opt}: folder {printable(target.parent)} does not exist")
        if target is not None and target.suffix.lower() != suffix:
            raise UserError(f"--{opt} must name a {suffix} file, got {printable(target)}")
    with _open(args, read_only=True) as store:
        if args.id is not None:
            return _review_one(args, store)
        return _review_list(args, store)


def _review_list(args: argparse.Namespace, store: SessionStore | None) -> int:
    from sessions.history.review import summaries

    rows = summaries(store, since=args.since, until=args.until, limit=args.limit,
                     kinds=args.kind) if store is not None else []
    if args.plot is not None or args.report is not None:
        if not rows:
            raise UserError("no sessions to plot or report in that range")
        from sessions.history.plots import png_bytes, trend_figure
        from sessions.history.review import comparable

        moving = [s for s in rows if comparable(s)]  # the person's own sessions only
        if args.plot is not None and not moving:
            raise UserError("no exercise sessions with rocking time to plot in that range "
                            "(demos and photos are listed but not counted)")
        png = png_bytes(trend_figure(moving)) if moving else None
        if args.plot is not None and png is not None:
            _write_private(args, args.plot, png)
        if args.report is not None:
            from sessions.history.html_report import range_report

            title = f"Rocking sessions, {_day(rows[-1].started_at)} to {_day(rows[0].started_at)}"
            _write_private(args, args.report, range_report(rows, png, title).encode("utf-8"))
    if args.json:
        _emit(json.dumps({"sessions": [s.to_json() for s in rows]}, indent=1))
        return 0
    if not rows:
        ranged = args.since is not None or args.until is not None or args.kind is not None
        print_line("No sessions in that range." if store is not None and ranged else
                   f"No sessions saved yet (database: {printable(resolve_db_path(args.db))}).")
        return 0
    _print_table(rows, db_option(args))
    for opt in ("plot", "report"):
        if getattr(args, opt) is not None:
            print_line(f"wrote {printable(getattr(args, opt))}")
    return 0


def _day(t: float) -> str:
    from sessions.history.review import iso

    return iso(t)[:10]


def print_line(text: str) -> None:
    """One line to standard output."""
    sys.stdout.write(printable_lines(text) + "\n")


TABLE_WIDTH = 100  # a table wider than this wraps its ``wrap`` column


def text_table(title: str, headers: list[str], rows: list[list[str]],
               left: tuple[int, ...] = (), wrap: int | None = None) -> str:
    """A plain fixed-width table (fast for thousands of rows, and easy to grep or paste).

    ``wrap``: a (left-aligned text) column whose long cells continue on following lines so
    that the table fits in :data:`TABLE_WIDTH` columns.
    """
    widths = [max([len(h), *(len(r[i]) for r in rows)]) for i, h in enumerate(headers)]
    total = sum(widths) + 2 * (len(widths) - 1)
    if wrap is not None and total > TABLE_WIDTH:
        import textwrap

        widths[wrap] = max(len(headers[wrap]), 20, widths[wrap] - (total - TABLE_WIDTH))
        wrapped = []
        for r in rows:
            parts = textwrap.wrap(r[wrap], widths[wrap]) or [""]
            wrapped.append([*r[:wrap], parts[0], *r[wrap + 1:]])
            blank = [""] * len(r)
            wrapped += [[*blank[:wrap], more, *blank[wrap + 1:]] for more in parts[1:]]
        rows = wrapped
        widths = [max([len(h), *(len(r[i]) for r in rows)]) for i, h in enumerate(headers)]

    def line(cells: list[str]) -> str:
        return "  ".join(c.ljust(w) if i in left else c.rjust(w)
                         for i, (c, w) in enumerate(zip(cells, widths, strict=True))).rstrip()

    rule = "  ".join("-" * w for w in widths).rstrip()
    return "\n".join([title, line(headers), rule, *(line(r) for r in rows)]) + "\n"


NAME_WIDTH = 18  # longer names are cut in the table (the session page shows them whole)


def short_name(name: str, width: int = NAME_WIDTH) -> str:
    """A name cut to ``width`` characters with an ellipsis."""
    return name if len(name) <= width else name[:width - 1] + "…"


def _print_table(rows: list[Any], db: str = "") -> None:
    from sessions.history.review import fmt_num, fmt_pain, fmt_pct, fmt_when

    body = [[str(s.id), fmt_when(s.started_at), s.kind + ("" if s.own else "*"),
             short_name(s.name), fmt_num(s.duration_s, ".0f", " s"),
             str(s.rep_count) + (f"/{s.target_reps}" if s.target_reps else ""),
             fmt_num(s.median_period_s, ".1f", " s"), fmt_pct(s.on_tempo_share),
             str(s.forceful_count), str(s.warning_count),
             fmt_pain(s.pain_before, s.pain_after), s.status] for s in rows]
    sys.stdout.write(printable_lines(text_table(
        "Rocking sessions (newest first)",
        ["id", "started", "kind", "name", "time", "reps", "s/rep", "on tempo", "forceful",
         "warnings", "pain", "ended"], body, left=(1, 2, 3, 10, 11))))
    if any(not s.own for s in rows):
        print_line("* not counted in trends or totals (demos and photos are not your own "
                   "exercise sessions)")
    print_line(f"\n`rocking review{db} ID` shows one session; --plot/--report write a plot or "
               "a report.")


def _review_one(args: argparse.Namespace, store: SessionStore | None) -> int:
    from sessions.history.review import session_page

    page = session_page(store, args.id) if store is not None else None
    if page is None:
        raise UserError(f"no session {args.id} in {resolve_db_path(args.db)} "
                        f"(`rocking review{db_option(args)}` lists them)")
    png = None
    movement = bool(page.samples) and page.summary.kind != "photo"
    if args.plot is not None and not movement:
        what = ("a photo: it has a posture verdict, no movement over time"
                if page.summary.kind == "photo" else "no movement recorded")
        raise UserError(f"nothing to plot for session {args.id}: {what}")
    if (args.plot is not None or args.report is not None) and movement:
        from sessions.history.plots import png_bytes, session_figure

        png = png_bytes(session_figure(page))
        if args.plot is not None:
            _write_private(args, args.plot, png)
    if args.report is not None:
        from sessions.history.html_report import session_report

        _write_private(args, args.report, session_report(page, png).encode("utf-8"))
    if args.json:
        _emit(json.dumps({"session": page.to_json()}, indent=1))
        return 0
    _print_page(page)
    for opt in ("plot", "report"):
        if getattr(args, opt) is not None:
            print_line(f"wrote {printable(getattr(args, opt))}")
    return 0


def _numbers(reps: list[Any]) -> list[int]:
    """Full reps numbered 1, 2, ... in order; partial reps get 0 (shown blank)."""
    out, n = [], 0
    for r in reps:
        n += not r.partial
        out.append(0 if r.partial else n)
    return out


def _print_page(page: Any) -> None:
    from sessions.history.review import (
        fmt_count,
        fmt_num,
        fmt_pct,
        fmt_when,
        plural,
        rep_tempo,
    )
    from sessions.pain import pain_message

    s = page.summary
    tempo = ""
    if s.target_period_s and s.tempo_verdict is not None:
        tempo = (f" ({s.tempo_verdict}: plan {s.target_period_s:g} s; "
                 f"{fmt_pct(s.on_tempo_share)} of reps on tempo)")
    elif s.target_period_s:
        tempo = f" (plan {s.target_period_s:g} s)"
    out = [f"Session {s.id}: {fmt_when(s.started_at)}, {s.kind}"
           + (f" ({s.name})" if s.name else "")
           + f", {fmt_num(s.duration_s, '.0f', ' s')}, {s.status}",
           plural(s.rep_count, "rep") + (f" of {s.target_reps}" if s.target_reps else "")
           + f", median tempo {fmt_num(s.median_period_s, '.1f', ' s')}{tempo}"
           + f", {s.forceful_count} forceful, {plural(s.warning_count, 'warning')}"]
    if s.pain_before is not None or s.pain_after is not None:
        out.append(f"Pain (0-10): {fmt_count(s.pain_before)} before, "
                   f"{fmt_count(s.pain_after)} after"
                   + (f". {pain_message(s.pain_before, s.pain_after)}"
                      if pain_message(s.pain_before, s.pain_after) else ""))
    if not s.own:
        out.append(f"A {s.kind}: listed, but not counted in your trends or totals.")
    out.append("")
    if s.kind == "photo":
        from sessions.history.review import posture_detail, posture_verdict

        p = posture_verdict(page)
        detail = posture_detail(p) if p is not None else ""
        out[1:2] = [("Posture in the photo: " + in_words(p.verdict)
                     + (f" ({detail})" if detail else "")) if p is not None
                    else "Posture in the photo: not recorded"]
    if page.reps:
        rows = []
        for n, r, timing in zip(_numbers(page.reps), page.reps, page.timings, strict=True):
            rows.append([str(n) if n else "", fmt_num(r.start_s), fmt_num(r.period_s, ".1f"),
                         fmt_num(timing.back_s, ".1f"), fmt_num(timing.pause_s, ".1f"),
                         fmt_num(timing.forward_s, ".1f"), fmt_num(r.depth, ".2f"),
                         fmt_num(r.peak_speed, ".2f"), rep_tempo(r, page.row) or "",
                         "partial" if r.partial else ("forceful" if r.forceful else "")])
        out.append(text_table(
            "Reps (seconds; a hold is a pause)",
            ["rep", "at", "seconds", "back", "pause", "forward", "depth", "peak speed",
             "tempo", "note"], rows, left=(8, 9)))
    if page.warnings:
        out.append(text_table(
            "Warnings", ["at (s)", "kind", "message", "value", "limit"],
            [[fmt_num(w.t_s), str(w.kind), w.message, fmt_num(w.value, ".2f"),
              fmt_num(w.threshold, ".2f")] for w in page.warnings], left=(1, 2), wrap=2))
    if page.losses:
        out.append(text_table(
            "Out of view (the person was not found)", ["from (s)", "to (s)", "for (s)"],
            [[fmt_num(x.start_s), fmt_num(x.end_s), fmt_num(x.duration_s, ".1f")]
             for x in page.losses]))
    if page.trends and page.trends[0].n_before:
        out.append(text_table(
            "Against your " + ("session" if page.trends[0].n_before == 1 else
                               plural(page.trends[0].n_before, "session")) + " before",
            ["figure", "this", "before", "change", ""],
            [[t.name, t.show(t.value), t.show(t.before), t.show(t.change, change=True),
              t.judgement] for t in page.trends],
            left=(0, 4)))
    sys.stdout.write(printable_lines("\n".join(out)))


# --- export -------------------------------------------------------------------------------------
CSV_COLUMNS: dict[str, tuple[str, ...]] = {
    "sessions": ("id", "started_at", "duration_s", "kind", "name", "counted", "source",
                 "source_detail", "status", "rep_count", "partial_count", "forceful_count",
                 "median_period_s", "on_tempo_share", "tempo", "warning_count", "target_reps",
                 "target_period_s", "pain_before", "pain_after"),
    "reps": ("session_id", "index", "start_s", "end_s", "period_s", "back_s", "forward_s",
             "depth", "peak_speed", "jerk", "forceful", "partial"),
    "warnings": ("session_id", "t_s", "kind", "message", "value", "threshold"),
    "samples": ("session_id", "t_s", "depth", "speed", "phase", "verdict", "target", "active"),
    "losses": ("session_id", "start_s", "end_s", "duration_s"),
}


def run_export(args: argparse.Namespace) -> int:
    """`rocking export`: JSON (sessions with reps, warnings, posture changes; --samples adds
    the series) or CSV (one table). Times are local ISO 8601, with unix seconds beside them."""
    from sessions.history.review import iso, plural, summaries

    if args.format == "json" and args.table is not None:
        raise UserError("--table applies to --format csv only (JSON export holds whole "
                        "sessions)")
    if args.format == "csv" and args.samples:
        raise UserError("--samples applies to --format json only (for CSV, use "
                        "--table samples)")
    with _open(args, read_only=True) as store:
        rows = summaries(store, since=args.since, until=args.until,
                         oldest_first=True) if store is not None else []
        if args.format == "json":
            sessions = []
            for s in rows:
                data = store.load(s.id) if store is not None else None
                if data is not None:
                    row = data.session
                    sessions.append({
                        **session_to_json(data, with_samples=args.samples), **s.to_json(),
                        "started_at_unix": row.started_at, "ended_at_unix": row.ended_at,
                        "ended_at": iso(row.ended_at) if row.ended_at is not None else None})
            text = json.dumps({"sessions": sessions}, indent=1)
        else:
            text = _csv(args.table or "sessions", rows, store)
    data_bytes = text.encode("utf-8")
    if args.output is None:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
    else:
        _write_private(args, args.output, data_bytes)
        sys.stderr.write(f"wrote {plural(len(rows), 'session')} to {printable(args.output)}\n")
    return 0


def _csv(table: str, rows: list[Any], store: SessionStore | None) -> str:
    from dataclasses import asdict

    from pose.events import Loss

    buf = io.StringIO()
    cols = CSV_COLUMNS[table]
    w = csv.DictWriter(buf, fieldnames=cols, extrasaction="ignore", lineterminator="\n")
    w.writeheader()
    getters: dict[str, Callable[[int], list[Any]]] = {}
    if store is not None:
        getters = {"reps": store.reps, "warnings": store.warnings, "samples": store.samples,
                   "losses": store.losses}
    for s in rows:
        if table == "sessions":
            w.writerow(_cells(s.to_json()))
            continue
        for item in getters[table](s.id):
            d = asdict(item)
            if "kind" in d:
                d["kind"] = str(d["kind"])
            if "active" in d:
                d["active"] = ",".join(d["active"])
            if isinstance(item, Loss):
                d["duration_s"] = item.duration_s
            w.writerow(_cells({"session_id": s.id, **d}))
    return buf.getvalue()


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CSV_DECIMALS = 3


def csv_cell(value: Any) -> Any:
    """A cell as a spreadsheet should read it: figures rounded to 3 decimals, true/false,
    empty for unknown. A text cell a spreadsheet would run as a formula (it begins with
    = + - @, a tab or a carriage return) gets a leading apostrophe, so it is shown as the
    text it is. Numbers are left numbers (a negative number stays a number)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        text = f"{value:.{CSV_DECIMALS}f}".rstrip("0").rstrip(".")
        return "0" if text in ("-0", "") else text
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _cells(row: dict[str, Any]) -> dict[str, Any]:
    return {k: csv_cell(v) for k, v in row.items()}


# --- delete and import --------------------------------------------------------------------------
def run_delete(args: argparse.Namespace) -> int:
    """`rocking delete ID`."""
    with _open(args) as store:
        row = store.session(args.id) if store is not None else None
        if store is None or row is None:
            raise UserError(f"no session {args.id} in {resolve_db_path(args.db)}")
        if row.status == "running":
            raise UserError(f"session {args.id} is still being recorded by a running rocking; "
                            "end it first")
        if not args.yes:
            if not sys.stdin.isatty():
                raise UserError(f"not deleting session {args.id} without confirmation: "
                                "run it in a terminal or add --yes")
            from sessions.history.review import iso

            answer = input(f"Delete session {args.id} ({iso(row.started_at)[:16]}, "
                           f"{row.meta.source}) and everything recorded with it? [y/N] ")
            if answer.strip().lower() not in ("y", "yes"):
                print_line("Not deleted.")
                return 1
        store.delete_session(args.id)
    print_line(json.dumps({"deleted": args.id}) if args.json else f"Deleted session {args.id}.")
    return 0


def run_import(args: argparse.Namespace) -> int:
    """`rocking import FILE`: every field checked first, then one transaction; a file
    imported before is recognised (by its SHA-256) and adds nothing."""
    from sessions.history.recorder import read_fallback
    from sessions.history.review import plural
    from sessions.history.store import AlreadyImported

    saved = read_fallback(args.file)
    data, db = saved.data, resolve_db_path(args.db)
    partial = (saved.database_session_id if saved.database is not None
               and same_file(saved.database, db) else None)
    try:
        with _open(args, create=True) as store:
            assert store is not None
            sid = store.import_session(data, content_hash=saved.sha256, replaces=partial)
            replaced = store.last_import_replaced
    except AlreadyImported as done:
        print_line(json.dumps({"session_id": done.session_id, "already_imported": True})
                   if args.json else f"{printable(args.file)} was already imported as session "
                   f"{done.session_id}; nothing added.")
        return 0
    print_line(json.dumps({"session_id": sid, **({"replaced": replaced} if replaced else {})})
               if args.json
               else f"Imported {printable(args.file)} as session {sid} "
               f"({plural(len(data.reps), 'rep')})"
               + (f"; it replaces the partial session {replaced} the database had kept."
                  if replaced is not None else "."))
    return 0
