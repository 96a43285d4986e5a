"""The coach's own words (sessions.coach.words) are written there only: the screen and the voice
read them from it."""

from __future__ import annotations

from helpers.paths import PROJECT_ROOT
from helpers.source_strings import spelled_out_elsewhere

from sessions.coach import words


def _texts() -> set[str]:
    out: set[str] = set()
    for name, value in vars(words).items():
        if not name.isupper():
            continue
        if isinstance(value, str):
            out.add(value)
        elif isinstance(value, dict):
            out |= {v for v in value.values() if isinstance(v, str)}
        elif isinstance(value, tuple):
            out |= {label for row in value if isinstance(row, tuple)
                    for label in row[:1] if isinstance(label, str)}
    return out


def test_the_coach_words_are_written_in_one_place() -> None:
    texts = _texts()
    assert words.MORE_LIGHT in texts and words.ADVICE_WELL_DONE in texts
    assert words.PACER_CUE[next(iter(words.PACER_CUE))] in texts
    found = spelled_out_elsewhere(texts, PROJECT_ROOT / "sessions" / "coach" / "words.py")
    assert not found, found
