"""The real OpenCV window under Xvfb: open, draw coached frames, screenshot, close; and a whole
live session in a window driven by key presses (XTEST).

The window runs in a child process (Qt binds to one X server for the life of a process, and
aborts it if that server goes away), with DISPLAY pointing at an Xvfb started here on a free
display number. Skipped, with the reason, where Xvfb (or xwd for the screenshot) is missing.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest
from helpers.paths import PROJECT_ROOT

ROOT = PROJECT_ROOT

CHILD = r"""
import json, sys, time
from pathlib import Path
import numpy as np
from pose.events import WarningKind
from sessions.coach.coach import Banner, CoachView, PacerView, Stage
from sessions.coach.displays import WindowDisplay
from sessions.coach.overlay import CoachOverlay
from sessions.coach.plan import PacerPhase

stop = Path(sys.argv[1])
display = WindowDisplay("rocking-test")
overlay = CoachOverlay()
open_while_drawing = True
frames = 0
deadline = time.monotonic() + 60
while not stop.exists() and time.monotonic() < deadline:
    img = np.full((480, 640, 3), 60, np.uint8)
    view = CoachView(frames / 30, Stage.ROCKING, "Rocking", reps=3, target_reps=10,
                     banner=Banner("Slow down", WarningKind.TOO_FAST, "1.9 depth/s"),
                     pacer=PacerView(0.5, 0.4, PacerPhase.BACK, "Breathe out, rock back", 2.0))
    overlay.draw(img, view)
    display.show(img, frames / 30)
    display.poll_key(15)
    frames += 1
    open_while_drawing = open_while_drawing and not display.closed()
display.close()
print(json.dumps({"frames": frames, "open_while_drawing": open_while_drawing,
                  "closed_after": display.closed()}))
"""


def free_display(start: int | None = None) -> int:
    """A display number with no X server, from a place that depends on this process (several
    test runs on one machine then rarely reach for the same number at once)."""
    first = 90 + (os.getpid() % 200) * 3 if start is None else start
    for n in range(first, first + 300):
        if not Path(f"/tmp/.X{n}-lock").exists() and not Path(f"/tmp/.X11-unix/X{n}").exists():
            return n
    raise RuntimeError("no free X display number")


def x_server_answers(display: str) -> bool:
    """True once an X client can open the display (libX11 through ctypes)."""
    import ctypes
    import ctypes.util

    path = ctypes.util.find_library("X11")
    if path is None:
        return Path(f"/tmp/.X11-unix/X{display.lstrip(':')}").exists()
    x11 = ctypes.CDLL(path)
    x11.XOpenDisplay.restype = ctypes.c_void_p
    x11.XOpenDisplay.argtypes = [ctypes.c_char_p]
    x11.XCloseDisplay.argtypes = [ctypes.c_void_p]
    dpy = x11.XOpenDisplay(display.encode())
    if not dpy:
        return False
    x11.XCloseDisplay(dpy)
    return True


@pytest.fixture
def xvfb() -> Iterator[str]:
    if shutil.which("Xvfb") is None:
        pytest.skip("Xvfb is not installed (Debian package xvfb; `make test` installs it as root)")
    n = free_display()
    for _ in range(5):
        # -noreset: without it the server resets when its last client (our probe) disconnects,
        # and a window opened during the reset cannot connect
        proc = subprocess.Popen(["Xvfb", f":{n}", "-screen", "0", "1024x768x24", "-noreset",
                                 "-nolisten", "tcp"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        # The socket appears before the server has set up its screen: wait until it answers,
        # and only from our own server (another run may have taken the number a moment ago).
        while proc.poll() is None and not x_server_answers(f":{n}"):
            if time.monotonic() > deadline:
                break
            time.sleep(0.05)
        if proc.poll() is None and x_server_answers(f":{n}"):
            break
        _stop(proc)
        n = free_display(n + 1)
    else:
        pytest.skip("Xvfb did not start")
    try:
        yield f":{n}"
    finally:
        _stop(proc)


def _stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(5)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(5)


def read_xwd(path: Path) -> np.ndarray:
    """An X window dump (ZPixmap, 24/32 bits a pixel) as an RGB array."""
    data = path.read_bytes()
    head = np.frombuffer(data[:100], dtype=">u4")
    header_size, width, height = int(head[0]), int(head[4]), int(head[5])
    byte_order, bits_per_pixel, bytes_per_line = int(head[7]), int(head[11]), int(head[12])
    ncolors = int(head[19])
    assert bits_per_pixel in (24, 32), f"unexpected {bits_per_pixel} bits a pixel"
    k = bits_per_pixel // 8
    start = header_size + 12 * ncolors
    rows = np.frombuffer(data[start:start + bytes_per_line * height], np.uint8)
    px = rows.reshape(height, bytes_per_line)[:, : width * k].reshape(height, width, k)
    assert int(head[14]) == 0xFF0000          # red mask: the high byte of the pixel value
    # LSBFirst stores B, G, R (, x); MSBFirst (x,) R, G, B
    return px[..., [2, 1, 0]] if byte_order == 0 else px[..., [k - 3, k - 2, k - 1]]


def watch_window(xvfb: str, script: str, args: list[str], shot: Path, stop: Path,
                 shows: Callable[[np.ndarray], bool], attempts: int = 3, wait_s: float = 15.0
                 ) -> tuple[np.ndarray | None, subprocess.CompletedProcess[str]]:
    """Run ``script`` (a window) in a child and screenshot the X screen until ``shows`` it; then
    stop the child. Now and then (about 1 run in 15 on a loaded machine) Qt's first window on a
    fresh Xvfb is never painted, the screen stays black however long the child draws: the
    window is then opened again in a new child, up to ``attempts`` times (two were once not
    enough at a machine load of 11)."""
    env = {**os.environ, "DISPLAY": xvfb, "QT_QPA_PLATFORM": "xcb", "QT_X11_NO_MITSHM": "1"}
    screen: np.ndarray | None = None
    for _ in range(attempts):
        stop.unlink(missing_ok=True)
        child = subprocess.Popen([sys.executable, "-c", script, str(stop), *args], env=env,
                                 cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                 text=True)
        seen = False
        try:
            deadline = time.monotonic() + wait_s
            while time.monotonic() < deadline and child.poll() is None:
                time.sleep(0.3)   # the window maps and paints asynchronously: shoot until it shows
                subprocess.run(["xwd", "-root", "-silent", "-display", xvfb, "-out", str(shot)],
                               check=True, timeout=20)
                screen = read_xwd(shot)
                if shows(screen):
                    seen = True
                    break
        finally:
            stop.touch()
            out, err = child.communicate(timeout=60)
        done = subprocess.CompletedProcess(child.args, child.returncode, out, err)
        if seen or child.returncode != 0:
            return screen, done
    return screen, done


def banner_on_screen(screen: np.ndarray) -> bool:
    """The warning banner (BGR 0,0,200 = RGB 200,0,0) as a band across the 640-wide frame."""
    red = np.all(screen == np.array([200, 0, 0], np.uint8), axis=-1)
    if red.sum() < 0.5 * 640 * 40:
        return False
    xs = np.nonzero(red)[1]
    return bool(xs.max() - xs.min() >= 600)


@pytest.mark.slow
def test_window_opens_draws_and_closes_under_xvfb(xvfb: str, tmp_path: Path) -> None:
    if shutil.which("xwd") is None:
        pytest.skip("xwd is not installed (Debian package x11-apps) to take the screenshot")
    shot, stop = tmp_path / "screen.xwd", tmp_path / "stop"
    screen, child = watch_window(xvfb, CHILD, [], shot, stop, banner_on_screen)
    out, err = child.stdout, child.stderr
    assert child.returncode == 0, err[-2000:]
    result = json.loads(out.strip().splitlines()[-1])
    assert result["frames"] > 0 and result["open_while_drawing"] and result["closed_after"]
    assert screen is not None and screen.shape == (768, 1024, 3)
    colours, counts = np.unique(screen.reshape(-1, 3), axis=0, return_counts=True)
    top = colours[np.argsort(counts)[::-1][:5]].tolist()
    assert banner_on_screen(screen), (
        f"the coached frame did not appear on the X screen (commonest colours {top}; "
        f"child: {result}, {err[-500:]!r})")
    # the frame's own background (grey 60) fills much of the window: no toolbar, no scaling
    assert np.all(screen == 60, axis=-1).sum() > 0.3 * 640 * 480
    # once closed, the window is gone from the screen
    subprocess.run(["xwd", "-root", "-silent", "-display", xvfb, "-out", str(shot)],
                   check=True, timeout=20)
    assert not banner_on_screen(read_xwd(shot))


CLIP = ROOT.parent / "shared" / "realdata" / "video" / "rock01_steady_prozhekt2.mp4"


def press_key(display: str, keysym: str) -> None:
    """A key press and release through the XTEST extension, the pointer over the window."""
    import ctypes
    import ctypes.util

    x11_path, xtst_path = ctypes.util.find_library("X11"), ctypes.util.find_library("Xtst")
    assert x11_path and xtst_path
    x11, xtst = ctypes.CDLL(x11_path), ctypes.CDLL(xtst_path)
    x11.XOpenDisplay.restype = ctypes.c_void_p
    x11.XOpenDisplay.argtypes = [ctypes.c_char_p]
    x11.XStringToKeysym.restype = ctypes.c_ulong
    x11.XStringToKeysym.argtypes = [ctypes.c_char_p]
    x11.XKeysymToKeycode.restype = ctypes.c_ubyte
    x11.XKeysymToKeycode.argtypes = [ctypes.c_void_p, ctypes.c_ulong]
    x11.XFlush.argtypes = [ctypes.c_void_p]
    x11.XCloseDisplay.argtypes = [ctypes.c_void_p]
    xtst.XTestFakeKeyEvent.argtypes = [ctypes.c_void_p, ctypes.c_uint, ctypes.c_int,
                                       ctypes.c_ulong]
    xtst.XTestFakeMotionEvent.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_int,
                                          ctypes.c_int, ctypes.c_ulong]
    dpy = x11.XOpenDisplay(display.encode())
    assert dpy, f"cannot open {display}"
    try:
        xtst.XTestFakeMotionEvent(dpy, -1, 200, 200, 0)     # keyboard focus follows the pointer
        code = x11.XKeysymToKeycode(dpy, x11.XStringToKeysym(keysym.encode()))
        xtst.XTestFakeKeyEvent(dpy, code, 1, 0)
        x11.XFlush(dpy)
        time.sleep(0.05)
        xtst.XTestFakeKeyEvent(dpy, code, 0, 0)
        x11.XFlush(dpy)
    finally:
        x11.XCloseDisplay(dpy)


def sessions_started(db: Path) -> int:
    import sqlite3

    if not db.exists():
        return 0
    with contextlib.closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as conn:
        try:
            return int(conn.execute("SELECT count(*) FROM sessions").fetchone()[0])
        except sqlite3.OperationalError:
            return 0


@pytest.mark.slow
def test_live_session_in_a_window_answers_its_keys(xvfb: str, tmp_path: Path) -> None:
    """Space leaves the safety screen, q ends and saves, space closes the summary."""
    import ctypes.util

    if ctypes.util.find_library("Xtst") is None:
        pytest.skip("libXtst (to send key presses) is not installed")
    if not CLIP.exists():
        pytest.skip(f"real clips not present ({CLIP.parent}); they stay outside the project")
    db = tmp_path / "s.db"
    env = {**os.environ, "DISPLAY": xvfb, "QT_QPA_PLATFORM": "xcb", "QT_X11_NO_MITSHM": "1"}
    script = Path(sys.executable).with_name("rocking")
    proc = subprocess.Popen([str(script), "live", "--video", str(CLIP), "--db", str(db),
                             "--no-audio"], env=env, cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while sessions_started(db) == 0:           # space until the safety screen is left
            if proc.poll() is not None:
                err = proc.communicate()[1]
                pytest.fail(f"rocking live exited {proc.returncode}: {err[-800:]}")
            assert time.monotonic() < deadline, "safety screen stuck"
            time.sleep(1.0)
            press_key(xvfb, "space")
        time.sleep(8.0)                             # some of the session
        press_key(xvfb, "q")
        while proc.poll() is None:                  # space until the summary closes
            assert time.monotonic() < deadline + 30, "summary did not close"
            time.sleep(1.0)
            press_key(xvfb, "space")
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, err[-2000:]
    assert "session 1 saved (completed)" in out
    from sessions.history.store import SessionStore

    with SessionStore.open(db) as store:
        row = store.session(1)
        assert row is not None and row.status == "completed" and row.meta.source == "video"


ASPECT_CHILD = r"""
import sys, time
from pathlib import Path
import cv2
import numpy as np
from pose.analysis.analyzer import MovementAnalyzer
from pose.record import PoseRecord
from pose.estimation.sources import Frame
from sessions.coach.displays import WindowDisplay
from sessions.coach.frame_feed import DirectFeed
from sessions.coach.coach import Coach, CoachSettings
from sessions.coach.live_loop import LoopSettings, SessionLoop

stop, w, h = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
img = np.full((h, w, 3), 70, np.uint8)
cv2.circle(img, (w // 2, h // 2), min(w, h) // 4, (255, 0, 255), cv2.FILLED)

def frames():
    for i in range(1800):
        if stop.exists():
            return
        time.sleep(1 / 30)
        yield Frame(i, i / 30, img)

loop = SessionLoop(
    feed=DirectFeed(frames()), estimate=lambda f: PoseRecord.empty(f.t_s, w, h),
    analyzer=MovementAnalyzer(), coach=Coach(settings=CoachSettings(summary_hold_s=0.1)),
    display=WindowDisplay("rocking-aspect"), canvas_size=(640, 360),
    settings=LoopSettings(safety_s=0.1, summary_s=0.1, auto_continue=True))
result = loop.run()
print(f"ended by {result.ended_by} after {result.stats.shown} pictures")
"""


def magenta_box(screen: np.ndarray) -> tuple[int, int] | None:
    """Width and height of the magenta circle on an RGB screenshot (None: not there)."""
    mask = np.all(screen == np.array([255, 0, 255], np.uint8), axis=-1)
    if mask.sum() < 200:
        return None
    ys, xs = np.nonzero(mask)
    return int(xs.max() - xs.min() + 1), int(ys.max() - ys.min() + 1)


@pytest.mark.slow
@pytest.mark.parametrize("size", [(640, 480), (360, 640)], ids=["4:3", "portrait"])
def test_the_window_shows_the_camera_picture_in_proportion(
        size: tuple[int, int], xvfb: str, tmp_path: Path) -> None:
    """A 4:3 webcam or a portrait phone in the 16:9 window: a circle stays round."""
    if shutil.which("xwd") is None:
        pytest.skip("xwd is not installed (Debian package x11-apps) to take the screenshot")
    shot, stop = tmp_path / "screen.xwd", tmp_path / "stop"
    screen, child = watch_window(xvfb, ASPECT_CHILD, [str(v) for v in size], shot, stop,
                                 lambda shown: magenta_box(shown) is not None)
    box = magenta_box(screen) if screen is not None else None
    assert box is not None, f"never shown: {child.stdout[-300:]} {child.stderr[-800:]}"
    width, height = box
    assert width / height == pytest.approx(1.0, abs=0.06), box
