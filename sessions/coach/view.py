"""What the coach shows and plays each frame: the stages, key commands, sounds and the immutable
view-model that ``sessions.coach.overlay`` draws and ``sessions.coach.audio`` plays (see
``sessions.coach.coach``
for the state machine that makes it)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from pose.events import MovementWarning, Rep, WarningKind
from sessions.coach.plan import PacerPhase
from sessions.pain import PainChange

SAFETY_LINES: tuple[str, ...] = (
    "Start slowly and don't move too forcefully.",
    "Only do this if you are able to get up and down off the floor.",
    "Stop if pain increases.",
    "This is not medical advice: see a practitioner to find the root cause.",
)


class Stage(StrEnum):
    """Where the session is."""

    SAFETY = "safety"
    SETUP = "setup"
    START_POSITION = "start_position"
    COUNTDOWN = "countdown"
    ROCKING = "rocking"
    SUMMARY = "summary"
    DONE = "done"
    PAIN_BEFORE = "pain_before"    # the pain check-in, after the safety screen (live only)
    PAIN_AFTER = "pain_after"      # ... and before the summary


class Command(StrEnum):
    """What a key press asks for (the live loop maps keys to these)."""

    CONTINUE = "continue"          # leave the safety or summary screen
    TOGGLE_PAUSE = "toggle_pause"
    END = "end"                    # end now and save
    TOGGLE_MUTE = "toggle_mute"


class Sound(StrEnum):
    """Sounds the coach asks for; ``sessions.coach.audio`` synthesises them."""

    GO_BACK = "go_back"            # pacer turn: breathe out, rock back
    GO_FORWARD = "go_forward"      # pacer turn: breathe in, come forward
    WARNING = "warning"
    TICK = "tick"                  # countdown 3-2-1
    START = "start"                # countdown finished
    READY = "ready"                # in position: the checklist is complete
    DONE = "done"


class EndReason(StrEnum):
    """Why the session ended."""

    TARGET_REPS = "target_reps"
    TARGET_TIME = "target_time"
    USER = "user"
    INTERRUPTED = "interrupted"
    SOURCE_ENDED = "source_ended"     # a video given as the camera ran out first


class Advice(StrEnum):
    """What the summary's advice line is about: ``sessions.coach.coach.advice_for`` picks it and
    writes its words; the voice says the phrase it maps to (``sessions.coach.speech``)."""

    NONE = "none"                     # no advice: the pain went up, so stop for today
    INTERRUPTED = "interrupted"       # the session was cut short: saved, rest now
    FORCEFUL = "forceful"             # some reps were too forceful
    RUSHED = "rushed"                 # the rocking got too fast or jerky
    POSITION = "position"             # hands or knees lifted, or the position lost, repeatedly
    SOURCE_ENDED = "source_ended"     # a video ran out before the plan did
    NO_REPS = "no_reps"
    WELL_DONE = "well_done"


@dataclass(frozen=True)
class Banner:
    """A warning to show large: the message and, when the analysis gave one, the figure."""

    text: str
    kind: WarningKind
    detail: str = ""


@dataclass(frozen=True)
class Notice:
    """Something wrong with the picture itself (not the movement), shown over a dimmed frame."""

    text: str
    detail: str = ""



@dataclass(frozen=True)
class CheckItem:
    """One line of the start-position checklist."""

    label: str
    ok: bool
    fix: str = ""          # what to change while not met ("Come forward until ...")


@dataclass(frozen=True)
class PacerView:
    """The pacer's target next to where the person actually is (depth 0 start .. 1 back)."""

    target: float
    actual: float | None
    phase: PacerPhase
    cue: str
    remaining_s: float
    # True when the person faces right in the picture: rocking back moves their hips left, so
    # the bar's "back" end is drawn on the left and the dot moves the way their hips move
    back_on_left: bool = False


@dataclass(frozen=True)
class Summary:
    """The end-of-session figures."""

    reps: int
    target_reps: int
    active_s: float
    median_period_s: float | None
    median_back_s: float | None
    median_forward_s: float | None
    warnings: tuple[tuple[WarningKind, int], ...]
    advice: str                # the advice line shown ("" for none) ...
    advice_kind: Advice        # ... and what it is about (what the voice says)
    end_reason: EndReason
    forceful: int = 0          # reps the analysis judged too fast or forceful
    pain: str = ""             # what the pain check-in says ("Your pain went up from 3 to 5...")
    pain_change: PainChange | None = None   # ... and how it changed (None: not both rated)

    @property
    def pain_up(self) -> bool:
        """The pain went up (shown as a warning; no advice about next time beside it)."""
        return self.pain_change is PainChange.UP


@dataclass(frozen=True)
class PainView:
    """The pain check-in screen: the question, the scale, the rating taken (if any)."""

    question: str
    scale: str
    keys: str
    rating: int | None
    remaining_s: float


@dataclass(frozen=True)
class CoachView:
    """Everything to draw and play for one frame."""

    t_s: float
    stage: Stage
    title: str
    instruction: str = ""
    banner: Banner | None = None
    checklist: tuple[CheckItem, ...] = ()
    countdown: int | None = None
    pacer: PacerView | None = None
    reps: int = 0
    target_reps: int = 0
    last_rep: str = ""
    posture: str = ""
    paused: bool = False
    muted: bool = False
    active_s: float = 0.0
    summary: Summary | None = None
    sounds: tuple[Sound, ...] = ()
    counted_rep: Rep | None = None     # the rep counted at this frame (renumbered from 1)
    new_warnings: tuple[MovementWarning, ...] = ()   # warnings taken in at this frame
    last_rep_figures: str = ""         # last_rep's times ("Last rep 6.8 s (4.0 back / 2.8 fwd)")
    last_rep_verdict: str = ""         # ... and its verdict ("good pace", "too quick", "slow")
    pain: PainView | None = None       # the pain check-in (PAIN_BEFORE / PAIN_AFTER)
    notice: Notice | None = None       # the picture itself is lost (set by the live loop)
