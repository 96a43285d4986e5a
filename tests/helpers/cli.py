"""Running the `rocking` command line in the test process (fast), or as a real process (smoke).

``run_cli`` calls ``sessions.cli.main.main(argv)`` with stdout, stderr and stdin swapped for
buffers and the environment patched, and returns what a finished process would: the exit status
and the two streams. Use ``run_process`` where the process itself matters (native output on file
descriptor 2, signals, the installed console script).
"""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path

from helpers.paths import PROJECT_ROOT, ROCKING
from sessions.cli.main import main


class _Stdin(io.StringIO):
    """Standard input that says whether it is a terminal."""

    def __init__(self, text: str, tty: bool) -> None:
        super().__init__(text)
        self._tty = tty

    def isatty(self) -> bool:
        return self._tty


@contextlib.contextmanager
def _patched_env(env: Mapping[str, str] | None) -> Iterator[None]:
    if not env:
        yield
        return
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def run_cli(*args: str | Path, env: Mapping[str, str] | None = None, stdin: str | None = None,
            tty: bool = False) -> subprocess.CompletedProcess[str]:
    """Run ``rocking ARGS`` in this process; returns its exit status, stdout and stderr."""
    argv = [str(a) for a in args]
    out, err = io.StringIO(), io.StringIO()
    old_in = sys.stdin
    sys.stdin = _Stdin(stdin or "", tty)
    try:
        with _patched_env(env), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main(argv)
            except SystemExit as exc:   # argparse: --help, --version, usage errors
                code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
    finally:
        sys.stdin = old_in
    return subprocess.CompletedProcess(["rocking", *argv], code, out.getvalue(), err.getvalue())


def run_process(*args: str | Path, env: Mapping[str, str] | None = None,
                stdin: str | None = None, timeout: float = 300.0
                ) -> subprocess.CompletedProcess[str]:
    """Run ``rocking ARGS`` as a real process (this interpreter, ``-m sessions.cli.main``)."""
    return subprocess.run([*ROCKING, *map(str, args)], capture_output=True, text=True,
                          timeout=timeout, input=stdin, cwd=PROJECT_ROOT, check=False,
                          env={**os.environ, **(env or {})})
