"""The direct call into MediaPipe's C library gives what its public ``detect_for_video`` gives, and
a landmarker of another shape is called the public way."""

from __future__ import annotations

from itertools import islice
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from pose.estimation import model_files
from pose.estimation.estimator import prepare
from pose.estimation.landmarker_calls import (
    direct_call,
    frame_call,
    people_from_result,
    public_call,
)
from pose.estimation.native_output import native_stderr_to_log
from pose.estimation.sources import open_source


def landmarker(model: model_files.ModelBytes, people: int) -> object:
    from mediapipe.tasks.python import BaseOptions, vision

    options = vision.PoseLandmarkerOptions(
        base_options=BaseOptions(model_asset_buffer=model.data),
        running_mode=vision.RunningMode.VIDEO, num_poses=people)
    with native_stderr_to_log():
        return vision.PoseLandmarker.create_from_options(options)


@pytest.mark.slow
@pytest.mark.parametrize("people", [1, 2])
def test_the_direct_call_gives_what_the_public_one_gives(
        people: int, realdata: Path, pose_model: model_files.ModelBytes) -> None:
    clip = realdata / "video" / "rock01_steady_prozhekt2.mp4"
    if not clip.exists():
        pytest.skip(f"{clip.name} not in {clip.parent}")
    public_lm, direct_lm = landmarker(pose_model, people), landmarker(pose_model, people)
    try:
        direct = direct_call(direct_lm)
        assert direct is not None, "MediaPipe's landmarker no longer has the expected shape"
        public = public_call(public_lm)
        seen = 0
        with native_stderr_to_log():
            for frame in islice(open_source(clip), 0, 60, 3):
                image = prepare(frame).image
                ms = round(frame.t_s * 1000)
                a, b = public(image, ms), direct(image, ms)
                assert len(a) == len(b)
                for pa, pb in zip(a, b, strict=True):
                    assert np.array_equal(pa.image, pb.image)
                    assert np.array_equal(pa.visibility, pb.visibility, equal_nan=True)
                    assert pa.world is not None and pb.world is not None
                    assert np.array_equal(pa.world, pb.world)
                seen += len(a)
        assert seen >= 15                      # the person was found on most of those frames
    finally:
        with native_stderr_to_log():
            public_lm.close()                  # type: ignore[attr-defined]
            direct_lm.close()                  # type: ignore[attr-defined]


def test_a_landmarker_of_another_shape_is_called_the_public_way() -> None:
    point = SimpleNamespace(x=0.5, y=0.25, z=0.0, visibility=0.9)
    calls: list[int] = []

    def detect_for_video(image: object, ms: int) -> object:
        calls.append(ms)
        return SimpleNamespace(pose_landmarks=[[point] * 33], pose_world_landmarks=[])

    other = SimpleNamespace(detect_for_video=detect_for_video)
    assert direct_call(other) is None
    people = frame_call(other)(object(), 40)
    assert calls == [40]
    assert len(people) == 1 and people[0].world is None
    assert people[0].image[0].tolist() == [0.5, 0.25, 0.0]


def test_a_person_without_33_landmarks_is_refused() -> None:
    short = SimpleNamespace(pose_landmarks=[[SimpleNamespace(x=0.5, y=0.5, z=0.0)] * 17])
    with pytest.raises(ValueError, match="expected 33 landmarks, got 17"):
        people_from_result(short)
