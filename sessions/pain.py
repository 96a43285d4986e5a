"""The pain check-in: a 0-10 rating of back pain before and after a session, and what the
person is told about it (the practitioner's advice: stop if pain increases).

Pure rules and wording, shared by the coach (which asks) and the history (which shows).
"""

from __future__ import annotations

PAIN_MAX = 10
QUESTION_BEFORE = "How is your back right now?"
QUESTION_AFTER = "How is your back now?"
SCALE = "0 = no pain, 10 = the worst you can imagine"
KEYS = "Press a number (1 then 0 for 10), or space to skip"


def pain_went_up(before: int | None, after: int | None) -> bool:
    """Both ratings given and the pain is higher after the session."""
    return before is not None and after is not None and after > before


def pain_message(before: int | None, after: int | None) -> str | None:
    """What the summary says about the check-in; None when there is nothing to say."""
    if pain_went_up(before, after):
        return (f"Your pain went up from {before} to {after}: stop for today, and if it "
                "keeps happening, see your practitioner.")
    if before is not None and after is not None:
        if after < before:
            return f"Your pain went down from {before} to {after}."
        return f"Your pain stayed at {after}."
    return None


def fmt_pain(before: int | None, after: int | None) -> str:
    """The check-in as "3 → 5" ("–" for a rating not given, "–" alone for neither)."""
    if before is None and after is None:
        return "–"
    return f"{'–' if before is None else before} → {'–' if after is None else after}"
