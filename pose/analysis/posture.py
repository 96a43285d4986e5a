"""Is the person on hands and knees? A per-frame verdict with the criteria behind it.

``classify(record)`` judges a single image. ``PostureTracker.update(record)`` judges a stream:
the same criteria with hysteresis on each threshold (a verdict is left only by a clear margin)
and a short debounce (a new verdict must hold for ``confirm_s``), so steady footage never
flickers between verdicts.

All lengths are in torso units (shoulder-centre to hip-centre), so the camera distance does not
matter; "up" is measured from the floor line, the lowest of the wrists and knees in the image.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pose.analysis.geometry import (
    FRONT_MIN_WIDTH_RATIO,
    FRONT_MIN_YAW_DEG,
    KEY_LANDMARKS,
    LIMBS,
    MAX_VIEW_TORSO_ELEVATION_DEG,
    NearSideSelector,
    Side,
    View,
    body_yaw_deg,
    camera_pitch_deg,
    detect_view,
    head_direction,
    joint_angle_deg,
    level_view,
    near_side_score,
    thigh_angle_deg,
    torso_elevation_deg,
    torso_length,
    torso_tilt_deg,
    width_ratio,
)
from pose.analysis.timers import HeldFor
from pose.events import Fault, PostureResult, Verdict
from pose.messages import FAULTS as FAULT_WORDS
from pose.messages import VERDICTS as VERDICT_WORDS
from pose.record import FloatArray, PoseRecord

#: The faults in the order their messages take priority (the words: ``pose.messages``).
FAULTS: tuple[Fault, ...] = (
    Fault.OUT_OF_VIEW, Fault.CAMERA_TOO_HIGH, Fault.WRONG_VIEW, Fault.TORSO_NOT_LEVEL,
    Fault.HANDS_NOT_DOWN, Fault.KNEES_NOT_DOWN, Fault.HAND_LIFTED, Fault.KNEE_LIFTED,
    Fault.HIPS_AHEAD_OF_KNEES, Fault.HANDS_NOT_UNDER_SHOULDERS, Fault.KNEES_NOT_UNDER_HIPS,
)
#: In position (or a limb lifted) the set-up faults say nothing: these may still speak.
_IN_POSITION_FAULTS: tuple[Fault, ...] = (
    Fault.OUT_OF_VIEW, Fault.HAND_LIFTED, Fault.KNEE_LIFTED, Fault.HIPS_AHEAD_OF_KNEES,
    Fault.HANDS_NOT_UNDER_SHOULDERS, Fault.KNEES_NOT_UNDER_HIPS,
)


#: The view is levelled whenever the camera is estimated to look down (a far hand or knee then
#: sits higher in the image and read as lifted from 0.75 m up in three-quarter views). On the
#: shared photos and clips, all filmed near floor level (estimates -6 to +11 deg), levelling
#: from 0, 5, 10 or 15 deg changes no verdict, no rep count and no warning.
LEVEL_FROM_PITCH_DEG = 0.0
#: Beyond this pitch the camera looks down too steeply to judge hands and knees on the floor:
#: the person is asked to lower the camera. A camera at table height (0.75 m) 1.5-3 m away
#: looks down 8-17 deg at the body, one on a shelf at 1.3 m about 25. The levelling is exact in
#: the simulator up to 50 deg, but there MediaPipe's depth is exact and nothing is hidden; on a
#: real person the depth is MediaPipe's guess (level cameras scatter +-8 deg) and a steep view
#: hides the far hand and knee behind the body, so the limit stays well short of that.
MAX_PITCH_DEG = 35.0
#: How quickly the estimate follows a moved camera (it is noisy frame by frame), seconds.
PITCH_SMOOTHING_S = 1.0


@dataclass(frozen=True)
class PostureLimits:
    """Thresholds of the posture criteria (lengths in torso units, angles in degrees).

    Defaults sit midway in the gaps measured on the sample photographs (52 real people):
    torso tilt is 2-19 on hands and knees and 25+ otherwise except planks; the kneeling knee
    angle is 20-102 on hands and knees against 150+ with straight legs; a limb on the floor is
    at most 0.34 above the floor line, a lifted one 0.8 or more; the thigh is within 11 of
    vertical in tabletop and 59-68 back in child's pose.
    """

    max_torso_tilt_deg: float = 32.0
    max_kneeling_knee_deg: float = 135.0
    max_down_height: float = 0.4           # a hand or knee this close to the floor line is down
    min_lifted_height: float = 0.55        # a hand or knee this far above it is lifted
    min_knee_below_hip: float = 0.15
    min_wrist_below_shoulder: float = 0.1
    rocked_back_deg: float = 35.0          # thigh angle from vertical, hips toward the heels
    max_hand_offset: float = 0.45          # wrist ahead of / behind the shoulder, in tabletop
    max_knee_offset_deg: float = 25.0      # thigh from vertical, hips ahead of the knees
    #: Hips this far ahead of the knees (thigh from vertical) is a knee push-up, not the exercise:
    #: a rock's forward overshoot reaches about 0.3 depth units (20 deg) past the start, a knee
    #: push-up slants the thighs 45-65 deg; on hands and knees the photos measure -11..+8. Short
    #: of it, hips a little ahead are still in position and the checklist says what to change.
    max_forward_thigh_deg: float = 40.0
    start_zone_deg: float = 15.0           # thigh within this of vertical: the start position
    max_camera_pitch_deg: float = MAX_PITCH_DEG   # a camera looking down more: set-up cue
    frame_margin: float = 0.02             # how far outside the frame a landmark may lie
    hysteresis: float = 0.15               # relative margin to leave a verdict


@dataclass(frozen=True)
class PostureMeasures:
    """The raw figures the verdict is judged from."""

    side: Side
    view: View
    width_ratio: float
    in_frame: bool
    torso_tilt_deg: float
    thigh_deg: float            # near-side thigh from vertical, + = hips toward the heels
    thigh_lr_deg: tuple[float, float]     # the same for (left, right), as seen in the image
    yaw_deg: float              # body turned from side-on (world landmarks), NaN if unknown
    torso_elevation_deg: float  # hip-to-shoulder line from level (world landmarks), NaN if unknown
    hand_heights: tuple[float, float]     # (left, right) above the floor line, torso units
    knee_heights: tuple[float, float]
    wrist_below_shoulder: tuple[float, float]
    knee_below_hip: tuple[float, float]
    knee_angles: tuple[float, float]
    hand_offset: float          # near wrist ahead of the near shoulder, torso units
    head_dir: float = 1.0       # +1 when the head is toward +x in the image (facing right)
    camera_pitch_deg: float = float("nan")   # how steeply the camera looks down (+), degrees


def _pair(values: FloatArray) -> tuple[float, float]:
    return float(values[0]), float(values[1])


def measure(record: PoseRecord, side: Side | None = None, pitch_deg: float | None = None,
            limits: PostureLimits | None = None) -> PostureMeasures | None:
    """The posture figures of one frame, or None with no person (or a degenerate body)."""
    if not record.has_person:
        return None
    # landmarks can be anything (inf, 1e308): non-finite results are rejected below, not warned
    with np.errstate(all="ignore"):
        return _measure(record, side, pitch_deg, limits or PostureLimits())


_KEY = np.array(KEY_LANDMARKS)   # (an index array made once, not a list each frame)


def _measure(record: PoseRecord, side: Side | None, pitch: float | None,
             limits: PostureLimits) -> PostureMeasures | None:
    px = record.pixels()
    if not np.isfinite(px[_KEY]).all():
        return None
    world_ok = bool(np.isfinite(record.world).all())
    if pitch is None:
        pitch = camera_pitch_deg(record.world) if world_ok else float("nan")
    if world_ok and pitch >= LEVEL_FROM_PITCH_DEG:
        # a camera looking down (a laptop on a table): judge the body as seen from level
        px = level_view(px, record.world, pitch)
    torso = torso_length(px)
    if not torso > 1e-6:
        return None
    if side is None:
        side = Side.LEFT if near_side_score(record) > 0 else Side.RIGHT
    head = head_direction(px)
    lim_l, lim_r = LIMBS[Side.LEFT], LIMBS[Side.RIGHT]
    wrists = np.array([lim_l.wrist, lim_r.wrist])
    knees = np.array([lim_l.knee, lim_r.knee])
    floor = float(np.max(px[np.concatenate([wrists, knees]), 1]))
    norm = record.image[_KEY, :2]
    margin = limits.frame_margin
    in_frame = bool(np.all((norm >= -margin) & (norm <= 1.0 + margin)))
    knee_angles = tuple(
        joint_angle_deg(px[lim.hip], px[lim.knee], px[lim.ankle])
        if np.isfinite(px[lim.ankle]).all() else float("nan")
        for lim in (lim_l, lim_r)
    )
    near = LIMBS[side]
    yaw = body_yaw_deg(record.world) if world_ok else float("nan")
    elevation = torso_elevation_deg(record.world) if world_ok else float("nan")
    ratio = width_ratio(px)
    return PostureMeasures(
        side=side,
        view=detect_view(px, yaw, ratio),
        width_ratio=ratio,
        in_frame=in_frame,
        torso_tilt_deg=torso_tilt_deg(px),
        thigh_deg=thigh_angle_deg(px, side, head),
        thigh_lr_deg=(thigh_angle_deg(px, Side.LEFT, head), thigh_angle_deg(px, Side.RIGHT, head)),
        yaw_deg=yaw,
        torso_elevation_deg=elevation,
        hand_heights=_pair((floor - px[wrists, 1]) / torso),
        knee_heights=_pair((floor - px[knees, 1]) / torso),
        wrist_below_shoulder=_pair(
            (px[wrists, 1] - px[[lim_l.shoulder, lim_r.shoulder], 1]) / torso),
        knee_below_hip=_pair((px[knees, 1] - px[[lim_l.hip, lim_r.hip], 1]) / torso),
        knee_angles=(float(knee_angles[0]), float(knee_angles[1])),
        hand_offset=float(head * (px[near.wrist, 0] - px[near.shoulder, 0]) / torso),
        head_dir=head,
        camera_pitch_deg=pitch,
    )


def judge(m: PostureMeasures | None, limits: PostureLimits = PostureLimits(),
          previous: Verdict | None = None) -> PostureResult:
    """The verdict for measured figures; ``previous`` widens the thresholds to keep it."""
    if m is None:
        return PostureResult(Verdict.NO_PERSON, {Fault.NO_PERSON: True},
                             FAULT_WORDS[Fault.NO_PERSON].report)
    h = limits.hysteresis
    was_in = previous is not None and previous.in_position
    was_lifted = previous is Verdict.LIMB_LIFTED
    keep = 1.0 + h if (was_in or was_lifted) else 1.0   # loosen the base criteria to stay

    tilt_ok = m.torso_tilt_deg <= limits.max_torso_tilt_deg * keep
    hands_down = [
        m.hand_heights[i] <= limits.max_down_height * keep
        and m.wrist_below_shoulder[i] >= limits.min_wrist_below_shoulder / keep
        for i in (0, 1)
    ]
    knees_down = [
        m.knee_heights[i] <= limits.max_down_height * keep
        and m.knee_below_hip[i] >= limits.min_knee_below_hip / keep
        and not m.knee_angles[i] > limits.max_kneeling_knee_deg * keep
        for i in (0, 1)
    ]
    lift = limits.min_lifted_height * ((1.0 - h) if was_lifted else 1.0)
    hand_lifted = any(x > lift for x in m.hand_heights)
    knee_lifted = any(x > lift for x in m.knee_heights)
    back_deg = limits.rocked_back_deg * ((1.0 - h) if previous is Verdict.ROCKED_BACK else 1.0)
    rocked = m.thigh_deg > back_deg
    # the view only means something with the torso roughly level: an upright person (standing,
    # kneeling up) is asked to get down, not to turn (NaN elevation: judge the view as it looks)
    upright = m.torso_elevation_deg > MAX_VIEW_TORSO_ELEVATION_DEG
    faults = {
        Fault.OUT_OF_VIEW: not m.in_frame,
        Fault.WRONG_VIEW: not upright and m.view is View.FRONT_OR_BACK and not (
            was_in and m.yaw_deg < FRONT_MIN_YAW_DEG * keep
            and m.width_ratio < FRONT_MIN_WIDTH_RATIO * keep),
        Fault.TORSO_NOT_LEVEL: not tilt_ok,
        Fault.HANDS_NOT_DOWN: not any(hands_down),
        Fault.KNEES_NOT_DOWN: not any(knees_down),
        Fault.HAND_LIFTED: hand_lifted,
        Fault.KNEE_LIFTED: knee_lifted,
        # judged only near the start position: rocking back moves the hands ahead of the shoulders
        Fault.HANDS_NOT_UNDER_SHOULDERS: abs(m.thigh_deg) <= limits.start_zone_deg
        and abs(m.hand_offset) > limits.max_hand_offset,
        Fault.KNEES_NOT_UNDER_HIPS: not rocked and m.thigh_deg < -limits.max_knee_offset_deg,
        Fault.HIPS_AHEAD_OF_KNEES: m.thigh_deg < -limits.max_forward_thigh_deg * keep,
    }
    # too steep a view to judge: no fault that may be the camera's, the set-up cue instead
    too_high = m.camera_pitch_deg > limits.max_camera_pitch_deg * (keep if was_in else 1.0)
    if too_high:
        faults = {k: False for k in faults} | {Fault.OUT_OF_VIEW: faults[Fault.OUT_OF_VIEW]}
    faults[Fault.CAMERA_TOO_HIGH] = too_high
    base_ok = tilt_ok and any(hands_down) and any(knees_down)
    if too_high or faults[Fault.WRONG_VIEW] or not base_ok:
        verdict = Verdict.NOT_ON_ALL_FOURS
    elif hand_lifted or knee_lifted:
        verdict = Verdict.LIMB_LIFTED
    elif faults[Fault.HIPS_AHEAD_OF_KNEES]:     # a knee push-up: out of position
        verdict = Verdict.NOT_ON_ALL_FOURS
    elif rocked:
        verdict = Verdict.ROCKED_BACK
    else:
        verdict = Verdict.ON_ALL_FOURS
    return PostureResult(verdict, faults, posture_message(verdict, faults))


def posture_message(verdict: Verdict, faults: dict[Fault, bool]) -> str:
    """What the person is told about a verdict: its first fault's words, in order of priority,
    else the verdict's own (``pose.messages``)."""
    relevant = FAULTS if verdict is Verdict.NOT_ON_ALL_FOURS else _IN_POSITION_FAULTS
    for fault in relevant:
        if faults.get(fault):
            return FAULT_WORDS[fault].report
    return VERDICT_WORDS[verdict].report or FAULT_WORDS[Fault.TORSO_NOT_LEVEL].report


def classify(record: PoseRecord, limits: PostureLimits = PostureLimits()) -> PostureResult:
    """The posture verdict for a single image (no history)."""
    return judge(measure(record, limits=limits), limits)


class PostureTracker:
    """Posture verdicts for a stream: hysteresis on the criteria, a stable near side, debounce."""

    def __init__(self, limits: PostureLimits = PostureLimits(), confirm_s: float = 0.3) -> None:
        self.limits = limits
        self.confirm_s = confirm_s
        self.sides = NearSideSelector()
        self.measures: PostureMeasures | None = None
        self._shown: PostureResult | None = None
        self._candidate: Verdict | None = None
        self._confirm = HeldFor(confirm_s)
        self._pitch: float | None = None      # the camera's pitch, smoothed
        self._pitch_t: float | None = None

    def reset(self) -> None:
        self.sides.reset()
        self.measures = None
        self._shown = None
        self._candidate = None
        self._pitch = self._pitch_t = None

    @property
    def side(self) -> Side | None:
        """The near side in use (stable)."""
        return self.sides.side

    def update(self, record: PoseRecord) -> PostureResult:
        """Judge one frame; the verdict changes only once a new one has held for ``confirm_s``."""
        with np.errstate(all="ignore"):   # wild landmarks: the score is checked for NaN
            side = self.sides.update(record)
            pitch = camera_pitch_deg(record.world) if record.has_person else float("nan")
        if np.isfinite(pitch):
            if self._pitch is None or self._pitch_t is None:
                self._pitch = pitch
            else:
                dt = max(record.t_s - self._pitch_t, 0.0)
                self._pitch += (pitch - self._pitch) * dt / (dt + PITCH_SMOOTHING_S)
            self._pitch_t = record.t_s
        self.measures = measure(record, side, self._pitch, self.limits)
        shown = self._shown
        raw = judge(self.measures, self.limits, shown.verdict if shown else None)
        if shown is None or raw.verdict is shown.verdict:
            self._shown, self._candidate = raw, None
            return raw
        if raw.verdict is not self._candidate:
            self._candidate = raw.verdict
            self._confirm.reset()
        if self._confirm.update(record.t_s, True):
            self._shown, self._candidate = raw, None
            return raw
        # keep the shown verdict, with this frame's criteria
        return PostureResult(shown.verdict, raw.faults, posture_message(shown.verdict, raw.faults))
