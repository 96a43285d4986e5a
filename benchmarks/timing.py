"""What the benchmarks share: timing a call (importable from any benchmark run as a script,
whose own folder is first on the path)."""

from __future__ import annotations

import time
from collections.abc import Callable


def best_of(fn: Callable[[], object], n: int = 5) -> float:
    """The quickest of ``n`` timed calls of ``fn``, in seconds (the least disturbed by a busy
    machine)."""
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)
