"""The demo session without its pictures, for tests of what it plays."""

from __future__ import annotations

import numpy as np
import pytest

import sessions.coach.demo_body


def small_pictures(mp: pytest.MonkeyPatch) -> None:
    """The figure is not drawn and the canvas is tiny: only the sound and the pictures' times
    matter (the simulated body and its analysis are the demo's own). About 0.6 s of CPU for
    the whole demo session instead of 5."""
    mp.setattr(sessions.coach.demo_body, "render_body",
               lambda record, label="": np.zeros((72, 128, 3), np.uint8))
    mp.setattr(sessions.coach.demo_body, "WIDTH", 128)
    mp.setattr(sessions.coach.demo_body, "HEIGHT", 72)
