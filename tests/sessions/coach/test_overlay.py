"""The drawing of the coach's view on plain arrays: banner, checklist, counter, text inside."""

from __future__ import annotations

from dataclasses import replace

import cv2
import numpy as np
import pytest

from pose.events import WarningKind
from sessions.coach.coach import (
    Advice,
    Banner,
    CheckItem,
    CoachView,
    EndReason,
    PacerView,
    Stage,
    Summary,
)
from sessions.coach.overlay import OK_GREEN, WARN_TEXT, WARNING_BG, CoachOverlay, fit_text
from sessions.coach.plan import PacerPhase

SIZES = [(480, 640), (720, 1280)]
LONG = ("This is a deliberately long instruction that would never fit on one line of a "
        "small frame, so it has to wrap over lines or shrink")

PACER = PacerView(0.5, 0.3, PacerPhase.BACK, "Breathe out, rock back", 2.0)
SUMMARY = Summary(8, 10, 192.0, 6.9, 4.0, 2.9,
                  ((WarningKind.TOO_FAST, 2), (WarningKind.JERKY, 1)),
                  "3 reps were too forceful: next time follow the pacer, a long breath out as you "
                  "rock back.",
                  Advice.FORCEFUL, EndReason.USER, forceful=3)
CHECKS = (CheckItem("Hands under shoulders", True), CheckItem("Knees under hips", False),
          CheckItem("Back level", True))
BANNER = Banner("Slow down", WarningKind.TOO_FAST, "1.90 (limit 1.20)")

VIEWS = {
    "safety": CoachView(0.0, Stage.SAFETY, "Before you start"),
    "setup": CoachView(0.0, Stage.SETUP, "Set-up", instruction=LONG, posture="Nobody in view"),
    "start": CoachView(0.0, Stage.START_POSITION, "Start position", instruction=LONG,
                       checklist=CHECKS),
    "countdown": CoachView(0.0, Stage.COUNTDOWN, "Get ready", instruction="Get ready",
                           countdown=3, target_reps=10),
    "rocking": CoachView(0.0, Stage.ROCKING, "Rocking", instruction="x", pacer=PACER, reps=123,
                         target_reps=500, last_rep="Last rep 6.8s (4.0 back / 2.8 fwd): good",
                         posture="On hands and knees", muted=True),
    "warning": CoachView(0.0, Stage.ROCKING, "Rocking", banner=Banner(LONG, WarningKind.JERKY,
                         "a detail line"), pacer=PACER, reps=3, target_reps=10),
    "paused": CoachView(0.0, Stage.ROCKING, "Paused", instruction="Press space", paused=True,
                        reps=3, target_reps=10),
    "summary": CoachView(0.0, Stage.SUMMARY, "Session done", summary=SUMMARY),
}


def grey(h: int, w: int) -> np.ndarray:
    img = np.full((h, w, 3), 128, np.uint8)
    img[:, : w // 2] = 180
    return img


@pytest.mark.parametrize(("h", "w"), [*SIZES, (1080, 1920), (2160, 3840)])
@pytest.mark.parametrize("name", sorted(VIEWS))
def test_text_stays_inside_the_frame(name: str, h: int, w: int) -> None:
    img = grey(h, w)
    boxes = CoachOverlay().draw(img, VIEWS[name])
    assert boxes, "something was written"
    for box in boxes:
        assert box.text.strip(), box
        assert 0 <= box.x0 < box.x1 <= w and 0 <= box.y0 < box.y1 <= h, box
        (tw, th), _ = cv2.getTextSize(box.text, cv2.FONT_HERSHEY_DUPLEX, 0.5, 1)
        assert tw > 0 and th > 0


@pytest.mark.parametrize(("h", "w"), SIZES)
def test_text_is_large_enough_to_read_across_a_room(h: int, w: int) -> None:
    """The main cue is at least ~5% of the frame height (readable at 2-3 m full screen)."""
    boxes = CoachOverlay().draw(grey(h, w), VIEWS["warning"])
    tallest = max(b.y1 - b.y0 for b in boxes)
    assert tallest >= 0.05 * h


@pytest.mark.parametrize(("h", "w"), SIZES)
def test_banner_appears_for_a_warning_and_not_otherwise(h: int, w: int) -> None:
    plain = VIEWS["rocking"]
    warned = CoachView(0.0, Stage.ROCKING, "Rocking", banner=BANNER, pacer=PACER, reps=123,
                       target_reps=500, posture="On hands and knees", muted=True)
    a, b = grey(h, w), grey(h, w)
    CoachOverlay().draw(a, plain)
    CoachOverlay().draw(b, warned)
    top = slice(0, h // 8)
    red = np.all(b[top] == np.array(WARNING_BG, np.uint8), axis=-1).mean()
    red_plain = np.all(a[top] == np.array(WARNING_BG, np.uint8), axis=-1).mean()
    assert red > 0.5 and red_plain == 0.0
    # the rest of the frame (the pacer at the bottom) is drawn the same way in both
    bottom = slice(h * 3 // 4, h)
    assert np.array_equal(a[bottom], b[bottom])


@pytest.mark.parametrize(("h", "w"), SIZES)
def test_checklist_ticks_match_the_items(h: int, w: int) -> None:
    img = grey(h, w)
    boxes = CoachOverlay().draw(img, VIEWS["start"])
    rows = [b for b in boxes if b.text in {c.label for c in CHECKS}]
    assert [b.text for b in rows] == [c.label for c in CHECKS]
    green = np.all(img == np.array(OK_GREEN, np.uint8), axis=-1)
    for item, row in zip(CHECKS, rows, strict=True):
        tick_box = green[row.y0:row.y1, : row.x0]      # the box left of the label
        assert bool(tick_box.sum() > 20) is item.ok, item


@pytest.mark.parametrize(("reps", "target"), [(0, 10), (7, 10), (123, 500)])
def test_counter_shows_reps_against_target(reps: int, target: int) -> None:
    view = CoachView(0.0, Stage.ROCKING, "Rocking", pacer=PACER, reps=reps, target_reps=target)
    texts = [b.text for b in CoachOverlay().draw(grey(480, 640), view)]
    assert f"{reps}/{target}" in texts


def test_pacer_markers_sit_at_target_and_actual() -> None:
    overlay = CoachOverlay()
    h, w = 480, 640
    x0, y0, x1, y1 = overlay.pacer_geometry(w, h)
    cy = (y0 + y1) // 2
    cols = []
    for actual in (0.0, 1.0):
        img = np.zeros((h, w, 3), np.uint8)
        view = CoachView(0.0, Stage.ROCKING, "Rocking",
                         pacer=PacerView(0.5, actual, PacerPhase.BACK, "cue", 1.0))
        overlay.draw(img, view)
        amber = np.all(img[cy] == np.array((0, 215, 255), np.uint8), axis=-1)
        cols.append(float(np.flatnonzero(amber).mean()))
    assert x0 < cols[0] < (x0 + x1) / 2 < cols[1] < x1      # start position left, back right


@pytest.mark.parametrize("back_on_left", [False, True])
def test_pacer_bar_is_mirrored_to_the_way_the_person_faces(back_on_left: bool) -> None:
    """Facing right, the hips move left as they rock back: the bar's "back" end, the target
    and the dot move left too (and the other way round facing left)."""
    overlay = CoachOverlay()
    h, w = 720, 1280
    x0, y0, x1, y1 = overlay.pacer_geometry(w, h)
    cy, mid = (y0 + y1) // 2, (x0 + x1) / 2
    img = np.zeros((h, w, 3), np.uint8)
    pacer = PacerView(0.9, 0.9, PacerPhase.BACK, "Breathe out, rock back", 1.0,
                      back_on_left=back_on_left)
    boxes = overlay.draw(img, CoachView(0.0, Stage.ROCKING, "Rocking", pacer=pacer))
    amber = np.flatnonzero(np.all(img[cy] == np.array((0, 215, 255), np.uint8), axis=-1))
    back = next(b for b in boxes if b.text == "back")
    fwd = next(b for b in boxes if b.text == "fwd")
    if back_on_left:
        assert amber.mean() < mid and back.x1 <= x0 and fwd.x0 >= x1
    else:
        assert amber.mean() > mid and back.x0 >= x1 and fwd.x1 <= x0


@pytest.mark.parametrize(("h", "w"), SIZES)
@pytest.mark.parametrize("reps", [(3, 10), (123, 500)])
def test_last_rep_line_stays_clear_of_the_counter(h: int, w: int,
                                                  reps: tuple[int, int]) -> None:
    view = CoachView(0.0, Stage.ROCKING, "Rocking", pacer=PACER, reps=reps[0],
                     target_reps=reps[1], posture="On hands and knees",
                     last_rep="Last rep 5.0 s (2.4 back / 2.3 fwd): too quick",
                     last_rep_figures="Last rep 5.0 s (2.4 back / 2.3 fwd)",
                     last_rep_verdict="too quick")
    img = grey(h, w)
    boxes = CoachOverlay().draw(img, view)
    counter = next(b for b in boxes if b.text == f"{reps[0]}/{reps[1]}")
    rep_boxes = [b for b in boxes if "Last rep" in b.text or b.text == "too quick"]
    assert {b.text for b in rep_boxes} >= {"too quick"}
    for b in rep_boxes:
        assert b.x1 <= counter.x0 or b.y0 >= counter.y1, (b, counter)
    # "too quick" is drawn in the warning colour, not the white of the figures
    quick = next(b for b in rep_boxes if b.text == "too quick")
    patch = img[quick.y0:quick.y1, quick.x0:quick.x1]
    assert np.all(patch == np.array(WARN_TEXT, np.uint8), axis=-1).sum() > 20
    good = replace(view, last_rep_verdict="good pace")
    img = grey(h, w)
    boxes = CoachOverlay().draw(img, good)
    pace = next(b for b in boxes if b.text == "good pace")
    patch = img[pace.y0:pace.y1, pace.x0:pace.x1]
    assert np.all(patch == np.array(OK_GREEN, np.uint8), axis=-1).sum() > 20


@pytest.mark.parametrize("interactive", [True, False])
def test_keys_are_shown_while_rocking_in_a_window_only(interactive: bool) -> None:
    texts = [b.text for b in CoachOverlay(interactive=interactive).draw(grey(720, 1280),
                                                                        VIEWS["rocking"])]
    assert ("space: pause | q: end" in texts) is interactive


def test_summary_and_safety_show_their_text() -> None:
    texts = " ".join(b.text for b in CoachOverlay().draw(grey(720, 1280), VIEWS["summary"]))
    assert "Reps: 8 of 10 (3 too forceful)" in texts and "too fast x2" in texts
    assert "3 reps were too forceful:" in texts
    texts = " ".join(b.text for b in CoachOverlay().draw(grey(720, 1280), VIEWS["safety"]))
    assert "Stop if pain increases." in texts and "not medical advice" in texts


@pytest.mark.parametrize("max_w", [60, 200, 600])
def test_fit_text_wraps_and_shrinks_to_width(max_w: int) -> None:
    fitted = fit_text(LONG, max_w, 1.5, max_lines=3)
    assert 1 <= len(fitted.lines) <= 3
    for line in fitted.lines:
        (tw, _), _ = cv2.getTextSize(line, cv2.FONT_HERSHEY_DUPLEX, fitted.scale,
                                     fitted.thickness)
        assert tw <= max_w


@pytest.mark.parametrize(("h", "w"), [(48, 64), (120, 90), (1080, 1920), (2160, 3840)])
@pytest.mark.parametrize("name", sorted(VIEWS))
def test_any_frame_size_draws_its_text(name: str, h: int, w: int) -> None:
    """From a thumbnail to 4K: every view writes its words (inside the frame: the test above,
    at camera sizes) and the picture shows them."""
    img = grey(h, w)
    boxes = CoachOverlay().draw(img, VIEWS[name])
    assert boxes and all(box.text.strip() for box in boxes)
    assert not np.array_equal(img, grey(h, w)), "something was drawn"


def _cap_height(scale: float) -> int:
    """Pixel height of a drawn capital H at ``scale`` (the glyphs, not getTextSize's box)."""
    img = np.zeros((400, 400), np.uint8)
    cv2.putText(img, "H", (20, 300), cv2.FONT_HERSHEY_DUPLEX, scale, 255,
                max(1, round(scale * 2)), cv2.LINE_AA)
    rows = np.flatnonzero((img > 127).any(axis=1))
    return int(rows[-1] - rows[0] + 1)


@pytest.mark.parametrize(("h", "w"), SIZES)
def test_secondary_lines_are_readable_across_a_room(h: int, w: int) -> None:
    """The warning's figures, the posture and the last-rep line: capitals >= 3% of the height."""
    setup = CoachView(0.0, Stage.SETUP, "Set-up", instruction="Kneel side-on",
                      posture="On hands and knees", last_rep=VIEWS["rocking"].last_rep, muted=True)
    warning = CoachView(0.0, Stage.ROCKING, "Rocking", banner=BANNER, pacer=PACER, reps=3,
                        target_reps=10)
    wanted = {"1.90 (limit 1.20)", "On hands and knees", "Last rep"}
    seen = set()
    for view in (VIEWS["rocking"], setup, warning):
        for box in CoachOverlay().draw(grey(h, w), view):
            key = next((k for k in wanted if box.text.startswith(k)), None)
            if key is None:
                continue
            seen.add(key)
            assert _cap_height(box.scale) >= 0.03 * h, (box.text, box.scale)
            assert 0 <= box.x0 < box.x1 <= w and 0 <= box.y0 < box.y1 <= h, box
    assert seen == wanted


@pytest.mark.parametrize(("h", "w"), SIZES)
def test_a_recording_does_not_ask_for_a_key(h: int, w: int) -> None:
    """Headless, no one can press space: the summary says it was saved, the safety screen that
    it starts by itself; in a window both say which key to press."""
    def texts(view: str, interactive: bool) -> str:
        overlay = CoachOverlay(interactive=interactive)
        return " ".join(b.text for b in overlay.draw(grey(h, w), VIEWS[view]))

    assert "Press space to close" in texts("summary", True)
    assert "Press space to begin" in texts("safety", True)
    assert "Press" not in texts("summary", False) and "Session saved" in texts("summary", False)
    safety = texts("safety", False)
    assert "Press" not in safety and "Starting in a moment" in safety
