"""Session databases in awkward states, for tests of what is kept when the database fails."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def locked(db: Path) -> Iterator[None]:
    """Another connection holds an exclusive write lock on ``db`` while the block runs (as a
    second process stuck mid-transaction would): every write to it waits, then fails."""
    blocker = sqlite3.connect(db, isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")
    try:
        yield
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
