"""A phone-webcam app stand-in for tests and benchmarks: an MJPEG-over-HTTP server on 127.0.0.1
(port chosen by the system), serving JPEG pictures at a set frame rate, as IP Webcam or DroidCam
do, with switches to stall the stream, drop it and refuse reconnections, or ask for a password."""

from __future__ import annotations

import base64
import socket
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import cv2
import numpy as np

BOUNDARY = "rockingtestframe"
#: The credentials the tests put in camera addresses (user, password, token): none of them may
#: ever be shown, logged or saved.
SECRETS = ("hunter2", "tok3n", "bob")


def free_port() -> int:
    """A port on 127.0.0.1 with nothing listening (connections to it are refused)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def jpeg(image: np.ndarray, quality: int = 80) -> bytes:
    ok, data = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, quality])
    assert ok
    return data.tobytes()


def clip_jpegs(path: str, max_frames: int | None = None, width: int = 640) -> list[bytes]:
    """The frames of a video (read in place) as JPEG pictures, scaled to ``width``."""
    cap = cv2.VideoCapture(path)
    out: list[bytes] = []
    try:
        while max_frames is None or len(out) < max_frames:
            ok, frame = cap.read()
            if not ok:
                break
            h, w = frame.shape[:2]
            if w != width:
                frame = cv2.resize(frame, (width, round(h * width / w)),
                                   interpolation=cv2.INTER_AREA)
            out.append(jpeg(frame))
    finally:
        cap.release()
    assert out, f"no frames in {path}"
    return out


def synthetic_jpegs(count: int = 30, size: tuple[int, int] = (160, 120)) -> list[bytes]:
    """Small plain pictures where the content does not matter."""
    w, h = size
    return [jpeg(np.full((h, w, 3), 40 + (i * 7) % 180, np.uint8)) for i in range(count)]


class MjpegServer:
    """Serves ``pictures`` in a loop at ``fps`` on ``http://127.0.0.1:PORT/video``.

    ``auth=(user, password)`` asks for HTTP basic authentication. ``stall()`` keeps connections
    open but sends nothing; ``drop()`` closes every stream and refuses new ones until
    ``resume()``. ``sent`` maps each picture's sequence number to the monotonic time it was sent.
    """

    def __init__(self, pictures: Sequence[bytes] | Callable[[int], bytes], fps: float = 30.0,
                 auth: tuple[str, str] | None = None, loop: bool = True,
                 content_length: bool = True) -> None:
        self.pictures = pictures
        self.fps = fps
        self.auth = auth
        self.loop = loop
        self.content_length = content_length
        self.sent: dict[int, float] = {}
        self.requests: list[str] = []
        self.auth_headers: list[str] = []
        self.connections = 0
        self._seq = 0
        self._lock = threading.Lock()
        self._streaming = threading.Event()
        self._streaming.set()
        self._refusing = threading.Event()
        self._closing = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                server._handle(self)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = int(self.httpd.server_address[1])
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/video"

    def url_with(self, user: str, password: str, query: str = "") -> str:
        return f"http://{user}:{password}@127.0.0.1:{self.port}/video{query}"

    def __enter__(self) -> MjpegServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._closing.set()
        self._streaming.set()
        self.httpd.shutdown()
        self.httpd.server_close()

    # ---- switches ----
    def stall(self) -> None:
        self._streaming.clear()

    def drop(self) -> None:
        """Close every stream now and refuse new ones (the phone app went away)."""
        self._refusing.set()
        self._streaming.set()

    def resume(self) -> None:
        self._refusing.clear()
        self._streaming.set()

    # ---- serving ----
    def _picture(self, i: int) -> bytes | None:
        if callable(self.pictures):
            return self.pictures(i)
        if not self.loop and i >= len(self.pictures):
            return None
        return self.pictures[i % len(self.pictures)]

    def _frames(self) -> Iterator[tuple[int, bytes]]:
        start = time.monotonic()
        n = 0
        while not self._closing.is_set():
            due = start + n / self.fps
            delay = due - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            elif delay < -1.0:          # after a stall: carry on from now, no burst
                start, n = time.monotonic(), 0
            if not self._streaming.is_set():
                self._streaming.wait(0.05)
                start, n = time.monotonic(), 0
                continue
            if self._refusing.is_set():
                return
            with self._lock:
                seq = self._seq
                self._seq += 1
            data = self._picture(seq)
            if data is None:
                return
            yield seq, data
            n += 1

    def _handle(self, h: BaseHTTPRequestHandler) -> None:
        self.requests.append(h.path)
        if self._refusing.is_set():
            h.connection.shutdown(socket.SHUT_RDWR)
            return
        if self.auth is not None:
            given = h.headers.get("Authorization", "")
            self.auth_headers.append(given)
            want = "Basic " + base64.b64encode(":".join(self.auth).encode()).decode()
            if given != want:
                h.send_response(401)
                h.send_header("WWW-Authenticate", 'Basic realm="camera"')
                h.send_header("Content-Length", "0")
                h.end_headers()
                return
        if h.path.split("?")[0] != "/video":
            h.send_error(404)
            return
        self.connections += 1
        h.send_response(200)
        h.send_header("Content-Type", f"multipart/x-mixed-replace; boundary={BOUNDARY}")
        h.send_header("Cache-Control", "no-cache")
        h.end_headers()
        try:
            for seq, data in self._frames():
                head = f"--{BOUNDARY}\r\nContent-Type: image/jpeg\r\n"
                if self.content_length:
                    head += f"Content-Length: {len(data)}\r\n"
                self.sent[seq] = time.monotonic()
                h.wfile.write(head.encode() + b"\r\n" + data + b"\r\n")
                h.wfile.flush()
        except OSError:
            pass          # the client went away
