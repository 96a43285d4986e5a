"""The coach's own words for the stages of a session (the screen shows them, the voice may say
them): set-up, the start position's checklist, the countdown, the pacer, a warning's advice.

What is said about each warning, posture fault and verdict is in the one table of
``pose.messages``, which the analysis's report reads too. Plain words a person on the floor can
act on: what to change, in seconds and body parts, never the analysis's internal units. The
overlay's fonts are ASCII only: no dashes or curly quotes here.
"""

from __future__ import annotations

from pose.events import Fix, WarningKind
from sessions.coach.plan import PacerPhase

# ---- set-up (before the start position; the posture faults' own: pose.messages) ---------------
MORE_LIGHT = "More light, please"
LOOKING = "Looking for you..."

# ---- the start position (tabletop) --------------------------------------------------------------
#: The checklist's lines, in order: (label, which fact of the tabletop check).
CHECKLIST_LABELS: tuple[tuple[str, str], ...] = (
    ("Hands under shoulders", "hands"),
    ("Knees under hips", "knees"),
    ("Back level", "back"),
)
#: What to change, for a fact not met.
FIX_CUES: dict[Fix, str] = {
    Fix.COME_FORWARD: "Come forward until your shoulders are over your hands",
    Fix.SHIFT_BACK: "Shift back until your shoulders are over your hands",
    Fix.HIPS_FORWARD: "Bring your hips forward until they are over your knees",
    Fix.HIPS_BACK: "Move your hips back until they are over your knees",
    Fix.LEVEL_BACK: "Level your back: hips and shoulders at the same height",
    Fix.UNKNOWN: "Get into the start position: hands and knees, back level",
}
START_HOLD = "Good. Hold still"
START_MEASURING = "Hold still: measuring your start position"

# ---- the countdown and the pacer ----------------------------------------------------------------
COUNTDOWN_TITLE = "Get ready"
COUNTDOWN_HOLD = "Hold still and get ready"
PACER_CUE: dict[PacerPhase, str] = {
    PacerPhase.BACK: "Breathe out, rock back",
    PacerPhase.FORWARD: "Breathe in, come forward",
}
PAUSED = "Press space to carry on"
KEY_HINT = "space: pause | q: end"

# ---- warnings (the banner of each kind: pose.messages.WARNINGS) ----------------------------
#: Which warning is shown first when several fire together (earlier = more useful): slowing
#: down is what stops a bounce, so "too fast" leads "jerky".
WARNING_ORDER: tuple[WarningKind, ...] = (
    WarningKind.OUT_OF_VIEW, WarningKind.WRONG_VIEW, WarningKind.LOST_POSITION,
    WarningKind.LIMB_LIFTED, WarningKind.TOO_FAST, WarningKind.JERKY,
)
BREATH = {PacerPhase.BACK: "on a long breath out", PacerPhase.FORWARD: "breathing in"}


def pace_advice(phase: PacerPhase, target_s: float) -> str:
    """What a rushed half-rep should take, e.g. ``Rock back over about 4 s, on a long breath
    out`` (said the moment the warning fires, before the half-rep's time is known)."""
    verb = "Rock back" if phase is PacerPhase.BACK else "Come forward"
    return f"{verb} over about {target_s:.0f} s, {BREATH[phase]}"


def pace_figures(phase: PacerPhase, took_s: float, target_s: float) -> str:
    """The half-rep's real time against the plan, e.g. ``You rocked back in 0.8 s: take about
    4 s, on a long breath out``."""
    verb = "rocked back" if phase is PacerPhase.BACK else "came forward"
    return f"You {verb} in {took_s:.1f} s: take about {target_s:.0f} s, {BREATH[phase]}"


JERKY_ADVICE = "Ease in and out of each turn"

# ---- the summary's advice (the voice says these lines too) ---------------------------------------
ADVICE_INTERRUPTED = "Session saved. Rest now, and stop if pain increases."
ADVICE_POSITION = "Keep both hands and knees planted, and rock only as far as is comfortable."
ADVICE_NO_REPS = "No reps counted. Check the set-up, then try again when you are ready."
ADVICE_WELL_DONE = "Well done. Rest a minute, then get up slowly."
ADVICE_SOURCE_ENDED = "The video ended before the plan did."
# Name the reason: after "Tempo: 6.9s a rep", a bare "slower next time" reads as contradictory.
ADVICE_SLOWER = "next time follow the pacer, a long breath out as you rock back."


def advice_forceful(forceful_reps: int) -> str:
    """E.g. ``2 reps were too forceful: next time follow the pacer, ...``."""
    were = "1 rep was" if forceful_reps == 1 else f"{forceful_reps} reps were"
    return f"{were} too forceful: {ADVICE_SLOWER}"


def advice_rushed(too_fast: int, jerky: int) -> str:
    """E.g. ``The rocking got too fast and jerky (3 times): next time follow the pacer, ...``."""
    what = " and ".join(name for name, n in (("too fast", too_fast), ("jerky", jerky)) if n)
    rushed = too_fast + jerky
    times = "once" if rushed == 1 else f"{rushed} times"
    return f"The rocking got {what} ({times}): {ADVICE_SLOWER}"

# ---- the posture line and the last rep ----------------------------------------------------------
REP_GOOD, REP_QUICK, REP_SLOW = "good pace", "too quick", "slow"


def rep_figures(period_s: float, back_s: float, forward_s: float) -> str:
    """The last rep's times, e.g. ``Last rep 6.8 s (4.0 back / 2.8 fwd)``."""
    return f"Last rep {period_s:.1f} s ({back_s:.1f} back / {forward_s:.1f} fwd)"

# ---- the picture itself (a phone as the camera) -------------------------------------------------
PHONE_LOST = "Lost the phone's picture: reconnecting"
PHONE_LOST_DETAIL = "Check that the phone's camera app is open and on the same Wi-Fi"
