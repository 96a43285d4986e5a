"""The movement analysis of a stream: posture, rocking depth, reps and warnings, frame by frame.

``MovementAnalyzer.update(record)`` costs the same at every frame (it keeps running figures, never
the history). ``summarize`` (or ``SummaryBuilder`` for a stream) turns the per-frame results into
the movement fields of the JSON report.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict
from typing import Any

from pose.analysis.alerts import DEFAULT_THRESHOLDS, AlertInputs, AlertMonitor, Thresholds
from pose.analysis.posture import PostureLimits, PostureTracker
from pose.analysis.reps import RepCounter
from pose.analysis.rocking import RockingTracker
from pose.analysis.tabletop import check_tabletop
from pose.analysis.timers import HeldFor
from pose.events import FrameAnalysis, Phase, Rep, TabletopCheck, Verdict
from pose.record import PoseRecord

#: Speeds (depth units/s) above this show as rocking back / coming forward.
MOVING_SPEED = 0.1


class MovementAnalyzer:
    """Feed every frame's PoseRecord to ``update``; ``reset`` before a new session."""

    def __init__(self, thresholds: Thresholds = DEFAULT_THRESHOLDS,
                 posture_limits: PostureLimits | None = None) -> None:
        self.thresholds = thresholds
        self.posture = PostureTracker(posture_limits or PostureLimits())
        self.rocking = RockingTracker(thresholds)
        self.reps = RepCounter(thresholds)
        self.alerts = AlertMonitor(thresholds)
        self._out_of_position = HeldFor(thresholds.recalibrate_after_s)
        self._start: TabletopCheck | None = None

    def reset(self) -> None:
        self.posture.reset()
        self.rocking.reset()
        self.reps.reset()
        self.alerts.reset()
        self._out_of_position.reset()
        self._start = None

    def update(self, record: PoseRecord) -> FrameAnalysis:
        """Analyse one frame."""
        t = record.t_s
        posture = self.posture.update(record)
        m = self.posture.measures
        start = self._start = (check_tabletop(m, previous=self._start) if m is not None
                               else None)
        verdict = posture.verdict
        in_position = verdict.in_position

        if self._out_of_position.update(t, self.rocking.calibrated and not in_position):
            self.rocking.reset()        # they got up: a new start position is needed
            self._out_of_position.reset()

        # (a frame with no measurement, dropped, neither breaks nor makes the hold)
        tabletop = verdict is Verdict.ON_ALL_FOURS and (start is None or start.ok)
        sample = self.rocking.update(
            t, m.thigh_lr_deg if m is not None else None, self.posture.side,
            # calibrate only in tabletop: hands under the shoulders, knees under the hips, back
            # roughly level (child's pose, a knee push-up or kneeling up never set the zero)
            holding_start=tabletop,
            yaw_deg=m.yaw_deg if m is not None else 0.0)
        rep: Rep | None = None
        if sample.calibrated and in_position:
            rep = self.reps.update(t, sample.depth, sample.speed, sample.accel)
        else:
            self.reps.abandon()

        warnings = self.alerts.update(AlertInputs(
            t_s=t, calibrated=sample.calibrated, in_position=in_position,
            limb_lifted=verdict is Verdict.LIMB_LIFTED,
            person=verdict is not Verdict.NO_PERSON,
            out_of_view=bool(posture.faults.get("out_of_view")),
            wrong_view=bool(posture.faults.get("wrong_view")),
            speed=sample.speed, accel=sample.accel))
        return FrameAnalysis(
            t_s=t, posture=posture,
            phase=self._phase(verdict, tabletop, sample.calibrated, sample.speed),
            calibrated=sample.calibrated, depth=sample.depth, speed=sample.speed, rep=rep,
            warnings=warnings, active=self.alerts.active, accel=sample.accel,
            rep_count=self.reps.count, calibration_progress=sample.calibration_progress,
            side=self.posture.side.value if self.posture.side else None,
            view=m.view.value if m is not None else None, start=start,
            facing=m.head_dir if m is not None else None,
        )

    def finish(self) -> Rep | None:
        """Call at the end of a stream: a rep that was already back at the start is counted."""
        return self.reps.flush()

    @staticmethod
    def _phase(verdict: Verdict, tabletop: bool, calibrated: bool, speed: float | None
               ) -> Phase:
        if verdict is Verdict.NO_PERSON:
            return Phase.NO_PERSON
        if not calibrated:
            return Phase.CALIBRATING if tabletop else Phase.SETTING_UP
        if not verdict.in_position:
            return Phase.LOST
        if speed is not None and speed > MOVING_SPEED:
            return Phase.BACK
        if speed is not None and speed < -MOVING_SPEED:
            return Phase.FORWARD
        return Phase.STILL


def _rounded(d: dict[str, Any]) -> dict[str, Any]:
    return {k: round(v, 3) if isinstance(v, float) else v for k, v in d.items()}


def rep_to_dict(rep: Rep) -> dict[str, Any]:
    """A rep as a JSON-ready object (seconds, depth units, depth units per second)."""
    return _rounded(asdict(rep))


class SummaryBuilder:
    """Accumulates per-frame results into the report's movement fields, in constant memory
    (apart from the reps and warnings themselves)."""

    def __init__(self, thresholds: Thresholds = DEFAULT_THRESHOLDS) -> None:
        self.thresholds = thresholds
        self.frames = 0
        self.in_position = 0
        self.verdicts: Counter[str] = Counter()
        self.faults: Counter[str] = Counter()
        self.last: FrameAnalysis | None = None
        self.reps: list[Rep] = []
        self.warnings: list[dict[str, Any]] = []

    def add(self, fa: FrameAnalysis) -> None:
        self.frames += 1
        self.in_position += fa.posture.verdict.in_position
        self.verdicts[fa.posture.verdict.value] += 1
        self.faults.update(k for k, v in fa.posture.faults.items() if v)
        if fa.rep is not None:
            self.reps.append(fa.rep)
        for w in fa.warnings:
            self.warnings.append(_rounded({
                "t_s": w.t_s, "kind": w.kind.value, "message": w.message,
                "value": w.value, "threshold": w.threshold}))
        self.last = fa

    def result(self, single_image: bool | None = None) -> dict[str, Any]:
        """The movement fields of the JSON report. For one image the posture carries that frame's
        verdict, faults (true/false) and message; for a video the dominant verdict and how many
        frames showed each fault."""
        single = self.frames == 1 if single_image is None else single_image
        if single and self.last is not None:
            p = self.last.posture
            posture: dict[str, Any] = {"verdict": p.verdict.value, "faults": dict(p.faults),
                                       "message": p.message}
        else:
            dominant = self.verdicts.most_common(1)[0][0] if self.verdicts else "no_person"
            posture = {"verdict": dominant, "faults": dict(sorted(self.faults.items())),
                       "verdict_frames": dict(self.verdicts)}
        full = [r for r in self.reps if not r.partial]
        return {
            "on_all_fours_fraction": round(self.in_position / self.frames, 4)
            if self.frames else 0.0,
            "posture": posture,
            "rep_count": len(full),
            "reps": [rep_to_dict(r) for r in full],
            "warnings": self.warnings,
            "partial_reps": [rep_to_dict(r) for r in self.reps if r.partial],
        }

    def extras(self) -> dict[str, Any]:
        """Figures beyond the report contract: forceful count, thresholds."""
        th = self.thresholds
        return {
            "forceful_rep_count": sum(r.forceful for r in self.reps if not r.partial),
            "thresholds": {
                "depth_unit": f"thigh rotation from the start position / {th.depth_unit_deg:g} deg",
                **{k: v for k, v in asdict(th).items() if isinstance(v, float)}},
        }


def summarize(results: Iterable[FrameAnalysis], thresholds: Thresholds = DEFAULT_THRESHOLDS,
              single_image: bool | None = None, extras: bool = False) -> dict[str, Any]:
    """The report's movement fields from a stream's per-frame results (``extras`` adds the
    figures beyond the report contract, see ``SummaryBuilder.extras``)."""
    builder = SummaryBuilder(thresholds)
    for fa in results:
        builder.add(fa)
    out = builder.result(single_image)
    return {**out, **builder.extras()} if extras else out


class MovementObserver:
    """The movement analysis as a per-frame observer of a pipeline (``rocking analyze``): it
    reads ``step.record``, sets ``step.analysis`` for the observers after it, and reports the
    movement fields of the JSON report at the end."""

    def __init__(self, thresholds: Thresholds = DEFAULT_THRESHOLDS) -> None:
        self.analyzer = MovementAnalyzer(thresholds)
        self.summary = SummaryBuilder(thresholds)

    def observe(self, step: Any) -> None:
        fa = self.analyzer.update(step.record)
        step.analysis = fa
        self.summary.add(fa)

    def report_fields(self) -> dict[str, Any]:
        return self.summary.result()
