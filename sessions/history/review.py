"""What the review shows: per-session summaries, one session's page, and trends over sessions.

All queries go through indexes (sessions by start time; reps, warnings and samples by session),
so the session table and a session's page stay fast with thousands of sessions.

- :func:`summaries` -> the session table (newest first), one :class:`SessionSummary` each.
- :func:`session_page` -> one session with its reps, warnings, posture faults and series,
  and :class:`Trend` rows comparing it with the sessions before it.
- :func:`parse_when` reads ``--since`` / ``--until`` values.
"""

from __future__ import annotations

import itertools
import re
import statistics
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from functools import cached_property
from typing import Any

from pose.analysis.posture import posture_message
from pose.analysis.tempo import TempoVerdict, tempo_verdict
from pose.events import Loss, MovementWarning, Rep, Verdict
from sessions.history.store import (
    OWN_KINDS,
    PostureEvent,
    Sample,
    SessionRow,
    SessionStore,
    Status,
)
from sessions.pain import fmt_pain, pain_went_up  # noqa: F401 - shown with the review

TREND_WINDOW = 5  # a session is compared with the median of this many sessions before it
HOLD_MIN_S = 1.0  # still this long inside a rep is a hold (a pause), not the turn of a rep


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
    kind: str = "video"             # live, video, photo or demo (see sessions.history.store.KINDS)
    name: str = ""                  # short and shareable: a file's base name, "camera 0"...
    pain_before: int | None = None  # the pain check-in, 0-10
    pain_after: int | None = None

    @property
    def own(self) -> bool:
        """One of the person's own exercise sessions (live or video): counted in trends and
        totals. Demos and photos are listed but never counted."""
        return self.kind in OWN_KINDS

    @property
    def tempo_verdict(self) -> str | None:
        """The median tempo against the plan: on tempo, quicker or slower than planned."""
        return tempo_word(self.median_period_s, self.target_period_s)

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
            "kind": self.kind, "name": self.name, "counted": self.own,
            "pain_before": self.pain_before, "pain_after": self.pain_after,
            "tempo": self.tempo_verdict,
        }


@dataclass(frozen=True)
class Trend:
    """One figure of a session against the median of the sessions before it."""

    name: str
    value: float | None
    before: float | None     # median over the earlier sessions (None: no earlier session)
    better: str              # "higher", "lower", "closer" (to the plan) is better; "": neither
    n_before: int
    style: str = "number"    # how to show it: "count" (whole), "seconds", "share" (a %), "number"

    def show(self, x: float | None, *, change: bool = False) -> str:
        """A value (or, with ``change``, a difference) of this figure as text."""
        if x is None:
            return "–"
        if self.style == "count":
            text = fmt_count(abs(x) if change else x)
            return (("+" if x >= 0 else "-") + text) if change else text
        if self.style == "seconds":
            return f"{x:+.1f} s" if change else f"{x:.1f} s"
        if self.style == "share":
            return f"{100 * x:+.0f} points" if change else fmt_pct(x)
        return f"{x:+.2f}" if change else f"{x:.2f}"

    @property
    def judgement(self) -> str:
        """"higher is better" and so on; "" when neither direction is better."""
        return f"{self.better} is better" if self.better else ""

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
    losses: list[Loss] = field(default_factory=list)   # out of view, in time order

    @cached_property
    def timings(self) -> list[RepTiming]:
        """Each rep's movement and pauses (see :func:`rep_timing`), in the order of ``reps``."""
        times = [x.t_s for x in self.samples]
        return [rep_timing(r, self.samples, times) for r in self.reps]

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
                      "on_tempo": on_tempo(r, self.row), "tempo": rep_tempo(r, self.row),
                      "timing": {k: _r(v) for k, v in asdict(timing).items()}}
                     for r, timing in zip(self.reps, self.timings, strict=True)],
            "warnings": [{"t_s": _r(w.t_s), "kind": str(w.kind), "message": w.message,
                          "value": _r(w.value), "threshold": _r(w.threshold)}
                         for w in self.warnings],
            "warning_kinds": self.warning_kinds,
            "losses": [{"start_s": _r(x.start_s), "end_s": _r(x.end_s),
                        "duration_s": _r(x.duration_s)} for x in self.losses],
            "posture_faults": [{"t_s": _r(p.t_s), "verdict": str(p.verdict),
                                "faults": sorted(k for k, v in p.faults.items() if v),
                                "message": p.message} for p in self.posture_faults],
            **({"posture_verdict": str(self.posture[-1].verdict) if self.posture else None}
               if self.summary.kind == "photo" else {}),
            "sample_count": len(self.samples),
            "trends": [t.to_json() for t in self.trends],
        }


def _r(x: float | None, nd: int = 3) -> float | None:
    return None if x is None else round(float(x), nd)


def iso(t: float) -> str:
    """Local time, ISO 8601 with the UTC offset, to the second."""
    return datetime.fromtimestamp(t).astimezone().isoformat(timespec="seconds")


def tempo_word(period_s: float | None, target_s: float | None) -> str | None:
    """A tempo against the plan's: "on tempo", "quicker than planned" or "slower than planned"
    (the one definition, pose.analysis.tempo, as the coach judged it live); None when either is
    unknown. Closer to the plan is better: slower is not simply better."""
    if period_s is None or not target_s:
        return None
    return str(tempo_verdict(period_s, target_s))


def rep_tempo(rep: Rep, row: SessionRow) -> str | None:
    """A full rep's tempo against the plan (None: partial rep or no tempo planned)."""
    if rep.partial:
        return None
    return tempo_word(rep.period_s, row.meta.target_period_s)


def on_tempo(rep: Rep, row: SessionRow) -> bool | None:
    """Whether a full rep is within the plan's tempo (None: partial rep or no tempo planned)."""
    word = rep_tempo(rep, row)
    return None if word is None else word == "on tempo"


def fmt_count(x: float | None) -> str:
    """A count, or a median of counts: no decimals unless it is a half."""
    if x is None:
        return "–"
    return f"{x:.0f}" if float(x).is_integer() else f"{x:.1f}"


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
              limit: int | None = None, oldest_first: bool = False,
              kinds: Sequence[str] | None = None) -> list[SessionSummary]:
    """The session table: sessions started in [since, until), newest first, at most ``limit``;
    only these ``kinds`` when given."""
    rows = store.sessions(since=since, until=until, limit=limit, kinds=kinds)
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
            share = sum(tempo_word(p, target) == TempoVerdict.ON_TEMPO for p in ps) / len(ps)
        duration = span[row.id]
        if duration is None and row.ended_at is not None:
            duration = row.ended_at - row.started_at
        out.append(SessionSummary(
            id=row.id, started_at=row.started_at, duration_s=duration,
            source=row.meta.source, source_detail=row.meta.source_detail, status=row.status,
            rep_count=len(ps), partial_count=partial, forceful_count=forceful,
            median_period_s=statistics.median(ps) if ps else None, on_tempo_share=share,
            warning_count=warn.get(row.id, 0), target_reps=row.meta.target_reps,
            target_period_s=target, kind=row.meta.kind, name=row.meta.name,
            pain_before=row.meta.pain_before, pain_after=row.meta.pain_after))
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
        # Only the person's own exercise sessions (live and video, with rocking time) are
        # "before": demos and photos never (a few more rows are read in case some of them
        # have no time).
        own = ",".join(f"'{k}'" for k in OWN_KINDS)
        earlier = store.connection.execute(
            "SELECT id FROM sessions WHERE (started_at < ? OR (started_at = ? AND id < ?)) "
            f"AND kind IN ({own}) ORDER BY started_at DESC, id DESC LIMIT ?",
            (data.session.started_at, data.session.started_at, session_id,
             4 * TREND_WINDOW)).fetchall()
        rows = [r for r in (store.session(int(e[0])) for e in earlier) if r is not None]
        before = [b for b in _summarise(store, rows) if comparable(b)][:TREND_WINDOW]
        trends = compare(summary, before)
    return SessionPage(summary, data.session, data.reps, data.warnings, data.posture,
                       data.samples, trends, data.losses)


def comparable(s: SessionSummary) -> bool:
    """Whether a session counts in trends, "the sessions before" and totals: one of the
    person's own exercise sessions (live or video, never a demo or a photo) with rocking
    time recorded."""
    return s.own and s.duration_s is not None and s.duration_s > 0


def posture_detail(event: PostureEvent) -> str:
    """What the person was told about a posture: the message saved with it, or (for an event
    saved without one) the words of the one table for its verdict and faults."""
    return event.message or posture_message(event.verdict, event.faults)


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
    trends = [
        Trend("reps", this.rep_count, med([float(b.rep_count) for b in before]), "higher", n,
              style="count"),
        # closer to the plan is better; with no plan, neither quicker nor slower is
        Trend("median tempo (s per rep)", this.median_period_s,
              med([b.median_period_s for b in before]),
              "closer" if this.target_period_s else "", n, style="seconds"),
        Trend("share of reps on tempo", this.on_tempo_share,
              med([b.on_tempo_share for b in before]), "higher", n, style="share"),
        Trend("warnings per rep", per_rep_warnings(this),
              med([per_rep_warnings(b) for b in before]), "lower", n),
        Trend("forceful reps", this.forceful_count,
              med([float(b.forceful_count) for b in before]), "lower", n, style="count"),
    ]
    if this.pain_before is not None or this.pain_after is not None:
        trends += [
            Trend("pain before (0-10)", _f(this.pain_before),
                  med([_f(b.pain_before) for b in before]), "lower", n, style="count"),
            Trend("pain after (0-10)", _f(this.pain_after),
                  med([_f(b.pain_after) for b in before]), "lower", n, style="count"),
        ]
    return trends


def _f(x: int | None) -> float | None:
    return None if x is None else float(x)


@dataclass(frozen=True)
class RepTiming:
    """A rep's time split into the movement (back, forward) and the holds between (pause)."""

    back_s: float
    pause_s: float
    forward_s: float


def rep_timing(rep: Rep, samples: list[Sample], times: list[float] | None = None) -> RepTiming:
    """The back and forward phases are the movement: time the analysis saw the person still
    (its ``still`` phase, in the stored series) inside them is a hold, shown as a pause with
    the hold at the back the analysis measured. Without a series: the rep as recorded."""
    first_peak, last_peak = rep.start_s + rep.back_s, rep.end_s - rep.forward_s
    step = _sample_step(samples)
    held_back = held_forward = 0.0
    if step:
        import bisect

        if times is None:
            times = [x.t_s for x in samples]
        lo = bisect.bisect_left(times, rep.start_s)
        hi = bisect.bisect_right(times, rep.end_s)
        run: list[float] = []   # times of consecutive still samples
        for x in [*samples[lo:hi], None]:
            if x is not None and x.phase == "still" and (not run or x.t_s - run[-1] < 1.5 * step):
                run.append(x.t_s)
                continue
            if len(run) * step >= HOLD_MIN_S:   # a hold, not the turn of a moving rep
                held_back += step * sum(t < first_peak for t in run)
                held_forward += step * sum(t > last_peak for t in run)
            run = [x.t_s] if x is not None and x.phase == "still" else []
        held_back = min(held_back, rep.back_s)
        held_forward = min(held_forward, rep.forward_s)
    return RepTiming(rep.back_s - held_back, rep.pause_s + held_back + held_forward,
                     rep.forward_s - held_forward)


def _sample_step(samples: list[Sample]) -> float | None:
    """The series' sampling interval (median gap), or None with fewer than two samples."""
    if len(samples) < 2:
        return None
    gaps = [b.t_s - a.t_s for a, b in itertools.pairwise(samples[:50])]
    return statistics.median(gaps)
