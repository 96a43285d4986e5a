"""A simulated person on hands and knees, rocking to a plan, seen by a virtual camera.

It produces the same PoseRecords as the estimator (normalised image landmarks with MediaPipe's
relative z, visibility, metric world landmarks) from a 3-D stick body, together with the ground
truth of what it did: rep boundaries, full or partial, forceful time ranges, the depth of every
frame. Tests use it to check the analysis against known movement; the demo uses it to drive and
draw a person without a camera.

    plan = Plan((GetIntoPosition(), Hold(2.0), Rock(reps=5, period_s=6.0, back_share=0.65)))
    session = simulate(plan, fps=30, seed=0)
    session.records, session.truth.full_rep_count

The depth convention is the analysis's: 0 at the start position, 1 = thighs turned back
``DEPTH_UNIT_DEG`` about the knees, negative forward.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

import numpy as np

from pose.record import N_LANDMARKS, FloatArray, Landmark, PoseRecord

DEPTH_UNIT_DEG = 65.0

# body measurements in metres (an average adult)
TORSO = 0.52
THIGH = 0.45
SHIN = 0.44
UPPER_ARM = 0.30
FOREARM = 0.28
SHOULDER_WIDTH = 0.38
HIP_WIDTH = 0.30
BODY_HEIGHT_M = 0.3   # where a camera aimed at the person on hands and knees points

Profile = Literal["cosine", "jerky"]


@dataclass(frozen=True)
class Hold:
    """Stay still in the start position (or at ``depth``)."""

    seconds: float
    depth: float = 0.0


@dataclass(frozen=True)
class Rock:
    """``reps`` rocks back and forward.

    ``back_share`` is the part of the moving time spent rocking back (breath-led: about 0.6-0.7),
    ``pause_s`` a hold at the back, ``forward`` an overshoot past the start position,
    ``profile`` "cosine" (eases in and out) or "jerky" (every phase starts at full speed and
    eases out, as in the shared clips' generator),
    ``jitter`` a random +- share of period and depth per rep.
    """

    reps: int
    period_s: float = 5.0
    depth: float = 0.8
    back_share: float = 0.5
    pause_s: float = 0.0
    forward: float = 0.0
    profile: Profile = "cosine"
    jitter: float = 0.0


@dataclass(frozen=True)
class GetIntoPosition:
    """Come down from kneeling upright to hands and knees."""

    seconds: float = 3.0


@dataclass(frozen=True)
class StandUp:
    """Come up from hands and knees to kneeling upright (position lost), staying there."""

    seconds: float = 2.0


@dataclass(frozen=True)
class LiftArm:
    """Raise the near-side arm forward (bird-dog arm), hold, put it down."""

    seconds: float = 2.0


@dataclass(frozen=True)
class Away:
    """Out of the picture: no person is found."""

    seconds: float


#: the positions ``HoldPose`` can hold
HeldPose = Literal["childs_pose", "knee_push_up", "kneeling_upright", "sitting_on_heels"]


@dataclass(frozen=True)
class HoldPose:
    """Hold a position that is not the tabletop start: ``"childs_pose"`` (hips on the heels, arms
    stretched ahead, the far end of a rock), ``"knee_push_up"`` (knees and hands down, hips
    pushed ahead, thighs slanting), ``"kneeling_upright"`` or ``"sitting_on_heels"``."""

    seconds: float
    pose: HeldPose


Step = Hold | Rock | GetIntoPosition | StandUp | LiftArm | Away | HoldPose


def aimed_tilt_deg(height_m: float, distance_m: float) -> float:
    """The downward tilt that points a camera at ``height_m`` and ``distance_m`` at the body
    (``BODY_HEIGHT_M`` above the floor)."""
    return math.degrees(math.atan2(height_m - BODY_HEIGHT_M, distance_m))


@dataclass(frozen=True)
class Plan:
    """What the simulated person does and how the camera sees it.

    ``heading_deg``: where the head points, 0 = image right with the left side nearest the
    camera, 180 = image left with the right side nearest, +-45 from those = three-quarter views,
    +-90 = seen from behind / the front. ``turn_to_deg`` turns the body steadily to that heading
    over the session. ``noise`` is landmark noise (standard deviation) as a share of the torso
    length in the image, ``drop_rate`` the share of frames with no person found, ``start_deg``
    the person's own thigh angle in their start position. ``camera_height_m`` raises the
    camera and ``camera_tilt_deg`` tilts it down (``aimed_tilt_deg`` points it at the body):
    a laptop on a table looks down at a person on the floor. ``gaps`` are (start_s, end_s) spans
    in which no person is found whatever they do (the camera covered, someone in front of it).
    """

    steps: tuple[Step, ...]
    heading_deg: float = 0.0
    turn_to_deg: float | None = None
    camera_distance_m: float = 2.5
    camera_height_m: float = 0.4
    camera_tilt_deg: float = 0.0
    gaps: tuple[tuple[float, float], ...] = ()
    width: int = 640
    height: int = 480
    noise: float = 0.0
    drop_rate: float = 0.0
    start_deg: float = -3.0


@dataclass(frozen=True)
class RepTruth:
    """One rep as performed."""

    start_s: float
    end_s: float
    depth: float
    period_s: float
    back_s: float
    pause_s: float
    forward_s: float
    peak_speed: float
    profile: Profile
    full: bool
    forceful: bool


@dataclass(frozen=True)
class Truth:
    """What the simulated person did."""

    reps: tuple[RepTruth, ...]
    times: FloatArray                 # every frame's time
    depth: FloatArray                 # every frame's intended depth (NaN when not in position)
    in_position: np.ndarray           # bool per frame: hands and knees down
    dropped: np.ndarray               # bool per frame: no person found in the record

    @property
    def full_rep_count(self) -> int:
        return sum(r.full for r in self.reps)


@dataclass(frozen=True)
class SimulatedSession:
    records: list[PoseRecord]
    truth: Truth
    fps: float


@dataclass
class _Frame:
    t: float
    kind: str                 # "rock", "setup", "stand", "lift", "away"
    depth: float = 0.0
    amount: float = 0.0       # progress of setup / stand / lift, 0..1


def _ease(u: float, profile: Profile) -> float:
    u = min(max(u, 0.0), 1.0)
    if profile == "jerky":   # starts at full speed, stops gently
        return math.sin(math.pi * u / 2.0)
    return (1.0 - math.cos(math.pi * u)) / 2.0


def _timeline(plan: Plan, fps: float, rng: np.random.Generator
              ) -> tuple[list[_Frame], list[RepTruth]]:
    frames: list[_Frame] = []
    reps: list[RepTruth] = []
    t0 = 0.0
    dt = 1.0 / fps

    def span(seconds: float) -> Iterator[tuple[float, float]]:
        n = max(round(seconds * fps), 0)
        for i in range(n):
            yield t0 + i * dt, i / max(n, 1)

    for step in plan.steps:
        if isinstance(step, Rock):
            for _ in range(step.reps):
                k = 1.0 + step.jitter * rng.uniform(-1, 1)
                amp = step.depth * (1.0 + step.jitter * rng.uniform(-1, 1))
                period = step.period_s * k
                moving = period - step.pause_s
                back = moving * step.back_share
                fwd_t = moving - back
                over = step.forward
                n = round(period * fps)
                depths = []
                for i in range(n):
                    tau = i * dt
                    if tau < back:
                        s = amp * _ease(tau / back, step.profile)
                    elif tau < back + step.pause_s:
                        s = amp
                    else:
                        u = (tau - back - step.pause_s) / fwd_t
                        if over > 0 and u < 0.8:
                            s = amp - (amp + over) * _ease(u / 0.8, step.profile)
                        elif over > 0:
                            s = -over + over * _ease((u - 0.8) / 0.2, step.profile)
                        else:
                            s = amp * (1.0 - _ease(u, step.profile))
                    depths.append(s)
                    frames.append(_Frame(t0 + tau, "rock", s))
                speed = np.abs(np.diff(depths)) * fps if len(depths) > 1 else np.zeros(1)
                reps.append(RepTruth(
                    start_s=t0, end_s=t0 + n * dt, depth=amp,
                    period_s=n * dt, back_s=back, pause_s=step.pause_s, forward_s=fwd_t,
                    peak_speed=float(speed.max()), profile=step.profile, full=amp >= 0.5,
                    forceful=period < 2.0 or step.profile == "jerky"))
                t0 += n * dt
        else:
            seconds = step.seconds
            kind = {Hold: "rock", GetIntoPosition: "setup", StandUp: "stand", LiftArm: "lift",
                    Away: "away"}.get(type(step), "")
            if isinstance(step, HoldPose):
                kind = step.pose
            depth = step.depth if isinstance(step, Hold) else 0.0
            for t, u in span(seconds):
                frames.append(_Frame(t, kind, depth, u))
            t0 += max(round(seconds * fps), 0) * dt
    return frames, reps


def _skeleton(theta_deg: float, frame: _Frame) -> FloatArray:
    """(33, 3) body-frame positions in metres: x toward the head, y up, z to the person's right."""
    p = np.zeros((N_LANDMARKS, 3))
    th = math.radians(theta_deg)
    knee_x, knee_y = 0.0, 0.05
    hip = np.array([knee_x - THIGH * math.sin(th), knee_y + THIGH * math.cos(th)])
    # wrists planted under the start-position shoulders
    hip0 = np.array([knee_x, knee_y + THIGH])
    arm = UPPER_ARM + FOREARM
    back0 = math.asin(max(min((arm - hip0[1]) / TORSO, 1.0), -1.0))
    wrist = np.array([hip0[0] + TORSO * math.cos(back0), 0.0])
    # shoulder: torso length from the hip, straight arm length from the wrist (upper solution)
    d = float(np.linalg.norm(wrist - hip))
    if TORSO + arm > d > abs(TORSO - arm):
        a = (TORSO**2 - arm**2 + d**2) / (2 * d)
        h = math.sqrt(max(TORSO**2 - a**2, 0.0))
        base = hip + a * (wrist - hip) / d
        perp = np.array([-(wrist - hip)[1], (wrist - hip)[0]]) / d
        shoulder = base + h * perp if perp[1] > 0 else base - h * perp
    else:
        shoulder = hip + TORSO * (wrist - hip) / d
    kind, u = frame.kind, frame.amount
    if kind in ("setup", "stand"):
        # kneeling upright (torso vertical, hands hanging) <-> hands and knees
        up = 1.0 - _ease(u, "cosine") if kind == "setup" else _ease(u, "cosine")
        hip_k = np.array([knee_x - 0.05, knee_y + THIGH])
        sh_k = hip_k + np.array([0.08, TORSO])
        wr_k = sh_k + np.array([0.05, -arm])
        hip = hip + up * (hip_k - hip)
        shoulder = shoulder + up * (sh_k - shoulder)
        wrist = wrist + up * (wr_k - wrist)
    if kind in _HELD:
        hip, shoulder, wrist = _HELD[kind]
    lift = 0.0
    if kind == "lift":
        lift = math.sin(math.pi * min(u * 1.25, 1.0)) if u < 0.8 else 0.0
    ankle = np.array([knee_x - SHIN, 0.06])

    def put(idx: int, xy: FloatArray, z: float) -> None:
        p[idx] = (xy[0], xy[1], z)

    for sign, (s_i, e_i, w_i, h_i, k_i, a_i, he_i, f_i) in (
        (-1.0, (Landmark.LEFT_SHOULDER, Landmark.LEFT_ELBOW, Landmark.LEFT_WRIST,
                Landmark.LEFT_HIP, Landmark.LEFT_KNEE, Landmark.LEFT_ANKLE,
                Landmark.LEFT_HEEL, Landmark.LEFT_FOOT_INDEX)),
        (1.0, (Landmark.RIGHT_SHOULDER, Landmark.RIGHT_ELBOW, Landmark.RIGHT_WRIST,
               Landmark.RIGHT_HIP, Landmark.RIGHT_KNEE, Landmark.RIGHT_ANKLE,
               Landmark.RIGHT_HEEL, Landmark.RIGHT_FOOT_INDEX)),
    ):
        w = wrist
        if lift > 0 and sign < 0:   # the left arm reaches forward
            reach = shoulder + arm * np.array([1.0, 0.0])
            w = wrist + lift * (reach - wrist)
        put(s_i, shoulder, sign * SHOULDER_WIDTH / 2)
        put(w_i, w, sign * SHOULDER_WIDTH / 2)
        put(e_i, (shoulder + w) / 2 + np.array([0.02, 0.0]), sign * SHOULDER_WIDTH / 2)
        put(h_i, hip, sign * HIP_WIDTH / 2)
        put(k_i, np.array([knee_x, knee_y]), sign * HIP_WIDTH / 2)
        put(a_i, ankle, sign * HIP_WIDTH / 2)
        put(he_i, ankle + np.array([-0.03, 0.02]), sign * HIP_WIDTH / 2)
        put(f_i, ankle + np.array([-0.05, -0.05]), sign * HIP_WIDTH / 2)
    # head: ahead of the shoulders along the torso, a little down
    torso_dir = (shoulder - hip) / max(float(np.linalg.norm(shoulder - hip)), 1e-9)
    head = shoulder + 0.22 * torso_dir + np.array([0.0, -0.04])
    put(Landmark.NOSE, head + np.array([0.06, -0.03]), 0.0)
    for idx, dz in ((1, -0.03), (2, -0.035), (3, -0.04), (4, 0.03), (5, 0.035), (6, 0.04)):
        put(idx, head + np.array([0.05, 0.0]), dz)
    put(Landmark.LEFT_EAR, head, -0.07)
    put(Landmark.RIGHT_EAR, head, 0.07)
    put(9, head + np.array([0.05, -0.06]), -0.02)
    put(10, head + np.array([0.05, -0.06]), 0.02)
    for idx, src in ((17, 15), (19, 15), (21, 15), (18, 16), (20, 16), (22, 16)):
        p[idx] = p[src] + np.array([0.04, -0.01, 0.0])
    return p


def _held_poses() -> dict[str, tuple[FloatArray, FloatArray, FloatArray]]:
    """(hip, shoulder, wrist) of each HoldPose, knees at (0, 0.05) as in ``_skeleton``."""
    knee = np.array([0.0, 0.05])
    arm = UPPER_ARM + FOREARM

    def polar(deg: float, length: float) -> FloatArray:   # deg from level, toward the head
        return length * np.array([math.cos(math.radians(deg)), math.sin(math.radians(deg))])

    # child's pose: thighs 62 deg back, chest low over the knees, arms stretched along the floor
    hip_c = knee + THIGH * np.array([-math.sin(math.radians(62)), math.cos(math.radians(62))])
    sh_c = hip_c + polar(-5.0, TORSO)
    wr_c = np.array([sh_c[0] + math.sqrt(arm**2 - sh_c[1] ** 2), 0.0])
    # knee push-up: knees, hips and shoulders in one line rising to the arms (elbows soft)
    rise = math.degrees(math.asin((0.85 * arm - knee[1]) / (THIGH + TORSO)))
    hip_p = knee + polar(rise, THIGH)
    sh_p = knee + polar(rise, THIGH + TORSO)
    wr_p = np.array([sh_p[0], 0.0])
    # kneeling upright, hands hanging; sitting back on the heels, torso upright, hands on thighs
    hip_k = knee + np.array([-0.05, THIGH])
    sh_k = hip_k + np.array([0.08, TORSO])
    hip_h = knee + THIGH * np.array([-math.sin(math.radians(72)), math.cos(math.radians(72))])
    sh_h = hip_h + np.array([0.08, TORSO])
    return {"childs_pose": (hip_c, sh_c, wr_c), "knee_push_up": (hip_p, sh_p, wr_p),
            "kneeling_upright": (hip_k, sh_k, sh_k + np.array([0.05, -arm])),
            "sitting_on_heels": (hip_h, sh_h, np.array([-0.12, 0.2]))}


_HELD = _held_poses()


def _camera(plan: Plan, body: FloatArray, heading_deg: float
            ) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Project body-frame points: returns (normalised image xyz, visibility, world)."""
    h = math.radians(heading_deg)
    fwd = np.array([math.cos(h), 0.0, math.sin(h)])     # camera-space X right, Y up, Z away
    right = np.cross(fwd, np.array([0.0, 1.0, 0.0]))
    centre = np.array([0.1, 0.0, 0.0])                  # body point placed mid-frame
    local = body - centre
    pts = (local[:, :1] * fwd + local[:, 1:2] * np.array([0.0, 1.0, 0.0])
           + local[:, 2:3] * right)
    cam = pts + np.array([0.0, -plan.camera_height_m, plan.camera_distance_m])
    if plan.camera_tilt_deg:   # the camera pitched down: rotate the scene up about its x axis
        a = math.radians(plan.camera_tilt_deg)
        y, z = cam[:, 1].copy(), cam[:, 2].copy()
        cam[:, 1] = y * math.cos(a) + z * math.sin(a)
        cam[:, 2] = -y * math.sin(a) + z * math.cos(a)
    f_px = 0.95 * plan.width
    zc = cam[:, 2]
    u = plan.width / 2 + f_px * cam[:, 0] / zc
    v = plan.height * 0.62 - f_px * cam[:, 1] / zc
    hip_mid = (cam[Landmark.LEFT_HIP] + cam[Landmark.RIGHT_HIP]) / 2
    z_img = (zc - hip_mid[2]) / hip_mid[2] * f_px / plan.width
    image = np.column_stack([u / plan.width, v / plan.height, z_img])
    # MediaPipe-style world: metres, origin between the hips, x right, y down, z away
    world = cam - hip_mid
    world[:, 1] *= -1.0
    # nearer points are more visible; the far side about 0.6-0.9
    depth_rel = (zc - zc.min()) / max(float(np.ptp(zc)), 1e-9)
    vis = 0.99 - 0.35 * depth_rel
    return image, vis, world


def iter_records(plan: Plan, fps: float = 30.0, seed: int = 0
                 ) -> Iterator[tuple[PoseRecord, float | None]]:
    """Stream the session: (record, intended depth or None when not in position) per frame."""
    session_frames, _ = _timeline(plan, fps, np.random.default_rng(seed))
    rng = np.random.default_rng(seed + 1)
    yield from _render(plan, session_frames, rng)


def _render(plan: Plan, frames: list[_Frame], rng: np.random.Generator
            ) -> Iterator[tuple[PoseRecord, float | None]]:
    n = len(frames)
    for i, fr in enumerate(frames):
        in_pos = fr.kind == "rock" or (fr.kind == "setup" and fr.amount >= 1.0)
        depth = fr.depth if in_pos else None
        hidden = fr.kind == "away" or any(a <= fr.t < b for a, b in plan.gaps)
        if hidden or (plan.drop_rate > 0 and rng.random() < plan.drop_rate):
            yield PoseRecord.empty(fr.t, plan.width, plan.height), depth
            continue
        heading = plan.heading_deg
        if plan.turn_to_deg is not None and n > 1:
            heading += (plan.turn_to_deg - plan.heading_deg) * i / (n - 1)
        theta = plan.start_deg + fr.depth * DEPTH_UNIT_DEG
        body = _skeleton(theta, fr)
        image, vis, world = _camera(plan, body, heading)
        if plan.noise > 0:
            px = image[:, :2] * [plan.width, plan.height]
            torso_px = float(np.linalg.norm(
                (px[11] + px[12]) / 2 - (px[23] + px[24]) / 2))
            jitter = rng.normal(0.0, plan.noise * torso_px, size=(N_LANDMARKS, 2))
            image[:, :2] += jitter / [plan.width, plan.height]
            world += rng.normal(0.0, plan.noise * TORSO, size=world.shape)
        yield PoseRecord(fr.t, plan.width, plan.height, image, vis, world), depth


def simulate(plan: Plan, fps: float = 30.0, seed: int = 0) -> SimulatedSession:
    """The whole session at once, with its ground truth."""
    frames, reps = _timeline(plan, fps, np.random.default_rng(seed))
    rng = np.random.default_rng(seed + 1)
    records: list[PoseRecord] = []
    depths: list[float] = []
    for rec, depth in _render(plan, frames, rng):
        records.append(rec)
        depths.append(np.nan if depth is None else depth)
    depth_arr = np.array(depths, dtype=np.float64)
    truth = Truth(
        reps=tuple(reps),
        times=np.array([f.t for f in frames], dtype=np.float64),
        depth=depth_arr,
        in_position=np.isfinite(depth_arr),
        dropped=np.array([not r.has_person for r in records], dtype=bool),
    )
    return SimulatedSession(records, truth, fps)

