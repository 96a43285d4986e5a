"""Calling a MediaPipe PoseLandmarker for one video frame, and reading its answer as arrays.

A direct call into MediaPipe's C library from the model's thread (its Python wrapper hands every
call to a worker thread of its own) was tried: 10.61 against 11.44 ms a frame with a busy Python
thread beside it, about 3 % of a whole `rocking analyze`. It bypasses the wrapper's rule that one
dedicated thread calls the library, so the public call stays. (The SIGBUS first blamed on it was
the session store dropping SQLite's locks: sessions/history/store.py.)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from pose.record import N_LANDMARKS


@dataclass(frozen=True)
class PersonArrays:
    """One person's landmarks as MediaPipe gave them: ``image`` (33, 3) normalised x, y, z;
    ``visibility`` (33,), NaN where not given; ``world`` (33, 3) metres, or None."""

    image: np.ndarray
    visibility: np.ndarray
    world: np.ndarray | None


#: detect one image at a millisecond stamp -> every person found, in MediaPipe's order
FrameCall = Callable[[Any, int], list[PersonArrays]]


def _coords(points: Sequence[Any], attrs: tuple[str, ...]) -> np.ndarray:
    """The named attributes of each point as a float array; a missing or None value is NaN."""
    return np.array([[getattr(p, name, None) for name in attrs] for p in points],
                    dtype=np.float64).reshape(len(points), len(attrs))


def person_from_points(landmarks: Sequence[Any], world: Sequence[Any] | None = None
                       ) -> PersonArrays:
    """One person's landmarks (objects with x, y, z, visibility) as arrays; the world
    landmarks are left out unless there are 33 of them."""
    if len(landmarks) != N_LANDMARKS:
        raise ValueError(f"expected {N_LANDMARKS} landmarks, got {len(landmarks)}")
    world_xyz = (_coords(world, ("x", "y", "z"))
                 if world is not None and len(world) == N_LANDMARKS else None)
    return PersonArrays(_coords(landmarks, ("x", "y", "z")),
                        _coords(landmarks, ("visibility",))[:, 0], world_xyz)


def people_from_result(result: Any) -> list[PersonArrays]:
    """Every person in a PoseLandmarkerResult-like object (``pose_landmarks``,
    ``pose_world_landmarks``: lists of points with x, y, z, visibility), in MediaPipe's order."""
    poses = list(getattr(result, "pose_landmarks", None) or [])
    worlds = list(getattr(result, "pose_world_landmarks", None) or [])
    return [person_from_points(pose, worlds[i] if i < len(worlds) else None)
            for i, pose in enumerate(poses)]


def frame_call(landmarker: Any) -> FrameCall:
    """The call for one frame: MediaPipe's own ``detect_for_video``, its answer as arrays."""
    def call(image: Any, ms: int) -> list[PersonArrays]:
        return people_from_result(landmarker.detect_for_video(image, ms))
    return call
