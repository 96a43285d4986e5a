"""The `rocking analyze` report: the JSON contract and its short human summary.

The base report holds what the pose pipeline itself knows; per-frame observers (movement analysis,
the session store) add their own fields. Fields not computed stay ``None`` (JSON null), never a
made-up number.
"""

from __future__ import annotations

from typing import Any

from pose.messages import in_words

REPORT_KEYS: tuple[str, ...] = (
    "source", "frames", "fps", "duration_s", "pose_detected_fraction",
    "on_all_fours_fraction", "posture", "rep_count", "reps", "warnings", "session_id",
    "partial_reps", "truncated", "saved_to", "not_saved", "losses",
)


def base_report(source: str, frames: int, fps: float, pose_frames: int,
                duration_s: float = 0.0) -> dict[str, Any]:
    """The report with the pipeline's own figures and null movement fields.

    ``fps`` is the frame rate the file states (0 for a still image); ``duration_s`` comes from
    the frames' own times (``PoseCounter.duration_s``), never frames / fps, which is wrong for
    a variable-rate video. ``partial_reps`` and
    ``truncated`` came after the first keys: they are appended, the others keep their place
    (as are ``saved_to`` and ``not_saved``, set only when the session database failed, and
    ``losses``).
    """
    return {
        "source": source,
        "frames": frames,
        "fps": round(float(fps), 3),
        "duration_s": round(duration_s, 3) if fps > 0 else 0.0,
        "pose_detected_fraction": round(pose_frames / frames, 4) if frames else 0.0,
        "on_all_fours_fraction": None,
        "posture": None,
        "rep_count": None,
        "reps": [],
        "warnings": [],
        "session_id": None,
        "partial_reps": [],        # too shallow to count: never in "reps" or "rep_count"
        "truncated": False,        # the video ended before the frame count its header states
        "saved_to": None,          # the database failed: the fallback file holding the session
        "not_saved": None,         # the database failed and so did the fallback: why (exit 3)
        "losses": [],              # the person out of view 0.5 s or more: start_s, end_s,
    }                              # duration_s


def merge(report: dict[str, Any], fields: dict[str, Any]) -> dict[str, Any]:
    """Add an observer's fields; only known report keys are accepted (the schema is a contract)."""
    unknown = set(fields) - set(REPORT_KEYS)
    if unknown:
        raise ValueError(f"fields outside the report schema: {sorted(unknown)}")
    report.update(fields)
    return report


def _percent(x: float) -> str:
    return f"{100 * x:.0f}%"


def _plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"


def _median(values: list[float]) -> float:
    ordered = sorted(values)
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2.0


#: At most this many times are listed for one kind of warning.
MAX_WARNING_TIMES = 4


def rep_lines(report: dict[str, Any]) -> list[str]:
    """Reps counted, how many forceful, the median tempo, and the partial (uncounted) ones."""
    reps = [r for r in report["reps"] if isinstance(r, dict)]
    line = f"  reps counted: {report['rep_count']}"
    if reps:
        forceful = sum(bool(r.get("forceful")) for r in reps)
        line += f" ({forceful} forceful)"
        tempo = [r for r in reps if all(isinstance(r.get(k), (int, float))
                                        for k in ("period_s", "back_s", "forward_s"))]
        if tempo:
            line += (f"; median {_median([r['period_s'] for r in tempo]):.1f} s a rep "
                     f"({_median([r['back_s'] for r in tempo]):.1f} back / "
                     f"{_median([r['forward_s'] for r in tempo]):.1f} forward)")
    lines = [line]
    partial = report.get("partial_reps") or []
    if partial:
        lines.append(f"  partial reps (too shallow, not counted): {len(partial)}")
    return lines


def _clock(t_s: float) -> str:
    m, s = divmod(max(0, round(t_s)), 60)
    return f"{m}:{s:02d}"


def warning_lines(warnings: list[dict[str, Any]]) -> list[str]:
    """Warnings grouped by kind with the times they were raised (m:ss), in order of first time."""
    if not warnings:
        return []
    by_kind: dict[str, list[float]] = {}
    for w in warnings:
        by_kind.setdefault(str(w.get("kind", "?")), []).append(float(w.get("t_s") or 0.0))
    lines = [f"  warnings: {len(warnings)}"]
    for kind, times in by_kind.items():
        shown = ", ".join(_clock(t) for t in times[:MAX_WARNING_TIMES])
        more = f" +{len(times) - MAX_WARNING_TIMES} more" if len(times) > MAX_WARNING_TIMES else ""
        lines.append(f"    {in_words(kind)} x{len(times)}: at {shown}{more}")
    return lines


def summary_lines(report: dict[str, Any], db: str = "") -> list[str]:
    """A few lines a person can read at a glance."""
    frames = report["frames"]
    lines = [f"{report['source']}"]
    if report["fps"] > 0:
        lines.append(f"  {_plural(frames, 'frame')} at {report['fps']:g} fps "
                     f"({report['duration_s']:.1f} s)")
    else:
        lines.append("  a still image")
    if report.get("truncated"):
        lines.append("  the video ended early (truncated?): analysed the frames that could be read")
    found = round(report["pose_detected_fraction"] * frames)
    if frames == 1:
        lines.append("  person found" if found else "  no person found in the image")
    else:
        lines.append(f"  person found in {found} of {frames} frames "
                     f"({_percent(report['pose_detected_fraction'])})")
    losses = report.get("losses") or []
    if losses:
        spells = ", ".join(f"{x['duration_s']:.1f} s at {_clock(x['start_s'])}"
                           for x in losses[:5])
        more = f" and {len(losses) - 5} more" if len(losses) > 5 else ""
        lines.append(f"  out of view {_plural(len(losses), 'time')}: {spells}{more}")
    still = report["fps"] <= 0
    if report["on_all_fours_fraction"] is not None and not still:
        lines.append(f"  on hands and knees: {_percent(report['on_all_fours_fraction'])} "
                     "of the time")
    posture = report["posture"]
    if isinstance(posture, dict) and posture.get("verdict"):
        line = f"  posture: {in_words(posture['verdict'])}"
        if posture.get("message"):
            line += f" ({posture['message']})"
        lines.append(line)
    if report["rep_count"] is not None and not still:  # no reps in a photo
        lines.extend(rep_lines(report))
    lines.extend(warning_lines(report["warnings"]))
    if report["session_id"] is not None:
        lines.append(f"  saved as session {report['session_id']} (see it with: rocking review"
                     f"{db} {report['session_id']})")
    elif report.get("saved_to"):
        lines.append(f"  NOT in the database (it failed): saved to {report['saved_to']}; "
                     f"add it with `rocking import{db} FILE`")
    return lines
