"""Calling a MediaPipe PoseLandmarker for one video frame, and reading its answer as arrays.

MediaPipe 1.2's Python wrapper runs every C call on a worker thread of its own (its
``SerialDispatcher``): per frame, two calls (detect, free the result), each a hand-over to that
thread and back, and each hand-over needs Python's interpreter lock. When other Python threads
of the tool are working (decoding the next frame, analysing the last one), every hand-over may
wait for them, and the model's frame time grows by about 6% (measured: 10.6 ms bare, 11.4 ms with
a thread doing 0.6 ms of Python per frame). ``ctypes`` releases the lock for the length of a C call,
so calling the C function directly from the model's thread, one call at a time as the wrapper
does, waits for nobody while the model runs.

``frame_call`` returns that direct call when the landmarker has the shape this was written for
(checked once, when it is built), and otherwise MediaPipe's public ``detect_for_video``, so a
future MediaPipe runs the slower, supported way rather than failing. Either way the answer is the
same: each person's landmarks as arrays (``PersonArrays``).
"""

from __future__ import annotations

import ctypes
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from pose.record import N_LANDMARKS

log = logging.getLogger(__name__)


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


def public_call(landmarker: Any) -> FrameCall:
    """MediaPipe's own ``detect_for_video``, its answer as arrays."""
    def call(image: Any, ms: int) -> list[PersonArrays]:
        return people_from_result(landmarker.detect_for_video(image, ms))
    return call


def _point_dtype(struct: type[ctypes.Structure]) -> np.dtype:
    """A numpy view of one landmark struct (x, y, z, has_visibility, visibility), at the
    struct's own field offsets and size."""
    names = ("x", "y", "z", "has_visibility", "visibility")
    formats = ("<f4", "<f4", "<f4", "?", "<f4")
    return np.dtype({"names": list(names), "formats": list(formats),
                     "offsets": [getattr(struct, n).offset for n in names],
                     "itemsize": ctypes.sizeof(struct)})


def _points(lists: Any, i: int, dtype: np.dtype) -> np.ndarray:
    """Person ``i``'s landmarks from a C list-of-landmarks struct, copied (the C memory is freed
    after the call)."""
    entry = lists[i]
    count = int(entry.landmarks_count)
    if count == 0 or not entry.landmarks:
        return np.zeros(0, dtype=dtype)
    return np.frombuffer(ctypes.string_at(entry.landmarks, count * dtype.itemsize), dtype=dtype)


def _person(points: np.ndarray, world: np.ndarray | None) -> PersonArrays:
    """Arrays from the C landmarks, checked as ``person_from_points`` checks the public ones."""
    if len(points) != N_LANDMARKS:
        raise ValueError(f"expected {N_LANDMARKS} landmarks, got {len(points)}")
    image = np.stack([points["x"], points["y"], points["z"]], axis=1).astype(np.float64)
    visibility = np.where(points["has_visibility"], points["visibility"],
                          np.nan).astype(np.float64)
    world_xyz = (np.stack([world["x"], world["y"], world["z"]], axis=1).astype(np.float64)
                 if world is not None and len(world) == N_LANDMARKS else None)
    return PersonArrays(image, visibility, world_xyz)


def direct_call(landmarker: Any) -> FrameCall | None:
    """The C call made from the caller's thread, or None when this MediaPipe's landmarker is not
    the shape expected (then use ``public_call``)."""
    try:
        from mediapipe.tasks.python.components.containers import landmark_c
        from mediapipe.tasks.python.core import mediapipe_c_utils
        from mediapipe.tasks.python.vision import pose_landmarker

        lib = landmarker._lib._lib  # the ctypes library behind the SerialDispatcher
        detect = lib.MpPoseLandmarkerDetectForVideo
        free = lib.MpPoseLandmarkerCloseResult
        handle = landmarker._handle
        result_type = pose_landmarker.MpPoseLandmarkerResultC
        handle_status = mediapipe_c_utils.handle_status
        image_dtype = _point_dtype(landmark_c.MpNormalizedLandmarkC)
        world_dtype = _point_dtype(landmark_c.MpLandmarkC)
        # the wrapper set these when it registered the functions: the direct call then checks
        # its arguments exactly as the wrapper's own does
        if not (detect.argtypes and len(detect.argtypes) == 6 and free.argtypes
                and handle and callable(handle_status)):
            raise AttributeError("unexpected signatures")
        for name in ("pose_landmarks", "pose_landmarks_count", "pose_world_landmarks",
                     "pose_world_landmarks_count"):
            getattr(result_type, name)
    except (ImportError, AttributeError, TypeError) as exc:
        log.debug("MediaPipe's landmarker is not the expected shape (%s): public calls", exc)
        return None

    def call(image: Any, ms: int) -> list[PersonArrays]:
        result = result_type()
        error = ctypes.c_char_p()
        status = detect(handle, image._image_ptr, None, ms, ctypes.byref(result),
                        ctypes.byref(error))
        try:
            handle_status(status, error)
        finally:
            if error.value is not None:
                lib.MpErrorFree(error)
        try:
            people = []
            for i in range(result.pose_landmarks_count):
                points = _points(result.pose_landmarks, i, image_dtype)
                world = (_points(result.pose_world_landmarks, i, world_dtype)
                         if i < result.pose_world_landmarks_count else None)
                people.append(_person(points, world))
            return people
        finally:
            free(ctypes.byref(result))

    return call


def frame_call(landmarker: Any) -> FrameCall:
    """The fastest call this landmarker supports (``direct_call``, else ``public_call``)."""
    return direct_call(landmarker) or public_call(landmarker)
