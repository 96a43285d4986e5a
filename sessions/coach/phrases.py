"""What the coach says aloud: every spoken phrase, by a stable id.

The phrases are rendered once, at development time, into small audio files that ship with the
package (``scripts/render_phrases.py``; see the README). A phrase's id names the file; its text
is what was rendered. Changing a text here without rendering it again fails a test.
Where the voice says what the screen says (set-up advice, what to change in the start position)
the text is the screen's line, from the one table of what is said about the posture
(``pose.messages``) or the coach's own words (``sessions.coach.words``); each warning's phrase
is in that same table, beside its banner (shorter than the screen's: the screen shows the
figures, the voice says what to do).
"""

from __future__ import annotations

from pose.events import Fault, Verdict, WarningKind
from pose.messages import WARNINGS, setup_line
from sessions.coach import words
from sessions.coach.plan import PacerPhase

# Numbers said in the countdown and the summary's rep count (1..MAX_SPOKEN_COUNT).
MAX_SPOKEN_COUNT = 30
_NUMBER_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
                 "ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen",
                 "seventeen", "eighteen", "nineteen", "twenty")


def number_words(n: int) -> str:
    """``21`` -> ``twenty-one`` (0..99)."""
    if not 0 <= n <= 99:
        raise ValueError(f"no words for {n}")
    if n <= 20:
        return _NUMBER_WORDS[n]
    tens = ("", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty",
            "ninety")[n // 10]
    return tens if n % 10 == 0 else f"{tens}-{_NUMBER_WORDS[n % 10]}"


#: The set-up instructions the voice says (the screen's line, as the coach shows it) -> the
#: phrase's id (which names its audio file).
SETUP_LINES: dict[str, str] = {
    setup_line(Verdict.NO_PERSON): "setup_step_into_view",
    setup_line(Fault.OUT_OF_VIEW): "setup_move_back",
    setup_line(Fault.WRONG_VIEW): "setup_turn_side_on",
    words.MORE_LIGHT: "setup_more_light",
    setup_line(Fault.CAMERA_TOO_HIGH): "setup_camera_lower",
    setup_line(Verdict.NOT_ON_ALL_FOURS): "setup_hands_and_knees",
    setup_line(Verdict.LIMB_LIFTED): "setup_limbs_down",
}
#: Each warning's phrase id (its text: ``pose.messages.WARNINGS``).
WARNING_PHRASE: dict[WarningKind, str] = {kind: f"warn_{kind.value}" for kind in WarningKind}

PHRASES: dict[str, str] = {
    # the safety screen
    "safety": ("Only do this if you can get up and down off the floor. "
               "Start slowly, and stop if pain increases."),
    # the pain check-in (live, with a window: before the set-up and before the summary)
    "pain_before": ("How is your back right now? Press a number, zero for no pain, "
                    "up to ten for the worst."),
    "pain_after": "How is your back now? Press a number, zero to ten.",
    # set-up advice (as the screen says it)
    **{pid: line + "." for line, pid in SETUP_LINES.items()},
    # the start position checklist: the whole of it, then what to change (as the screen says)
    "start_position": "Hands under your shoulders, knees under your hips, back level.",
    **{f"fix_{fix.value}": text + "." for fix, text in words.FIX_CUES.items()},
    "hold_still": "Hold still.",
    # the countdown
    "count_3": "Three.",
    "count_2": "Two.",
    "count_1": "One.",
    # the pacer
    "pacer_back": words.PACER_CUE[PacerPhase.BACK] + ".",
    "pacer_forward": words.PACER_CUE[PacerPhase.FORWARD] + ".",
    "paused": "Paused.",
    # warnings (by WarningKind)
    **{WARNING_PHRASE[kind]: said.spoken for kind, said in WARNINGS.items()},
    # rep milestones
    "halfway": "Halfway there.",
    "last_one": "Last one.",
    # the summary
    "done_target": "That's all your reps. Session done.",
    "done_time": "Time's up. Session done.",
    "done_user": "Session done.",
    "done_interrupted": words.ADVICE_INTERRUPTED,
    "pain_went_up": ("Your pain went up. Stop for today, and if it keeps happening, "
                     "see your practitioner."),
    "pain_went_down": "Your pain went down.",
    "advice_forceful": "Some reps were too forceful. Next time, follow the pacer.",
    "advice_rushed": "The rocking got too fast. Next time, follow the pacer.",
    "advice_position": words.ADVICE_POSITION,
    "advice_no_reps": words.ADVICE_NO_REPS,
    "advice_well_done": words.ADVICE_WELL_DONE,
    **{f"reps_{n}": f"{number_words(n).capitalize()} {'rep' if n == 1 else 'reps'}."
       for n in range(1, MAX_SPOKEN_COUNT + 1)},
}

