"""The `rocking analyze` report: the JSON contract and its short human summary.

The base report holds what the pose pipeline itself knows; per-frame observers (movement analysis,
the session store) add their own fields. Fields not computed stay ``None`` (JSON null), never a
made-up number.
"""

from __future__ import annotations

from typing import Any

REPORT_KEYS: tuple[str, ...] = (
    "source", "frames", "fps", "duration_s", "pose_detected_fraction",
    "on_all_fours_fraction", "posture", "rep_count", "reps", "warnings", "session_id",
)


def base_report(source: str, frames: int, fps: float, pose_frames: int) -> dict[str, Any]:
    """The report with the pipeline's own figures and null movement fields.

    ``fps`` is 0 for a still image (then ``duration_s`` is 0 too).
    """
    return {
        "source": source,
        "frames": frames,
        "fps": round(float(fps), 3),
        "duration_s": round(frames / fps, 3) if fps > 0 else 0.0,
        "pose_detected_fraction": round(pose_frames / frames, 4) if frames else 0.0,
        "on_all_fours_fraction": None,
        "posture": None,
        "rep_count": None,
        "reps": [],
        "warnings": [],
        "session_id": None,
    }


def merge(report: dict[str, Any], fields: dict[str, Any]) -> dict[str, Any]:
    """Add an observer's fields; only known report keys are accepted (the schema is a contract)."""
    unknown = set(fields) - set(REPORT_KEYS)
    if unknown:
        raise ValueError(f"fields outside the report schema: {sorted(unknown)}")
    report.update(fields)
    return report


def _percent(x: float) -> str:
    return f"{100 * x:.0f}%"


def summary_lines(report: dict[str, Any]) -> list[str]:
    """A few lines a person can read at a glance."""
    frames = report["frames"]
    lines = [f"{report['source']}"]
    if report["fps"] > 0:
        lines.append(f"  {frames} frames at {report['fps']:g} fps ({report['duration_s']:.1f} s)")
    else:
        lines.append("  a still image")
    found = round(report["pose_detected_fraction"] * frames)
    if frames == 1:
        lines.append("  person found" if found else "  no person found in the image")
    else:
        lines.append(f"  person found in {found} of {frames} frames "
                     f"({_percent(report['pose_detected_fraction'])})")
    still = report["fps"] <= 0
    if report["on_all_fours_fraction"] is not None and not still:
        lines.append(f"  on hands and knees: {_percent(report['on_all_fours_fraction'])} "
                     "of the time")
    posture = report["posture"]
    if isinstance(posture, dict) and posture.get("verdict"):
        line = f"  posture: {str(posture['verdict']).replace('_', ' ')}"
        if posture.get("message"):
            line += f" ({posture['message']})"
        lines.append(line)
    if report["rep_count"] is not None and not still:  # no reps in a photo
        lines.append(f"  reps counted: {report['rep_count']}")
    if report["warnings"]:
        lines.append(f"  warnings: {len(report['warnings'])}")
    if report["session_id"] is not None:
        lines.append(f"  saved as session {report['session_id']}")
    return lines
