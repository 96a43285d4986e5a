"""Recordings (issue 9): one killed mid-way (kill -9, as a power cut or a crash would) stays
playable up to about a second before the kill (the video writer writes a fragmented MP4), and a
live session's recording never replaces the video it coaches."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import av
import numpy as np
import pytest

from sessions.output.video_writer import KEYFRAME_EVERY_S

RunCli = Callable[..., tuple[int, str, str]]
ROOT = Path(__file__).resolve().parents[2]
FPS = 30
WRITTEN = 150            # frames the child has handed to the writer when it is killed

# Frame i is grey level 2*i (so the order can be read back); a beep every second. The first
# 120 frames go as fast as they can, then the child keeps time like a live session would.
CHILD = f"""
import sys, time
import numpy as np
from pathlib import Path
from sessions.output.video_writer import VideoWriter

beep = (0.5 * np.sin(2 * np.pi * 880 * np.arange(4410) / 22050)).astype(np.float32)
video = VideoWriter(Path(sys.argv[1]), {FPS}, audio=True).__enter__()
for i in range(100_000):
    img = np.full((120, 160, 3), (2 * i) % 250, np.uint8)
    if i % {FPS} == 0:
        video.add_audio(i / {FPS}, beep, 22050)
    video.write(img, i / {FPS})
    if i >= 120:
        time.sleep(1 / {FPS})
    if i + 1 == {WRITTEN}:
        print("written", flush=True)
"""


@pytest.mark.slow
def test_a_recording_killed_mid_way_plays_up_to_the_kill(tmp_path: Path) -> None:
    out = tmp_path / "killed.mp4"
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(out)], cwd=ROOT,
                             stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "written"
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait(10)
    assert child.returncode == -signal.SIGKILL
    assert stat.S_IMODE(out.stat().st_mode) == 0o600

    with av.open(str(out)) as container:        # decodes with no error to the end
        assert {s.type for s in container.streams} == {"video", "audio"}
        greys = [float(f.to_ndarray(format="gray")[60, 80]) for f in container.decode(video=0)]
    with av.open(str(out)) as container:
        heard = sum(f.samples for f in container.decode(audio=0)) / 48_000
    # lost at most: the fragment being written (one keyframe interval), the audio hold-back
    # (0.5 s) and the few frames queued for the encoder
    assert len(greys) >= WRITTEN - FPS * (KEYFRAME_EVERY_S + 0.5) - 10, len(greys)
    expected = [(2 * i) % 250 for i in range(len(greys))]
    assert np.abs(np.array(greys) - expected).max() <= 6      # every frame, in order
    assert heard >= len(greys) / FPS - 1.0


@pytest.mark.parametrize("how", ["same", "symlink", "hardlink"])
def test_live_out_never_replaces_the_video_it_coaches(run_cli: RunCli, tmp_path: Path,
                                                      how: str) -> None:
    src = tmp_path / "me.mp4"
    src.write_bytes(b"\x00\x00\x00\x18ftypmp42 a person's own recording")
    out = {"same": src, "symlink": tmp_path / "link.mp4", "hardlink": tmp_path / "hard.mp4"}[how]
    if how == "symlink":
        out.symlink_to(src)
    elif how == "hardlink":
        os.link(src, out)
    code, stdout, err = run_cli("live", "--video", src, "--headless", "--out", out,
                                "--db", tmp_path / "s.db")
    assert code == 2 and stdout == ""
    assert err.startswith("rocking: error: refusing to write") and err.count("\n") == 1
    assert src.read_bytes() == b"\x00\x00\x00\x18ftypmp42 a person's own recording"
    assert not (tmp_path / "s.db").exists()          # refused before anything was opened
