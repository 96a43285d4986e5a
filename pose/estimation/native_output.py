"""Routing what native code (MediaPipe, OpenCV, FFmpeg) writes to file descriptor 2 into logging.

Those libraries print INFO/WARNING chatter straight to the process's stderr, which neither
Python's ``sys.stderr`` nor GLOG environment variables control. Around the calls known to print,
``native_stderr_to_log`` points fd 2 at a temporary file and afterwards forwards each line:
error-looking lines at ``error_level`` (ERROR by default), the rest at DEBUG.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import sys
import tempfile
import threading
from collections.abc import Iterator

log = logging.getLogger(__name__)

_ERROR_LINE = re.compile(r"^\s*(?:[EF]\d{4}\s|(?:E|F|ERROR|FATAL)\s*:)|\bERROR\b|\bFATAL\b")


def forward_native_lines(
    text: str, logger: logging.Logger = log, error_level: int = logging.ERROR
) -> int:
    """Log captured native output: error-looking lines at ``error_level``, others at DEBUG.

    Returns how many lines looked like errors.
    """
    errors = 0
    for line in text.splitlines():
        if not line.strip():
            continue
        if _ERROR_LINE.search(line):
            logger.log(error_level, "native: %s", line.strip())
            errors += 1
        else:
            logger.debug("native: %s", line.strip())
    return errors


class NativeStderrCapture:
    """Points fd 2 at one temporary file around each ``capture()`` block; cheap enough to wrap
    every call of a frame loop (a few system calls). Forwards what was caught to ``logging``
    when the buffer grows past ``flush_bytes`` and on ``close()``."""

    def __init__(self, logger: logging.Logger = log, error_level: int = logging.ERROR,
                 flush_bytes: int = 1 << 16) -> None:
        self.logger = logger
        self.error_level = error_level
        self.flush_bytes = flush_bytes
        self._sink = tempfile.TemporaryFile()  # noqa: SIM115 (closed in close())

    @contextlib.contextmanager
    def capture(self) -> Iterator[None]:
        if threading.current_thread() is not threading.main_thread():
            # fd 2 belongs to the whole process: redirecting it from a worker thread (the live
            # loop reads frames on one) would swallow what other threads write meanwhile, and
            # two overlapping captures can leave fd 2 pointing at a temporary file for good.
            yield
            return
        sys.stderr.flush()
        try:
            saved = os.dup(2)
        except OSError:  # no fd 2 at all: nothing to capture
            yield
            return
        os.dup2(self._sink.fileno(), 2)
        try:
            yield
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            if self._sink.tell() >= self.flush_bytes:
                self.forward()

    def forward(self) -> None:
        """Log what was caught so far and empty the buffer."""
        size = self._sink.tell()
        if size == 0:
            return
        self._sink.seek(0)
        text = self._sink.read(size).decode("utf-8", errors="replace")
        self._sink.seek(0)
        self._sink.truncate()
        forward_native_lines(text, self.logger, self.error_level)

    def close(self) -> None:
        if not self._sink.closed:
            self.forward()
            self._sink.close()

    def __enter__(self) -> NativeStderrCapture:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@contextlib.contextmanager
def native_stderr_to_log(
    logger: logging.Logger = log, error_level: int = logging.ERROR
) -> Iterator[None]:
    """Capture everything written to fd 2 (by native code too) in this block, then log it."""
    with NativeStderrCapture(logger, error_level) as sink, sink.capture():
        yield
