"""The one video writer: `rocking analyze --out`, the live session's recording and the demo.

    with VideoWriter(Path("session.mp4"), fps=30.0, audio=True, inputs=[source]) as video:
        video.write(bgr, present_s=0.0)           # BGR uint8, its time on the recording
        video.add_audio(0.0, samples, 22050)      # float32 mono, mixed in at that picture time

What a recording is and what it promises (the README's recording section says the same):
- H.264 video (libx264, bundled in PyAV's wheels) and, with ``audio=True``, one AAC mono track
  at 48 kHz, in an MP4: what phones, browsers and every common player play. Colours are tagged
  BT.601 limited range, as OpenCV's conversion makes them.
- Crash-safe: the MP4 is *fragmented* (``frag_keyframe+empty_moov+default_base_moof``), a
  keyframe and so a fragment every second, and the file is flushed to disk (``fsync``) every few
  seconds. A process killed mid-way (``kill -9``) or a power cut leaves a file that plays up to
  about the last second or two before it, instead of one without its index ("moov atom not
  found").
- Private: the file is created with ``O_CREAT|O_EXCL|O_NOFOLLOW`` and mode 0600 (the person's
  health data), a folder it makes 0700.
- Nothing is lost: an output that is one of the files being read (``inputs``; the same file,
  also through a link) is refused before anything is written. A new file is written in place,
  so a crash leaves the partial recording at the name the person asked for. An existing file is
  replaced only when the new recording is complete: until then the new one is written beside
  it as ``NAME.incomplete-XXXXXXXX.mp4`` (a crash leaves it there, playable, and the old file
  untouched), then renamed over it.
- Cheap in the frame loop: ``write`` converts the picture to YUV 4:2:0 and hands it to a
  background thread that encodes and writes (libavcodec releases the GIL while it encodes).
  The queue is short; when the encoder falls behind by more than it holds, ``write`` waits
  rather than drop a frame of the recording.
- Timing: a frame's ``present_s`` puts it on the recording's clock (frames that were dropped
  leave the previous picture on screen longer: variable frame rate, nothing re-encoded), so the
  recording runs at the speed the session did; sounds added with ``add_audio`` land at their
  picture time. Audio is encoded half a second behind the newest picture, so a sound added for
  the frame being shown is never too late.
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
import queue
import secrets
import stat
import threading
from collections.abc import Iterable
from fractions import Fraction
from pathlib import Path
from types import TracebackType
from typing import Any, BinaryIO

import cv2
import numpy as np
from numpy.typing import NDArray

from sessions.output.private_files import (
    FOLDER_MODE,
    PRIVATE_MODE,
    OutputError,
    fsync_folder,
    os_error_reason,
    printable,
    refuse_overwriting_input,
)

log = logging.getLogger(__name__)

BGRImage = NDArray[np.uint8]
Samples = NDArray[np.float32]

AUDIO_RATE = 48_000          # AAC's usual rate for video; sounds at other rates are resampled
AUDIO_FRAME = 1024           # samples in one AAC frame
AUDIO_HOLDBACK_S = 0.5       # audio is encoded this far behind the newest picture
KEYFRAME_EVERY_S = 1.0       # a keyframe, and so a fragment on disk, this often
FSYNC_EVERY_S = 3.0          # recording time between flushes to the disk (power cut)
QUEUE_FRAMES = 8             # pictures waiting for the encoder thread before write() waits
# Codecs tried in order: H.264 plays everywhere; MPEG-4 part 2 (VLC, ffmpeg, most desktop
# players, not browsers) only if a PyAV build without libx264 is installed.
VIDEO_CODECS: tuple[tuple[str, dict[str, str]], ...] = (
    # superfast + zerolatency: a few ms a 720p frame on the writer's thread, no frames held
    # back (a crash loses less); about 6 MB a minute of 720p camera picture and 9 of the demo
    # at crf 26, half what ultrafast makes (measured: benchmarks/bench_video_writer.py).
    ("libx264", {"preset": "superfast", "tune": "zerolatency", "crf": "26"}),
    ("mpeg4", {"qscale": "4"}),
)
MP4_FLAGS = "frag_keyframe+empty_moov+default_base_moof"
_CREATE = (os.O_RDWR | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
           | getattr(os, "O_CLOEXEC", 0))


def check_output(path: Path, inputs: Iterable[Path | str | None] = ()) -> None:
    """Refuse, before any work, an output that is a folder or one of the files being read
    (the same file, also through a link): OutputError, one line."""
    refuse_overwriting_input(path, inputs)


def _reason(exc: BaseException) -> str:
    if isinstance(exc, OSError):
        return os_error_reason(exc)
    return str(exc) or type(exc).__name__


def _resample(samples: Samples, rate: int, to_rate: int) -> Samples:
    """Linear resampling (the coach's tones and speech are far below both Nyquist limits)."""
    if rate == to_rate or samples.size == 0:
        return samples
    n = max(1, round(samples.size * to_rate / rate))
    x = np.arange(n, dtype=np.float64) * (rate / to_rate)
    return np.interp(x, np.arange(samples.size), samples).astype(np.float32)


class VideoWriter:
    """Writes one recording (see the module's promises); a context manager.

    ``fps`` is the recording's nominal rate (frame times are rounded to it); ``audio`` adds an
    AAC track (silent where no sound was added); ``inputs`` are files being read, never
    replaced; ``make_folder`` creates a missing folder 0700.
    """

    def __init__(self, path: Path, fps: float, *, audio: bool = False,
                 inputs: Iterable[Path | str | None] = (), make_folder: bool = False) -> None:
        if not math.isfinite(fps) or fps <= 0:
            raise ValueError(f"fps must be positive, got {fps}")
        self.path = Path(path)
        self.fps = fps
        self.audio = audio
        self.inputs = tuple(Path(p) for p in inputs if p is not None)
        self.make_folder = make_folder
        self.frames = 0                     # pictures written
        self.codec: str | None = None       # the video codec used, once open
        self.written_to: Path | None = None  # where the bytes go (the target or a temp name)
        self._rate = Fraction(fps).limit_denominator(1001)
        self._size: tuple[int, int] | None = None   # (width, height) as encoded (even)
        self._last_pts = -1
        self._fd: int | None = None
        self._file: BinaryIO | None = None
        self._replaces = False
        self._container: Any = None
        self._vstream: Any = None
        self._astream: Any = None
        self._queue: queue.Queue[tuple[str, int, NDArray[Any]] | None] = queue.Queue(
            maxsize=QUEUE_FRAMES)
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None
        self._audio_lock = threading.Lock()
        self._mix = np.zeros(0, np.float32)   # sounds not yet encoded, from _audio_sent on
        self._audio_sent = 0                  # samples handed to the encoder
        self._late_sounds = 0
        self._reported = False                # the caller has been told of self._error
        self._closed = False
        check_output(self.path, self.inputs)

    # ---- context manager ---------------------------------------------------------------------
    def __enter__(self) -> VideoWriter:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    # ---- the caller's side -------------------------------------------------------------------
    def write(self, img: BGRImage, present_s: float | None = None) -> None:
        """Add a picture at ``present_s`` on the recording (None: the next frame)."""
        if self._closed:
            raise ValueError("write() on a closed VideoWriter")
        if img.ndim != 3 or img.shape[2] != 3 or img.dtype != np.uint8:
            raise ValueError(f"expected a BGR uint8 image, got {img.dtype} {img.shape}")
        self._raise_worker_error()
        if self._size is None:
            self._open(img.shape[1], img.shape[0])
        pts = self._last_pts + 1
        if present_s is not None:
            pts = max(pts, round(present_s * self._rate))
        self._last_pts = pts
        if self.audio:
            self._send_audio(upto_s=float(pts / self._rate) - AUDIO_HOLDBACK_S)
        self._put(("video", pts, self._to_yuv(img)))
        self.frames += 1

    def add_audio(self, present_s: float, samples: Samples, rate: int) -> None:
        """Mix ``samples`` (float32 mono, -1..1, at ``rate`` Hz) into the audio track so they
        start at ``present_s`` on the recording's clock (the picture time they belong to)."""
        if not self.audio:
            raise ValueError("this recording has no audio track (VideoWriter(audio=True))")
        if rate <= 0:
            raise ValueError(f"sample rate must be positive, got {rate}")
        mono = np.asarray(samples, dtype=np.float32).reshape(-1)
        mono = _resample(mono, rate, AUDIO_RATE)
        with self._audio_lock:
            start = round(present_s * AUDIO_RATE) - self._audio_sent
            if start < 0:        # that stretch is encoded already: play it as soon as possible
                self._late_sounds += 1
                log.debug("sound added %.3f s after its time was encoded", -start / AUDIO_RATE)
                start = 0
            end = start + mono.size
            if end > self._mix.size:
                self._mix = np.concatenate([self._mix, np.zeros(end - self._mix.size,
                                                                np.float32)])
            self._mix[start:end] += mono

    def close(self) -> None:
        """Finish the recording: encode what is queued, write the last fragment, flush it to
        disk and (for an existing file) move it into place. Idempotent."""
        if self._closed:
            return
        self._closed = True
        if self._thread is None:
            return                               # nothing was ever written: no file made
        try:
            if self.audio and self._error is None:
                end_s = max(float((self._last_pts + 1) / self._rate),
                            (self._audio_sent + self._mix.size) / AUDIO_RATE)
                self._send_audio(end_s, pad=True)
        finally:
            self._put(None)
            self._thread.join()
            self._thread = None
        self._finish_file()

    # ---- opening -----------------------------------------------------------------------------
    def _open(self, width: int, height: int) -> None:
        """Create the file (or the temporary file beside an existing one) and the encoders."""
        self._size = (width + width % 2, height + height % 2)   # 4:2:0 needs even sizes
        target = self.path
        try:
            if self.make_folder:
                target.parent.mkdir(mode=FOLDER_MODE, parents=True, exist_ok=True)
            check_output(target, self.inputs)    # again: the path may have changed since
            try:
                self._fd = os.open(target, _CREATE, PRIVATE_MODE)
                self.written_to = target
            except FileExistsError:              # an existing file (or link): write beside it
                self._replaces = True
                self.written_to = target.with_name(
                    f"{target.stem}.incomplete-{secrets.token_hex(4)}{target.suffix}")
                self._fd = os.open(self.written_to, _CREATE, PRIVATE_MODE)
            os.fchmod(self._fd, PRIVATE_MODE)    # whatever the umask
        except OSError as exc:
            self._fd = None
            raise OutputError(f"cannot write a video to {printable(target)}: "
                              f"{_reason(exc)}") from exc
        try:
            self._file = os.fdopen(self._fd, "w+b", buffering=0, closefd=False)
            self._open_container()
        except Exception as exc:
            self._discard()
            raise OutputError(f"cannot write a video to {printable(target)}: "
                              f"{_reason(exc)}") from exc
        if self._replaces:
            log.info("recording to %s; it replaces %s when complete", self.written_to, target)
        self._thread = threading.Thread(target=self._work, name="rocking-video", daemon=True)
        self._thread.start()

    def _open_container(self) -> None:
        import av

        assert self._size is not None and self._file is not None
        container = av.open(self._file, mode="w", format="mp4",
                            options={"movflags": MP4_FLAGS})
        try:
            self._vstream = self._video_stream(container)
            if self.audio:
                astream = container.add_stream("aac", rate=AUDIO_RATE, layout="mono")
                astream.bit_rate = 64_000
                astream.time_base = Fraction(1, AUDIO_RATE)
                self._astream = astream
            container.start_encoding()
        except Exception:
            container.close()
            raise
        self._container = container

    def _video_stream(self, container: Any) -> Any:
        import av

        width, height = self._size or (0, 0)
        last: Exception | None = None
        for name, options in VIDEO_CODECS:
            try:
                stream = container.add_stream(name, rate=self._rate, options=options)
            except (av.error.FFmpegError, ValueError) as exc:  # not in this PyAV build
                last = exc
                continue
            if name != VIDEO_CODECS[0][0]:
                log.warning("libx264 is not available in this PyAV build: recording MPEG-4 "
                            "part 2, which some players (browsers, phones) do not play")
            stream.width, stream.height = width, height
            stream.pix_fmt = "yuv420p"
            stream.time_base = 1 / self._rate
            ctx = stream.codec_context
            ctx.gop_size = max(1, round(float(self._rate) * KEYFRAME_EVERY_S))
            ctx.thread_count = 1          # the loop's other work needs the other core
            ctx.color_range = 1           # MPEG (limited) range, BT.601: what OpenCV makes
            ctx.colorspace = 6
            ctx.color_primaries = 6
            ctx.color_trc = 6
            self.codec = name
            return stream
        raise OSError(f"no video encoder in this PyAV build ({last})")

    def _to_yuv(self, img: BGRImage) -> NDArray[np.uint8]:
        """The picture as YUV 4:2:0 (BT.601 limited range), at the recording's size."""
        assert self._size is not None
        width, height = self._size
        h, w = img.shape[:2]
        if (w, h) != (width, height):
            if (w + w % 2, h + h % 2) == (width, height):     # odd size: repeat the edge
                img = np.asarray(cv2.copyMakeBorder(img, 0, height - h, 0, width - w,
                                                    cv2.BORDER_REPLICATE), dtype=np.uint8)
            else:                                             # the picture changed size
                img = np.asarray(cv2.resize(img, (width, height), interpolation=cv2.INTER_AREA),
                                 dtype=np.uint8)
        return np.asarray(cv2.cvtColor(img, cv2.COLOR_BGR2YUV_I420), dtype=np.uint8)

    # ---- audio ---------------------------------------------------------------------------------
    def _send_audio(self, upto_s: float, pad: bool = False) -> None:
        """Hand the mixed audio up to ``upto_s`` to the encoder, in whole AAC frames."""
        with self._audio_lock:
            want = round(upto_s * AUDIO_RATE) - self._audio_sent
            frames = (math.ceil if pad else math.floor)(want / AUDIO_FRAME)
            n = frames * AUDIO_FRAME
            if n <= 0:
                return
            chunk = self._mix[:n]
            if chunk.size < n:
                chunk = np.concatenate([chunk, np.zeros(n - chunk.size, np.float32)])
            self._mix = self._mix[n:]
            start = self._audio_sent
            self._audio_sent += n
        self._put(("audio", start, np.clip(chunk, -1.0, 1.0)))

    # ---- the encoder thread --------------------------------------------------------------------
    def _put(self, item: tuple[str, int, NDArray[Any]] | None) -> None:
        self._queue.put(item)

    def _failure(self, doing: str, error: BaseException) -> OutputError:
        """One line: what failed and where what was recorded is (it plays up to there)."""
        where = self.written_to or self.path
        kept = ("what was recorded up to then plays" if where == self.path
                else f"what was recorded up to then is in {printable(where)}")
        return OutputError(f"{doing} {printable(self.path)}: {_reason(error)} ({kept})")

    def _raise_worker_error(self) -> None:
        if self._error is not None and not self._reported:
            self._reported = True
            raise self._failure("cannot write the video", self._error) from self._error

    def _work(self) -> None:
        """Encode and write until the stop marker; after an error, keep taking items (so the
        caller never blocks) and leave the error for the caller."""
        import av

        synced_at = 0.0
        while True:
            item = self._queue.get()
            if self._error is not None:
                if item is None:
                    return
                continue
            try:
                if item is None:
                    self._flush_encoders()
                    return
                kind, pts, data = item
                if kind == "video":
                    frame = av.VideoFrame.from_ndarray(data, format="yuv420p")
                    frame.pts = pts
                    self._container.mux(self._vstream.encode(frame))
                    now = float(pts / self._rate)
                    if now - synced_at >= FSYNC_EVERY_S:
                        synced_at = now
                        self._sync()
                else:
                    for i in range(0, data.size, AUDIO_FRAME):
                        part = data[i:i + AUDIO_FRAME].reshape(1, -1)
                        aframe = av.AudioFrame.from_ndarray(part, format="fltp",
                                                            layout="mono")
                        aframe.sample_rate = AUDIO_RATE
                        aframe.pts = pts + i
                        self._mux_audio(self._astream.encode(aframe))
            except Exception as exc:
                log.debug("video encoder thread failed", exc_info=True)
                self._error = exc
                if item is None:
                    return

    def _mux_audio(self, packets: list[Any]) -> None:
        """Mux AAC packets, leaving out the encoder's priming packet (before time 0): with it
        the muxer would shift every stream by its 21 ms, and the video's frame rate with it.
        The sound's own samples keep their times, so a sound lands on its picture; only the
        first 21 ms of the track, where nothing has played yet, decode faded in."""
        self._container.mux([p for p in packets if p.pts is None or p.pts >= 0])

    def _flush_encoders(self) -> None:
        self._container.mux(self._vstream.encode(None))
        if self._astream is not None:
            self._mux_audio(self._astream.encode(None))
        self._container.close()
        self._container = None

    def _sync(self) -> None:
        if self._fd is not None:
            os.fsync(self._fd)

    # ---- finishing -----------------------------------------------------------------------------
    def _finish_file(self) -> None:
        assert self._fd is not None and self.written_to is not None
        error = self._error
        try:
            if self._container is not None:        # the thread failed before closing it
                with contextlib.suppress(Exception):
                    self._container.close()
                self._container = None
            if error is None:
                os.fsync(self._fd)
                os.fchmod(self._fd, PRIVATE_MODE)
                st = os.fstat(self._fd)
                if not stat.S_ISREG(st.st_mode):
                    error = OSError("the file was replaced by something else")
                elif self._replaces:
                    check_output(self.path, self.inputs)
                    self.written_to.replace(self.path)
                    self.written_to = self.path
                    fsync_folder(self.path.parent)
        except OSError as exc:
            error = exc
        finally:
            self._close_fd()
        if self._late_sounds:
            log.info("%d sounds reached the recording late", self._late_sounds)
        if error is not None and not (error is self._error and self._reported):
            raise self._failure("cannot finish the video", error) from error

    def _discard(self) -> None:
        """Remove the file made for a recording that could not start."""
        self._close_fd()
        if self.written_to is not None:
            with contextlib.suppress(OSError):
                self.written_to.unlink()
            self.written_to = None

    def _close_fd(self) -> None:
        if self._file is not None:
            with contextlib.suppress(OSError):
                self._file.close()
            self._file = None
        if self._fd is not None:
            with contextlib.suppress(OSError):
                os.close(self._fd)
            self._fd = None

