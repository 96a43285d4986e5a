"""What the person is told about each warning, posture fault and verdict: the one table.

Every place that tells the person something about a warning or their posture reads it here: the
analysis (the message in the JSON report and the saved session, which the review shows), the
coach's screen (a warning's banner, a set-up instruction, the posture line) and its voice. It
lives in ``pose`` because the analysis, which is pure and imports nothing above it, writes the
report's messages; the coach reads the same rows. Its own words for the stages of a session
(the pacer, the checklist, the countdown) are in ``sessions.coach.words``.

Each row holds one wording per place, as each is read: the report's full sentence, the screen's
short line (large, read from the floor) and, for a warning, the spoken phrase (a set-up line is
said as the screen shows it, as a sentence). Spoken phrases ship as rendered audio, a file per
phrase (``sessions.coach.phrases`` gives each its id; the manifest keeps the text it was
rendered from): a changed one must be rendered again (``scripts/render_phrases.py``; a test
fails until it is).
ASCII only: the overlay's fonts have no dashes or curly quotes.
"""

from __future__ import annotations

from dataclasses import dataclass

from pose.events import Fault, Verdict, WarningKind


@dataclass(frozen=True)
class WarningWords:
    """What is said about one warning kind."""

    report: str      # the analysis's message (its figure, when it has one, follows in brackets)
    banner: str      # the coach's banner
    spoken: str      # the voice


@dataclass(frozen=True)
class FaultWords:
    """What is said about one posture fault."""

    report: str               # the posture check's message when this fault decides it
    setup: str | None = None  # the coach's set-up instruction (None: not a set-up fault)


@dataclass(frozen=True)
class VerdictWords:
    """What is said about one posture verdict."""

    posture: str              # the coach's posture line
    report: str | None = None  # the posture check's message (None: the first fault's instead)
    setup: str | None = None  # the coach's set-up instruction for it (None: nothing to fix)


TURN_SIDE_ON = "Turn side-on to the camera"
SMOOTHLY = "Smoothly, no bouncing"

WARNINGS: dict[WarningKind, WarningWords] = {
    WarningKind.TOO_FAST: WarningWords(
        "Slow down: rock back on a long breath out.", "Slow down",
        "Slower. Breathe with the pacer."),
    WarningKind.JERKY: WarningWords(
        "Smoothly: ease into and out of each rock, no bouncing.", SMOOTHLY, f"{SMOOTHLY}."),
    WarningKind.LOST_POSITION: WarningWords(
        "Position lost: hands and knees back on the floor.",
        "Position lost: hands and knees down", "Hands and knees back down."),
    WarningKind.LIMB_LIFTED: WarningWords(
        "Keep both hands and both knees on the floor.", "Keep hands and knees down",
        "Put your hand or knee back down."),
    WarningKind.OUT_OF_VIEW: WarningWords(
        "Move so your whole body is in the picture.", "Move back into view",
        "Come back into view."),
    WarningKind.WRONG_VIEW: WarningWords(
        f"{TURN_SIDE_ON}.", TURN_SIDE_ON, f"{TURN_SIDE_ON}."),
}

FAULTS: dict[Fault, FaultWords] = {
    Fault.NO_PERSON: FaultWords(
        "No one in view: get on your hands and knees side-on to the camera.",
        "Step into view, side-on to the camera"),
    Fault.OUT_OF_VIEW: FaultWords(
        "Move so your whole body is in the picture (hands, knees and feet).",
        "Move back so your hands and feet are in view"),
    Fault.WRONG_VIEW: FaultWords(
        f"{TURN_SIDE_ON}, so it sees you from the side.", TURN_SIDE_ON),
    Fault.CAMERA_TOO_HIGH: FaultWords(
        "Put the camera lower, near the floor: it looks down too steeply.",
        "Put the camera lower, near the floor"),
    Fault.TORSO_NOT_LEVEL: FaultWords("Get down on your hands and knees, back roughly level."),
    Fault.HANDS_NOT_DOWN: FaultWords("Put both hands on the floor under your shoulders."),
    Fault.KNEES_NOT_DOWN: FaultWords("Put both knees on the floor under your hips."),
    Fault.HAND_LIFTED: FaultWords("Put your hand back down on the floor."),
    Fault.KNEE_LIFTED: FaultWords("Put your knee back down on the floor."),
    Fault.HANDS_NOT_UNDER_SHOULDERS: FaultWords("Good. Bring your hands under your shoulders."),
    Fault.KNEES_NOT_UNDER_HIPS: FaultWords("Good. Bring your knees under your hips."),
    Fault.HIPS_AHEAD_OF_KNEES: FaultWords("Move your hips back over your knees."),
}

VERDICTS: dict[Verdict, VerdictWords] = {
    Verdict.ON_ALL_FOURS: VerdictWords("On hands and knees", "Good: hands and knees down."),
    Verdict.ROCKED_BACK: VerdictWords("Rocked back", "Rocked back: hands and knees stay down."),
    Verdict.LIMB_LIFTED: VerdictWords(
        "A hand or knee is lifted", setup="Put both hands and both knees on the floor"),
    Verdict.NOT_ON_ALL_FOURS: VerdictWords(
        "Not on hands and knees", setup="Get on your hands and knees"),
    Verdict.NO_PERSON: VerdictWords("Nobody in view", FAULTS[Fault.NO_PERSON].report,
                                    FAULTS[Fault.NO_PERSON].setup),
}


def setup_line(what: Fault | Verdict) -> str:
    """The coach's set-up instruction for a fault or a verdict (ValueError when it has none)."""
    line = FAULTS[what].setup if isinstance(what, Fault) else VERDICTS[what].setup
    if line is None:
        raise ValueError(f"no set-up instruction for {what!r}")
    return line


def in_words(name: str) -> str:
    """The short name a summary, the review or a plot shows for a warning kind, a verdict or a
    fault (each an enum whose value is its saved name): ``too_fast`` -> ``too fast``."""
    return str(name).replace("_", " ")
