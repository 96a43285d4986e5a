"""The demo: a simulated body coached through a whole session, drawn as a labelled stick figure."""

from __future__ import annotations

import argparse

from sessions.cli import UserError


def run_demo(args: argparse.Namespace) -> int:
    """Run the demo session (see `rocking demo --help`)."""
    raise UserError("the demo needs pose.simulate, which is not in this build yet")
