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


@contextlib.contextmanager
def native_stderr_to_log(
    logger: logging.Logger = log, error_level: int = logging.ERROR
) -> Iterator[None]:
    """Capture everything written to fd 2 (by native code too) and pass it to ``logging``."""
    sys.stderr.flush()
    try:
        saved = os.dup(2)
    except OSError:  # no fd 2 at all: nothing to capture
        yield
        return
    with tempfile.TemporaryFile() as sink:
        os.dup2(sink.fileno(), 2)
        try:
            yield
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            sink.seek(0)
            forward_native_lines(sink.read().decode("utf-8", errors="replace"), logger,
                                 error_level)
