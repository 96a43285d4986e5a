"""Shared pieces of the reliability tests: the in-process CLI, a planted victim file."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from sessions.cli.main import main

RunCli = Callable[..., tuple[int, str, str]]


@pytest.fixture
def run_cli(capsys: pytest.CaptureFixture[str]) -> RunCli:
    """``rocking ARGS...`` in this process: (exit status, stdout, stderr)."""

    def run(*args: str | os.PathLike[str]) -> tuple[int, str, str]:
        try:
            code = main([os.fspath(a) for a in args])
        except SystemExit as exc:  # argparse
            code = exc.code if isinstance(exc.code, int) else 1
        out = capsys.readouterr()
        return code, out.out, out.err

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
