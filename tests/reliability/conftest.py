"""Shared pieces of the reliability tests: the in-process CLI, a planted victim file."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

RunCli = Callable[..., tuple[int, str, str]]


@pytest.fixture
def run_cli() -> RunCli:
    """``rocking ARGS...`` in this process: (exit status, stdout, stderr)."""
    from helpers.cli import run_cli as run_in_process

    def run(*args: str | os.PathLike[str]) -> tuple[int, str, str]:
        done = run_in_process(*(os.fspath(a) for a in args))
        return done.returncode, done.stdout, done.stderr

    return run


@pytest.fixture
def victim(tmp_path: Path) -> Path:
    """A file someone else owns in spirit: links get planted to it; it must stay as it is."""
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    path = folder / "victim.txt"
    path.write_text("precious\n")
    path.chmod(0o640)
    return path


@pytest.fixture
def untouched(victim: Path) -> Callable[[], bool]:
    """True while the victim still holds its content and mode."""
    return lambda: (victim.read_text() == "precious\n"
                    and (victim.stat().st_mode & 0o777) == 0o640)
