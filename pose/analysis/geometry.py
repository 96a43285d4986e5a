"""Body geometry from one frame's landmarks: angles, the near side, body scale and camera view.

Everything here works on pixel coordinates (x right, y down) so that angles are not skewed by
the frame's aspect ratio, and on lengths in torso units so that it does not matter how far
the person is from the camera.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass
from enum import StrEnum

import numpy as np

from pose.record import FloatArray, Landmark, PoseRecord


class Side(StrEnum):
    """The person's own left or right (MediaPipe's naming)."""

    LEFT = "left"
    RIGHT = "right"


class View(StrEnum):
    """How the camera sees the body."""

    SIDE = "side"
    THREE_QUARTER = "three_quarter"
    FRONT_OR_BACK = "front_or_back"


@dataclass(frozen=True)
class LimbIndices:
    """Landmark indices of one side of the body."""

    shoulder: int
    wrist: int
    hip: int
    knee: int
    ankle: int


LIMBS: dict[Side, LimbIndices] = {
    Side.LEFT: LimbIndices(Landmark.LEFT_SHOULDER, Landmark.LEFT_WRIST,
                           Landmark.LEFT_HIP, Landmark.LEFT_KNEE, Landmark.LEFT_ANKLE),
    Side.RIGHT: LimbIndices(Landmark.RIGHT_SHOULDER, Landmark.RIGHT_WRIST,
                            Landmark.RIGHT_HIP, Landmark.RIGHT_KNEE, Landmark.RIGHT_ANKLE),
}

#: Landmarks that must be in the frame to judge the hands-and-knees position.
KEY_LANDMARKS: tuple[int, ...] = (
    Landmark.LEFT_SHOULDER, Landmark.RIGHT_SHOULDER, Landmark.LEFT_WRIST, Landmark.RIGHT_WRIST,
    Landmark.LEFT_HIP, Landmark.RIGHT_HIP, Landmark.LEFT_KNEE, Landmark.RIGHT_KNEE,
)

# View thresholds on (shoulder width + hip width) / 2 / torso length, all in the image.
# Side views of the sample photographs measure 0.04-0.15, three-quarter views 0.14-0.40; a view
# from the front or behind foreshortens the torso, so the ratio passes 1.
THREE_QUARTER_MIN_WIDTH_RATIO = 0.3
FRONT_MIN_WIDTH_RATIO = 1.0
# ... and on the body's yaw from the world landmarks (side photos 0-12 degrees, three-quarter 28)
THREE_QUARTER_MIN_YAW_DEG = 22.0
FRONT_MIN_YAW_DEG = 60.0
#: The view is judged only when the torso is at most this steep in the world landmarks: the yaw
#: and the width ratio of an upright torso (standing, kneeling up, sitting) say nothing about
#: whether the camera sees the body side-on. Photos on hands and knees measure 1-17 degrees,
#: down-dog 40-43, standing, kneeling up and wall sits 65-88.
MAX_VIEW_TORSO_ELEVATION_DEG = 50.0
#: Beyond this yaw the side-on thigh angle is no longer recovered (the view is from the front).
MAX_UNPROJECT_YAW_DEG = 65.0


def midpoint(px: FloatArray, a: int, b: int) -> FloatArray:
    """The point halfway between landmarks ``a`` and ``b``."""
    return (px[a] + px[b]) / 2.0


def torso_length(px: FloatArray) -> float:
    """Shoulder-centre to hip-centre distance in pixels: the body's unit of length."""
    d = midpoint(px, Landmark.LEFT_SHOULDER, Landmark.RIGHT_SHOULDER) - midpoint(
        px, Landmark.LEFT_HIP, Landmark.RIGHT_HIP)
    return float(np.hypot(d[0], d[1]))


def joint_angle_deg(a: FloatArray, b: FloatArray, c: FloatArray) -> float:
    """The angle at ``b`` between ``b->a`` and ``b->c``, in degrees (NaN when degenerate)."""
    u, v = a - b, c - b
    nu, nv = float(np.hypot(u[0], u[1])), float(np.hypot(v[0], v[1]))
    if not (nu > 0 and nv > 0):
        return float("nan")
    cos = float(np.dot(u[:2], v[:2])) / (nu * nv)
    return float(np.degrees(np.arccos(np.clip(cos, -1.0, 1.0))))


def torso_tilt_deg(px: FloatArray) -> float:
    """How far the shoulder-hip line is from level: 0 on hands and knees, 90 standing."""
    d = midpoint(px, Landmark.LEFT_SHOULDER, Landmark.RIGHT_SHOULDER) - midpoint(
        px, Landmark.LEFT_HIP, Landmark.RIGHT_HIP)
    return float(np.degrees(np.arctan2(abs(d[1]), abs(d[0]))))


def head_direction(px: FloatArray) -> float:
    """+1 when the head is toward +x in the image (hips to shoulders), -1 otherwise."""
    d = midpoint(px, Landmark.LEFT_SHOULDER, Landmark.RIGHT_SHOULDER) - midpoint(
        px, Landmark.LEFT_HIP, Landmark.RIGHT_HIP)
    return 1.0 if d[0] >= 0 else -1.0


def thigh_angle_deg(px: FloatArray, side: Side, head_dir: float) -> float:
    """Knee-to-hip line from vertical, positive when the hip is behind the knee (toward the heels).

    About 0 in tabletop, 60-70 in child's pose, negative when the hips move ahead of the knees.
    """
    limb = LIMBS[side]
    v = px[limb.hip] - px[limb.knee]
    return float(np.degrees(np.arctan2(-head_dir * v[0], -v[1])))


def width_ratio(px: FloatArray) -> float:
    """Mean of shoulder and hip width over torso length, all as seen in the image."""
    sw = np.hypot(*(px[Landmark.LEFT_SHOULDER] - px[Landmark.RIGHT_SHOULDER])[:2])
    hw = np.hypot(*(px[Landmark.LEFT_HIP] - px[Landmark.RIGHT_HIP])[:2])
    torso = torso_length(px)
    return float((sw + hw) / 2.0 / torso) if torso > 0 else float("inf")


def detect_view(px: FloatArray, yaw_deg: float = float("nan"),
                ratio: float | None = None) -> View:
    """Side, three-quarter, or front/back view: from the body's yaw when the world landmarks give
    it, and from how wide the body looks against its length in the image (``ratio``, the
    ``width_ratio`` when already known)."""
    r = width_ratio(px) if ratio is None else ratio
    if not r < FRONT_MIN_WIDTH_RATIO or yaw_deg >= FRONT_MIN_YAW_DEG:  # NaN ratio: front
        return View.FRONT_OR_BACK
    if r >= THREE_QUARTER_MIN_WIDTH_RATIO or yaw_deg >= THREE_QUARTER_MIN_YAW_DEG:
        return View.THREE_QUARTER
    return View.SIDE


def near_side_score(record: PoseRecord) -> float:
    """Positive when the person's left side is nearer the camera, negative for the right.

    Uses MediaPipe's relative depth (smaller z = nearer) of shoulder, hip, knee and wrist, in torso
    units, plus a small visibility term; NaN with no person.
    """
    idx_l = [Landmark.LEFT_SHOULDER, Landmark.LEFT_HIP, Landmark.LEFT_KNEE, Landmark.LEFT_WRIST]
    idx_r = [Landmark.RIGHT_SHOULDER, Landmark.RIGHT_HIP, Landmark.RIGHT_KNEE,
             Landmark.RIGHT_WRIST]
    px = record.pixels()
    torso = torso_length(px)
    if not torso > 0:
        return float("nan")
    # image z is in the scale of normalised x: convert to pixels, then to torso units
    # (sum / count: np.mean's figure without its per-call cost, once a frame)
    zl = float(record.image[idx_l, 2].sum() / len(idx_l)) * record.width / torso
    zr = float(record.image[idx_r, 2].sum() / len(idx_r)) * record.width / torso
    vis = record.visibility
    dv = float(vis[idx_l].sum() / len(idx_l) - vis[idx_r].sum() / len(idx_r)) \
        if np.isfinite(vis).all() else 0.0
    return (zr - zl) + 0.5 * dv


class NearSideSelector:
    """The side nearer the camera, kept stable: it switches only on a clear, lasting margin."""

    def __init__(self, switch_margin: float = 0.15, hold_frames: int = 10) -> None:
        self.switch_margin = switch_margin
        self.hold_frames = hold_frames
        self.side: Side | None = None
        self._against = 0

    def reset(self) -> None:
        self.side = None
        self._against = 0

    def update(self, record: PoseRecord) -> Side | None:
        """Feed one frame; returns the current near side (None before any person is seen)."""
        score = near_side_score(record)
        if not np.isfinite(score):
            return self.side
        best = Side.LEFT if score > 0 else Side.RIGHT
        if self.side is None:
            self.side = best
        elif best is not self.side and abs(score) > self.switch_margin:
            self._against += 1
            if self._against >= self.hold_frames:
                self.side, self._against = best, 0
        else:
            self._against = 0
        return self.side



def body_yaw_deg(world: FloatArray) -> float:
    """How far the body's fore-aft line is turned from the image plane, from the 3-D world
    landmarks: 0 seen exactly side-on, 45 three-quarter, 90 from the front or behind (NaN when
    unknown). MediaPipe's world axes follow the camera (x right, y down, z away)."""
    fwd = midpoint(world, Landmark.LEFT_SHOULDER, Landmark.RIGHT_SHOULDER) - midpoint(
        world, Landmark.LEFT_HIP, Landmark.RIGHT_HIP)
    n = float(np.hypot(fwd[0], fwd[2]))
    if not n > 1e-9:
        return float("nan")
    return float(np.degrees(np.arccos(min(abs(float(fwd[0])) / n, 1.0))))


def torso_elevation_deg(world: FloatArray) -> float:
    """How steep the hip-to-shoulder line is in the 3-D world landmarks, whatever the view:
    0 with the torso level (hands and knees, seen from any side), 90 upright (NaN when unknown)."""
    fwd = midpoint(world, Landmark.LEFT_SHOULDER, Landmark.RIGHT_SHOULDER) - midpoint(
        world, Landmark.LEFT_HIP, Landmark.RIGHT_HIP)
    flat = float(np.hypot(fwd[0], fwd[2]))
    if not (flat > 1e-9 or abs(float(fwd[1])) > 1e-9):
        return float("nan")
    return float(np.degrees(np.arctan2(abs(float(fwd[1])), flat)))


def unproject_thigh_deg(image_deg: float, yaw_deg: float) -> float:
    """The thigh angle in the body's own plane from its angle in the image and the body's yaw:
    a turned body shows the fore-aft part of the thigh shortened by cos(yaw)."""
    c = max(math.cos(math.radians(min(max(yaw_deg, 0.0), MAX_UNPROJECT_YAW_DEG))), 1e-6)
    r = math.radians(image_deg)
    return math.degrees(math.atan2(math.sin(r) / c, math.cos(r)))


#: Left/right landmark pairs that lie level across the body on hands and knees (shoulders, hips,
#: wrists, knees): seen by a camera that looks down, the far one of each pair sits higher in the
#: image than its depth alone explains.
LEVEL_PAIRS: tuple[tuple[int, int], ...] = (
    (Landmark.LEFT_SHOULDER, Landmark.RIGHT_SHOULDER), (Landmark.LEFT_HIP, Landmark.RIGHT_HIP),
    (Landmark.LEFT_WRIST, Landmark.RIGHT_WRIST), (Landmark.LEFT_KNEE, Landmark.RIGHT_KNEE),
)


def camera_pitch_deg(world: FloatArray) -> float:
    """How steeply the camera looks down at the body (0 level, + down), from MediaPipe's 3-D
    world landmarks, whose axes follow the camera: each level left/right pair, as a vector from
    the near point to the far one, tilts up out of the camera's depth axis by the pitch. The
    median of the pairs, so one lifted limb does not sway it; NaN when no pair reaches far
    enough in depth to tell (a view from the front or behind)."""
    estimates = []
    for a, b in LEVEL_PAIRS:
        d = world[a] - world[b]
        if not np.isfinite(d).all():
            continue
        if d[2] < 0:
            d = -d                                  # from the near point to the far one
        if d[2] < 0.5 * float(np.hypot(d[0], d[2])):
            continue                                # mostly across the image: no depth to use
        estimates.append(math.degrees(math.atan2(-float(d[1]), float(d[2]))))
    return float(statistics.median(estimates)) if estimates else float("nan")


def level_view(px: FloatArray, world: FloatArray, pitch_deg: float) -> FloatArray:
    """The landmarks as a level camera at the same place would see them (pixels): each point's
    height in the image is corrected by its depth (world z, scaled to pixels) for a camera
    looking down ``pitch_deg``. Weak perspective: the body is small against its distance."""
    hips = midpoint(px, Landmark.LEFT_HIP, Landmark.RIGHT_HIP)
    a = px - hips
    w = world - midpoint(world, Landmark.LEFT_HIP, Landmark.RIGHT_HIP)
    ok = np.isfinite(a).all(axis=1) & np.isfinite(w).all(axis=1)
    den = float(np.sum(w[ok, :2] ** 2))
    if not den > 1e-12:
        return px
    scale = float(np.sum(a[ok] * w[ok, :2])) / den        # pixels per metre
    p = math.radians(pitch_deg)
    out = np.array(px, dtype=np.float64, copy=True)
    out[:, 1] = hips[1] + a[:, 1] * math.cos(p) + scale * w[:, 2] * math.sin(p)
    return out
