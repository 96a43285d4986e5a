"""The real estimator's records for the shared clips and photos, cached on disk between runs.

Running MediaPipe over every clip frame costs most of a test run, and the result only changes
when the file, the model or the estimation code changes. The cache key holds all three: the
file's SHA-256, the model's SHA-256, the number of people looked for, and a hash of the source of
the modules that turn pixels into records (pose/estimation/*.py, pose/record.py and the segments
of sessions/cli/segments.py). Anything else
is recomputed. Entries are .npz files in ``$ROCKING_TEST_CACHE`` or ``~/.cache/rocking/
test-landmarks``, written atomically; an entry being computed is locked, so parallel test runs
and test workers share them and never compute one twice.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import tempfile
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from pose.estimation import model_files
from pose.record import PoseRecord

ROOT = Path(__file__).resolve().parents[2]
#: The code whose change invalidates every entry.
PIPELINE_CODE = (*sorted((ROOT / "pose" / "estimation").glob("*.py")), ROOT / "pose" / "record.py",
                 ROOT / "sessions" / "cli" / "segments.py")


def cache_dir() -> Path:
    """Where entries are kept."""
    env = os.environ.get("ROCKING_TEST_CACHE")
    return Path(env) if env else Path.home() / ".cache" / "rocking" / "test-landmarks"


@cache
def _file_sha(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


@cache
def _code_sha() -> str:
    h = hashlib.sha256()
    for path in PIPELINE_CODE:
        h.update(path.name.encode())
        h.update(path.read_bytes())
    return h.hexdigest()


def key(path: Path, model: model_files.ModelBytes, people: int) -> str:
    """The cache key of one file's records."""
    parts = (_file_sha(path.resolve()), hashlib.sha256(model.data).hexdigest(), str(people),
             f"workers={WORKERS}", _code_sha())
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:32]


#: Videos are estimated as `rocking analyze` estimates them on a machine with this many cores
#: (sessions/cli/segments.py), whatever the test machine has, so that entries are the same.
WORKERS = 2


def _estimate(path: Path, model: model_files.ModelBytes, people: int) -> list[PoseRecord]:
    from pose.estimation.estimator import PoseEstimator
    from pose.estimation.sources import open_source
    from sessions.cli.segments import estimates

    source = open_source(path)
    with PoseEstimator(model, max_people=people) as estimator:
        if source.is_still:
            return [estimator.process(frame) for frame in source]
        found = estimates(source, estimator, workers=WORKERS,
                          open_more=lambda: PoseEstimator(model, max_people=people))
        return [record for _, record in found]


def _save(target: Path, records: list[PoseRecord]) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    arrays: dict[str, Any] = {
        "t": np.array([r.t_s for r in records]),
        "size": np.array([(r.width, r.height) for r in records], dtype=np.int64),
        "image": np.stack([r.image for r in records]),
        "visibility": np.stack([r.visibility for r in records]),
        "world": np.stack([r.world for r in records]),
    }
    fd, tmp = tempfile.mkstemp(dir=target.parent, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            np.savez(fh, **arrays)
        Path(tmp).replace(target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _load(source: Path) -> list[PoseRecord]:
    with np.load(source) as z:
        return [PoseRecord(float(t), int(w), int(h), image, vis, world)
                for t, (w, h), image, vis, world in zip(
                    z["t"], z["size"], z["image"], z["visibility"], z["world"], strict=True)]


@contextlib.contextmanager
def _locked(entry: Path) -> Iterator[None]:
    """Hold the entry's lock file: one process computes an entry while the others wait for it."""
    entry.parent.mkdir(parents=True, exist_ok=True)
    with entry.with_suffix(".lock").open("a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _cached(entry: Path) -> list[PoseRecord] | None:
    if not entry.exists():
        return None
    try:
        return _load(entry)
    except (OSError, ValueError, KeyError):
        entry.unlink(missing_ok=True)        # a damaged entry: compute it again
        return None


def records(path: Path, model: model_files.ModelBytes, people: int = 1) -> list[PoseRecord]:
    """Every frame's record of a video (or the one of an image), from the cache when it holds
    them, else from the real estimator (and then stored)."""
    entry = cache_dir() / f"{path.stem}-{key(path, model, people)}.npz"
    found = _cached(entry)
    if found is not None:
        return found
    with _locked(entry):
        found = _cached(entry)                 # another worker may have just computed it
        if found is not None:
            return found
        out = _estimate(path, model, people)
        _save(entry, out)
        return out
