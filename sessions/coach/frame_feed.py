"""Where the live loop gets frames: a capture thread that keeps only the newest frame
(stale frames are dropped, never queued), or frames straight from an iterator (the demo)."""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Protocol

from pose.estimation.sources import Frame

Clock = Callable[[], float]


@dataclass(frozen=True)
class Captured:
    """A frame and the moment (loop clock) it was captured."""

    frame: Frame
    captured_at: float


class Link(Protocol):
    """A source that reconnects by itself (a network camera): whether its picture is lost
    right now, and how to make it stop trying."""

    @property
    def lost(self) -> bool: ...
    def cancel(self) -> None: ...


class FrameFeed(Protocol):
    """Where the loop gets frames."""

    live: bool          # True: a camera, whose ending means the camera was lost
    lossless: bool      # True: every frame is delivered (nothing is ever dropped)
    dropped: int
    error: BaseException | None
    link: Link | None   # set for a source that reconnects: it, not the loop, decides "lost"

    @property
    def ended(self) -> bool: ...

    def start(self) -> None: ...
    def open_gate(self) -> None: ...
    def latest(self) -> Captured | None: ...
    def get(self, timeout_s: float) -> Captured | None: ...
    def stop(self) -> None: ...


def opened(source: Iterable[Frame]) -> Iterator[Frame]:
    """Open ``source`` here and now, reading its first frame on this thread, and return an
    iterator over all its frames (the first included) to hand to a capture thread.

    Opening on the main thread surfaces "no camera at index N" and the like before anything
    else starts, and lets the source keep the native library's chatter out of the terminal
    (fd 2 can only be captured safely on the main thread). Raises what the source raises;
    an empty source gives an empty iterator.
    """
    it = iter(source)
    try:
        first = next(it)
    except StopIteration:
        return iter(())
    return itertools.chain((first,), it)


class LatestFrameGrabber:
    """Reads a frame source on its own thread and keeps only the newest frame.

    ``paced=True`` plays a file at its own frame rate (as a camera would deliver it).
    ``gated=True`` holds the source before its first frame until :meth:`open_gate`.
    ``link``: the source's reconnection state, when it reconnects by itself.
    """

    lossless = False

    def __init__(self, source: Iterable[Frame], *, live: bool, paced: bool = False,
                 gated: bool = False, clock: Clock = time.monotonic,
                 link: Link | None = None) -> None:
        self.source = source
        self.live = live
        self.link = link
        self.paced = paced
        self.clock = clock
        self.dropped = 0
        self.error: BaseException | None = None
        self._gate = threading.Event()
        if not gated:
            self._gate.set()
        self._cond = threading.Condition()
        self._slot: Captured | None = None
        self._last: Captured | None = None
        self._ended = False
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="rocking-capture", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def open_gate(self) -> None:
        self._gate.set()

    def _run(self) -> None:
        it: Iterator[Frame] | None = None
        try:
            while not self._gate.wait(0.1):
                if self._stop.is_set():
                    return
            it = iter(self.source)
            start_wall: float | None = None
            start_t = 0.0
            for frame in it:
                if self._stop.is_set():
                    break
                if self.paced:
                    if start_wall is None:
                        start_wall, start_t = self.clock(), frame.t_s
                    delay = start_wall + (frame.t_s - start_t) - self.clock()
                    if delay > 0 and self._stop.wait(delay):
                        break
                with self._cond:
                    if self._slot is not None:
                        self.dropped += 1
                    self._slot = self._last = Captured(frame, self.clock())
                    self._cond.notify_all()
        except BaseException as exc:  # noqa: BLE001 - handed to the loop, which reports it
            self.error = exc
        finally:
            close = getattr(it, "close", None)
            if close is not None:
                close()      # a generator source releases its device in its finally
            with self._cond:
                self._ended = True
                self._cond.notify_all()

    @property
    def ended(self) -> bool:
        """The source has ended (or failed): no more frames will come."""
        with self._cond:
            return self._ended

    def latest(self) -> Captured | None:
        """The newest frame seen, without taking it (for a background picture)."""
        with self._cond:
            return self._last

    def get(self, timeout_s: float) -> Captured | None:
        """The newest frame not yet taken; None when the source ended or gave nothing in time."""
        with self._cond:
            self._cond.wait_for(lambda: self._slot is not None or self._ended, timeout_s)
            cap, self._slot = self._slot, None
            return cap

    def stop(self) -> None:
        self._stop.set()
        self._gate.set()
        if self.link is not None:
            self.link.cancel()        # no more reconnection attempts (nor waits between them)
        if self._thread.is_alive():
            self._thread.join(2.0)


class DirectFeed:
    """Frames straight from an iterator, none dropped (the demo, tests)."""

    live = False
    lossless = True
    dropped = 0
    error: BaseException | None = None
    link: Link | None = None

    def __init__(self, frames: Iterable[Frame], clock: Clock = time.monotonic) -> None:
        self._it = iter(frames)
        self._last: Captured | None = None
        self.clock = clock
        self.ended = False

    def start(self) -> None:
        pass

    def open_gate(self) -> None:
        pass

    def latest(self) -> Captured | None:
        return self._last

    def get(self, timeout_s: float) -> Captured | None:
        try:
            frame = next(self._it)
        except StopIteration:
            self.ended = True
            return None
        except Exception as exc:  # noqa: BLE001 - reported by the loop
            self.error = exc
            self.ended = True
            return None
        self._last = Captured(frame, self.clock())
        return self._last

    def stop(self) -> None:
        close = getattr(self._it, "close", None)
        if close is not None:
            close()
