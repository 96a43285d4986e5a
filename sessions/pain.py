"""The pain check-in: a 0-10 rating of back pain before and after a session, and what the
person is told about it (the practitioner's advice: stop if pain increases).

Pure rules and wording, shared by the coach (which asks) and the history (which shows).
"""

from __future__ import annotations

from enum import StrEnum

PAIN_MAX = 10
QUESTION_BEFORE = "How is your back right now?"
QUESTION_AFTER = "How is your back now?"
SCALE = "0 = no pain, 10 = the worst you can imagine"
KEYS = "Press a number (1 then 0 for 10), or space to skip"


class PainChange(StrEnum):
    """How the pain changed over a session (both ratings given)."""

    UP = "up"
    DOWN = "down"
    SAME = "same"


def pain_change(before: int | None, after: int | None) -> PainChange | None:
    """Up, down or the same; None unless both ratings were given."""
    if before is None or after is None:
        return None
    if after > before:
        return PainChange.UP
    return PainChange.DOWN if after < before else PainChange.SAME


def pain_went_up(before: int | None, after: int | None) -> bool:
    """Both ratings given and the pain is higher after the session."""
    return pain_change(before, after) is PainChange.UP


def pain_message(before: int | None, after: int | None) -> str | None:
    """What the summary says about the check-in; None when there is nothing to say."""
    change = pain_change(before, after)
    if change is PainChange.UP:
        return (f"Your pain went up from {before} to {after}: stop for today, and if it "
                "keeps happening, see your practitioner.")
    if change is PainChange.DOWN:
        return f"Your pain went down from {before} to {after}."
    if change is PainChange.SAME:
        return f"Your pain stayed at {after}."
    return None


def fmt_pain(before: int | None, after: int | None) -> str:
    """The check-in as "3 → 5" ("–" for a rating not given, "–" alone for neither)."""
    if before is None and after is None:
        return "–"
    return f"{'–' if before is None else before} → {'–' if after is None else after}"


# --- the check-in itself (no clock: the caller passes the seconds since the question appeared) --
TIMEOUT_S = 10.0   # no answer this long: skipped (never holds the session up)
SHOWN_S = 1.5      # a rating stays on screen this long, so the person sees what was taken
SKIP_KEY = " "


class PainCheckIn:
    """One question, answered with one key press: a digit rates 0-9; "1" then "0" while the 1 is
    still on screen makes 10 (the 1 is taken at once, so a 1 costs no extra wait; 10 is the rare
    end of the scale, so it takes the second key); space skips; no answer in ``timeout_s`` skips.

    Why not a dedicated key for 10: a person kneeling by the keyboard finds digits by their
    place in the row; "1 0" reads as ten, where any other key would have to be learnt.
    """

    def __init__(self, timeout_s: float = TIMEOUT_S, shown_s: float = SHOWN_S) -> None:
        self.timeout_s = timeout_s
        self.shown_s = shown_s
        self.rating: int | None = None
        self.skipped = False
        self._rated_s: float | None = None
        self._elapsed_s = 0.0

    def key(self, char: str, elapsed_s: float) -> None:
        """A key pressed ``elapsed_s`` after the question appeared."""
        self._elapsed_s = max(self._elapsed_s, elapsed_s)
        if self.done(elapsed_s):
            return
        if char == SKIP_KEY and self.rating is None:
            self.skipped = True
        elif char.isdigit() and len(char) == 1:
            if self.rating == 1 and char == "0":
                self.rating = PAIN_MAX
            elif self.rating is None:
                self.rating = int(char)
            else:
                return   # one rating: a second digit (other than 1-0) changes nothing
            self._rated_s = elapsed_s

    def skip(self) -> None:
        """Skip the question (space, Enter, or the screen was closed)."""
        if self.rating is None:
            self.skipped = True
        else:
            self._rated_s = float("-inf")   # rated: nothing more to wait for

    def done(self, elapsed_s: float) -> bool:
        """Answered (and shown long enough), skipped, or timed out."""
        self._elapsed_s = max(self._elapsed_s, elapsed_s)
        if self.skipped:
            return True
        if self._rated_s is not None:
            return elapsed_s - self._rated_s >= self.shown_s
        return elapsed_s >= self.timeout_s

    def remaining_s(self) -> float:
        """Seconds left before an unanswered question is skipped."""
        return max(0.0, self.timeout_s - self._elapsed_s)
