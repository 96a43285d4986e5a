"""Ctrl-C taken at safe points only.

Python raises ``KeyboardInterrupt`` wherever the main thread happens to be when SIGINT comes. Two
of those places go wrong in a pose run: inside a finalizer such as MediaPipe's ``Image.__del__``
the exception is printed as "Exception ignored" and lost, so the run goes on to the end as if the
person had not pressed Ctrl-C; and inside a MediaPipe call the Python side unwinds while the
library, on its own thread, still writes into the result it was handed. ``deferred_interrupts``
only notes the signal; the loop asks ``check()`` between frames, where raising is safe.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator
from types import FrameType


class PendingInterrupt:
    """Whether Ctrl-C was pressed since the block began; ``check`` raises it."""

    def __init__(self) -> None:
        self.pressed = False

    def note(self, signum: int, frame: FrameType | None) -> None:
        """The SIGINT handler: remember, raise nothing."""
        self.pressed = True

    def check(self) -> None:
        """Raise ``KeyboardInterrupt`` if Ctrl-C was pressed since the last time it was raised
        (call where that is safe)."""
        if self.pressed:
            self.pressed = False
            raise KeyboardInterrupt


@contextlib.contextmanager
def deferred_interrupts(*, late: bool = True) -> Iterator[PendingInterrupt]:
    """Within the block, SIGINT is noted instead of raised; call ``check()`` at safe points. On
    leaving normally, a Ctrl-C noted and not yet raised is raised then (``late``; else it is
    dropped: the block has ended what it does on Ctrl-C anyway). Where Ctrl-C is not
    Python's usual interrupt (ignored by the parent, another handler, not the main thread),
    nothing changes and ``check`` never raises."""
    pending = PendingInterrupt()
    if (threading.current_thread() is not threading.main_thread()
            or signal.getsignal(signal.SIGINT) is not signal.default_int_handler):
        yield pending
        return
    signal.signal(signal.SIGINT, pending.note)
    try:
        yield pending
    finally:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    if late:
        pending.check()
