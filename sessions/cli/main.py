"""The `rocking` command line: one argparse parser, a sub-command per module."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from importlib import import_module
from typing import NoReturn

from sessions.cli.options import add_db_option
from sessions.errors import UserError
from sessions.output.private_files import printable
from sessions.version import __version__

# Each module exposes register(subparsers) and sets a `func(args) -> int` default on its parser.
COMMAND_MODULES: tuple[str, ...] = (
    "sessions.cli.analyze",
    "sessions.cli.review",
    "sessions.cli.live",
    "sessions.cli.demo",
)


class Parser(argparse.ArgumentParser):
    """argparse, with a mistake on the command line told in one line (not the whole usage)."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"rocking: error: {printable(message)} (see `{self.prog} --help`)\n")


def build_parser() -> argparse.ArgumentParser:
    """The full parser with every sub-command registered."""
    parser = Parser(
        prog="rocking",
        description="A webcam coach for slow hands-and-knees rocking, for lower-back relief. "
        "Not medical advice: stop if pain increases.",
    )
    parser.add_argument("--version", action="version", version=f"rocking {__version__}")
    parser.add_argument("-v", "--verbose", action="count", default=0,
                        help="show diagnostic messages (-vv for debug)")
    add_db_option(parser, top_level=True)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        import_module(name).register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    level = {0: logging.WARNING, 1: logging.INFO}.get(args.verbose, logging.DEBUG)
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    if getattr(args, "func", None) is None and "sessions.cli.live" in COMMAND_MODULES:
        # plain `rocking` (top-level options only) runs the live session
        args = parser.parse_args([*(sys.argv[1:] if argv is None else argv), "live"])
    func = getattr(args, "func", None)
    if func is None:
        parser.print_help()
        return 0
    try:
        return int(func(args))
    except UserError as exc:
        sys.stderr.write(f"rocking: error: {printable(str(exc))}\n")
        return exc.exit_code
    except KeyboardInterrupt:
        sys.stderr.write("rocking: interrupted\n")
        return 130
    except BrokenPipeError:
        return closed_pipe()


def closed_pipe() -> int:
    """The reader of our output went away (``rocking review | head -1``): end quietly, as a
    program killed by SIGPIPE would, without a traceback or a second error at exit."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):  # no real stdout (captured by a test, say)
        pass
    return 141


if __name__ == "__main__":
    raise SystemExit(main())
