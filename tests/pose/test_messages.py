"""The one table of what the person is told (pose.messages): complete, plain ASCII, and the only
place its words are written."""

from __future__ import annotations

import pytest
from helpers.paths import PROJECT_ROOT
from helpers.source_strings import spelled_out_elsewhere

from pose import messages
from pose.analysis.alerts import AlertInputs, AlertMonitor
from pose.analysis.posture import FAULTS as PRIORITY
from pose.analysis.posture import judge
from pose.events import Fault, Verdict, WarningKind


def _texts() -> set[str]:
    out: set[str | None] = set()
    for w in messages.WARNINGS.values():
        out |= {w.report, w.banner, w.spoken}
    for f in messages.FAULTS.values():
        out |= {f.report, f.setup}
    for v in messages.VERDICTS.values():
        out |= {v.posture, v.report, v.setup}
    return {t for t in out if t}


def test_every_warning_fault_and_verdict_has_its_words() -> None:
    assert set(messages.WARNINGS) == set(WarningKind)
    assert set(messages.FAULTS) == set(Fault)
    assert set(messages.VERDICTS) == set(Verdict)
    assert set(PRIORITY) == set(Fault) - {Fault.NO_PERSON}
    for verdict in Verdict:      # a verdict without words of its own speaks by its faults
        assert messages.VERDICTS[verdict].report or not verdict.in_position


@pytest.mark.parametrize("text", sorted(_texts()))
def test_words_are_plain_ascii_for_the_overlay_fonts(text: str) -> None:
    assert text.isascii() and text == text.strip(), text


def test_set_up_instructions() -> None:
    assert messages.setup_line(Fault.WRONG_VIEW) == messages.TURN_SIDE_ON
    assert messages.setup_line(Verdict.NO_PERSON) == messages.setup_line(Fault.NO_PERSON)
    with pytest.raises(ValueError, match="hand_lifted"):
        messages.setup_line(Fault.HAND_LIFTED)
    with pytest.raises(ValueError, match="on_all_fours"):
        messages.setup_line(Verdict.ON_ALL_FOURS)


def test_the_analysis_says_the_tables_words() -> None:
    assert judge(None).message == messages.FAULTS[Fault.NO_PERSON].report
    monitor = AlertMonitor()
    raised = monitor.update(AlertInputs(
        t_s=0.0, calibrated=True, in_position=True, limb_lifted=False, person=True,
        out_of_view=False, wrong_view=False, speed=9.0, accel=0.0))
    (warning,) = raised
    assert warning.kind is WarningKind.TOO_FAST
    assert warning.message == f"{messages.WARNINGS[WarningKind.TOO_FAST].report} " \
                              f"({warning.figure})"


def test_the_words_are_written_in_one_place() -> None:
    """A sentence written twice drifts: no other module spells out a line of the table (with or
    without its full stop); they read it from ``pose.messages``."""
    found = spelled_out_elsewhere(_texts(), PROJECT_ROOT / "pose" / "messages.py")
    assert not found, found


def test_kinds_are_shown_by_their_saved_names_in_words() -> None:
    assert messages.in_words(WarningKind.TOO_FAST) == "too fast"
    assert messages.in_words(Verdict.NOT_ON_ALL_FOURS) == "not on all fours"
    assert messages.in_words("out_of_view") == "out of view"     # as read back from a report
