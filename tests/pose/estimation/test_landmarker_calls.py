"""A landmarker's answer read as arrays; a person without 33 landmarks is refused."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from pose.estimation.landmarker_calls import frame_call, people_from_result


def test_a_landmarker_is_called_the_public_way() -> None:
    point = SimpleNamespace(x=0.5, y=0.25, z=0.0, visibility=0.9)
    calls: list[int] = []

    def detect_for_video(image: object, ms: int) -> object:
        calls.append(ms)
        return SimpleNamespace(pose_landmarks=[[point] * 33], pose_world_landmarks=[])

    people = frame_call(SimpleNamespace(detect_for_video=detect_for_video))(object(), 40)
    assert calls == [40]
    assert len(people) == 1 and people[0].world is None
    assert people[0].image[0].tolist() == [0.5, 0.25, 0.0]


def test_a_person_without_33_landmarks_is_refused() -> None:
    short = SimpleNamespace(pose_landmarks=[[SimpleNamespace(x=0.5, y=0.5, z=0.0)] * 17])
    with pytest.raises(ValueError, match="expected 33 landmarks, got 17"):
        people_from_result(short)
