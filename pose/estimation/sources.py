"""Frame sources behind one iterator interface: a webcam, a video file, or a single image.

Each source yields ``Frame`` objects (timestamp in seconds, BGR pixels) with strictly increasing
timestamps, and releases its device or file in ``finally`` on every exit path. Opening a source
probes it (a video must really decode a frame) so errors surface before any work starts, as a
``SourceError`` with a one-line message.
"""

from __future__ import annotations

import logging
import os
import queue
import threading
import time
from collections.abc import Generator, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, TypeVar

import cv2
import numpy as np
from numpy.typing import NDArray

from pose.estimation.native_output import NativeStderrCapture, native_stderr_to_log

log = logging.getLogger(__name__)

# FFmpeg (inside OpenCV) prints complaints about damaged frames ("overread 8") straight to fd 2,
# which can only be captured from the main thread, and videos are decoded ahead on a worker
# thread (``read_ahead``): ask OpenCV to keep FFmpeg quiet instead (read when the first video
# opens; a value the user set is kept). A damaged or cut-off file is reported by the tool itself.
os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", "-8")

IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff"})
MIN_FPS, MAX_FPS = 1.0, 1000.0  # a stated frame rate outside this is not believed
FALLBACK_FPS = 30.0

BGRImage = NDArray[np.uint8]
_SKIPPED: BGRImage = np.zeros((0, 0, 3), np.uint8)
T = TypeVar("T")


class SourceError(ValueError):
    """A source that cannot be opened or read; the message is one line for the user."""


@dataclass(frozen=True)
class Frame:
    """One frame: its index in the stream, timestamp in seconds and BGR pixels (H, W, 3)."""

    index: int
    t_s: float
    bgr: BGRImage

    @property
    def width(self) -> int:
        return int(self.bgr.shape[1])

    @property
    def height(self) -> int:
        return int(self.bgr.shape[0])


class FrameSource(Protocol):
    """Anything that yields frames. ``frame_count`` is None when unknown (a camera)."""

    name: str
    fps: float
    frame_count: int | None
    is_still: bool

    def __iter__(self) -> Iterator[Frame]: ...


def _require_file(path: Path) -> None:
    if not path.exists():
        raise SourceError(f"no such file: {path}")
    if not path.is_file():
        raise SourceError(f"not a file: {path}")


class ImageSource:
    """A single image, yielded as a one-frame video at t = 0."""

    is_still = True
    fps = 0.0
    frame_count: int | None = 1

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self.name = str(path)
        _require_file(self.path)
        # libjpeg prints "Premature end of JPEG file" to fd 2 for a cut-off JPEG (which still
        # decodes, the missing part grey): keep it in the log like the other native output
        with native_stderr_to_log(log, logging.DEBUG):
            image = cv2.imread(str(self.path), cv2.IMREAD_COLOR)
        if image is None or image.size == 0:
            raise SourceError(f"cannot read {self.path} as an image (damaged or not an image)")
        self._image: BGRImage = np.asarray(image, dtype=np.uint8)

    def __iter__(self) -> Iterator[Frame]:
        yield Frame(0, 0.0, self._image)


class VideoFileSource:
    """A video file. Each frame's timestamp is its own presentation time in the file (phone videos
    are often variable-rate), forced strictly increasing; where the file gives none usable, the
    previous frame's time + 1 / fps."""

    is_still = False

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self.name = str(path)
        _require_file(self.path)
        # FFmpeg prints its complaints ("moov atom not found") to fd 2; we raise our own error.
        with native_stderr_to_log(log, logging.DEBUG):
            cap = self._open()
            try:
                ok, frame = cap.read()
                if not ok or frame is None:
                    raise self._unreadable()
                fps = float(cap.get(cv2.CAP_PROP_FPS) or 0.0)
                count = int(cap.get(cv2.CAP_PROP_FRAME_COUNT) or 0)
            finally:
                cap.release()
        if not np.isfinite(fps) or not MIN_FPS <= fps <= MAX_FPS:
            # (an mp4 whose timescale is 0 states 0.001 fps: one frame would last 17 minutes)
            log.warning("%s states a frame rate no camera makes (%.3g fps); assuming %.0f fps",
                        self.path, fps, FALLBACK_FPS)
            fps = FALLBACK_FPS
        self.fps = fps
        self.frame_count: int | None = count if count > 0 else None
        #: set after a full pass that ended well short of ``frame_count`` (a cut-off file)
        self.truncated = False

    def _unreadable(self) -> SourceError:
        return SourceError(
            f"cannot read {self.path} as a video (truncated, damaged, or not a video or image)"
        )

    def _open(self) -> cv2.VideoCapture:
        cap = cv2.VideoCapture(str(self.path))
        if not cap.isOpened():
            cap.release()
            raise self._unreadable()
        return cap

    def __iter__(self) -> Generator[Frame, None, None]:
        return self.frames_from(0)

    def frames_from(self, start: int) -> Generator[Frame, None, None]:
        """The frames from index ``start`` on, with the same indices and times as a whole pass
        (the frames before are decoded, not converted, to follow the file's own times)."""
        # FFmpeg complains on fd 2 about damaged frames ("overread 8"); keep that in the log.
        noise = NativeStderrCapture(log, logging.DEBUG)
        with noise.capture():
            cap = self._open()
        index = 0
        last_t: float | None = None
        try:
            while True:
                with noise.capture():
                    # before ``start``: decoded (for its time) but not converted
                    ok, frame = (cap.grab(), _SKIPPED) if index < start else cap.read()
                if not ok or frame is None:
                    break
                last_t = frame_time(cap.get(cv2.CAP_PROP_POS_MSEC), last_t, self.fps)
                if index >= start:
                    yield Frame(index, last_t, np.asarray(frame, dtype=np.uint8))
                index += 1
        finally:
            cap.release()
            noise.close()
        if index == 0:
            raise self._unreadable()
        if self.frame_count is not None and index < self.frame_count - 1:
            # the caller reports it (``truncated``): `rocking analyze` puts it in its summary
            self.truncated = True
            log.info("%s ended after %d of %d frames (truncated?)",
                     self.path, index, self.frame_count)


def frame_time(pos_ms: float, last_t: float | None, fps: float) -> float:
    """A frame's timestamp in seconds from the decoder's position (``CAP_PROP_POS_MSEC`` just after
    reading it), strictly after ``last_t``: a missing, negative or repeated position gives the
    previous time + 1 / fps (the first frame: 0)."""
    t = pos_ms / 1000.0 if np.isfinite(pos_ms) and pos_ms >= 0 else None
    if last_t is None:
        return t if t is not None else 0.0
    if t is None or t <= last_t:
        return last_t + 1.0 / fps
    return t


class CameraSource:
    """A webcam by index. Timestamps come from a monotonic clock, forced strictly increasing."""

    is_still = False
    frame_count: int | None = None

    def __init__(self, index: int, width: int | None = None, height: int | None = None,
                 fps: float | None = None) -> None:
        """``width``, ``height`` and ``fps`` are asked for; the camera gives what it can (most
        webcams give 640x480 through OpenCV unless asked)."""
        self.index = index
        self.name = f"camera {index}"
        self.size = (width, height)
        self.requested_fps = fps
        self.fps = FALLBACK_FPS

    def _open(self) -> cv2.VideoCapture:
        # OpenCV logs "Camera index out of range" to fd 2; we raise our own one-line error.
        with native_stderr_to_log(log, logging.DEBUG):
            cap = cv2.VideoCapture(self.index)
            opened = cap.isOpened()
            if not opened:
                cap.release()
        if not opened:
            raise SourceError(f"no camera at index {self.index}")
        width, height = self.size
        if width and height:
            cap.set(cv2.CAP_PROP_FRAME_WIDTH, width)
            cap.set(cv2.CAP_PROP_FRAME_HEIGHT, height)
        if self.requested_fps:
            cap.set(cv2.CAP_PROP_FPS, self.requested_fps)
        fps = float(cap.get(cv2.CAP_PROP_FPS) or 0.0)
        if np.isfinite(fps) and 0 < fps <= 240:
            self.fps = fps
        log.info("camera %d gives %dx%d at %.0f fps (asked for %sx%s at %s)", self.index,
                 int(cap.get(cv2.CAP_PROP_FRAME_WIDTH)), int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT)),
                 self.fps, width, height, self.requested_fps)
        return cap

    def __iter__(self) -> Generator[Frame, None, None]:
        cap = self._open()
        start = time.monotonic()
        last = -np.inf
        index = 0
        try:
            while True:
                ok, frame = cap.read()
                if not ok or frame is None:
                    if index == 0:
                        raise SourceError(f"camera {self.index} opened but gives no frames")
                    log.warning("camera %d stopped giving frames", self.index)
                    return
                t = time.monotonic() - start
                t = max(t, last + 1e-3)
                last = t
                yield Frame(index, t, np.asarray(frame, dtype=np.uint8))
                index += 1
        finally:
            cap.release()


_END = object()


def close_iterator(it: object) -> None:
    """Close a generator (or anything with ``close``) early: a video file it reads is released."""
    close = getattr(it, "close", None)
    if close is not None:
        close()


def read_ahead(frames: Iterable[T], depth: int = 2) -> Generator[T, None, None]:
    """The same frames (or items: whatever ``frames`` yields), decoded up to ``depth`` ahead on a
    worker thread while the caller works on the current one (video decoding and the pose model
    then share the machine's cores). Work chained onto ``frames`` as a generator (converting each
    frame for the model) runs on the worker too.

    What the source raises is raised here, in order; closing this generator early stops the worker
    and closes the source (releasing its file) on the worker's thread.
    """
    slots: queue.Queue[object] = queue.Queue(maxsize=max(depth, 1))
    stop = threading.Event()

    def put(item: object) -> bool:
        while not stop.is_set():
            try:
                slots.put(item, timeout=0.05)
                return True
            except queue.Full:
                continue
        return False

    def work() -> None:
        it = iter(frames)
        try:
            for frame in it:
                if not put(frame):
                    break
        except BaseException as exc:  # noqa: BLE001 - re-raised on the caller's thread
            put(exc)
        finally:
            close_iterator(it)
            put(_END)

    worker = threading.Thread(target=work, name="rocking-decode", daemon=True)
    worker.start()
    try:
        while True:
            item = slots.get()
            if item is _END:
                return
            if isinstance(item, BaseException):
                raise item
            yield item  # type: ignore[misc]
    finally:
        stop.set()
        worker.join()


def open_source(spec: str | Path) -> FrameSource:
    """Open a source from a command-line spec: an integer is a camera index, else a file path.

    Images (by suffix) become one-frame sources; anything else is probed as a video.
    """
    text = str(spec)
    if text.isdigit():
        return CameraSource(int(text))
    path = Path(text).expanduser()
    if path.suffix.lower() in IMAGE_SUFFIXES:
        return ImageSource(path)
    return VideoFileSource(path)
