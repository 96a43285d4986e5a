"""A self-contained HTML report a person can send to their practitioner.

One file: inline CSS, tables, plots embedded as base64 PNG data URIs; no scripts, fonts, links or
anything fetched over a network. :func:`session_report` covers one session (with its trends),
:func:`range_report` a list of sessions (a date range) with a trend plot.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from html import escape

from pose.analysis.tempo import QUICK_BELOW, SLOW_ABOVE
from pose.messages import in_words
from sessions.history.review import (
    SessionPage,
    SessionSummary,
    Trend,
    comparable,
    fmt_count,
    plural,
    posture_detail,
    rep_tempo,
)
from sessions.history.review import fmt_num as _fmt
from sessions.history.review import fmt_pct as _pct
from sessions.history.review import fmt_when as _when
from sessions.pain import pain_message, pain_went_up
from sessions.version import __version__

CSS = """
body { font-family: sans-serif; margin: 2em auto; max-width: 70em; color: #222; }
h1 { font-size: 1.5em; } h2 { font-size: 1.2em; margin-top: 1.6em; }
table { border-collapse: collapse; margin: 0.5em 0; font-size: 0.92em; }
th, td { border: 1px solid #bbb; padding: 0.25em 0.6em; text-align: right; }
th { background: #eee; } td.l, th.l { text-align: left; } td.l { white-space: nowrap; }
tr.warn td { background: #fde0dd; } tr.part td, tr.other td { color: #888; }
p.pain-up { background: #fde0dd; padding: 0.5em; font-weight: bold; }
img { max-width: 100%; border: 1px solid #ddd; }
p.note { font-size: 0.85em; color: #555; }
"""

SAFETY = ("Start slowly and don't move too forcefully; only do this if you are able to get up "
          "and down off the floor; stop if pain increases. This is not medical advice: see a "
          "practitioner to find the root cause.")


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]], *, cls: str = "",
           row_classes: Sequence[str] | None = None, left: int = 0) -> str:
    """An HTML table; the first ``left`` columns are left-aligned. Cells are escaped."""
    def cell(tag: str, i: int, text: str) -> str:
        align = ' class="l"' if i < left else ""
        return f"<{tag}{align}>{escape(text)}</{tag}>"

    head = "".join(cell("th", i, h) for i, h in enumerate(headers))
    body = []
    for n, row in enumerate(rows):
        rc = f' class="{row_classes[n]}"' if row_classes and row_classes[n] else ""
        body.append(f"<tr{rc}>" + "".join(cell("td", i, c) for i, c in enumerate(row)) + "</tr>")
    klass = f' class="{cls}"' if cls else ""
    return f"<table{klass}><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _img(png: bytes, alt: str) -> str:
    data = base64.b64encode(png).decode("ascii")
    return f'<img alt="{escape(alt)}" src="data:image/png;base64,{data}">'


def _page(title: str, body: str) -> str:
    return (f"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>{escape(title)}</title><style>{CSS}</style></head><body>"
            f"<h1>{escape(title)}</h1>{body}"
            f"<p class=\"note\">{escape(SAFETY)}</p>"
            f"<p class=\"note\">Made by rocking {escape(__version__)} from the session history "
            f"on this computer; depth is in the tool's own units (0 start position, 1 near the "
            f"heels), tempo in seconds per rep.</p></body></html>\n")


def sessions_table(sessions: Sequence[SessionSummary]) -> str:
    """The session table (date, kind and name, duration, reps, tempo against the plan, the
    pain check-in, warnings, status). Demos and photos are greyed: not counted."""
    rows = [[str(s.id), _when(s.started_at), s.kind if s.own else f"{s.kind} (not counted)",
             s.name, _fmt(s.duration_s, ".0f", " s"),
             str(s.rep_count) + (f" / {s.target_reps}" if s.target_reps else ""),
             _fmt(s.median_period_s, ".1f", " s"), s.tempo_verdict or "–",
             _pct(s.on_tempo_share), fmt_count(s.pain_before), fmt_count(s.pain_after),
             str(s.forceful_count), str(s.warning_count), s.status] for s in sessions]
    classes = ["warn" if pain_went_up(s.pain_before, s.pain_after) else
               ("" if s.own else "other") for s in sessions]
    return _table(["session", "started", "kind", "name", "duration", "reps", "median tempo",
                   "against the plan", "reps on tempo", "pain before", "pain after",
                   "forceful", "warnings", "ended"], rows, cls="sessions", left=4,
                  row_classes=classes)


def trends_table(trends: Sequence[Trend]) -> str:
    """This session's figures against the sessions before it."""
    rows = [[t.name, t.show(t.value), t.show(t.before), t.show(t.change, change=True),
             t.judgement] for t in trends]
    return _table(["figure", "this session", f"before (median of {trends[0].n_before})"
                   if trends else "before", "change", ""], rows, cls="trends", left=1)


def session_report(page: SessionPage, plot_png: bytes | None) -> str:
    """The HTML page for one session."""
    s, meta = page.summary, page.row.meta
    plan = []
    if meta.target_reps:
        plan.append(plural(meta.target_reps, "rep"))
    if meta.target_period_s:
        split = (f" ({meta.target_back_s:g} s back, {meta.target_forward_s:g} s forward)"
                 if meta.target_back_s and meta.target_forward_s else "")
        plan.append(f"{meta.target_period_s:g} s per rep{split}, "
                    f"on tempo from {100 * QUICK_BELOW:.0f} % to {100 * SLOW_ABOVE:.0f} % "
                    "of it")
    body = [f"<p>Plan: {escape('; '.join(plan) or 'none recorded')}. "
            f"Kind: {escape(s.kind)}" + (f" ({escape(s.name)})" if s.name else "") + ".</p>",
            sessions_table([s])]
    if not s.own:
        body.append(f"<p>A {escape(s.kind)}: not one of your own exercise sessions, so it is "
                    "not counted in trends or totals.</p>")
    said = pain_message(s.pain_before, s.pain_after)
    if said is not None:
        klass = ' class="pain-up"' if pain_went_up(s.pain_before, s.pain_after) else ""
        body.append(f"<p{klass}>{escape(said)}</p>")
    if s.kind == "photo" and page.posture:
        last = page.posture[-1]
        detail = posture_detail(last)
        body.append(f"<p>Posture in the photo: {escape(in_words(last.verdict))}"
                    + (f" ({escape(detail)})" if detail else "") + ".</p>")
    if page.trends and page.trends[0].n_before:
        body += ["<h2>Compared with earlier sessions</h2>", trends_table(page.trends)]
    if plot_png is not None:
        body += ["<h2>The movement</h2>", _img(plot_png, f"session {s.id} plot")]
    body.append("<h2>Reps</h2>")
    if page.reps:
        rows, classes = [], []
        number = 0
        for r, timing in zip(page.reps, page.timings, strict=True):
            number += not r.partial
            rows.append(["" if r.partial else str(number), _fmt(r.start_s),
                         _fmt(r.period_s, ".1f"), _fmt(timing.back_s, ".1f"),
                         _fmt(timing.pause_s, ".1f"), _fmt(timing.forward_s, ".1f"),
                         _fmt(r.depth, ".2f"), _fmt(r.peak_speed, ".2f"),
                         rep_tempo(r, page.row) or "–",
                         "partial" if r.partial else ("forceful" if r.forceful else "steady")])
            classes.append("part" if r.partial else ("warn" if r.forceful else ""))
        body.append(_table(["rep", "at (s)", "seconds", "back (s)", "pause (s)", "forward (s)",
                            "depth", "peak speed (/s)", "tempo", "note"], rows, cls="reps",
                           row_classes=classes))
        body.append("<p class=\"note\">Back and forward are the movement; a hold (at the "
                    "back, or on the way) is counted as a pause.</p>")
    else:
        body.append("<p>No reps recorded.</p>")
    body.append("<h2>Warnings</h2>")
    if page.warnings:
        body.append(_table(["at (s)", "kind", "message", "value", "limit"],
                           [[_fmt(w.t_s), in_words(w.kind), w.message,
                             _fmt(w.value, ".2f"), _fmt(w.threshold, ".2f")]
                            for w in page.warnings], cls="warnings", left=3))
    else:
        body.append("<p>No warnings.</p>")
    if page.losses:
        body.append("<h2>Out of view</h2>")
        body.append(_table(["from (s)", "to (s)", "for (s)"],
                           [[_fmt(x.start_s), _fmt(x.end_s), _fmt(x.duration_s, ".1f")]
                            for x in page.losses], cls="losses"))
    faults = page.posture_faults
    if faults:
        body.append("<h2>Position lost</h2>")
        body.append(_table(["at (s)", "posture", "details"],
                           [[_fmt(p.t_s), in_words(p.verdict),
                             posture_detail(p)]
                            for p in faults], cls="posture", left=3))
    return _page(f"Rocking session {s.id}, {_when(s.started_at)}", "".join(body))


def range_report(sessions: Sequence[SessionSummary], trend_png: bytes | None,
                 title: str) -> str:
    """The HTML page for several sessions (newest first in the table) with a trend plot. The
    totals count the person's own exercise sessions only (live and video, with rocking time);
    demos and photos are listed, marked, and not counted."""
    own = [s for s in sessions if comparable(s)]
    others = [s for s in sessions if not comparable(s)]
    body = [f"<p>{plural(len(own), 'exercise session')}, "
            f"{plural(sum(s.rep_count for s in own), 'rep')}, "
            f"{plural(sum(s.warning_count for s in own), 'warning')}."
            + (f" Also listed, not counted: {_listed(others)}." if others else "") + "</p>"]
    ups = [s for s in own if pain_went_up(s.pain_before, s.pain_after)]
    if ups:
        body.append("<p class=\"pain-up\">Pain went up after "
                    f"{plural(len(ups), 'session')} (" + ", ".join(
                        f"{_when(s.started_at)[:10]}: {s.pain_before} to {s.pain_after}"
                        for s in ups) + "): stop if pain increases, and talk it over with "
                    "your practitioner.</p>")
    if trend_png is not None:
        body += ["<h2>Trends</h2>", _img(trend_png, "trends across sessions")]
    body += ["<h2>Sessions</h2>", sessions_table(sessions)]
    return _page(title, "".join(body))


def _listed(others: Sequence[SessionSummary]) -> str:
    """"1 demo, 2 photos"; own-kind sessions with no rocking time as "with no rocking time"."""
    from collections import Counter

    counts = Counter(s.kind if not s.own else "with no rocking time" for s in others)
    names = {"demo": ("demo", "demos"), "photo": ("photo", "photos")}
    parts = []
    for kind, n in sorted(counts.items()):
        one, many = names.get(kind, ("session " + kind, "sessions " + kind))
        parts.append(plural(n, one, many))
    return ", ".join(parts)
