"""The movement analysis of a stream: posture, rocking depth, reps and warnings, frame by frame.

``MovementAnalyzer.update(record)`` costs the same at every frame (it keeps running figures, never
the history). ``summarize`` (or ``SummaryBuilder`` for a stream) turns the per-frame results into
the movement fields of the JSON report.
"""

from __future__ import annotations

import copy
import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict
from typing import Any

import numpy as np

from pose.analysis.alerts import DEFAULT_THRESHOLDS, AlertInputs, AlertMonitor, Thresholds
from pose.analysis.geometry import torso_length
from pose.analysis.losses import LossTracker
from pose.analysis.posture import PostureLimits, PostureTracker
from pose.analysis.reps import RepCounter
from pose.analysis.rocking import RockingTracker
from pose.analysis.tabletop import check_tabletop
from pose.analysis.timers import HeldFor
from pose.events import Fault, FrameAnalysis, Loss, Phase, Rep, TabletopCheck, Verdict
from pose.record import Landmark, PoseRecord

#: Speeds (depth units/s) above this show as rocking back / coming forward.
MOVING_SPEED = 0.1
#: Back in position after a loss, the person has clearly moved (and the start position is
#: measured again) when their knees are this many torso lengths from where they were, or the
#: body looks this much larger or smaller (closer or further). On the real clips the knees'
#: midpoint wanders up to 0.09 torso lengths while rocking and 0.57 in the cat-cow (the far knee
#: is a guess), the torso's image length by up to 11%.
MOVED_KNEES = 1.0
MOVED_SCALE = 0.2


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
        self._place: tuple[float, float, float] | None = None   # knees x, y and torso, px
        self._was_in = False

    def reset(self) -> None:
        self.posture.reset()
        self.rocking.reset()
        self.reps.reset()
        self.alerts.reset()
        self._out_of_position.reset()
        self._start = None
        self._place = None
        self._was_in = False

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
        place = _place(record) if in_position and self.rocking.calibrated else None
        if place is not None:
            if not self._was_in and _moved(self._place, place):
                self.rocking.reset()    # back after a loss somewhere else: measure it again
            self._place = place
        self._was_in = in_position

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
        else:   # lost: a rep already back at the start counts, one under way is dropped
            rep = self.reps.interrupt()

        warnings = self.alerts.update(AlertInputs(
            t_s=t, calibrated=sample.calibrated, in_position=in_position,
            limb_lifted=verdict is Verdict.LIMB_LIFTED,
            person=verdict is not Verdict.NO_PERSON,
            out_of_view=bool(posture.faults.get(Fault.OUT_OF_VIEW)),
            wrong_view=bool(posture.faults.get(Fault.WRONG_VIEW)),
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


def _place(record: PoseRecord) -> tuple[float, float, float] | None:
    """Where the body is in the image: the knees' midpoint and the torso length (pixels)."""
    px = record.pixels()
    knees = (px[Landmark.LEFT_KNEE] + px[Landmark.RIGHT_KNEE]) / 2
    torso = torso_length(px)
    if not (np.isfinite(knees).all() and torso > 1e-6):
        return None
    return float(knees[0]), float(knees[1]), torso


def _moved(before: tuple[float, float, float] | None,
           now: tuple[float, float, float] | None) -> bool:
    """True when the body is clearly somewhere else than ``before`` (unknown: not moved)."""
    if before is None or now is None:
        return False
    shift = math.hypot(now[0] - before[0], now[1] - before[1]) / before[2]
    return shift > MOVED_KNEES or abs(now[2] / before[2] - 1.0) > MOVED_SCALE


def _rounded(d: dict[str, Any]) -> dict[str, Any]:
    return {k: round(v, 3) if isinstance(v, float) else v for k, v in d.items()}


def loss_to_dict(loss: Loss) -> dict[str, float]:
    """A loss as a JSON-ready object: ``start_s``, ``end_s``, ``duration_s``."""
    return _rounded({"start_s": loss.start_s, "end_s": loss.end_s,
                     "duration_s": loss.duration_s})


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
        self.faults: Counter[Fault] = Counter()
        self.last: FrameAnalysis | None = None
        self.reps: list[Rep] = []
        self.warnings: list[dict[str, Any]] = []
        self.losses: list[Loss] = []
        self._loss = LossTracker()

    def add(self, fa: FrameAnalysis) -> None:
        self.frames += 1
        # this frame's own fact (no person found), not the debounced verdict
        loss = self._loss.update(fa.t_s, person=not fa.posture.faults.get(Fault.NO_PERSON))
        if loss is not None:
            self.losses.append(loss)
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

    def add_rep(self, rep: Rep) -> None:
        """A rep completed outside a frame (``MovementAnalyzer.finish()``)."""
        self.reps.append(rep)

    def result(self) -> dict[str, Any]:
        """The movement fields of the JSON report. For one image the posture carries that frame's
        verdict, faults (true/false) and message; for a video the dominant verdict and how many
        frames showed each fault."""
        if self.frames == 1 and self.last is not None:
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
            "losses": self.loss_list(),
        }

    def loss_list(self) -> list[dict[str, float]]:
        """When the person was lost from view after first being seen, and for how long (spells
        of ``losses.MIN_LOSS_S`` or more; one still going at the last frame ends there)."""
        spells = list(self.losses)
        still_going = copy.copy(self._loss).finish()   # (the stream may go on: peek only)
        if still_going is not None:
            spells.append(still_going)
        return [loss_to_dict(x) for x in spells]

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
              extras: bool = False) -> dict[str, Any]:
    """The report's movement fields from a stream's per-frame results (``extras`` adds the
    figures beyond the report contract, see ``SummaryBuilder.extras``)."""
    builder = SummaryBuilder(thresholds)
    for fa in results:
        builder.add(fa)
    out = builder.result()
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

    def end(self, ending: Any) -> None:
        """The stream is over: a rep already back at the start counts (``ending.rep`` tells the
        observers after this one)."""
        rep = self.analyzer.finish()
        if rep is not None:
            self.summary.add_rep(rep)
            ending.rep = rep

    def report_fields(self) -> dict[str, Any]:
        return self.summary.result()
