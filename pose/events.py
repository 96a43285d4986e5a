"""Typed results of the movement analysis, shared by the coach, the store and the review.

These names are a contract: the JSON report, the database and the review read them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Verdict(StrEnum):
    """The posture check's answer for one frame."""

    ON_ALL_FOURS = "on_all_fours"
    ROCKED_BACK = "rocked_back"
    LIMB_LIFTED = "limb_lifted"
    NOT_ON_ALL_FOURS = "not_on_all_fours"
    NO_PERSON = "no_person"

    @property
    def in_position(self) -> bool:
        """Hands and knees down: tabletop or rocked back (child's pose)."""
        return self in (Verdict.ON_ALL_FOURS, Verdict.ROCKED_BACK)


class WarningKind(StrEnum):
    """What a warning is about."""

    TOO_FAST = "too_fast"
    JERKY = "jerky"
    LOST_POSITION = "lost_position"
    LIMB_LIFTED = "limb_lifted"
    OUT_OF_VIEW = "out_of_view"
    WRONG_VIEW = "wrong_view"


class Fault(StrEnum):
    """A named criterion behind a posture verdict (the keys of ``PostureResult.faults``).

    The values are stored in saved sessions and the JSON report: never rename one.
    """

    NO_PERSON = "no_person"                  # nobody found (the only key then)
    OUT_OF_VIEW = "out_of_view"              # a hand, knee or foot outside the picture
    CAMERA_TOO_HIGH = "camera_too_high"      # the camera looks down too steeply to judge
    WRONG_VIEW = "wrong_view"                # seen from the front or behind, not side-on
    TORSO_NOT_LEVEL = "torso_not_level"
    HANDS_NOT_DOWN = "hands_not_down"
    KNEES_NOT_DOWN = "knees_not_down"
    HAND_LIFTED = "hand_lifted"
    KNEE_LIFTED = "knee_lifted"
    HIPS_AHEAD_OF_KNEES = "hips_ahead_of_knees"   # a knee push-up
    HANDS_NOT_UNDER_SHOULDERS = "hands_not_under_shoulders"   # advice only
    KNEES_NOT_UNDER_HIPS = "knees_not_under_hips"             # advice only


@dataclass(frozen=True)
class PostureResult:
    """The posture verdict for one frame with the criteria behind it."""

    verdict: Verdict
    faults: dict[Fault, bool] = field(default_factory=dict)
    message: str = ""


@dataclass(frozen=True)
class Rep:
    """One completed rep (or a partial one, flagged as such and not counted)."""

    index: int
    start_s: float
    end_s: float
    period_s: float
    back_s: float
    forward_s: float
    depth: float
    peak_speed: float
    jerk: float
    forceful: bool
    partial: bool = False
    pause_s: float = 0.0           # held at the deepest point between back_s and forward_s
    peak_accel: float = 0.0        # depth units per second squared


@dataclass(frozen=True)
class MovementWarning:
    """A warning raised the moment the movement showed it."""

    t_s: float
    kind: WarningKind
    message: str
    value: float | None = None
    threshold: float | None = None

    @property
    def unit(self) -> str:
        """The unit of ``value`` and ``threshold`` ("" for warnings without a figure)."""
        return WARNING_UNITS.get(self.kind, "")

    @property
    def figure(self) -> str:
        """The figure behind the warning, e.g. ``1.35 depth/s, limit 1.30`` ("" without one)."""
        if self.value is None:
            return ""
        unit = f" {self.unit}" if self.unit else ""
        limit = f", limit {self.threshold:.2f}" if self.threshold is not None else ""
        return f"{self.value:.2f}{unit}{limit}"


@dataclass(frozen=True)
class Loss:
    """The person out of view after first being seen: from ``start_s`` (the first frame without
    them) to ``end_s`` (the frame they were found again, or the last frame of the stream)."""

    start_s: float
    end_s: float

    @property
    def duration_s(self) -> float:
        return self.end_s - self.start_s


#: The units of the warnings that carry a figure: the tool's own depth units (see alerts).
WARNING_UNITS: dict[WarningKind, str] = {
    WarningKind.TOO_FAST: "depth/s",
    WarningKind.JERKY: "depth/s²",
}


class Phase(StrEnum):
    """Where the person is in the exercise, frame by frame."""

    NO_PERSON = "no_person"
    SETTING_UP = "setting_up"      # not yet in position / not yet calibrated
    CALIBRATING = "calibrating"    # holding the start position while it is measured
    STILL = "still"                # calibrated and in position, not moving much
    BACK = "back"                  # rocking back toward the heels
    FORWARD = "forward"            # coming forward
    LOST = "lost"                  # position lost after calibration: nothing counts


class Fix(StrEnum):
    """What to change for one fact of the tabletop start position (OK: nothing)."""

    OK = "ok"
    COME_FORWARD = "come_forward"      # shoulders behind the hands (rocked back)
    SHIFT_BACK = "shift_back"          # shoulders ahead of the hands
    HIPS_FORWARD = "hips_forward"      # hips behind the knees (toward the heels)
    HIPS_BACK = "hips_back"            # hips ahead of the knees (knee push-up)
    LEVEL_BACK = "level_back"          # shoulder-hip line too steep
    UNKNOWN = "unknown"                # nobody measured


@dataclass(frozen=True)
class TabletopCheck:
    """The three facts of the tabletop start: each OK or what to change."""

    hands: Fix           # hands under the shoulders
    knees: Fix           # knees under the hips
    back: Fix            # back roughly level

    @property
    def ok(self) -> bool:
        """All three facts hold."""
        return self.hands is Fix.OK and self.knees is Fix.OK and self.back is Fix.OK

    def first_fix(self) -> Fix:
        """The first thing to change (hands, then knees, then back), OK when none."""
        for fix in (self.hands, self.knees, self.back):
            if fix is not Fix.OK:
                return fix
        return Fix.OK


UNMEASURED = TabletopCheck(Fix.UNKNOWN, Fix.UNKNOWN, Fix.UNKNOWN)


@dataclass(frozen=True)
class FrameAnalysis:
    """Everything the analysis says about one frame (one per PoseRecord)."""

    t_s: float
    posture: PostureResult
    phase: Phase
    calibrated: bool
    depth: float | None = None     # rocking depth: 0 start position, ~1 near the heels, <0 forward
    speed: float | None = None     # d(depth)/dt in depth units per second (smoothed)
    rep: Rep | None = None         # a rep (or a partial) completed at this frame
    warnings: tuple[MovementWarning, ...] = ()       # warnings raised at this frame
    active: frozenset[WarningKind] = frozenset()     # warning conditions in force now
    accel: float | None = None     # d(speed)/dt in depth units per second squared (smoothed)
    rep_count: int = 0             # full reps counted so far
    calibration_progress: float = 0.0   # 0..1 while holding the start position
    side: str | None = None        # body side nearer the camera ("left" / "right")
    view: str | None = None        # "side", "three_quarter" or "front_or_back"
    start: TabletopCheck | None = None   # the tabletop start's facts (None: nobody measured)
    facing: float | None = None    # +1 when the head is toward image right, -1 left
