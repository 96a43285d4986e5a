"""What the review shows: per-session summaries, one session's page, and trends over sessions.

All queries go through indexes (sessions by start time; reps, warnings and samples by session),
so the session table and a session's page stay fast with thousands of sessions.

- :func:`summaries` -> the session table (newest first), one :class:`SessionSummary` each.
- :func:`session_page` -> one session with its reps, warnings, posture faults and series,
  and :class:`Trend` rows comparing it with the sessions before it.
- :func:`parse_when` reads ``--since`` / ``--until`` values.
"""

from __future__ import annotations

import re
import statistics
import time
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pose.events import MovementWarning, Rep, Verdict
from sessions.history.store import PostureEvent, Sample, SessionRow, SessionStore, Status

TREND_WINDOW = 5  # a session is compared with the median of this many sessions before it


@dataclass(frozen=True)
class SessionSummary:
    """One line of the session table."""

    id: int
    started_at: float
    duration_s: float | None
    source: str
    source_detail: str
    status: Status
    rep_count: int                  # full reps (partials not counted)
    partial_count: int
    forceful_count: int
    median_period_s: float | None   # the session's tempo: median seconds per full rep
    on_tempo_share: float | None    # share of full reps within the plan's tempo tolerance
    warning_count: int
    target_reps: int | None
    target_period_s: float | None

    def to_json(self) -> dict[str, Any]:
        """The JSON form (``rocking review --json``)."""
        return {
            "id": self.id, "started_at": iso(self.started_at), "duration_s": _r(self.duration_s),
            "source": self.source, "source_detail": self.source_detail, "status": self.status,
            "rep_count": self.rep_count, "partial_count": self.partial_count,
            "forceful_count": self.forceful_count,
            "median_period_s": _r(self.median_period_s),
            "on_tempo_share": _r(self.on_tempo_share), "warning_count": self.warning_count,
            "target_reps": self.target_reps, "target_period_s": self.target_period_s,
        }


@dataclass(frozen=True)
class Trend:
    """One figure of a session against the median of the sessions before it."""

    name: str
    value: float | None
    before: float | None     # median over the earlier sessions (None: no earlier session)
    better: str              # "higher", "lower" or "closer" (to the target) is better
    n_before: int

    @property
    def change(self) -> float | None:
        """value - before, when both are known."""
        if self.value is None or self.before is None:
            return None
        return self.value - self.before

    def to_json(self) -> dict[str, Any]:
        """The JSON form."""
        return {"name": self.name, "value": _r(self.value), "before": _r(self.before),
                "change": _r(self.change), "better": self.better, "n_before": self.n_before}


@dataclass(frozen=True)
class SessionPage:
    """Everything `rocking review ID` shows."""

    summary: SessionSummary
    row: SessionRow
    reps: list[Rep]
    warnings: list[MovementWarning]
    posture: list[PostureEvent]
    samples: list[Sample]
    trends: list[Trend]

    @property
    def warning_kinds(self) -> dict[str, int]:
        """Warnings counted by kind."""
        return dict(Counter(str(w.kind) for w in self.warnings))

    @property
    def rocking_from_s(self) -> float | None:
        """When the exercise proper began (calibrated: the first still, back, forward or lost
        sample); None when the series does not say."""
        started = ("still", "back", "forward", "lost")
        return next((x.t_s for x in self.samples if x.phase in started), None)

    @property
    def posture_faults(self) -> list[PostureEvent]:
        """Posture changes into a faulty state (not in position) once the exercise began (not
        while getting into position), in time order."""
        start = self.rocking_from_s
        return [p for p in self.posture
                if not p.verdict.in_position and p.verdict is not Verdict.NO_PERSON
                and (start is None or p.t_s >= start)]

    def to_json(self) -> dict[str, Any]:
        """The JSON form (``rocking review ID --json``)."""
        meta = self.row.meta
        return {
            **self.summary.to_json(),
            "ended_at": iso(self.row.ended_at) if self.row.ended_at is not None else None,
            "plan": {"target_reps": meta.target_reps, "target_period_s": meta.target_period_s,
                     "target_back_s": meta.target_back_s,
                     "target_forward_s": meta.target_forward_s,
                     "tempo_tolerance": meta.tempo_tolerance},
            "settings": meta.settings, "model_variant": meta.model_variant,
            "tool_version": meta.tool_version,
            "reps": [{"index": r.index, "start_s": _r(r.start_s), "end_s": _r(r.end_s),
                      "period_s": _r(r.period_s), "back_s": _r(r.back_s),
                      "forward_s": _r(r.forward_s), "depth": _r(r.depth),
                      "peak_speed": _r(r.peak_speed), "jerk": _r(r.jerk),
                      "forceful": r.forceful, "partial": r.partial,
                      "on_tempo": on_tempo(r, self.row)} for r in self.reps],
            "warnings": [{"t_s": _r(w.t_s), "kind": str(w.kind), "message": w.message,
                          "value": _r(w.value), "threshold": _r(w.threshold)}
                         for w in self.warnings],
            "warning_kinds": self.warning_kinds,
            "posture_faults": [{"t_s": _r(p.t_s), "verdict": str(p.verdict),
                                "faults": sorted(k for k, v in p.faults.items() if v),
                                "message": p.message} for p in self.posture_faults],
            **({"posture_verdict": str(self.posture[-1].verdict) if self.posture else None}
               if self.summary.source == "image" else {}),
            "sample_count": len(self.samples),
            "trends": [t.to_json() for t in self.trends],
        }


def _r(x: float | None, nd: int = 3) -> float | None:
    return None if x is None else round(float(x), nd)


def iso(t: float) -> str:
    """Local time, ISO 8601 with the UTC offset, to the second."""
    return datetime.fromtimestamp(t).astimezone().isoformat(timespec="seconds")


def on_tempo(rep: Rep, row: SessionRow) -> bool | None:
    """Whether a full rep is within the plan's tempo (None: partial rep or no tempo planned)."""
    target = row.meta.target_period_s
    if rep.partial or not target:
        return None
    return abs(rep.period_s - target) <= row.meta.tempo_tolerance * target


def fmt_num(x: float | int | None, spec: str = ".1f", suffix: str = "") -> str:
    """A number for a table ("–" when unknown, yes/no for booleans)."""
    if x is None:
        return "–"
    if isinstance(x, bool):
        return "yes" if x else "no"
    return f"{x:{spec}}{suffix}"


def plural(n: int, word: str, words: str | None = None) -> str:
    """"1 rep", "2 reps", "0 warnings"."""
    return f"{n} {word if n == 1 else (words or word + 's')}"


def fmt_pct(x: float | None) -> str:
    """A share as a percentage."""
    return "–" if x is None else f"{100 * x:.0f} %"


def fmt_when(t: float) -> str:
    """Local date and time to the minute."""
    return iso(t)[:16].replace("T", " ")


# --- dates ------------------------------------------------------------------------
_RELATIVE = re.compile(r"^(\d+)\s*([dwh])$")


def parse_when(text: str, now: float | None = None) -> float:
    """A ``--since``/``--until`` value as unix time: ``2026-11-01`` (local midnight),
    ``2026-11-01T08:30``, ``today``, ``yesterday``, or ``7d`` / ``2w`` / ``12h`` ago.

    Raises ValueError with a message a user can act on.
    """
    s = text.strip().lower()
    current = datetime.fromtimestamp(now if now is not None else time.time())
    midnight = current.replace(hour=0, minute=0, second=0, microsecond=0)
    if s == "today":
        return midnight.timestamp()
    if s == "yesterday":
        return (midnight - timedelta(days=1)).timestamp()
    m = _RELATIVE.match(s)
    if m:
        unit = {"d": timedelta(days=1), "w": timedelta(weeks=1), "h": timedelta(hours=1)}
        return (current - int(m.group(1)) * unit[m.group(2)]).timestamp()
    try:
        return datetime.fromisoformat(text.strip()).timestamp()
    except ValueError:
        raise ValueError(f"cannot read the date {text!r}: use 2026-11-01, 2026-11-01T08:30, "
                         "today, yesterday, or 7d / 2w / 12h ago") from None


# --- queries ------------------------------------------------------------------------
def summaries(store: SessionStore, *, since: float | None = None, until: float | None = None,
              limit: int | None = None, oldest_first: bool = False) -> list[SessionSummary]:
    """The session table: sessions started in [since, until), newest first, at most ``limit``."""
    rows = store.sessions(since=since, until=until, limit=limit)
    out = _summarise(store, rows)
    return out[::-1] if oldest_first else out


def _summarise(store: SessionStore, rows: list[SessionRow]) -> list[SessionSummary]:
    if not rows:
        return []
    c = store.connection
    ids = [r.id for r in rows]
    periods: dict[int, list[float]] = {i: [] for i in ids}
    counts: dict[int, tuple[int, int]] = {}
    warn: dict[int, int] = {}
    span: dict[int, float | None] = {}
    for chunk in _chunks(ids):
        marks = ",".join("?" * len(chunk))
        for sid, period, partial, forceful in c.execute(
                f"SELECT session_id, period_s, partial, forceful FROM reps "
                f"WHERE session_id IN ({marks})", chunk):
            if partial:
                p, f = counts.get(sid, (0, 0))
                counts[sid] = (p + 1, f)
            else:
                periods[sid].append(period)
                if forceful:
                    p, f = counts.get(sid, (0, 0))
                    counts[sid] = (p, f + 1)
        warn.update(c.execute(f"SELECT session_id, count(*) FROM warnings "
                              f"WHERE session_id IN ({marks}) GROUP BY session_id", chunk))
        # two index probes a session: first and last time of the series
        for sid, lo, hi in c.execute(
                f"SELECT s.id, (SELECT min(t_s) FROM samples WHERE session_id = s.id), "
                f"(SELECT max(t_s) FROM samples WHERE session_id = s.id) FROM sessions s "
                f"WHERE s.id IN ({marks})", chunk):
            span[sid] = hi - lo if lo is not None else None
    out = []
    for row in rows:
        ps = periods[row.id]
        partial, forceful = counts.get(row.id, (0, 0))
        target = row.meta.target_period_s
        share = None
        if ps and target:
            tol = row.meta.tempo_tolerance * target
            share = sum(abs(p - target) <= tol for p in ps) / len(ps)
        duration = span[row.id]
        if duration is None and row.ended_at is not None:
            duration = row.ended_at - row.started_at
        out.append(SessionSummary(
            id=row.id, started_at=row.started_at, duration_s=duration,
            source=row.meta.source, source_detail=row.meta.source_detail, status=row.status,
            rep_count=len(ps), partial_count=partial, forceful_count=forceful,
            median_period_s=statistics.median(ps) if ps else None, on_tempo_share=share,
            warning_count=warn.get(row.id, 0), target_reps=row.meta.target_reps,
            target_period_s=target))
    return out


def _chunks(ids: list[int], size: int = 900) -> list[list[int]]:
    return [ids[i:i + size] for i in range(0, len(ids), size)]


def session_page(store: SessionStore, session_id: int) -> SessionPage | None:
    """One session's page with trends against the sessions before it; None if there is none."""
    data = store.load(session_id)
    if data is None:
        return None
    summary = _summarise(store, [data.session])[0]
    trends: list[Trend] = []
    if comparable(summary):
        # Photos and sessions with no rocking time are not exercise sessions: leave them out
        # of "before" (a few more rows are read in case some of them have no time either).
        earlier = store.connection.execute(
            "SELECT id FROM sessions WHERE (started_at < ? OR (started_at = ? AND id < ?)) "
            "AND source != 'image' ORDER BY started_at DESC, id DESC LIMIT ?",
            (data.session.started_at, data.session.started_at, session_id,
             4 * TREND_WINDOW)).fetchall()
        rows = [r for r in (store.session(int(e[0])) for e in earlier) if r is not None]
        before = [b for b in _summarise(store, rows) if comparable(b)][:TREND_WINDOW]
        trends = compare(summary, before)
    return SessionPage(summary, data.session, data.reps, data.warnings, data.posture,
                       data.samples, trends)


def comparable(s: SessionSummary) -> bool:
    """Whether a session is rocking over time, to compare and plot as a trend: not a still
    image (``rocking analyze PHOTO``), and with some time recorded."""
    return s.source != "image" and s.duration_s is not None and s.duration_s > 0


def posture_verdict(page: SessionPage) -> PostureEvent | None:
    """A still image's posture verdict (its last posture event); None if none was recorded."""
    return page.posture[-1] if page.posture else None


def per_rep_warnings(s: SessionSummary) -> float | None:
    """Warnings per full rep (None with no reps)."""
    return s.warning_count / s.rep_count if s.rep_count else None


def compare(this: SessionSummary, before: list[SessionSummary]) -> list[Trend]:
    """Trend rows: this session's figures against the median of the earlier ones."""
    def med(values: list[float | None]) -> float | None:
        known = [v for v in values if v is not None]
        return statistics.median(known) if known else None

    n = len(before)
    return [
        Trend("reps", this.rep_count, med([float(b.rep_count) for b in before]), "higher", n),
        Trend("median tempo (s per rep)", this.median_period_s,
              med([b.median_period_s for b in before]),
              "closer" if this.target_period_s else "higher", n),
        Trend("share of reps on tempo", this.on_tempo_share,
              med([b.on_tempo_share for b in before]), "higher", n),
        Trend("warnings per rep", per_rep_warnings(this),
              med([per_rep_warnings(b) for b in before]), "lower", n),
        Trend("forceful reps", this.forceful_count,
              med([float(b.forceful_count) for b in before]), "lower", n),
    ]
