"""The demo: the simulated body follows the coach, is drawn as a labelled stick figure, and the
whole demo runs (with no display) to a saved session that `rocking review` shows."""

from __future__ import annotations

import itertools
import json
import os
import re
from pathlib import Path

import av
import cv2
import numpy as np
import pytest
from helpers.cli import run_cli
from helpers.paths import PROJECT_ROOT

from pose import simulate as sim
from sessions.coach.coach import Stage
from sessions.coach.demo_body import DEMO_TARGET_REPS, FPS, SETUP_PLAN, SimulatedBody, render_body

ROOT = PROJECT_ROOT


rocking = run_cli


def test_stick_figure_is_drawn_and_labelled() -> None:
    records = [rec for rec, _ in sim.iter_records(SETUP_PLAN, FPS)]
    away, kneeling = records[0], records[int(6 * FPS)]
    assert not away.has_person and kneeling.has_person
    empty, body = render_body(away), render_body(kneeling)
    assert body.shape == (kneeling.height, kneeling.width, 3)
    label_rows = slice(int(body.shape[0] * 0.5), int(body.shape[0] * 0.6))
    assert (empty[label_rows] > 120).any(), "the SIMULATED label is drawn even with nobody"
    figure = np.abs(body.astype(int) - empty.astype(int)).sum(axis=-1) > 60
    assert figure.sum() > 2000, "the figure is drawn"


class StageOnly:
    """All the body reads of the coach: its stage."""

    stage = Stage.SETUP


def test_body_holds_still_until_the_coach_counts_down() -> None:
    coach = StageOnly()
    body = SimulatedBody(coach)  # type: ignore[arg-type]
    frames = body.frames()
    for _ in range(int(8 * FPS)):              # never told to start: it keeps holding
        frame = next(frames)
    held = body.estimate(frame)
    assert held.has_person and frame.t_s == pytest.approx(8 - 1 / FPS, abs=0.05)
    coach.stage = Stage.ROCKING                # the countdown ended
    later = [body.estimate(next(frames)) for _ in range(int(2 * FPS))]
    hips = np.array([r.image[23, 0] for r in later])
    assert np.ptp(hips) > 0.02, "it started rocking"
    assert all(b.t_s > a.t_s for a, b in itertools.pairwise(later))


@pytest.mark.slow
def test_demo_without_a_display_records_and_saves(tmp_path: Path) -> None:
    out, db = tmp_path / "demo.mp4", tmp_path / "s.db"
    proc = rocking("demo", "--out", str(out), "--db", str(db), env={"DISPLAY": ""})
    assert proc.returncode == 0, proc.stderr
    assert "no display here, so the demo is recorded to a video" in proc.stderr
    assert f"annotated session recorded to {out}" in proc.stdout
    # the hint repeats the database it was given, so following it finds the session
    assert re.search(rf"see it with: rocking review --db {re.escape(str(db))} \d+\n",
                     proc.stdout), proc.stdout
    assert out.stat().st_mode & 0o777 == 0o600, "the recording shows the person: private"
    cap = cv2.VideoCapture(str(out))
    frames, fps = int(cap.get(cv2.CAP_PROP_FRAME_COUNT)), cap.get(cv2.CAP_PROP_FPS)
    cap.release()
    assert fps == pytest.approx(FPS) and 30 < frames / fps < 120
    with av.open(str(out)) as container:     # H.264 with its AAC sound track, as long
        streams = {s.type: s for s in container.streams}
        assert {k: s.codec_context.name for k, s in streams.items()} == {
            "video": "h264", "audio": "aac"}
        lengths = [float((s.duration or 0) * (s.time_base or 0)) for s in streams.values()]
        assert abs(lengths[0] - lengths[1]) < 0.1, lengths
    review = rocking("review", "--json", "--db", str(db))
    assert review.returncode == 0, review.stderr
    sessions = json.loads(review.stdout)["sessions"]
    assert len(sessions) == 1
    demo = sessions[0]
    assert demo["source"] == "demo" and demo["status"] == "completed"
    assert (demo["kind"], demo["name"], demo["counted"]) == ("demo", "demo", False)
    assert (demo["pain_before"], demo["pain_after"]) == (None, None)  # no check-in in a demo
    assert demo["rep_count"] == DEMO_TARGET_REPS   # the demo ends at its target
    detail = json.loads(rocking("review", str(demo["id"]), "--json", "--db", str(db)).stdout)
    kinds = {w["kind"] for w in detail["session"]["warnings"]}
    assert kinds & {"too_fast", "jerky"}, "the too-fast stretch set off a warning"


def test_demo_recording_is_private_in_a_private_data_folder(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from sessions.cli.demo import default_out
    from sessions.coach.displays import VideoDisplay

    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "share"))
    old_umask = os.umask(0o022)
    try:
        out = default_out()
        assert out == tmp_path / "share" / "rocking" / "rocking-demo.mp4"
        assert out.parent.stat().st_mode & 0o777 == 0o700
        disp = VideoDisplay(out, fps=10.0)
        disp.show(np.zeros((48, 64, 3), np.uint8), 0.0)
        disp.close()
        assert out.stat().st_size > 0 and out.stat().st_mode & 0o777 == 0o600
        other = tmp_path / "new" / "mine.mp4"      # an --out over an existing readable file
        other.parent.mkdir()
        other.write_bytes(b"old")
        other.chmod(0o644)
        disp = VideoDisplay(other, fps=10.0)
        disp.show(np.zeros((48, 64, 3), np.uint8), 0.0)
        disp.close()
        assert other.stat().st_mode & 0o777 == 0o600
        fresh = tmp_path / "made" / "rec.mp4"
        disp = VideoDisplay(fresh, fps=10.0)
        disp.show(np.zeros((48, 64, 3), np.uint8), 0.0)
        disp.close()
        assert fresh.parent.stat().st_mode & 0o777 == 0o700
        assert fresh.stat().st_mode & 0o777 == 0o600
    finally:
        os.umask(old_umask)


def test_the_figure_stays_below_the_heading() -> None:
    """Standing up in the set-up, the figure's head went off the top under the instructions:
    it is fitted between the heading and the floor (the analysis still sees it as simulated)."""
    from sessions.coach.demo_body import FIGURE_TOP_Y, ROCKING_PLAN

    blank = render_body(next(sim.iter_records(SETUP_PLAN, FPS))[0], label="")
    highest = 1.0
    records = [rec for plan in (SETUP_PLAN, ROCKING_PLAN)
               for i, (rec, _) in enumerate(sim.iter_records(plan, FPS))
               if i % 5 == 0 and rec.t_s < 20]
    for rec in records:
        if not rec.has_person:
            continue
        img = render_body(rec, label="")
        rows = np.flatnonzero((np.abs(img.astype(int) - blank.astype(int)).sum(axis=-1) > 60)
                              .any(axis=1))
        highest = min(highest, rows[0] / img.shape[0])
    stood = min(float(np.nanmin(r.image[:, 1])) for r in records if r.has_person)
    assert stood < 0.1, "the simulated body does stand up (a figure that could overflow)"
    assert FIGURE_TOP_Y - 0.02 <= highest < FIGURE_TOP_Y + 0.05
