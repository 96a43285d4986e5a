"""The `rocking demo` command: a whole coached session of a simulated body, no camera.

    rocking demo [--out FILE.mp4] [--db PATH] [--headless] [--no-audio] [--no-voice]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from sessions.cli.live import (
    add_output_arguments,
    make_audio,
    recorder_factory,
    report,
    sound_options,
)
from sessions.cli.options import db_option
from sessions.output.private_files import FOLDER_MODE


def default_out() -> Path:
    """Where a display-less demo goes when no --out is given."""
    from sessions.history.store import default_data_dir

    folder = default_data_dir()
    folder.mkdir(mode=FOLDER_MODE, parents=True, exist_ok=True)   # private, as the store makes it
    return folder / "rocking-demo.mp4"


def run_demo(args: argparse.Namespace) -> int:
    """Run the demo session (see `rocking demo --help`)."""
    from sessions.coach.demo_body import DEMO_PLAN, FPS, demo_loop
    from sessions.coach.displays import display_problem, open_display
    from sessions.history.store import SessionStore

    headless = args.headless
    if not headless and display_problem() is not None:
        headless = True
        sys.stderr.write("rocking: no display here, so the demo is recorded to a video\n")
    out = args.out if args.out is not None or not headless else default_out()
    with SessionStore.open(args.db) as store:
        display = open_display(headless, out, fullscreen=False, fps=FPS)
        sid: list[int] = []
        made: list[Any] = []
        recording = recorder_factory(store, sid, source="demo", detail="simulated",
                                     plan=DEMO_PLAN, model="none (simulated body)", made=made)
        loop = demo_loop(display, recording, paced=not headless,
                         audio=make_audio(args.no_audio or headless),   # no speaker: record it
                         sound=sound_options(args))
        result = loop.run()
        return report(result, sid[0] if sid else None, out, lost=bool(made) and made[0].lost,
                      db=db_option(args))


def register(subparsers: Any) -> None:
    """Add `demo` to the `rocking` command line."""
    d = subparsers.add_parser(
        "demo", help="watch a whole coached session of a simulated body (no camera)",
        description="A coached session with no camera: a simulated body sets up, calibrates, "
        "rocks steadily, then too fast (setting off the warnings), and the summary. It is "
        "saved as a demo session that `rocking review` shows. With no display it records to "
        "a video file and prints where.")
    add_output_arguments(d)
    d.set_defaults(func=run_demo)
