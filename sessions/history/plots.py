"""Review plots, drawn with matplotlib's Agg backend (no display needed, no pyplot state).

- :func:`session_figure`: rocking depth over time with rep spans, the pacer's target (when
  recorded), posture faults and warning markers; below it, per-rep tempo bars (back + forward)
  against the plan's tempo.
- :func:`trend_figure`: reps, tempo and warnings per rep across sessions.
- :func:`png_bytes`: render a figure.
"""

from __future__ import annotations

import io
import math
from typing import Any

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from pose.analysis.tempo import QUICK_BELOW, SLOW_ABOVE
from pose.events import Rep, WarningKind
from pose.messages import in_words
from sessions.history.review import (
    SessionPage,
    SessionSummary,
    fmt_when,
    iso,
    per_rep_warnings,
    plural,
)
from sessions.pain import fmt_pain, pain_went_up

DPI = 100
KIND_COLOURS = {
    WarningKind.TOO_FAST: "#d62728", WarningKind.JERKY: "#ff7f0e",
    WarningKind.LOST_POSITION: "#9467bd", WarningKind.LIMB_LIFTED: "#8c564b",
    WarningKind.OUT_OF_VIEW: "#7f7f7f", WarningKind.WRONG_VIEW: "#bcbd22",
}
MAX_BARS = 120  # more reps than this: tempo as lines, not bars
BACK_COLOUR = "#1f77b4"
FORWARD_COLOUR = "#9ecae1"
PAUSE_COLOUR = "#d9d9d9"


def _nan(x: float | None) -> float:
    return math.nan if x is None else float(x)


def _rep_kind(rep: Rep) -> str:
    return "partial" if rep.partial else ("forceful" if rep.forceful else "steady")


def session_figure(page: SessionPage) -> Figure:
    """Depth over time and per-rep tempo bars for one session."""
    fig = Figure(figsize=(10, 6.5), dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    top, bottom = fig.subplots(2, 1, height_ratios=[2, 1])
    s = page.summary
    pain = (f", pain {fmt_pain(s.pain_before, s.pain_after)}"
            if s.pain_before is not None or s.pain_after is not None else "")
    fig.suptitle(f"Session {s.id}: {iso(s.started_at)[:16].replace('T', ' ')} ({s.kind}"
                 + (f", {s.name}" if s.name else "") + f"), {plural(s.rep_count, 'rep')}, "
                 f"{s.status}{pain}")

    # depth over time
    t = [x.t_s for x in page.samples]
    top.plot(t, [_nan(x.depth) for x in page.samples], color="black", lw=1.5,
             label="rocking depth")
    if any(x.target is not None for x in page.samples):
        top.plot(t, [_nan(x.target) for x in page.samples], color="#2ca02c", lw=1.2, ls="--",
                 label="pacer target")
    # rep spans and ends as two collections (a patch per rep is slow for an hour's session)
    for kind, colour in (("steady", "#c6dbef"), ("forceful", "#fdd0a2"), ("partial", "#cccccc")):
        spans = [(r.start_s, r.end_s - r.start_s) for r in page.reps
                 if _rep_kind(r) == kind]
        if spans:
            top.broken_barh(spans, (-0.4, 1.65), facecolors=colour, alpha=0.5, lw=0,
                            label=f"{kind} rep" if kind != "steady" else "rep")
    if page.reps:
        top.vlines([r.end_s for r in page.reps], -0.4, 1.25, color="#6baed6", lw=0.6)
    faults = page.posture_faults
    if faults:
        top.vlines([p.t_s for p in faults], -0.4, 1.25, color="#9467bd", lw=0.8, ls=":",
                   label="position lost")
    by_kind: dict[WarningKind, list[float]] = {}
    for w in page.warnings:
        by_kind.setdefault(w.kind, []).append(w.t_s)
    for kind, times in by_kind.items():
        top.plot(times, [1.12] * len(times), marker="v", ms=9, ls="none",
                 color=KIND_COLOURS.get(kind, "red"),
                 label=f"warning: {in_words(kind)}")
    top.set_ylim(-0.4, 1.25)
    top.set_xlabel("time (s)")
    top.set_ylabel("depth (0 start, 1 near heels)")
    if not page.samples and not page.reps:
        top.text(0.5, 0.5, "no movement recorded", ha="center", va="center",
                 transform=top.transAxes)
    top.legend(loc="lower right", fontsize=8, ncols=2)
    top.grid(alpha=0.3)

    # per-rep tempo bars (a line for sessions with very many reps)
    full = [r for r in page.reps if not r.partial]
    x = list(range(1, len(full) + 1))
    if len(full) <= MAX_BARS:
        timing = [t for r, t in zip(page.reps, page.timings, strict=True)
                  if not r.partial]   # holds are pauses
        bottom.bar(x, [t.back_s for t in timing], color=BACK_COLOUR, label="back (exhale)")
        pauses = [max(0.0, t.pause_s) for t in timing]
        if any(pauses):
            bottom.bar(x, pauses, bottom=[t.back_s for t in timing], color=PAUSE_COLOUR,
                       label="pause")
        bottom.bar(x, [t.forward_s for t in timing],
                   bottom=[t.back_s + p for t, p in zip(timing, pauses, strict=True)],
                   color=FORWARD_COLOUR, label="forward (inhale)",
                   edgecolor=["#d62728" if r.forceful else "none" for r in full], linewidth=2)
    else:
        bottom.plot(x, [r.period_s for r in full], color="black", lw=0.8, label="rep")
        bottom.plot(x, [r.back_s for r in full], color=BACK_COLOUR, lw=0.8,
                    label="back (exhale)")
        fx = [i for i, r in zip(x, full, strict=True) if r.forceful]
        bottom.plot(fx, [full[i - 1].period_s for i in fx], "o", color="#d62728", ms=3)
    target = page.row.meta.target_period_s
    if target:
        # the band of "on tempo" (pose.analysis.tempo, as the coach judged it live)
        bottom.axhspan(target * QUICK_BELOW, target * SLOW_ABOVE, color="#2ca02c", alpha=0.15,
                       lw=0)
        bottom.axhline(target, color="#2ca02c", ls="--", lw=1.2, label=f"plan {target:g} s")
    highest = max([r.period_s for r in full] + [target * SLOW_ABOVE if target else 0.0]
                  + [1.0])
    bottom.set_ylim(0, highest * 1.35)  # room for the legend above the bars
    bottom.set_xlabel("rep (red: forceful)")
    bottom.set_ylabel("seconds per rep")
    if full and len(full) <= 30:
        bottom.set_xticks(x)
    else:
        bottom.text(0.5, 0.5, "no full reps", ha="center", va="center",
                    transform=bottom.transAxes)
    bottom.legend(loc="upper right", fontsize=8, ncols=3)
    bottom.grid(axis="y", alpha=0.3)
    return fig


def trend_figure(sessions: list[SessionSummary]) -> Figure:
    """Reps, median tempo, warnings per rep and, when the pain check-in was used, pain before
    and after, session by session (oldest first). Pass the person's own sessions only."""
    ordered = sorted(sessions, key=lambda s: s.started_at)
    rated = any(s.pain_before is not None or s.pain_after is not None for s in ordered)
    fig = Figure(figsize=(10, 8.5 if rated else 6.5), dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(4 if rated else 3, 1, sharex=True)
    a, b, c = axes[:3]
    x = list(range(len(ordered)))
    a.bar(x, [s.rep_count for s in ordered], width=0.6, color=BACK_COLOUR, label="reps")
    targets = [s.target_reps for s in ordered]
    if any(t for t in targets):
        a.plot(x, [_nan(t) for t in targets], ls="none", marker="_", ms=14, mew=2,
               color="#2ca02c", label="plan")
        a.legend(fontsize=8)
    a.set_ylabel("reps")
    b.plot(x, [_nan(s.median_period_s) for s in ordered], marker="o", color="black",
           label="median s per rep")
    periods = [_nan(s.target_period_s) for s in ordered]
    if any(not math.isnan(v) for v in periods):
        b.plot(x, periods, ls="--", color="#2ca02c", label="plan")
    b.set_ylabel("tempo (s per rep)")
    b.legend(fontsize=8)
    c.plot(x, [_nan(per_rep_warnings(s)) for s in ordered], marker="s", color="#d62728")
    c.set_ylabel("warnings per rep")
    per_rep = [v for v in (per_rep_warnings(s) for s in ordered) if v is not None]
    c.set_ylim(0, max([0.5, *per_rep]) * 1.15)   # none at all: a flat line at 0, not noise
    if rated:
        _pain_panel(axes[3], x, ordered)
    last_ax = axes[-1]
    for ax in axes:
        ax.grid(alpha=0.3)
    step = max(1, math.ceil(len(ordered) / 12))  # at most a dozen date labels
    last_ax.set_xticks(x[::step])
    last_ax.set_xticklabels([fmt_when(s.started_at)[5:] for s in ordered[::step]], rotation=30,
                            ha="right", fontsize=8)
    last_ax.set_xlabel("session (month-day time)")
    first, last = fmt_when(ordered[0].started_at)[:10], fmt_when(ordered[-1].started_at)[:10]
    fig.suptitle(f"{plural(len(ordered), 'session')}, {first} to {last}")
    return fig


PAIN_BEFORE_COLOUR = "#7f7f7f"
PAIN_UP_COLOUR = "#d62728"
PAIN_DOWN_COLOUR = "#2ca02c"


def _pain_panel(ax: Any, x: list[int], ordered: list[SessionSummary]) -> None:
    """Pain before (grey circle) and after (triangle: red when it went up, green when down)
    each session, joined by a line, on the 0-10 scale."""
    for i, s in zip(x, ordered, strict=True):
        if s.pain_before is not None and s.pain_after is not None:
            colour = (PAIN_UP_COLOUR if s.pain_after > s.pain_before else
                      PAIN_DOWN_COLOUR if s.pain_after < s.pain_before else PAIN_BEFORE_COLOUR)
            ax.annotate("", xy=(i, s.pain_after), xytext=(i, s.pain_before),
                        arrowprops={"arrowstyle": "-|>", "color": colour, "lw": 1.5,
                                    "shrinkA": 4, "shrinkB": 4})
    ax.plot(x, [_nan(s.pain_before) for s in ordered], ls="none", marker="o", ms=7,
            color=PAIN_BEFORE_COLOUR, label="before")
    after_colours = [PAIN_UP_COLOUR if pain_went_up(s.pain_before, s.pain_after) else "black"
                     for s in ordered]
    ax.scatter(x, [_nan(s.pain_after) for s in ordered], marker="D", s=36, c=after_colours,
               zorder=3, label="after (red: went up)")
    ax.set_ylim(-0.5, 10.5)
    ax.set_yticks([0, 2, 4, 6, 8, 10])
    ax.set_ylabel("back pain (0-10)")
    ax.legend(fontsize=8, loc="upper right", ncols=2)


def png_bytes(fig: Figure) -> bytes:
    """The figure as PNG bytes."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI)
    return buf.getvalue()

