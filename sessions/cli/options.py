"""Command-line options shared by several commands, defined once.

``--db`` is accepted before or after the command (``rocking --db X review`` and ``rocking review
--db X``): the top-level parser defines it with a default, each sub-command defines it again with
``default=SUPPRESS`` so that giving it only before the command is not overwritten by the
sub-command's default.
"""

from __future__ import annotations

import argparse
from pathlib import Path

DB_HELP = "session database (default: $ROCKING_DB or the user data folder)"


def add_db_option(parser: argparse.ArgumentParser, *, top_level: bool = False) -> None:
    """``--db PATH``; the top-level parser holds the default, sub-commands only override it."""
    parser.add_argument("--db", type=Path, metavar="PATH", help=DB_HELP,
                        default=None if top_level else argparse.SUPPRESS)


def people(text: str) -> int:
    """``--people``: how many people MediaPipe looks for (1 to 3)."""
    if text not in ("1", "2", "3"):
        raise argparse.ArgumentTypeError("must be 1, 2 or 3")
    return int(text)


def add_model_options(parser: argparse.ArgumentParser, *, people_default: int,
                      people_help: str) -> None:
    """``--model`` and ``--people``."""
    from pose.estimation.model_files import DEFAULT_MODEL

    parser.add_argument("--model", type=str, default=DEFAULT_MODEL,
                        metavar="lite|full|heavy|PATH",
                        help="pose model: full is bundled; lite and heavy download on first use "
                        "(default: %(default)s)")
    parser.add_argument("--people", type=people, default=people_default, metavar="N",
                        help=f"{people_help} (default: %(default)s)")


def db_option(args: argparse.Namespace) -> str:
    """The ``--db`` given on this command line (before or after the command), for the hints the
    tool prints, so that following them reads the same database; "" when none was given (the
    default file or $ROCKING_DB, which the next command finds by itself)."""
    import shlex

    db = getattr(args, "db", None)
    return f" --db {shlex.quote(str(db))}" if db is not None and str(db) != "" else ""
