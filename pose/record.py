"""The one record type that flows from the estimator onward: a person's landmarks at one instant."""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

import numpy as np
from numpy.typing import NDArray

N_LANDMARKS = 33
#: A landmark in the picture whose visibility score reaches this counts as seen.
SEEN_VISIBILITY = 0.5

FloatArray = NDArray[np.float64]


class Landmark(IntEnum):
    """MediaPipe BlazePose landmark indices (the person's own left and right)."""

    NOSE = 0
    LEFT_EYE = 2
    RIGHT_EYE = 5
    LEFT_EAR = 7
    RIGHT_EAR = 8
    LEFT_SHOULDER = 11
    RIGHT_SHOULDER = 12
    LEFT_ELBOW = 13
    RIGHT_ELBOW = 14
    LEFT_WRIST = 15
    RIGHT_WRIST = 16
    LEFT_HIP = 23
    RIGHT_HIP = 24
    LEFT_KNEE = 25
    RIGHT_KNEE = 26
    LEFT_ANKLE = 27
    RIGHT_ANKLE = 28
    LEFT_HEEL = 29
    RIGHT_HEEL = 30
    LEFT_FOOT_INDEX = 31
    RIGHT_FOOT_INDEX = 32


@dataclass(frozen=True)
class PoseRecord:
    """One frame's pose. With no person in view the landmark arrays are all NaN.

    - ``t_s``: timestamp in seconds, strictly increasing within a stream.
    - ``image``: (33, 3) normalised image coordinates: x / width, y / height (y grows downward),
      z relative depth in roughly the same scale as x.
    - ``visibility``: (33,) MediaPipe visibility scores in [0, 1].
    - ``world``: (33, 3) metric world coordinates in metres, origin between the hips.
    - ``width``, ``height``: the frame size in pixels.
    """

    t_s: float
    width: int
    height: int
    image: FloatArray
    visibility: FloatArray
    world: FloatArray

    def __post_init__(self) -> None:
        if self.width <= 0 or self.height <= 0:
            raise ValueError(f"frame size must be positive, got {self.width}x{self.height}")
        if not np.isfinite(self.t_s):
            raise ValueError("timestamp must be finite")
        for name, shape in (("image", (N_LANDMARKS, 3)), ("visibility", (N_LANDMARKS,)),
                            ("world", (N_LANDMARKS, 3))):
            arr = getattr(self, name)
            if not isinstance(arr, np.ndarray) or arr.shape != shape:
                got = getattr(arr, "shape", type(arr).__name__)
                raise ValueError(f"{name} must have shape {shape}, got {got}")
            arr = np.asarray(arr, dtype=np.float64)
            arr.setflags(write=False)
            object.__setattr__(self, name, arr)

    @classmethod
    def empty(cls, t_s: float, width: int, height: int) -> PoseRecord:
        """A frame in which no person was found."""
        nan3 = np.full((N_LANDMARKS, 3), np.nan)
        return cls(t_s, width, height, nan3, np.full(N_LANDMARKS, np.nan), nan3.copy())

    @property
    def has_person(self) -> bool:
        """True when the estimator found a person in this frame."""
        return bool(np.isfinite(self.image[:, :2]).any())

    def seen(self) -> NDArray[np.bool_]:
        """(33,) True for each landmark placed in the picture with a visibility score of at
        least ``SEEN_VISIBILITY``: the ones drawn, and counted when following a person."""
        placed = np.isfinite(self.image[:, :2]).all(axis=1)
        return placed & (np.nan_to_num(self.visibility) >= SEEN_VISIBILITY)

    def pixels(self) -> FloatArray:
        """(33, 2) image coordinates in pixels (x right, y down); NaN with no person."""
        return self.image[:, :2] * np.array([self.width, self.height], dtype=np.float64)
