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
from dataclasses import dataclass
from types import TracebackType
from typing import Any

import cv2
import numpy as np

from pose.estimation.landmarker_calls import (
    PersonArrays,
    frame_call,
    people_from_result,
    person_from_points,
)
from pose.estimation.model_files import ModelBytes
from pose.estimation.native_output import native_stderr_to_log
from pose.estimation.person_tracking import PersonFollower
from pose.estimation.sources import Frame
from pose.record import N_LANDMARKS, PoseRecord

log = logging.getLogger(__name__)

MAX_PEOPLE = 2  # look for this many while (re)acquiring, then follow one (see below)


@dataclass(frozen=True)
class ModelInput:
    """A frame made ready for the model (its RGB copy as a MediaPipe image), by
    ``PoseEstimator.prepare``, which may run on another thread (the decoding one)."""

    frame: Frame
    image: Any  # mediapipe Image (SRGB)


def prepare(frame: Frame) -> ModelInput:
    """Convert a BGR frame to the RGB image MediaPipe takes (thread-safe: no shared state)."""
    import mediapipe as mp

    rgb = cv2.cvtColor(frame.bgr, cv2.COLOR_BGR2RGB)
    return ModelInput(frame, mp.Image(image_format=mp.ImageFormat.SRGB, data=rgb))


def record_from_person(t_s: float, width: int, height: int, person: PersonArrays) -> PoseRecord:
    """One person's landmark arrays as a PoseRecord (world landmarks NaN when not given)."""
    world = person.world if person.world is not None else np.full((N_LANDMARKS, 3), np.nan)
    return PoseRecord(t_s, width, height, person.image, person.visibility, world)


def record_from_landmarks(
    t_s: float,
    width: int,
    height: int,
    landmarks: Sequence[Any],
    world: Sequence[Any] | None = None,
) -> PoseRecord:
    """One person's landmarks (objects with x, y, z, visibility) as a PoseRecord."""
    return record_from_person(t_s, width, height, person_from_points(landmarks, world))


def records_from_result(result: Any, t_s: float, width: int, height: int) -> list[PoseRecord]:
    """Every person in a PoseLandmarkerResult-like object (``pose_landmarks``,
    ``pose_world_landmarks``) as PoseRecords, in MediaPipe's order."""
    return [record_from_person(t_s, width, height, person)
            for person in people_from_result(result)]


#: A search must find the followed person in this many frames in a row before one person is
#: tracked alone (MediaPipe's own tracking then skips the person detector).
LOCK_FRAMES = 3
#: After the single-person tracker showed someone else, search this long before trying it again.
RETRY_S = 1.0


class _Landmarker:
    """One MediaPipe PoseLandmarker in VIDEO mode with its own increasing timestamps."""

    def __init__(self, options: Any, num_poses: int) -> None:
        from mediapipe.tasks.python import vision

        options.num_poses = num_poses
        with native_stderr_to_log(log):
            self.landmarker = vision.PoseLandmarker.create_from_options(options)
        #: the model's call for one frame, its answer as arrays (landmarker_calls)
        self.call = frame_call(self.landmarker)
        self.last_ms = -1
        self.people_seen = 0

    def detect(self, image: Any, ms: int, t_s: float, width: int, height: int
               ) -> list[PoseRecord]:
        """Everyone found in ``image``, stamped ``ms`` (kept increasing) and ``t_s``."""
        ms = max(ms, self.last_ms + 1)
        self.last_ms = ms
        if self.people_seen == 0:
            # The native layer logs once on the first detection and once on the first person
            # found; capture until then (cheap), then run bare.
            with native_stderr_to_log(log):
                found = self.call(image, ms)
        else:
            found = self.call(image, ms)
        people = [record_from_person(t_s, width, height, person) for person in found]
        self.people_seen += len(people)
        return people

    def close(self) -> None:
        with native_stderr_to_log(log):
            self.landmarker.close()


class PoseEstimator:
    """PoseLandmarker in VIDEO mode following one person; a context manager.

    With ``max_people`` > 1 it looks for that many people only while (re)acquiring: a search
    landmarker (``num_poses=max_people``, which runs the person detector on every frame) until
    the person to follow is found (``pose.person_tracking``) in ``LOCK_FRAMES`` frames in a row,
    then a single-person landmarker that MediaPipe tracks from frame to frame, as cheap as a bare
    one-person loop. When that one loses the person or shows someone else, the same frame is
    searched again, so a passer-by is never followed.
    """

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
        self._tracker: _Landmarker | None = None
        self._search: _Landmarker | None = None
        self._tracking = False
        self._found = 0
        self._retry_after = -np.inf
        self._last_ms = -1
        self.follower = PersonFollower()
        #: frames run through the search landmarker / the single-person tracker
        self.search_frames = 0
        self.track_frames = 0

    def __enter__(self) -> PoseEstimator:
        from mediapipe.tasks.python import BaseOptions, vision

        detection, presence, tracking = self._confidences

        def options() -> Any:
            return vision.PoseLandmarkerOptions(
                base_options=BaseOptions(model_asset_buffer=self.model.data),
                running_mode=vision.RunningMode.VIDEO,
                min_pose_detection_confidence=detection,
                min_pose_presence_confidence=presence,
                min_tracking_confidence=tracking,
            )

        try:
            self._tracker = _Landmarker(options(), 1)
            if self.max_people > 1:
                self._search = _Landmarker(options(), self.max_people)
        except BaseException:
            self.close()
            raise
        log.debug("pose landmarker ready (%s model, up to %d people when searching)",
                  self.model.variant.name, self.max_people)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    @property
    def native_quiet(self) -> bool:
        """Whether MediaPipe has said all it says on first detections (which only the main
        thread can keep off the terminal): every landmarker has found someone."""
        return all(lm.people_seen > 0 for lm in (self._tracker, self._search) if lm is not None)

    def close(self) -> None:
        for lm in (self._tracker, self._search):
            if lm is not None:
                lm.close()
        self._tracker = self._search = None

    def _timestamp_ms(self, t_s: float) -> int:
        """The millisecond stamp of a frame: its own time, always increasing."""
        ms = max(round(t_s * 1000.0), self._last_ms + 1)
        self._last_ms = ms
        return ms

    def detect(self, t_s: float, bgr: np.ndarray) -> PoseRecord:
        """The followed person in one BGR frame at time ``t_s`` (an empty record if none)."""
        return self.process(prepare(Frame(-1, t_s, bgr)))

    #: Frames are made ready for the model by this (a pipeline may call it on another thread
    #: and hand ``process`` the result).
    prepare = staticmethod(prepare)

    def process(self, frame: Frame | ModelInput) -> PoseRecord:
        """The followed person in a Frame from pose.estimation.sources, or in one already
        converted by ``prepare`` (an empty record if none)."""
        if self._tracker is None:
            raise ValueError("PoseEstimator is not open: use it in a `with` block")
        ready = frame if isinstance(frame, ModelInput) else prepare(frame)
        return self._follow(ready.frame.t_s, ready.frame.width, ready.frame.height, ready.image)

    def _follow(self, t_s: float, width: int, height: int, image: Any) -> PoseRecord:
        """Run the tracker (or the search) on one image and choose the followed person."""
        assert self._tracker is not None
        ms = self._timestamp_ms(t_s)
        if self._search is None or self._tracking:
            self.track_frames += 1
            people = self._tracker.detect(image, ms, t_s, width, height)
            chosen = self.follower.choose(people)
            if chosen is not None or self._search is None:
                return chosen if chosen is not None else PoseRecord.empty(t_s, width, height)
            # lost, or someone else in the followed person's place: search this frame too
            self._tracking, self._found = False, 0
            if people:
                self._retry_after = t_s + RETRY_S
            log.debug("%.2f s: searching for the followed person again", t_s)
        self.search_frames += 1
        chosen = self.follower.choose(self._search.detect(image, ms, t_s, width, height))
        if chosen is None:
            self._found = 0
            return PoseRecord.empty(t_s, width, height)
        self._found += 1
        if self._found >= LOCK_FRAMES and t_s >= self._retry_after:
            self._tracking = True
        return chosen
