"""Where the tests find the project, the shared real data and the console script."""

from __future__ import annotations

import sys
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
REALDATA_DIR = PROJECT_ROOT.parent / "shared" / "realdata"
#: The `rocking` command as this interpreter runs it, whatever the install (venv, user, system).
ROCKING = (sys.executable, "-m", "sessions.cli.main")
