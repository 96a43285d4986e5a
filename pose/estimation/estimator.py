"""MediaPipe Pose Landmarker (Tasks API, VIDEO mode) turning frames into ``PoseRecord``s.

Use as a context manager::

    with PoseEstimator(model_files.resolve("full")) as estimator:
        for frame in source:
            record = estimator.process(frame)

The converters read attributes only (``x``, ``y``, ``z``, ``visibility``), so tests can feed plain
objects. MediaPipe's native layer writes INFO/WARNING lines straight to file descriptor 2 when a
model loads, on the first detections and at close; those moments are captured and routed through
``logging`` (pose/native_output.py) so a terminal shows the tool's own messages only.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from types import TracebackType
from typing import Any, Protocol

import cv2
import numpy as np

from pose.estimation.model_files import ModelBytes
from pose.estimation.native_output import native_stderr_to_log
from pose.estimation.person_tracking import PersonFollower
from pose.estimation.sources import Frame
from pose.record import N_LANDMARKS, PoseRecord

log = logging.getLogger(__name__)

MAX_PEOPLE = 2  # ask MediaPipe for this many, then follow one (see pose/person_tracking.py)


class LandmarkLike(Protocol):
    """What the converters read from one MediaPipe landmark."""

    x: float
    y: float
    z: float


def _coords(points: Sequence[Any], attrs: tuple[str, ...]) -> np.ndarray:
    out = np.full((len(points), len(attrs)), np.nan)
    for i, p in enumerate(points):
        for j, name in enumerate(attrs):
            value = getattr(p, name, None)
            if value is not None:
                out[i, j] = float(value)
    return out


def record_from_landmarks(
    t_s: float,
    width: int,
    height: int,
    landmarks: Sequence[Any],
    world: Sequence[Any] | None = None,
) -> PoseRecord:
    """One person's landmarks (objects with x, y, z, visibility) as a PoseRecord."""
    if len(landmarks) != N_LANDMARKS:
        raise ValueError(f"expected {N_LANDMARKS} landmarks, got {len(landmarks)}")
    image = _coords(landmarks, ("x", "y", "z"))
    visibility = _coords(landmarks, ("visibility",))[:, 0]
    if world is not None and len(world) == N_LANDMARKS:
        world_xyz = _coords(world, ("x", "y", "z"))
    else:
        world_xyz = np.full((N_LANDMARKS, 3), np.nan)
    return PoseRecord(t_s, width, height, image, visibility, world_xyz)


def records_from_result(result: Any, t_s: float, width: int, height: int) -> list[PoseRecord]:
    """Every person in a PoseLandmarkerResult-like object (``pose_landmarks``,
    ``pose_world_landmarks``) as PoseRecords, in MediaPipe's order."""
    poses = list(getattr(result, "pose_landmarks", None) or [])
    worlds = list(getattr(result, "pose_world_landmarks", None) or [])
    return [
        record_from_landmarks(t_s, width, height, pose, worlds[i] if i < len(worlds) else None)
        for i, pose in enumerate(poses)
    ]


class PoseEstimator:
    """PoseLandmarker in VIDEO mode following one person; a context manager."""

    def __init__(
        self,
        model: ModelBytes,
        *,
        max_people: int = MAX_PEOPLE,
        min_detection_confidence: float = 0.5,
        min_presence_confidence: float = 0.5,
        min_tracking_confidence: float = 0.5,
    ) -> None:
        if not 1 <= max_people <= 5:
            raise ValueError(f"max_people must be 1 to 5, got {max_people}")
        self.model = model
        self.max_people = max_people
        self._confidences = (min_detection_confidence, min_presence_confidence,
                             min_tracking_confidence)
        self._landmarker: Any = None
        self._last_ms = -1
        self._people_seen = 0
        self.follower = PersonFollower()

    def __enter__(self) -> PoseEstimator:
        from mediapipe.tasks.python import BaseOptions, vision

        detection, presence, tracking = self._confidences
        options = vision.PoseLandmarkerOptions(
            base_options=BaseOptions(model_asset_buffer=self.model.data),
            running_mode=vision.RunningMode.VIDEO,
            num_poses=self.max_people,
            min_pose_detection_confidence=detection,
            min_pose_presence_confidence=presence,
            min_tracking_confidence=tracking,
        )
        with native_stderr_to_log(log):
            self._landmarker = vision.PoseLandmarker.create_from_options(options)
        log.debug("pose landmarker ready (%s model, up to %d people)",
                  self.model.variant.name, self.max_people)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        if self._landmarker is not None:
            with native_stderr_to_log(log):
                self._landmarker.close()
            self._landmarker = None

    def _timestamp_ms(self, t_s: float) -> int:
        ms = max(round(t_s * 1000.0), self._last_ms + 1)
        self._last_ms = ms
        return ms

    def detect(self, t_s: float, bgr: np.ndarray) -> PoseRecord:
        """The followed person in one BGR frame at time ``t_s`` (an empty record if none)."""
        if self._landmarker is None:
            raise ValueError("PoseEstimator is not open: use it in a `with` block")
        import mediapipe as mp

        height, width = bgr.shape[:2]
        rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
        image = mp.Image(image_format=mp.ImageFormat.SRGB, data=rgb)
        ms = self._timestamp_ms(t_s)
        if self._people_seen == 0:
            # The native layer logs once on the first detection and once on the first person
            # found; capture until then (cheap), then run bare.
            with native_stderr_to_log(log):
                result = self._landmarker.detect_for_video(image, ms)
        else:
            result = self._landmarker.detect_for_video(image, ms)
        people = records_from_result(result, t_s, width, height)
        self._people_seen += len(people)
        chosen = self.follower.choose(people)
        return chosen if chosen is not None else PoseRecord.empty(t_s, width, height)

    def process(self, frame: Frame) -> PoseRecord:
        """``detect`` for a Frame from pose.estimation.sources."""
        return self.detect(frame.t_s, frame.bgr)
