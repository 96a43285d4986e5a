"""Drawing of the coach's view-model onto BGR frames: large, high-contrast, readable from 2-3 m.

The coach (``sessions.coach.coach``) decides what to say; this module only draws it, like
supervision's
``LineZone`` (state) and ``LineZoneAnnotator`` (drawing). Every size scales with the frame, and all
text is measured with ``cv2.getTextSize`` and wrapped or shrunk to stay inside the frame; ``draw``
returns the boxes of the text it drew so tests can check that.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import cv2
import numpy as np
from numpy.typing import NDArray

from pose.messages import in_words
from sessions.coach import words
from sessions.coach.view import SAFETY_LINES, CoachView, Stage, Summary

BGRImage = NDArray[np.uint8]
Colour = tuple[int, int, int]

FONT = cv2.FONT_HERSHEY_DUPLEX
WHITE: Colour = (255, 255, 255)
BLACK: Colour = (0, 0, 0)
WARNING_BG: Colour = (0, 0, 200)        # strong red
OK_GREEN: Colour = (80, 220, 80)
OPEN_GREY: Colour = (170, 170, 170)
TARGET_COLOUR: Colour = (255, 220, 0)   # cyan-ish: where the pacer wants you
ACTUAL_COLOUR: Colour = (0, 215, 255)   # amber: where you are
PANEL_BG: Colour = (30, 30, 30)
WARN_TEXT: Colour = (60, 90, 255)       # orange-red: "too quick" on the last-rep line
VERDICT_COLOUR: dict[str, Colour] = {words.REP_GOOD: OK_GREEN, words.REP_QUICK: WARN_TEXT,
                                     words.REP_SLOW: WHITE}
# Scale of the secondary lines (the warning's figures, posture, last rep, hints) at 640x480;
# capitals are then >= 3% of the frame height, readable at 2-3 m.
SECONDARY = 0.8


@dataclass(frozen=True)
class TextBox:
    """Where a line of text was drawn, in pixels (x0, y0) top-left to (x1, y1) bottom-right."""

    text: str
    x0: int
    y0: int
    x1: int
    y1: int
    scale: float = 0.0    # the font scale it was drawn at


@dataclass(frozen=True)
class Fitted:
    """Text wrapped into lines at one font scale."""

    lines: tuple[str, ...]
    scale: float
    thickness: int
    line_h: int       # pixels from one baseline to the next


#: Lines of text kept drawn (the oldest is forgotten first).
SPRITE_CACHE = 256
#: Text is shrunk to fit down to this font scale, no further (then over-long words are cut).
MIN_TEXT_SCALE = 0.35
_OUTLINE_STEPS = ((-1, -1), (1, -1), (-1, 1), (1, 1), (0, 1), (1, 0), (-1, 0), (0, -1))


@dataclass(frozen=True)
class _Sprite:
    """A line of text drawn once: its colours, its coverage (``alpha``, 0..1, and ``inv`` =
    1 - alpha) and where its top-left corner sits from the text's origin."""

    colour: BGRImage
    alpha: NDArray[np.float32]
    inv: NDArray[np.float32]
    dx: int
    dy: int

    def blend(self, img: BGRImage, x: int, y: int) -> None:
        """Blend onto ``img`` with the text's origin (baseline, left) at (x, y)."""
        sh, sw = self.alpha.shape[:2]
        x0, y0 = x + self.dx, y + self.dy
        ix0, iy0 = max(x0, 0), max(y0, 0)
        ix1, iy1 = min(x0 + sw, img.shape[1]), min(y0 + sh, img.shape[0])
        if ix1 <= ix0 or iy1 <= iy0:
            return
        rows, cols = slice(iy0 - y0, iy1 - y0), slice(ix0 - x0, ix1 - x0)
        roi = img[iy0:iy1, ix0:ix1]
        roi[:] = cv2.blendLinear(self.colour[rows, cols], np.ascontiguousarray(roi),
                                 self.alpha[rows, cols], self.inv[rows, cols])


def _render(text: str, scale: float, th: int, colour: Colour, outline: int) -> _Sprite:
    """Draw a line (and its black outline ``outline`` pixels wide) on black and on white: what
    changes between the two is the coverage, what shows on black the colour times it."""
    (w, h), base = cv2.getTextSize(text, FONT, scale, th)
    pad = outline + th + 2
    size = (h + base + 2 * pad, w + 2 * pad, 3)
    org = (pad, pad + h)
    drawn = []
    for bg in (0, 255):
        canvas = np.full(size, bg, np.uint8)
        for ux, uy in _OUTLINE_STEPS if outline else ():
            cv2.putText(canvas, text, (org[0] + ux * outline, org[1] + uy * outline), FONT, scale,
                        BLACK, th, cv2.LINE_AA)
        cv2.putText(canvas, text, org, FONT, scale, colour, th, cv2.LINE_AA)
        drawn.append(canvas.astype(np.float32))
    on_black, on_white = drawn
    alpha = np.clip(1.0 - (on_white - on_black).mean(axis=2) / 255.0, 0.0, 1.0)
    # what shows on black is the colour times its coverage: divide it out where there is any
    shown = np.where(alpha[..., None] > 1e-3, on_black / np.maximum(alpha, 1e-3)[..., None], 0)
    return _Sprite(np.clip(shown + 0.5, 0, 255).astype(np.uint8), alpha.astype(np.float32),
                   (1.0 - alpha).astype(np.float32), -pad, -(pad + h))


def _thickness(scale: float) -> int:
    return max(1, round(scale * 2))


@lru_cache(maxsize=512)
def fit_text(text: str, max_w: int, scale: float, max_lines: int = 3) -> Fitted:
    """Wrap ``text`` on words to ``max_w`` pixels in at most ``max_lines`` lines, shrinking the
    scale until it fits (or ``MIN_TEXT_SCALE`` is reached; then over-long words are cut)."""
    words = text.split()
    while True:
        th = _thickness(scale)
        lines: list[str] = []
        for word in words:
            trial = f"{lines[-1]} {word}" if lines else word
            if lines and _width(trial, scale, th) <= max_w:
                lines[-1] = trial
            else:
                lines.append(word)
        widest = max((_width(line, scale, th) for line in lines), default=0)
        if (len(lines) <= max_lines and widest <= max_w) or scale <= MIN_TEXT_SCALE:
            break
        scale = max(MIN_TEXT_SCALE, scale * 0.9)
    lines = [_cut(line, max_w, scale, th) for line in lines[:max_lines]]
    (_, h), base = cv2.getTextSize("Ag", FONT, scale, th)
    return Fitted(tuple(lines), scale, th, int((h + base) * 1.35))


def _width(text: str, scale: float, thickness: int) -> int:
    return int(cv2.getTextSize(text, FONT, scale, thickness)[0][0]) + 2 * thickness


def _cut(line: str, max_w: int, scale: float, th: int) -> str:
    while len(line) > 1 and _width(line, scale, th) > max_w:
        line = line[:-1]
    return line


class CoachOverlay:
    """Draws a :class:`CoachView` onto a frame (in place)."""

    def __init__(self, outline: bool = True, interactive: bool = True) -> None:
        self.outline = outline
        self._sprites: dict[tuple[str, float, int, Colour, bool], _Sprite] = {}
        # False when no one can press a key (a headless recording): no "press space" prompts
        self.interactive = interactive

    # ---- primitives ------------------------------------------------------------------------
    def _text(self, img: BGRImage, text: str, x: int, y: int, scale: float, th: int,
              colour: Colour, boxes: list[TextBox]) -> None:
        """One line with its baseline at y; a dark outline keeps it readable on any background.

        A line is drawn once (nine passes of the font with its outline) into a sprite kept for
        the next frames, then blended onto each new picture: the same words come back frame
        after frame, and drawing them afresh cost about 9 ms a frame at 1280x720."""
        (w, h), base = cv2.getTextSize(text, FONT, scale, th)
        o = max(1, round(scale * 1.5))       # outline width
        key = (text, scale, th, colour, self.outline)
        sprite = self._sprites.get(key)
        if sprite is None:
            sprite = _render(text, scale, th, colour, o if self.outline else 0)
            if len(self._sprites) >= SPRITE_CACHE:
                self._sprites.pop(next(iter(self._sprites)))      # the oldest
            self._sprites[key] = sprite
        sprite.blend(img, x, y)
        pad = th + o
        boxes.append(TextBox(text, x - pad, y - h - pad, x + w + pad, y + base + pad, scale))

    def _block(self, img: BGRImage, text: str, x: int, y_top: int, max_w: int, scale: float,
               colour: Colour, boxes: list[TextBox], max_lines: int = 3,
               centre: bool = False) -> int:
        """Wrapped text from ``y_top`` down; returns the y below it."""
        fitted = fit_text(text, max_w, scale, max_lines)
        y = y_top
        for line in fitted.lines:
            (w, h), _ = cv2.getTextSize(line, FONT, fitted.scale, fitted.thickness)
            y += h + fitted.thickness
            lx = x + (max_w - w) // 2 if centre else x + fitted.thickness
            self._text(img, line, lx, y, fitted.scale, fitted.thickness, colour, boxes)
            y += fitted.line_h - h - fitted.thickness
        return y

    @staticmethod
    def _dim(img: BGRImage, factor: float = 0.3) -> None:
        img[:] = (img.astype(np.float32) * factor).astype(np.uint8)

    # ---- the whole view --------------------------------------------------------------------
    def draw(self, img: BGRImage, view: CoachView) -> list[TextBox]:
        """Draw ``view`` on ``img`` in place; returns the boxes of all text drawn."""
        h, w = img.shape[:2]
        u = min(h / 480.0, w / 640.0)           # 1.0 at 640x480
        m = round(12 * u)                       # margin
        boxes: list[TextBox] = []
        if view.stage is Stage.SAFETY:
            self._safety(img, u, m, boxes)
            return boxes
        if view.pain is not None:
            from sessions.coach.pain_screen import draw_pain

            draw_pain(self, img, view.pain, u, m, boxes)
            return boxes
        if view.stage in (Stage.SUMMARY, Stage.DONE) and view.summary is not None:
            self._summary(img, view.summary, u, m, boxes)
            return boxes
        if view.notice is not None:
            self._notice(img, view, u, m, boxes)
            return boxes
        top = m
        status = [s for s in (view.posture, view.last_rep) if s]
        counted = view.stage in (Stage.ROCKING, Stage.COUNTDOWN)
        # the text beside the rep counter stops short of it
        beside = (self._counter_left(img, view, u, m) if counted else w - m) - 2 * m
        if view.banner is not None:
            top = self._banner(img, view.banner.text, view.banner.detail, u, m, boxes)
        elif view.pacer is not None:   # the cue sits on the pacer; the top shows the state
            if view.posture:
                top = self._block(img, view.posture, m, top, beside, SECONDARY * u, WHITE,
                                  boxes, max_lines=2)
            if view.last_rep:
                top = self._last_rep(img, view, m, top, beside, SECONDARY * u, boxes)
            status = []
        else:
            top = self._block(img, view.instruction, m, m, min(beside, w - 2 * m - round(150 * u)),
                              1.2 * u, WHITE, boxes, max_lines=2)
        if counted:
            self._counter(img, view, u, m, boxes, top)
        if view.checklist:
            self._checklist(img, view, u, m, top, boxes)
        if view.countdown is not None:
            self._countdown(img, view.countdown, u, boxes)
        if view.pacer is not None:
            self._pacer(img, view, u, m, boxes)
        if view.paused:
            self._paused(img, u, m, boxes)
        bottom_y = h - m
        small = SECONDARY * u
        room = w - 2 * m
        if self.interactive and view.stage is Stage.ROCKING and not view.paused:
            hint = fit_text(words.KEY_HINT, w // 2, 0.6 * u, 1)
            self._text(img, hint.lines[0], m + hint.thickness, h - m, hint.scale,
                       hint.thickness, OPEN_GREY, boxes)
        if view.muted:
            fitted = fit_text("sound off (m)", w // 3, small, 1)
            (tw, _), _ = cv2.getTextSize(fitted.lines[0], FONT, fitted.scale, fitted.thickness)
            self._text(img, fitted.lines[0], w - m - tw - fitted.thickness, h - m,
                       fitted.scale, fitted.thickness, OPEN_GREY, boxes)
            room -= tw + 2 * fitted.thickness + m
        if view.pacer is None and status:
            for line in reversed(status):      # from the bottom up, each on up to 2 lines
                fitted = fit_text(line, room, small, 2)
                for part in reversed(fitted.lines):
                    self._text(img, part, m + fitted.thickness, bottom_y, fitted.scale,
                               fitted.thickness, WHITE, boxes)
                    bottom_y -= fitted.line_h
        return boxes

    # ---- parts -----------------------------------------------------------------------------
    def _banner(self, img: BGRImage, text: str, detail: str, u: float, m: int,
                boxes: list[TextBox]) -> int:
        h, w = img.shape[:2]
        fitted = fit_text(text, w - 2 * m, 1.6 * u, 2)
        detail_fit = fit_text(detail, w - 2 * m, SECONDARY * u, 1)
        height = (m + len(fitted.lines) * fitted.line_h
                  + (detail_fit.line_h - round(8 * u) if detail else 0) + m)
        height = min(height, h // 2)
        cv2.rectangle(img, (0, 0), (w - 1, height), WARNING_BG, cv2.FILLED)
        cv2.rectangle(img, (0, 0), (w - 1, height), WHITE, max(2, round(3 * u)))
        y = self._block(img, text, m, m, w - 2 * m, 1.6 * u, WHITE, boxes, 2, centre=True)
        if detail:
            self._block(img, detail, m, y - round(8 * u), w - 2 * m, SECONDARY * u, WHITE, boxes,
                        1, centre=True)
        return height + m

    @staticmethod
    def _counter_fit(view: CoachView, u: float) -> tuple[Fitted, int, int]:
        """The rep counter's text fitted, with its width and height in pixels."""
        count = f"{view.reps}/{view.target_reps}" if view.target_reps > 0 else str(view.reps)
        fitted = fit_text(count, round(170 * u), 2.0 * u, 1)   # no target: the count alone
        (tw, th), _ = cv2.getTextSize(fitted.lines[0], FONT, fitted.scale, fitted.thickness)
        return fitted, tw, th

    def _counter_left(self, img: BGRImage, view: CoachView, u: float, m: int) -> int:
        """The x where the rep counter begins."""
        fitted, tw, _ = self._counter_fit(view, u)
        return img.shape[1] - m - tw - 2 * fitted.thickness

    def _last_rep(self, img: BGRImage, view: CoachView, x: int, y_top: int, max_w: int,
                  scale: float, boxes: list[TextBox]) -> int:
        """The last rep's times in white and its verdict in its own colour, beside them where
        they fit at ``scale``, else below; returns the y below."""
        figures = view.last_rep_figures or view.last_rep
        verdict = view.last_rep_verdict if view.last_rep_figures else ""
        colour = VERDICT_COLOUR.get(verdict, WHITE)
        head = f"{figures}: "
        th = _thickness(scale)
        if verdict and _width(head + verdict, scale, th) <= max_w:
            (_, h), _ = cv2.getTextSize(head, FONT, scale, th)
            y = y_top + h + th
            self._text(img, head, x + th, y, scale, th, WHITE, boxes)
            x2 = x + th + int(cv2.getTextSize(head, FONT, scale, th)[0][0])
            self._text(img, verdict, x2, y, scale, th, colour, boxes)
            return y + fit_text(head, max_w, scale, 1).line_h - h - th
        y = self._block(img, figures, x, y_top, max_w, scale, WHITE, boxes, 2)
        if verdict:
            y = self._block(img, verdict, x, y, max_w, scale, colour, boxes, 1)
        return y

    def _notice(self, img: BGRImage, view: CoachView, u: float, m: int,
                boxes: list[TextBox]) -> None:
        """The picture is lost: the last frame dimmed, the notice large in the middle."""
        assert view.notice is not None
        h, w = img.shape[:2]
        self._dim(img)
        text = fit_text(view.notice.text, w - 4 * m, 1.6 * u, 2)
        detail = fit_text(view.notice.detail, w - 4 * m, SECONDARY * u, 2)
        height = len(text.lines) * text.line_h + (
            len(detail.lines) * detail.line_h if view.notice.detail else 0) + 2 * m
        y0 = max(0, (h - height) // 2)
        cv2.rectangle(img, (m, y0), (w - 1 - m, y0 + height), WARNING_BG, cv2.FILLED)
        cv2.rectangle(img, (m, y0), (w - 1 - m, y0 + height), WHITE, max(2, round(3 * u)))
        y = self._block(img, view.notice.text, 2 * m, y0 + m // 2, w - 4 * m, 1.6 * u, WHITE,
                        boxes, 2, centre=True)
        if view.notice.detail:
            self._block(img, view.notice.detail, 2 * m, y, w - 4 * m, SECONDARY * u, WHITE,
                        boxes, 2, centre=True)
        if view.stage in (Stage.ROCKING, Stage.COUNTDOWN):
            self._counter(img, view, u, m, boxes, m)

    def _counter(self, img: BGRImage, view: CoachView, u: float, m: int,
                 boxes: list[TextBox], top: int) -> None:
        w = img.shape[1]
        fitted, tw, th = self._counter_fit(view, u)
        x = w - m - tw - fitted.thickness
        y = (top if view.banner is not None else m) + th + fitted.thickness
        self._text(img, fitted.lines[0], x, y, fitted.scale, fitted.thickness, WHITE, boxes)
        label = fit_text("reps", round(170 * u), 0.6 * u, 1)
        (lw, lh), _ = cv2.getTextSize("reps", FONT, label.scale, label.thickness)
        self._text(img, "reps", w - m - lw - label.thickness, y + lh + round(10 * u),
                   label.scale, label.thickness, OPEN_GREY, boxes)

    def _checklist(self, img: BGRImage, view: CoachView, u: float, m: int, top: int,
                   boxes: list[TextBox]) -> None:
        w = img.shape[1]
        scale = 0.9 * u
        row = round(44 * u)
        y = top + round(10 * u)
        box = round(26 * u)
        for item in view.checklist:
            x = m
            cv2.rectangle(img, (x, y), (x + box, y + box), BLACK, cv2.FILLED)
            colour = OK_GREEN if item.ok else OPEN_GREY
            cv2.rectangle(img, (x, y), (x + box, y + box), colour, max(2, round(3 * u)))
            if item.ok:
                pts = np.array([[x + box * 0.18, y + box * 0.52], [x + box * 0.42, y + box * 0.8],
                                [x + box * 0.85, y + box * 0.2]], dtype=np.int32)
                cv2.polylines(img, [pts], False, OK_GREEN, max(2, round(4 * u)), cv2.LINE_AA)
            fitted = fit_text(item.label, w - 3 * m - box, scale, 1)
            self._text(img, fitted.lines[0], x + box + m, y + box - round(3 * u), fitted.scale,
                       fitted.thickness, colour if item.ok else WHITE, boxes)
            y += row

    def _countdown(self, img: BGRImage, n: int, u: float, boxes: list[TextBox]) -> None:
        h, w = img.shape[:2]
        scale = 6.0 * u
        th = _thickness(scale)
        text = str(n)
        (tw, tht), _ = cv2.getTextSize(text, FONT, scale, th)
        self._text(img, text, (w - tw) // 2, (h + tht) // 2, scale, th, TARGET_COLOUR, boxes)

    def _paused(self, img: BGRImage, u: float, m: int, boxes: list[TextBox]) -> None:
        h, w = img.shape[:2]
        fitted = fit_text("PAUSED", w - 2 * m, 2.4 * u, 1)
        (tw, th), _ = cv2.getTextSize(fitted.lines[0], FONT, fitted.scale, fitted.thickness)
        self._text(img, fitted.lines[0], (w - tw) // 2, (h + th) // 2, fitted.scale,
                   fitted.thickness, WHITE, boxes)

    def pacer_geometry(self, width: int, height: int) -> tuple[int, int, int, int]:
        """The pacer bar's (x0, y0, x1, y1); depth 0 (start position) is at the left and 1
        (back) at the right, or the other way round when the view's ``back_on_left``."""
        u = min(height / 480.0, width / 640.0)
        m = round(12 * u)
        bar_h = round(34 * u)
        x0, x1 = m + round(90 * u), width - m - round(90 * u)
        y1 = height - m - round(30 * u)
        return x0, y1 - bar_h, x1, y1

    def _pacer(self, img: BGRImage, view: CoachView, u: float, m: int,
               boxes: list[TextBox]) -> None:
        pacer = view.pacer
        assert pacer is not None
        h, w = img.shape[:2]
        x0, y0, x1, y1 = self.pacer_geometry(w, h)
        roi = img[y0:y1 + 1, x0:x1 + 1]          # blend only the bar, not the whole picture
        roi[:] = cv2.addWeighted(np.full_like(roi, PANEL_BG), 0.7, roi, 0.3, 0)
        cv2.rectangle(img, (x0, y0), (x1, y1), WHITE, max(1, round(2 * u)))
        small = 0.6 * u
        flip = pacer.back_on_left
        for label, x_right in (("fwd", flip), ("back", not flip)):
            fitted = fit_text(label, round(80 * u), small, 1)
            (tw, th), _ = cv2.getTextSize(label, FONT, fitted.scale, fitted.thickness)
            x = x1 + round(8 * u) if x_right else x0 - round(8 * u) - tw
            self._text(img, label, x, (y0 + y1 + th) // 2, fitted.scale, fitted.thickness,
                       OPEN_GREY, boxes)

        def x_of(depth: float) -> int:
            share = float(np.clip(depth, -0.15, 1.15) + 0.15) / 1.3
            return round(x1 - (x1 - x0) * share if flip else x0 + (x1 - x0) * share)

        cy = (y0 + y1) // 2
        r = max(2, (y1 - y0) // 2)
        tx = x_of(pacer.target)
        cv2.line(img, (tx, y0 - round(10 * u)), (tx, y1 + round(10 * u)), TARGET_COLOUR,
                 max(3, round(6 * u)))
        if pacer.actual is not None and np.isfinite(pacer.actual):
            ax = x_of(pacer.actual)
            cv2.circle(img, (ax, cy), r, BLACK, cv2.FILLED, cv2.LINE_AA)
            cv2.circle(img, (ax, cy), max(1, r - max(2, round(3 * u))), ACTUAL_COLOUR, cv2.FILLED,
                       cv2.LINE_AA)
        fitted = fit_text(pacer.cue, w - 2 * m, 1.2 * u, 1)
        (tw, th), _ = cv2.getTextSize(fitted.lines[0], FONT, fitted.scale, fitted.thickness)
        self._text(img, fitted.lines[0], (w - tw) // 2, y0 - round(18 * u), fitted.scale,
                   fitted.thickness, TARGET_COLOUR, boxes)

    def _safety(self, img: BGRImage, u: float, m: int, boxes: list[TextBox]) -> None:
        h, w = img.shape[:2]
        self._dim(img, 0.2)
        y = self._block(img, "Before you start", m, m, w - 2 * m, 1.5 * u, TARGET_COLOUR,
                        boxes, 1)
        y += round(8 * u)
        for line in SAFETY_LINES:
            y = self._block(img, line, m, y, w - 2 * m, 0.9 * u, WHITE, boxes, 2)
            y += round(6 * u)
        prompt = ("Press space to begin  (q to quit)" if self.interactive
                  else "Starting in a moment")
        self._block(img, prompt, m, max(y, h - m - round(60 * u)),
                    w - 2 * m, 0.9 * u, OK_GREEN, boxes, 1)

    def _summary(self, img: BGRImage, summary: Summary, u: float, m: int,
                 boxes: list[TextBox]) -> None:
        w = img.shape[1]
        self._dim(img, 0.2)
        y = self._block(img, "Session done", m, m, w - 2 * m, 1.6 * u, TARGET_COLOUR, boxes, 1)
        y += round(8 * u)
        for line in summary_lines(summary):
            y = self._block(img, line, m, y, w - 2 * m, 1.0 * u, WHITE, boxes, 2)
            y += round(4 * u)
        y += round(8 * u)
        if summary.pain:   # the pain check-in: a rise is a reason to stop, so it comes first
            y = self._block(img, summary.pain, m, y, w - 2 * m, 0.9 * u,
                            WARN_TEXT if summary.pain_up else WHITE, boxes, 3)
            y += round(6 * u)
        if summary.advice:
            y = self._block(img, summary.advice, m, y, w - 2 * m, 0.9 * u, OK_GREEN, boxes, 3)
        h = img.shape[0]
        hint = fit_text("Saved. Press space to close" if self.interactive else "Session saved",
                        w - 2 * m, SECONDARY * u, 1)
        (_, th), _ = cv2.getTextSize(hint.lines[0], FONT, hint.scale, hint.thickness)
        if y + th + round(8 * u) <= h - m:        # only where it fits below the summary
            self._text(img, hint.lines[0], m + hint.thickness, h - m, hint.scale,
                       hint.thickness, OPEN_GREY, boxes)


def summary_lines(summary: Summary) -> list[str]:
    """The summary's figures as short lines."""
    minutes, seconds = divmod(round(summary.active_s), 60)
    forceful = f" ({summary.forceful} too forceful)" if summary.forceful else ""
    lines = [f"Reps: {summary.reps} of {summary.target_reps}{forceful}",
             f"Rocking time: {minutes}:{seconds:02d}"]
    if summary.median_period_s is not None:
        lines.append(f"Tempo: {summary.median_period_s:.1f}s a rep "
                     f"({summary.median_back_s or 0:.1f} back / "
                     f"{summary.median_forward_s or 0:.1f} forward)")
    if summary.warnings:
        lines.append("Warnings: " + ", ".join(f"{in_words(kind)} x{n}"
                                              for kind, n in summary.warnings))
    else:
        lines.append("Warnings: none")
    return lines
