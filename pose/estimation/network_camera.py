"""A phone (or any network camera) as the frame source: MJPEG over HTTP(S), or anything FFmpeg
reads (RTSP, other HTTP streams), with bounded timeouts and reconnection.

``NetworkCameraSource`` is a ``FrameSource`` like ``CameraSource``: it yields ``Frame`` objects
with monotonic, strictly increasing timestamps. Differences a live session needs:

- Opening is bounded: an address that refuses, does not answer, or serves no picture raises a
  one-line ``SourceError`` within ``open_timeout_s`` (+ ``read_timeout_s`` for the first frame).
- Once the picture has come, a stalled or dropped stream is reconnected with back-off
  (``link.lost`` is True meanwhile, so the live loop can say so) for up to ``give_up_s``; then the
  iterator ends, as a lost webcam's does.
- MJPEG over HTTP is read here (``http.client``), not by FFmpeg: the timeouts are the socket's
  own, no demuxer probes or buffers ahead, and the password never reaches a native library that
  might print it. RTSP goes to OpenCV's FFmpeg back end with open/read timeouts and its
  low-delay options. No credential appears in messages or logs (see ``pose.estimation.camera_url``).
"""

from __future__ import annotations

import base64
import http.client
import logging
import os
import socket
import ssl
import threading
import time
from collections.abc import Callable, Generator, Iterator
from contextlib import suppress

import cv2
import numpy as np

from pose.estimation.camera_url import CameraURL, redact
from pose.estimation.native_output import native_stderr_to_log
from pose.estimation.sources import BGRImage, Frame, SourceError

log = logging.getLogger(__name__)

OPEN_TIMEOUT_S = 5.0      # connect + first answer
READ_TIMEOUT_S = 3.0      # no picture this long: the stream has stalled
GIVE_UP_S = 60.0          # reconnect for this long before ending the session
BACKOFF_S = (0.5, 1.0, 2.0, 4.0)   # waits between attempts (the last one repeats)
MAX_PART_BYTES = 20 << 20  # a multipart part larger than this is not a camera frame
MAX_BAD_FRAMES = 30        # this many undecodable pictures in a row: not a camera

#: FFmpeg options for a live stream (OpenCV reads them from this variable when it opens one):
#: RTSP over TCP (no lost packets, grey smears), and no buffering ahead for "smoother" play.
FFMPEG_LIVE_OPTIONS = "rtsp_transport;tcp|fflags;nobuffer|flags;low_delay"
_FFMPEG_ENV = "OPENCV_FFMPEG_CAPTURE_OPTIONS"
_ffmpeg_env_lock = threading.Lock()


class _RedactingFilter(logging.Filter):
    """Scrubs credentials from every record this module logs (native FFmpeg lines included)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


log.addFilter(_RedactingFilter())


class StreamStalled(Exception):
    """The connection is open but no picture came in time, or it closed."""


class StreamNotOpened(StreamStalled):
    """FFmpeg could not open the stream (it does not say why: refused, unreachable, wrong)."""


class LinkState:
    """Whether the picture is coming, shared between the reading thread and the live loop."""

    def __init__(self, on_cancel: Callable[[], None] | None = None) -> None:
        self._lock = threading.Lock()
        self._lost_since: float | None = None
        self.attempts = 0
        self.cancelled = threading.Event()
        self._on_cancel = on_cancel

    @property
    def lost(self) -> bool:
        """True while reconnecting after the picture stopped."""
        with self._lock:
            return self._lost_since is not None

    def mark_lost(self, now: float) -> float:
        """Record the loss (the first time) and return when it began."""
        with self._lock:
            if self._lost_since is None:
                self._lost_since = now
            return self._lost_since

    def mark_ok(self) -> None:
        with self._lock:
            self._lost_since = None
            self.attempts = 0

    def cancel(self) -> None:
        """Stop reconnecting and unblock a read in progress (the session is ending)."""
        self.cancelled.set()
        if self._on_cancel is not None:
            self._on_cancel()


# ---- MJPEG over HTTP(S) -----------------------------------------------------------------------
def _boundary(content_type: str) -> bytes | None:
    for param in content_type.split(";")[1:]:
        name, _, value = param.strip().partition("=")
        if name.strip().lower() == "boundary" and value.strip():
            value = value.strip().strip('"')
            return value.encode("latin-1")
    return None


class MjpegReader:
    """One HTTP connection serving ``multipart/x-mixed-replace`` JPEG pictures."""

    def __init__(self, address: CameraURL, open_timeout_s: float, read_timeout_s: float
                 ) -> None:
        self.address = address
        self.read_timeout_s = read_timeout_s
        conn_cls = (http.client.HTTPSConnection if address.scheme == "https"
                    else http.client.HTTPConnection)
        self.conn = conn_cls(address.hostname, address.port, timeout=open_timeout_s)
        headers = {"User-Agent": "rocking", "Accept": "multipart/x-mixed-replace, image/jpeg"}
        if address.username is not None or address.password is not None:
            pair = f"{address.username or ''}:{address.password or ''}".encode()
            headers["Authorization"] = "Basic " + base64.b64encode(pair).decode("ascii")
        self.sock: socket.socket | None = None
        try:
            self.conn.request("GET", address.target, headers=headers)
            # kept here: http.client lets go of it once an HTTP/1.0 answer owns the stream
            self.sock = self.conn.sock
            self.response = self.conn.getresponse()
        except BaseException:
            self.close()
            raise
        self.content_type = self.response.getheader("Content-Type", "") or ""
        self.status = self.response.status
        self.boundary = _boundary(self.content_type)
        self._pushed_back: bytes | None = None

    def _readline(self, limit: int) -> bytes:
        if self._pushed_back is not None:
            line, self._pushed_back = self._pushed_back, None
            return line
        return self.response.readline(limit)

    @property
    def is_mjpeg(self) -> bool:
        return (self.status == 200 and self.boundary is not None
                and self.content_type.lower().startswith("multipart/"))

    def interrupt(self) -> None:
        """Make a read blocked on another thread return at once (only the socket is touched:
        the reading thread closes the rest)."""
        with suppress(OSError):
            if self.sock is not None:
                self.sock.shutdown(socket.SHUT_RDWR)

    def close(self) -> None:
        """Close the connection (on the thread that reads it)."""
        self.interrupt()
        self.conn.close()
        with suppress(AttributeError):
            self.response.close()

    def pictures(self) -> Iterator[bytes]:
        """The JPEG bytes of each part, as they arrive; raises StreamStalled when the stream
        stops (closed, or nothing for ``read_timeout_s``)."""
        if self.sock is not None:
            self.sock.settimeout(self.read_timeout_s)
        assert self.boundary is not None
        marker = b"--" + self.boundary.removeprefix(b"--")
        try:
            while True:
                # skip to the boundary line, then read the part's headers
                line = self._readline(4096)
                while line and line.strip() != marker:
                    line = self._readline(4096)
                if not line:
                    raise StreamStalled("the camera closed the stream")
                length: int | None = None
                while True:
                    header = self._readline(4096)
                    if not header:
                        raise StreamStalled("the camera closed the stream")
                    if not header.strip():
                        break
                    name, _, value = header.decode("latin-1").partition(":")
                    if name.strip().lower() == "content-length":
                        with suppress(ValueError):
                            length = int(value.strip())
                if length is not None and 0 < length <= MAX_PART_BYTES:
                    data = self.response.read(length)
                    if len(data) < length:
                        raise StreamStalled("the camera closed the stream")
                    yield data
                else:
                    yield self._until_marker(marker)
        except TimeoutError as exc:
            raise StreamStalled(f"no picture for {self.read_timeout_s:g} s") from exc
        except (http.client.HTTPException, OSError) as exc:
            raise StreamStalled(f"the connection dropped ({type(exc).__name__})") from exc

    def _until_marker(self, marker: bytes) -> bytes:
        """A part without Content-Length: everything up to the next boundary line."""
        chunks: list[bytes] = []
        size = 0
        while True:
            line = self._readline(1 << 16)
            if not line:
                raise StreamStalled("the camera closed the stream")
            if line.strip() == marker:
                self._pushed_back = line      # the caller looks for it first
                break
            chunks.append(line)
            size += len(line)
            if size > MAX_PART_BYTES:
                raise StreamStalled("a part of the stream is far too large for a picture")
        return b"".join(chunks).rstrip(b"\r\n")


# ---- FFmpeg (RTSP and other streams) ----------------------------------------------------------
def _open_ffmpeg(address: CameraURL, open_timeout_s: float, read_timeout_s: float
                 ) -> cv2.VideoCapture:
    params = [cv2.CAP_PROP_OPEN_TIMEOUT_MSEC, round(open_timeout_s * 1000),
              cv2.CAP_PROP_READ_TIMEOUT_MSEC, round(read_timeout_s * 1000)]
    with _ffmpeg_env_lock:
        previous = os.environ.get(_FFMPEG_ENV)
        if previous is None:
            os.environ[_FFMPEG_ENV] = FFMPEG_LIVE_OPTIONS
        try:
            with native_stderr_to_log(log, logging.DEBUG):
                cap = cv2.VideoCapture(address.url, cv2.CAP_FFMPEG, params)
        finally:
            if previous is None:
                os.environ.pop(_FFMPEG_ENV, None)
    return cap


# ---- the source --------------------------------------------------------------------------------
class NetworkCameraSource:
    """A phone or IP camera by URL (http://, https://, rtsp://); see the module docstring."""

    is_still = False
    frame_count: int | None = None

    def __init__(self, address: CameraURL | str, *, open_timeout_s: float | None = None,
                 read_timeout_s: float | None = None, give_up_s: float | None = None,
                 backoff_s: tuple[float, ...] | None = None, use_ffmpeg: bool = False) -> None:
        """Timings default to the module's constants (read now, so tests can shorten them).
        ``use_ffmpeg``: read an HTTP stream with FFmpeg too (to compare the two readers)."""
        self.address = address if isinstance(address, CameraURL) else CameraURL.parse(address)
        self.name = f"network camera {self.address.host}"
        self.fps = 30.0
        self.open_timeout_s = OPEN_TIMEOUT_S if open_timeout_s is None else open_timeout_s
        self.read_timeout_s = READ_TIMEOUT_S if read_timeout_s is None else read_timeout_s
        self.give_up_s = GIVE_UP_S if give_up_s is None else give_up_s
        self.backoff_s = BACKOFF_S if backoff_s is None else backoff_s
        self.use_ffmpeg = use_ffmpeg
        self.link = LinkState(on_cancel=self.close_connection)
        self.reconnects = 0
        self._reader: MjpegReader | None = None

    # -- connecting --
    def _problem(self, exc: BaseException) -> str:
        """One line for the person: what went wrong, never the credentials."""
        where = f"the camera at {self.address.host}"
        if isinstance(exc, socket.gaierror):
            return f"cannot find the host {self.address.hostname!r}: check the camera address"
        if isinstance(exc, ConnectionRefusedError):
            return (f"{where} refused the connection: is the phone's camera app running "
                    "and serving on that port?")
        if isinstance(exc, TimeoutError | socket.timeout):
            return (f"no answer from {where} within {self.open_timeout_s:g} s: is the phone on "
                    "the same network and the address right?")
        if isinstance(exc, ssl.SSLCertVerificationError):
            return (f"{where} has a certificate this computer does not trust (self-signed?): "
                    "use its http:// address on your home network")
        if isinstance(exc, StreamNotOpened):
            return (f"cannot open a video stream at {self.address.host} within "
                    f"{self.open_timeout_s:g} s (refused, unreachable, or not a stream): check "
                    "the address and that the phone's camera app is serving")
        if isinstance(exc, StreamStalled):
            return f"{where} connected but sent no picture ({exc})"
        return f"cannot read {where}: {redact(str(exc)) or type(exc).__name__}"

    def _mjpeg_or_none(self) -> MjpegReader | None:
        """Connect over HTTP(S); the reader when it serves MJPEG, None when FFmpeg should try."""
        reader = MjpegReader(self.address, self.open_timeout_s, self.read_timeout_s)
        if reader.is_mjpeg:
            return reader
        status, ctype = reader.status, reader.content_type.split(";")[0].strip()
        reader.close()
        if status in (401, 403):
            hint = ("the user name or password in the address was refused"
                    if self.address.username is not None or self.address.password is not None
                    else "it asks for a user name and password: put them in the address as "
                         "http://USER:PASSWORD@host:port/...")
            raise SourceError(f"the camera at {self.address.host} said {status}: {hint}")
        if status != 200:
            raise SourceError(f"the camera at {self.address.host} answered HTTP {status} for "
                              "that address: check the path (often /video)")
        if ctype.lower().startswith(("image/", "text/")):
            raise SourceError(
                f"the address at {self.address.host} serves {ctype or 'no picture stream'}, "
                "not a video stream: use the app's video address (often ending /video)")
        return None

    def _connect(self) -> Generator[BGRImage, None, None]:
        """A fresh connection's pictures (raises OSError/StreamStalled/SourceError)."""
        if self.address.scheme in ("http", "https") and not self.use_ffmpeg:
            reader = self._mjpeg_or_none()
            if reader is not None:
                return self._decoded(reader)
        return self._ffmpeg_pictures()

    def _decoded(self, reader: MjpegReader) -> Generator[BGRImage, None, None]:
        self._reader = reader
        bad = 0
        try:
            for data in reader.pictures():
                image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
                if image is None or image.size == 0:
                    bad += 1
                    if bad >= MAX_BAD_FRAMES:
                        raise StreamStalled("the stream's pictures cannot be decoded as JPEG")
                    continue
                bad = 0
                yield np.asarray(image, dtype=np.uint8)
        finally:
            self._reader = None
            reader.close()

    def _ffmpeg_pictures(self) -> Generator[BGRImage, None, None]:
        cap = _open_ffmpeg(self.address, self.open_timeout_s, self.read_timeout_s)
        try:
            if not cap.isOpened():
                raise StreamNotOpened("FFmpeg could not open the stream")
            fps = float(cap.get(cv2.CAP_PROP_FPS) or 0.0)
            if np.isfinite(fps) and 0 < fps <= 240:
                self.fps = fps
            while not self.link.cancelled.is_set():
                ok, image = cap.read()
                if not ok or image is None:
                    raise StreamStalled(f"no picture for {self.read_timeout_s:g} s")
                yield np.asarray(image, dtype=np.uint8)
        finally:
            cap.release()

    def close_connection(self) -> None:
        """Unblock a read in progress (called from another thread when the session ends)."""
        reader = self._reader
        if reader is not None:
            reader.interrupt()

    # -- streaming --
    def __iter__(self) -> Generator[Frame, None, None]:
        start = time.monotonic()
        last = -np.inf
        index = 0
        attempt = 0
        while not self.link.cancelled.is_set():
            try:
                pictures = self._connect()
                try:
                    for image in pictures:
                        if self.link.lost:
                            log.info("the picture is back after %d reconnection attempt(s)",
                                     self.link.attempts)
                            self.link.mark_ok()
                        attempt = 0
                        t = max(time.monotonic() - start, last + 1e-3)
                        last = t
                        yield Frame(index, t, image)
                        index += 1
                        if self.link.cancelled.is_set():
                            return
                finally:
                    pictures.close()
                raise StreamStalled("the stream ended")
            except SourceError:
                if index == 0:
                    raise
                problem = "the camera turned the connection down"
            except (OSError, StreamStalled, http.client.HTTPException) as exc:
                if index == 0:
                    raise SourceError(self._problem(exc)) from None
                problem = redact(str(exc)) or type(exc).__name__
            if self.link.cancelled.is_set():
                return                     # the session is ending: the read was cut short
            now = time.monotonic()
            lost_since = self.link.mark_lost(now)
            if now - lost_since >= self.give_up_s:
                log.warning("no picture from %s for %.0f s; giving up", self.name,
                            now - lost_since)
                return
            wait = self.backoff_s[min(attempt, len(self.backoff_s) - 1)]
            attempt += 1
            self.link.attempts = attempt
            self.reconnects += 1
            # the first loss on the terminal; each further attempt in the -v log
            log.log(logging.WARNING if attempt == 1 else logging.INFO,
                    "lost the picture from %s (%s); reconnecting in %.1f s",
                    self.name, problem, wait)
            if self.link.cancelled.wait(wait):
                return
