"""Posture figures for tests that drive the coach with hand-made frame analyses."""

from __future__ import annotations

from pose.analysis.geometry import Side, View
from pose.analysis.posture import PostureMeasures


def figures(thigh_deg: float = -3.0, hand_offset: float = 0.05, tilt_deg: float = 10.0,
            head_dir: float = 1.0) -> PostureMeasures:
    """Posture figures of a person side-on: tabletop by default (thigh near vertical, wrists
    under the shoulders, back near level), facing image right (``head_dir`` +1)."""
    return PostureMeasures(
        side=Side.LEFT, view=View.SIDE, width_ratio=0.2, in_frame=True, torso_tilt_deg=tilt_deg,
        thigh_deg=thigh_deg, thigh_lr_deg=(thigh_deg, thigh_deg), yaw_deg=0.0,
        torso_elevation_deg=tilt_deg, hand_heights=(0.0, 0.0), knee_heights=(0.0, 0.0),
        wrist_below_shoulder=(1.0, 1.0), knee_below_hip=(0.9, 0.9), knee_angles=(90.0, 90.0),
        hand_offset=hand_offset, head_dir=head_dir)


TABLETOP = figures()
