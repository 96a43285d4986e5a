"""The estimator: real model on real photographs, plain-object converters, no-person frames."""

from __future__ import annotations

import itertools
import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from pose.estimation import native_output
from pose.estimation.estimator import (
    ModelInput,
    PoseEstimator,
    record_from_landmarks,
    records_from_result,
)
from pose.estimation.model_files import ModelBytes
from pose.estimation.person_tracking import PersonFollower, prominence
from pose.record import N_LANDMARKS, Landmark, PoseRecord


@dataclass
class Point:
    x: float
    y: float
    z: float
    visibility: float | None = 0.9


@dataclass
class Result:
    pose_landmarks: list[list[Point]]
    pose_world_landmarks: list[list[Point]]


def person(cx: float, cy: float, size: float, vis: float = 0.9) -> list[Point]:
    """33 plain landmarks spread over a box of side ``size`` centred on (cx, cy)."""
    rng = np.random.default_rng(0)
    offsets = rng.uniform(-size / 2, size / 2, (N_LANDMARKS, 2))
    return [Point(cx + dx, cy + dy, 0.0, vis) for dx, dy in offsets]


@pytest.mark.slow
def test_every_shared_photo_yields_a_person(photo_records: dict[str, PoseRecord]) -> None:
    missing = [name for name, rec in photo_records.items() if not rec.has_person]
    assert len(photo_records) >= 40
    assert missing == []


@pytest.mark.slow
def test_tabletop_photo_has_wrists_below_shoulders_and_knees_below_hips(
    photo_records: dict[str, PoseRecord],
) -> None:
    rec = photo_records["q_prozhekt_tabletop_side.jpg"]
    y = rec.pixels()[:, 1]  # image y grows downward
    for side in ("LEFT", "RIGHT"):
        shoulder, wrist = Landmark[f"{side}_SHOULDER"], Landmark[f"{side}_WRIST"]
        hip, knee = Landmark[f"{side}_HIP"], Landmark[f"{side}_KNEE"]
        assert y[wrist] > y[shoulder], side
        assert y[knee] > y[hip], side
    torso = np.linalg.norm(rec.pixels()[Landmark.LEFT_SHOULDER] - rec.pixels()[Landmark.LEFT_HIP])
    assert torso > 0.1 * rec.width  # a person, not a speck


@pytest.mark.slow
def test_records_carry_world_landmarks_and_frame_size(
    photo_records: dict[str, PoseRecord],
) -> None:
    rec = photo_records["q_prozhekt_tabletop_side.jpg"]
    assert np.isfinite(rec.world).all()
    assert np.abs(rec.world).max() < 2.0  # metres around the hips
    assert np.all((rec.visibility >= 0) & (rec.visibility <= 1))
    assert (rec.width, rec.height) == (1405, 683)


@pytest.mark.slow
def test_blank_frames_give_empty_records_with_increasing_times(pose_model: ModelBytes) -> None:
    with PoseEstimator(pose_model) as estimator:
        records = [estimator.detect(t, np.zeros((240, 320, 3), np.uint8)) for t in (0.0, 0.0, 0.5)]
        assert estimator._last_ms == 500
    assert [r.has_person for r in records] == [False, False, False]
    assert (records[0].width, records[0].height) == (320, 240)


@pytest.mark.slow
def test_model_load_writes_nothing_to_the_terminal(
    pose_model: ModelBytes, capfd: pytest.CaptureFixture[str], realdata: Path
) -> None:
    import cv2

    bgr = cv2.imread(str(realdata / "images" / "q_prozhekt_tabletop_side.jpg"))
    assert bgr is not None
    with PoseEstimator(pose_model) as estimator:
        estimator.detect(0.0, np.zeros((240, 320, 3), np.uint8))
        assert estimator.detect(0.1, bgr).has_person
        estimator.detect(0.2, bgr)
    _, err = capfd.readouterr()
    assert "Sparsity" not in err
    assert err.strip() == ""


def test_detect_outside_with_block_is_a_value_error(pose_model: ModelBytes) -> None:
    with pytest.raises(ValueError, match="with"):
        PoseEstimator(pose_model).detect(0.0, np.zeros((8, 8, 3), np.uint8))


# --- converters and person choice on plain objects (no model) ---

def test_converter_reads_plain_attributes() -> None:
    points = [Point(i / 100, 1 - i / 100, -0.1, 0.5) for i in range(N_LANDMARKS)]
    world = [Point(0.01 * i, 0.0, 0.02) for i in range(N_LANDMARKS)]
    rec = record_from_landmarks(1.5, 640, 480, points, world)
    assert rec.t_s == 1.5 and rec.has_person
    assert rec.image[10].tolist() == pytest.approx([0.10, 0.90, -0.1])
    assert rec.pixels()[10].tolist() == pytest.approx([64.0, 432.0])
    assert rec.visibility[3] == 0.5
    assert rec.world[20, 0] == pytest.approx(0.2)


@pytest.mark.parametrize(
    ("world", "vis", "world_finite", "vis_finite"),
    [(None, 0.9, False, True), ([], 0.9, False, True), (None, None, False, False)],
    ids=["no_world", "empty_world", "no_visibility"],
)
def test_converter_missing_parts_become_nan(
    world: list[Point] | None, vis: float | None, world_finite: bool, vis_finite: bool
) -> None:
    rec = record_from_landmarks(0.0, 10, 10, [Point(0.5, 0.5, 0.0, vis)] * N_LANDMARKS, world)
    assert bool(np.isfinite(rec.world).all()) is world_finite
    assert bool(np.isfinite(rec.visibility).all()) is vis_finite


def test_converter_rejects_wrong_landmark_count() -> None:
    with pytest.raises(ValueError, match="33"):
        record_from_landmarks(0.0, 10, 10, [Point(0.5, 0.5, 0.0)] * 17)


def test_result_with_no_people_gives_no_records() -> None:
    assert records_from_result(Result([], []), 0.0, 64, 48) == []
    assert records_from_result(object(), 0.0, 64, 48) == []


def test_follower_picks_the_most_prominent_then_keeps_the_same_person() -> None:
    small, big = person(0.2, 0.5, 0.2), person(0.7, 0.5, 0.5)
    follower = PersonFollower()
    frame0 = records_from_result(Result([small, big], [small, big]), 0.0, 640, 480)
    assert prominence(frame0[1]) > prominence(frame0[0])
    assert follower.choose(frame0) is frame0[1]
    # the big person moves a little, the small one comes closer and grows: still the same one
    nearer = person(0.3, 0.5, 0.6)
    moved = person(0.72, 0.5, 0.5)
    frame1 = records_from_result(Result([nearer, moved], [nearer, moved]), 0.1, 640, 480)
    assert follower.choose(frame1) is frame1[1]


def test_follower_does_not_jump_to_someone_else_until_the_person_is_gone() -> None:
    follower = PersonFollower(max_gap_s=1.0)
    mine, other = person(0.8, 0.5, 0.4), person(0.2, 0.5, 0.3)
    assert follower.choose(records_from_result(Result([mine], []), 0.0, 640, 480)) is not None
    only_other = records_from_result(Result([other], []), 0.5, 640, 480)
    assert follower.choose(only_other) is None          # followed person hidden for now
    later = records_from_result(Result([other], []), 2.0, 640, 480)
    assert follower.choose(later) is later[0]            # gone long enough: choose afresh


@pytest.mark.parametrize(
    ("text", "errors"),
    [
        ("INFO: [environment.cc:36] Creating LiteRT environment", 0),
        ("WARNING: [model_load.cc:402] Sparsity tensors may not yet be fully supported.", 0),
        ("W0000 00:00:1795 4556 landmark_projection_calculator.cc:81] Using NORM_RECT", 0),
        ("E0000 00:00:1795 4556 graph.cc:12] Calculator failed", 1),
        ("F0000 00:00:1795 4556 check.cc:1] Check failed", 1),
        ("ERROR: [model.cc:1] cannot allocate tensors", 1),
        ("INFO: ok\nERROR: bad\n\nWARNING: meh", 1),
    ],
)
def test_native_lines_forward_only_errors_as_errors(
    text: str, errors: int, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG, logger=native_output.log.name):
        assert native_output.forward_native_lines(text) == errors
    assert sum(r.levelno == logging.ERROR for r in caplog.records) == errors


def test_native_stderr_capture_catches_fd2_writes(
    caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    import os

    capture = native_output.native_stderr_to_log()
    with caplog.at_level(logging.DEBUG, logger=native_output.log.name), capture:
        os.write(2, b"WARNING: noisy native line\nE0000 00:00 1 x.cc:1] real failure\n")
    assert capfd.readouterr().err == ""
    levels = {r.getMessage(): r.levelno for r in caplog.records}
    assert levels["native: WARNING: noisy native line"] == logging.DEBUG
    assert levels["native: E0000 00:00 1 x.cc:1] real failure"] == logging.ERROR


def test_reusable_capture_flushes_when_full_and_on_close(
    caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    import os

    with caplog.at_level(logging.DEBUG, logger=native_output.log.name):
        sink = native_output.NativeStderrCapture(flush_bytes=100)
        for i in range(5):
            with sink.capture():
                os.write(2, f"W0000 line {i} {'x' * 40}\n".encode())
        forwarded_before_close = len(caplog.records)
        sink.close()
    assert 0 < forwarded_before_close < 5  # flushed once the buffer passed 100 bytes
    assert [r.getMessage()[:20] for r in caplog.records] == [
        f"native: W0000 line {i}" for i in range(5)]
    assert capfd.readouterr().err == ""


@given(st.lists(st.floats(min_value=0.0, max_value=1e5, allow_nan=False), min_size=1,
                max_size=50))
def test_detector_timestamps_always_increase(times: list[float]) -> None:
    """Whatever the frame times (repeats, jitter, going back), MediaPipe gets increasing ms."""
    model = ModelBytes(None, Path("unused"), b"")  # type: ignore[arg-type]
    estimator = PoseEstimator(model)  # not entered: no model is loaded
    stamps = [estimator._timestamp_ms(t) for t in times]
    assert all(b > a for a, b in itertools.pairwise(stamps))
    assert stamps[0] == round(times[0] * 1000)


@pytest.mark.slow
@pytest.mark.parametrize("flip", [False, True], ids=["big_on_right", "big_on_left"])
def test_two_people_in_view_follows_the_larger_one(
    realdata: Path, pose_model: ModelBytes, flip: bool
) -> None:
    """Two real photos side by side on one canvas: a small person and a large one."""
    import cv2

    def fit(name: str, height: int) -> np.ndarray:
        img = cv2.imread(str(realdata / "images" / name))
        assert img is not None
        return cv2.resize(img, (round(height * img.shape[1] / img.shape[0]), height))

    small, big = fit("q_prozhekt_tabletop_side.jpg", 300), fit("q_prozhekt_tabletop2_side.jpg", 450)
    canvas = np.full((480, small.shape[1] + big.shape[1] + 40, 3), 255, np.uint8)
    canvas[170:470, : small.shape[1]] = small
    canvas[20:470, small.shape[1] + 40:] = big
    if flip:
        canvas = np.ascontiguousarray(canvas[:, ::-1])
    with PoseEstimator(pose_model, max_people=2) as estimator:
        records = [estimator.detect(t, canvas) for t in (0.0, 0.1, 0.2)]
    big_is_right = not flip
    for rec in records:
        centre_x = float(np.nanmean(rec.image[:, 0]))
        assert (centre_x > 0.5) is big_is_right


@pytest.mark.slow
def test_a_second_person_passing_by_is_never_followed(realdata: Path, pose_model: ModelBytes
                                                      ) -> None:
    """The person on hands and knees alone, then someone else in view beside them, then only the
    other one for half a second (the first is hidden), then both, then the first alone: the
    other person is never followed, and the first is tracked alone once found (the
    multi-person search runs only while acquiring)."""
    import cv2

    def fit(name: str, height: int) -> np.ndarray:
        img = cv2.imread(str(realdata / "images" / name))
        assert img is not None
        return cv2.resize(img, (round(height * img.shape[1] / img.shape[0]), height))

    person, passer = fit("q_prozhekt_tabletop2_side.jpg", 420), fit("n_strete_standing_side.jpg",
                                                                     380)
    width = person.shape[1] + passer.shape[1] + 40
    blank = np.full((480, width, 3), 255, np.uint8)
    alone, both, other = blank.copy(), blank.copy(), blank.copy()
    alone[40:460, : person.shape[1]] = both[40:460, : person.shape[1]] = person
    both[80:460, person.shape[1] + 40:] = other[80:460, person.shape[1] + 40:] = passer
    frames = [alone] * 15 + [both] * 15 + [other] * 15 + [both] * 15 + [alone] * 15
    with PoseEstimator(pose_model, max_people=2) as estimator:
        records = [estimator.detect(i / 30, img) for i, img in enumerate(frames)]
        assert estimator.track_frames > 2 * estimator.search_frames
    split = person.shape[1] / width
    for i, rec in enumerate(records):
        if 30 <= i < 45:
            assert not rec.has_person, i          # only the other person in view: nobody
        else:
            assert rec.has_person and float(np.nanmax(rec.image[:, 0])) < split + 0.05, i


@pytest.mark.slow
def test_a_frame_prepared_on_another_thread_gives_the_same_person(
        pose_model: ModelBytes, realdata: Path) -> None:
    """``prepare`` (the decoding thread's part in `rocking analyze`) then ``process`` finds the
    same landmarks as ``detect`` on the BGR frame."""
    import threading

    import cv2

    from pose.estimation.sources import Frame

    read = cv2.imread(str(realdata / "images" / "q_prozhekt_tabletop_side.jpg"))
    assert read is not None
    bgr = np.asarray(read, dtype=np.uint8)
    prepared: list[ModelInput] = []
    worker = threading.Thread(target=lambda: prepared.extend(
        PoseEstimator.prepare(Frame(i, i / 10, bgr)) for i in range(2)))
    worker.start()
    worker.join()
    with PoseEstimator(pose_model, max_people=1) as a, PoseEstimator(pose_model,
                                                                     max_people=1) as b:
        direct = [a.detect(i / 10, bgr) for i in range(2)]
        ahead = [b.process(p) for p in prepared]
    for x, y in zip(direct, ahead, strict=True):
        assert x.has_person and x.t_s == y.t_s
        np.testing.assert_array_equal(x.image, y.image)
        np.testing.assert_array_equal(x.world, y.world)
