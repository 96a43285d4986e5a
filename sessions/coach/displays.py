"""Where the live loop's annotated pictures go: an OpenCV window, a video file recorded in real
time, or both; and whether a window can be opened here at all."""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Protocol

import cv2
import numpy as np
from numpy.typing import NDArray

from sessions.errors import UserError
from sessions.output.video_writer import VideoWriter

BGRImage = NDArray[np.uint8]
NO_DISPLAY = ("no display to show the session on{why}: run with --headless --out FILE.mp4 to "
              "record the coached session to a video instead")


class Display(Protocol):
    """Where annotated frames go."""

    interactive: bool

    def show(self, img: BGRImage, present_s: float) -> None: ...
    def poll_key(self, wait_ms: int) -> int | None: ...
    def closed(self) -> bool: ...
    def close(self) -> None: ...


class KeylessDisplay:
    """A display no one presses keys at and no one closes (a recording, the demo's sound, a
    test, a benchmark); it shows nothing unless a subclass says how."""

    interactive = False

    def show(self, img: BGRImage, present_s: float) -> None:
        pass

    def poll_key(self, wait_ms: int) -> int | None:
        return None

    def closed(self) -> bool:
        return False

    def close(self) -> None:
        pass


class WindowDisplay:
    """An OpenCV window; ``fullscreen`` for a screen across the room."""

    interactive = True

    def __init__(self, name: str = "rocking", fullscreen: bool = False) -> None:
        self.name = name
        # GUI_NORMAL: no Qt toolbar or status bar, only the picture; KEEPRATIO when resized
        cv2.namedWindow(name, cv2.WINDOW_NORMAL | cv2.WINDOW_KEEPRATIO | cv2.WINDOW_GUI_NORMAL)
        if fullscreen:
            cv2.setWindowProperty(name, cv2.WND_PROP_FULLSCREEN, cv2.WINDOW_FULLSCREEN)
        self._shown = False
        self._mapped = False     # seen on screen at least once
        self._closed = False

    def show(self, img: BGRImage, present_s: float) -> None:
        if not self._shown:
            h, w = img.shape[:2]
            cv2.resizeWindow(self.name, w, h)
        cv2.imshow(self.name, img)
        self._shown = True

    def poll_key(self, wait_ms: int) -> int | None:
        key = cv2.waitKey(max(1, wait_ms))
        return None if key < 0 else key & 0xFF

    def closed(self) -> bool:
        """True once the person has closed the window. A window not yet on screen is not
        closed: under load it maps a moment after the first picture is shown."""
        if self._closed:
            return True
        if self._shown:
            visible = cv2.getWindowProperty(self.name, cv2.WND_PROP_VISIBLE) >= 1
            if visible:
                self._mapped = True
            elif self._mapped:
                self._closed = True
        return self._closed

    def close(self) -> None:
        if not self._closed:
            cv2.destroyWindow(self.name)
            cv2.waitKey(1)
            self._closed = True


class VideoDisplay(KeylessDisplay):
    """Records the annotated session, with its sounds, to a video file as it happens (see
    ``sessions.output.video_writer``): each picture at its time on the session's clock, so
    dropped frames do not speed the recording up; a crash leaves it playable up to then."""

    def __init__(self, path: Path, fps: float = 30.0,
                 inputs: Iterable[Path | str | None] = ()) -> None:
        self.path = path
        self.fps = fps
        self._writer = VideoWriter(path, fps, audio=True, inputs=inputs, make_folder=True)

    @property
    def frames(self) -> int:
        """Pictures recorded so far."""
        return self._writer.frames

    def show(self, img: BGRImage, present_s: float) -> None:
        self._writer.write(img, present_s)

    def add_audio(self, present_s: float, samples: NDArray[np.float32], rate: int) -> None:
        """Put a sound on the recording's audio track at the picture time it was played."""
        self._writer.add_audio(present_s, samples, rate)

    def close(self) -> None:
        self._writer.close()


def display_problem() -> str | None:
    """Why no window can be opened here, or None when one can (checked without Qt, which
    aborts the whole process when it cannot reach the X server)."""
    if sys.platform in ("win32", "darwin") or os.environ.get("WAYLAND_DISPLAY"):
        return None
    name = os.environ.get("DISPLAY", "")
    if not name:
        return " (DISPLAY is not set)"
    for lib, opener, closer in (("X11", "XOpenDisplay", "XCloseDisplay"),):
        path = ctypes.util.find_library(lib)
        if path is None:
            continue
        try:
            x11 = ctypes.CDLL(path)
            getattr(x11, opener).restype = ctypes.c_void_p
            handle = getattr(x11, opener)(name.encode())
        except OSError:
            continue
        if not handle:
            return f" (cannot connect to DISPLAY={name})"
        getattr(x11, closer).argtypes = [ctypes.c_void_p]
        getattr(x11, closer)(handle)
        return None
    return None    # cannot check; let the window try


class TeeDisplay:
    """A window that also records what it shows."""

    interactive = True

    def __init__(self, window: WindowDisplay, video: VideoDisplay) -> None:
        self.window, self.video = window, video

    def show(self, img: BGRImage, present_s: float) -> None:
        self.window.show(img, present_s)
        self.video.show(img, present_s)

    def add_audio(self, present_s: float, samples: NDArray[np.float32], rate: int) -> None:
        self.video.add_audio(present_s, samples, rate)

    def poll_key(self, wait_ms: int) -> int | None:
        return self.window.poll_key(wait_ms)

    def closed(self) -> bool:
        return self.window.closed()

    def close(self) -> None:
        self.window.close()
        self.video.close()


def open_display(headless: bool, out: Path | None, fullscreen: bool, fps: float,
                 inputs: Iterable[Path | str | None] = ()) -> Display:
    """The window, the video recording, or both; a UserError when neither is possible.
    ``inputs``: files being read, which the recording must never replace."""
    if headless:
        if out is None:
            raise UserError("--headless needs --out FILE.mp4 (where to record the session)")
        return VideoDisplay(out, fps, inputs)
    problem = display_problem()
    if problem is not None:
        raise UserError(NO_DISPLAY.format(why=problem))
    window = WindowDisplay(fullscreen=fullscreen)
    return window if out is None else TeeDisplay(window, VideoDisplay(out, fps, inputs))
