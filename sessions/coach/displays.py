"""Where the live loop's annotated pictures go: an OpenCV window, a video file recorded in real
time, or both; and whether a window can be opened here at all."""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import os
import sys
from pathlib import Path
from typing import Protocol

import cv2
import numpy as np
from numpy.typing import NDArray

from sessions.errors import UserError

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
        if self._closed:
            return True
        if self._shown and cv2.getWindowProperty(self.name, cv2.WND_PROP_VISIBLE) < 1:
            self._closed = True
        return self._closed

    def close(self) -> None:
        if not self._closed:
            cv2.destroyWindow(self.name)
            cv2.waitKey(1)
            self._closed = True


class VideoDisplay:
    """Records the annotated session to a video file in real time: each picture is repeated
    until the next one is due, so dropped frames do not speed the recording up."""

    interactive = False

    def __init__(self, path: Path, fps: float = 30.0) -> None:
        self.path = path
        self.fps = fps
        self.frames = 0
        self._writer: cv2.VideoWriter | None = None
        self._size: tuple[int, int] | None = None

    def show(self, img: BGRImage, present_s: float) -> None:
        if self._writer is None:
            h, w = img.shape[:2]
            self._size = (w, h)
            created = _create_private(self.path)
            writer = cv2.VideoWriter(str(self.path), cv2.VideoWriter.fourcc(*"mp4v"),
                                     self.fps, self._size)
            if not writer.isOpened():
                if created:                            # not the empty file made for it
                    self.path.unlink(missing_ok=True)
                raise OSError(f"cannot write a video to {self.path}")
            self._writer = writer
        assert self._size is not None
        if (img.shape[1], img.shape[0]) != self._size:
            img = np.asarray(cv2.resize(img, self._size, interpolation=cv2.INTER_AREA),
                             dtype=np.uint8)
        due = max(self.frames + 1, round(present_s * self.fps) + 1)
        while self.frames < due:
            self._writer.write(img)
            self.frames += 1

    def poll_key(self, wait_ms: int) -> int | None:
        return None

    def closed(self) -> bool:
        return False

    def close(self) -> None:
        if self._writer is not None:
            self._writer.release()
            self._writer = None
            with contextlib.suppress(OSError):
                self.path.chmod(0o600)   # in case the encoder replaced the file


def _create_private(path: Path) -> bool:
    """Create the recording with mode 0600 (an existing one is made 0600), and a missing folder
    with 0700, before the encoder opens it: the recording shows the person (health data), like
    the database. True when the file is new."""
    created = not path.exists()
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(path, os.O_CREAT | os.O_WRONLY, 0o600)   # the encoder truncates it
        os.close(fd)
        path.chmod(0o600)   # an existing file keeps its mode otherwise
    except OSError as exc:
        raise OSError(f"cannot write a video to {path}: {exc.strerror}") from exc
    return created


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

    def poll_key(self, wait_ms: int) -> int | None:
        return self.window.poll_key(wait_ms)

    def closed(self) -> bool:
        return self.window.closed()

    def close(self) -> None:
        self.window.close()
        self.video.close()


def open_display(headless: bool, out: Path | None, fullscreen: bool, fps: float) -> Display:
    """The window, the video recording, or both; a UserError when neither is possible."""
    if headless:
        if out is None:
            raise UserError("--headless needs --out FILE.mp4 (where to record the session)")
        return VideoDisplay(out, fps)
    problem = display_problem()
    if problem is not None:
        raise UserError(NO_DISPLAY.format(why=problem))
    window = WindowDisplay(fullscreen=fullscreen)
    return window if out is None else TeeDisplay(window, VideoDisplay(out, fps))
