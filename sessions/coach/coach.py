"""The coach: a pure state machine from frame analyses (and key commands) to what to show and play.

No clock, no cv2: the caller passes each frame's timestamp. Stages run in order

    SAFETY -> SETUP -> START_POSITION -> COUNTDOWN -> ROCKING -> SUMMARY -> DONE

and each ``update`` returns an immutable :class:`CoachView` (see ``sessions.coach.overlay`` for the
drawing and ``sessions.coach.audio`` for the sounds). Reps only count in ROCKING, after the
countdown,
while not paused and not started before the position was last lost.
"""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass, field, replace

from pose.analysis.tempo import TempoVerdict, tempo_verdict
from pose.analysis.timers import HeldFor
from pose.events import (
    UNMEASURED,
    Fault,
    Fix,
    FrameAnalysis,
    MovementWarning,
    Phase,
    Rep,
    TabletopCheck,
    Verdict,
    WarningKind,
)
from pose.messages import VERDICTS, WARNINGS, setup_line
from sessions.coach import words
from sessions.coach.plan import Pacer, PacerPhase, Plan, Turn
from sessions.coach.view import (
    SAFETY_LINES,
    Advice,
    Banner,
    CheckItem,
    CoachView,
    Command,
    EndReason,
    PacerView,
    PainView,
    Sound,
    Stage,
    Summary,
)
from sessions.pain import (
    KEYS,
    QUESTION_AFTER,
    QUESTION_BEFORE,
    SCALE,
    PainChange,
    PainCheckIn,
    pain_change,
    pain_message,
)


@dataclass(frozen=True)
class CoachSettings:
    """Timings of the coach, in seconds."""

    countdown_s: float = 3.0
    settle_s: float = 1.0          # in START_POSITION, hold before the countdown may start
    leave_position_s: float = 1.0  # out of position this long in START_POSITION -> SETUP
    lost_s: float = 0.5            # out of position this long in COUNTDOWN -> START_POSITION
    min_banner_s: float = 2.0      # a warning stays readable at least this long
    warning_sound_gap_s: float = 2.5
    summary_hold_s: float | None = None   # leave the summary by itself after this (None: key)
    pain_check_in: bool = False    # ask for back pain 0-10 before and after (live, with keys)


#: The posture faults the person is asked to fix before the start position, in that order (the
#: first present is the one asked; its words: ``pose.messages.FAULTS``).
SETUP_FAULTS: tuple[Fault, ...] = (Fault.OUT_OF_VIEW, Fault.WRONG_VIEW, Fault.CAMERA_TOO_HIGH)
#: The warnings that name a set-up fault: in force (held by the analysis), they ask it too.
SETUP_WARNINGS: dict[WarningKind, Fault] = {
    WarningKind.OUT_OF_VIEW: Fault.OUT_OF_VIEW, WarningKind.WRONG_VIEW: Fault.WRONG_VIEW}


#: The key joints' mean visibility (the live loop's ``near_side_visibility``) below which the
#: person is asked for more light.
LOW_VISIBILITY = 0.5


def setup_cue(analysis: FrameAnalysis, mean_visibility: float | None = None) -> str | None:
    """What the person should fix before the start position, or None when nothing
    (``mean_visibility``: the key joints' mean visibility, None when not measured)."""
    posture = analysis.posture
    if posture.verdict is Verdict.NO_PERSON:
        return setup_line(Verdict.NO_PERSON)
    for kind, fault in SETUP_WARNINGS.items():
        if kind in analysis.active:
            return setup_line(fault)
    for fault in SETUP_FAULTS:
        if posture.faults.get(fault):
            return setup_line(fault)
    if mean_visibility is not None and mean_visibility < LOW_VISIBILITY:
        return words.MORE_LIGHT
    if not posture.verdict.in_position:
        return setup_line(posture.verdict)
    return None


def tabletop(analysis: FrameAnalysis) -> TabletopCheck:
    """The tabletop start's three facts for this frame (all unknown out of position)."""
    if not analysis.posture.verdict.in_position or analysis.start is None:
        return UNMEASURED
    return analysis.start


def checklist(check: TabletopCheck) -> tuple[CheckItem, ...]:
    """The start-position checklist: each line its own fact, and what to change when not met."""
    out = []
    for label, fact in words.CHECKLIST_LABELS:
        fix: Fix = getattr(check, fact)
        out.append(CheckItem(label, fix is Fix.OK,
                             "" if fix is Fix.OK else words.FIX_CUES[fix]))
    return tuple(out)


def rep_verdict(rep: Rep, plan: Plan) -> str:
    """``good pace``, ``too quick`` or ``slow`` for a rep against the plan's tempo (the one
    definition: pose.analysis.tempo, which the history uses too)."""
    verdict = tempo_verdict(rep.period_s, plan.tempo.period_s)
    return {TempoVerdict.ON_TEMPO: words.REP_GOOD, TempoVerdict.QUICK: words.REP_QUICK,
            TempoVerdict.SLOW: words.REP_SLOW}[verdict]


def rep_tempo_text(rep: Rep, plan: Plan) -> str:
    """The last rep's tempo against the plan, e.g. ``Last rep 6.8 s (4.0 back / 2.8 fwd): good
    pace``."""
    return f"{words.rep_figures(rep.period_s, rep.back_s, rep.forward_s)}: {rep_verdict(rep, plan)}"


def advice_for(reps: list[Rep], warnings: list[MovementWarning],
               reason: EndReason) -> tuple[Advice, str]:
    """One line of advice for the summary: what it is about, and its words."""
    kinds = Counter(w.kind for w in warnings)
    if reason is EndReason.INTERRUPTED:
        return Advice.INTERRUPTED, words.ADVICE_INTERRUPTED
    forceful = sum(1 for r in reps if r.forceful)
    if forceful:
        return Advice.FORCEFUL, words.advice_forceful(forceful)
    if kinds[WarningKind.TOO_FAST] + kinds[WarningKind.JERKY]:
        return Advice.RUSHED, words.advice_rushed(kinds[WarningKind.TOO_FAST],
                                                  kinds[WarningKind.JERKY])
    if kinds[WarningKind.LOST_POSITION] + kinds[WarningKind.LIMB_LIFTED] >= 2:
        return Advice.POSITION, words.ADVICE_POSITION
    if reason is EndReason.SOURCE_ENDED:
        return Advice.SOURCE_ENDED, words.ADVICE_SOURCE_ENDED
    if not reps:
        return Advice.NO_REPS, words.ADVICE_NO_REPS
    return Advice.WELL_DONE, words.ADVICE_WELL_DONE


@dataclass
class _Banner:
    banner: Banner
    since_s: float


@dataclass(frozen=True)
class _Rushed:
    """A too-fast warning raised at ``t_s`` while rocking back or coming forward: its figure is
    told once the rep it belongs to is over."""

    t_s: float
    phase: PacerPhase


MOVEMENT_KINDS = frozenset({WarningKind.TOO_FAST, WarningKind.JERKY})


def _rank(kind: WarningKind) -> int:
    order = words.WARNING_ORDER
    return order.index(kind) if kind in order else len(order)


@dataclass
class _State:
    stage: Stage = Stage.SAFETY
    since_s: float = 0.0                 # when the current stage began
    out: HeldFor = field(default_factory=lambda: HeldFor(0.0))    # out of position, held
    ready: HeldFor = field(default_factory=lambda: HeldFor(0.0))  # start position held
    rock_start_s: float = 0.0            # pacer time 0
    pacer_t_s: float = -1.0              # pacer time at the last frame
    active_s: float = 0.0                # rocking time excluding pauses
    last_lost_s: float = float("-inf")
    paused: bool = False
    muted: bool = False
    last_tick: int | None = None
    last_warning_sound_s: float = float("-inf")
    banner: _Banner | None = None
    check: TabletopCheck | None = None   # the start position's facts at the last frame
    facing: float | None = None          # +1 head toward image right, -1 left (last known)
    rushed: list[_Rushed] = field(default_factory=list)   # too-fast warnings awaiting their rep
    reps: list[Rep] = field(default_factory=list)
    warnings: list[MovementWarning] = field(default_factory=list)
    end_reason: EndReason | None = None
    summary: Summary | None = None
    pending: list[Sound] = field(default_factory=list)
    new_warnings: list[MovementWarning] = field(default_factory=list)
    pain: PainCheckIn | None = None      # the check-in on screen (PAIN_BEFORE / PAIN_AFTER)
    pain_before: int | None = None
    pain_after: int | None = None


PAIN_STAGES = (Stage.PAIN_BEFORE, Stage.PAIN_AFTER)
ENDED = (Stage.PAIN_AFTER, Stage.SUMMARY, Stage.DONE)


class Coach:
    """The session coach: every frame goes to :meth:`update`, key presses to :meth:`command`."""

    def __init__(self, plan: Plan | None = None, settings: CoachSettings | None = None) -> None:
        self.plan = plan or Plan()
        self.settings = settings or CoachSettings()
        self.pacer = Pacer(self.plan.tempo)
        self._s = _State()
        self._t = 0.0
        self._last_depth: float | None = None

    # ---- read-only facts -------------------------------------------------------------------
    @property
    def stage(self) -> Stage:
        """The current stage."""
        return self._s.stage

    @property
    def reps(self) -> tuple[Rep, ...]:
        """Reps counted so far (renumbered from 1)."""
        return tuple(self._s.reps)

    @property
    def warnings(self) -> tuple[MovementWarning, ...]:
        """Warnings raised while rocking."""
        return tuple(self._s.warnings)

    @property
    def end_reason(self) -> EndReason | None:
        """Why the session ended, once it has."""
        return self._s.end_reason

    @property
    def paused(self) -> bool:
        """Paused (by a key, or by the live loop while the picture is lost)."""
        return self._s.paused

    @property
    def summary(self) -> Summary | None:
        """The summary, once the session has ended."""
        return self._s.summary

    @property
    def pain(self) -> tuple[int | None, int | None]:
        """The pain check-in: (before, after), each 0-10 or None when not given."""
        return self._s.pain_before, self._s.pain_after

    # ---- inputs ----------------------------------------------------------------------------
    def command(self, cmd: Command) -> None:
        """Apply a key command at the time of the last frame."""
        s, t = self._s, self._t
        if cmd is Command.TOGGLE_MUTE:
            s.muted = not s.muted
        elif cmd is Command.END:
            if s.stage in (Stage.SAFETY, Stage.PAIN_BEFORE):
                self._go(Stage.DONE, t)
                s.end_reason = EndReason.USER
            elif s.stage is Stage.PAIN_AFTER:
                self._pain_answered(t, skip=True)
            elif s.stage is Stage.SUMMARY:
                self._go(Stage.DONE, t)
            elif s.stage is not Stage.DONE:
                self._finish(EndReason.USER, t)
        elif cmd is Command.CONTINUE:
            if s.stage is Stage.SAFETY:
                self._ask_pain(Stage.PAIN_BEFORE, Stage.SETUP, t)
            elif s.stage in PAIN_STAGES:
                self._pain_answered(t, skip=True)
            elif s.stage is Stage.SUMMARY:
                self._go(Stage.DONE, t)
        elif cmd is Command.TOGGLE_PAUSE:
            if s.stage is Stage.ROCKING and not s.paused:
                s.paused = True
                s.banner = None
            elif s.paused:
                s.paused = False
                self._go(Stage.COUNTDOWN, t)   # resume through a fresh 3-2-1

    def source_ended(self) -> None:
        """The video given as the camera ran out before the plan was done: end it now (the
        session ended early, it is not completed)."""
        if self._s.stage not in ENDED:
            self._finish(EndReason.SOURCE_ENDED, self._t)

    def interrupt(self) -> None:
        """The session was cut short (camera lost, Ctrl-C, window closed): end it now."""
        if self._s.stage not in ENDED:
            self._finish(EndReason.INTERRUPTED, self._t)

    def pain_key(self, char: str, elapsed_s: float) -> None:
        """A key pressed on the pain check-in, ``elapsed_s`` after it appeared (the live loop
        keeps the screen's time: the coach has no clock)."""
        if self._s.pain is not None and self._s.stage in PAIN_STAGES:
            self._s.pain.key(char, elapsed_s)
            self.pain_tick(elapsed_s)

    def pain_tick(self, elapsed_s: float) -> None:
        """The pain check-in screen, ``elapsed_s`` after it appeared: move on once it is
        answered (and shown), skipped or timed out."""
        s = self._s
        if s.pain is not None and s.stage in PAIN_STAGES and s.pain.done(elapsed_s):
            self._pain_answered(self._t, skip=False)

    def _ask_pain(self, ask: Stage, otherwise: Stage, t_s: float) -> None:
        if self.settings.pain_check_in:
            self._s.pain = PainCheckIn()
            self._go(ask, t_s)
        else:
            self._go(otherwise, t_s)

    def _pain_answered(self, t_s: float, *, skip: bool) -> None:
        s = self._s
        if s.pain is not None and skip:
            s.pain.skip()
        rating = s.pain.rating if s.pain is not None else None
        s.pain = None
        if s.stage is Stage.PAIN_BEFORE:
            s.pain_before = rating
            self._go(Stage.SETUP, t_s)
        elif s.stage is Stage.PAIN_AFTER:
            s.pain_after = rating
            said = pain_message(s.pain_before, s.pain_after)
            change = pain_change(s.pain_before, s.pain_after)
            if s.summary is not None and said is not None:
                s.summary = replace(s.summary, pain=said, pain_change=change)
                if change is PainChange.UP:
                    # a rise means stop for today: no advice about next time beside it
                    s.summary = replace(s.summary, advice="", advice_kind=Advice.NONE)
            self._go(Stage.SUMMARY, t_s)

    def update(self, t_s: float, analysis: FrameAnalysis | None,
               mean_visibility: float | None = None) -> CoachView:
        """Advance to time ``t_s`` with this frame's analysis (None: no frame analysed) and the
        key joints' mean visibility (None: not measured; low asks for more light)."""
        s = self._s
        self._t = t_s
        counted: Rep | None = None
        if analysis is not None:
            self._last_depth = analysis.depth
            if analysis.facing is not None and analysis.posture.verdict.in_position:
                s.facing = analysis.facing
        if s.stage is Stage.SETUP and analysis is not None:
            self._setup(t_s, analysis, mean_visibility)
        elif s.stage is Stage.START_POSITION and analysis is not None:
            self._start_position(t_s, analysis)
        elif s.stage is Stage.COUNTDOWN:
            self._countdown(t_s, analysis)
        elif s.stage is Stage.ROCKING and not s.paused:
            counted = self._rocking(t_s, analysis)
        elif (s.stage is Stage.SUMMARY and self.settings.summary_hold_s is not None
              and t_s - s.since_s >= self.settings.summary_hold_s):
            self._go(Stage.DONE, t_s)
        return self._view(t_s, analysis, mean_visibility, counted)

    # ---- stages ----------------------------------------------------------------------------
    def _go(self, stage: Stage, t_s: float) -> None:
        s = self._s
        s.stage, s.since_s = stage, t_s
        s.out.reset()
        s.ready.reset()
        s.last_tick = None
        s.check = None
        if stage is not Stage.ROCKING:
            s.banner = None

    def _setup(self, t_s: float, a: FrameAnalysis, vis: float | None) -> None:
        if setup_cue(a, vis) is None:
            self._go(Stage.START_POSITION, t_s)
            self._s.check = tabletop(a)      # the first start-position screen says what to fix

    def _start_position(self, t_s: float, a: FrameAnalysis) -> None:
        s, cfg = self._s, self.settings
        if not a.posture.verdict.in_position:
            s.ready.reset()
            s.out.update(t_s, True)
            if s.out.held_s(t_s) >= cfg.leave_position_s:
                self._go(Stage.SETUP, t_s)
            return
        s.out.reset()
        s.check = tabletop(a)
        if s.check.ok and s.ready.since is None:
            s.pending.append(Sound.READY)
        s.ready.update(t_s, s.check.ok)
        if a.calibrated and s.ready.since is not None and s.ready.held_s(t_s) >= cfg.settle_s:
            self._go(Stage.COUNTDOWN, t_s)

    def _countdown(self, t_s: float, a: FrameAnalysis | None) -> None:
        s, cfg = self._s, self.settings
        # only leaving the position stops it: starting to rock a moment early is harmless (the
        # pacer starts at "go" and no rep started before it counts)
        s.out.update(t_s, a is not None and not a.posture.verdict.in_position)
        if s.out.since is not None and s.out.held_s(t_s) >= cfg.lost_s:
            self._go(Stage.START_POSITION, t_s)
            return
        left = cfg.countdown_s - (t_s - s.since_s)
        if left <= 0:
            self._go(Stage.ROCKING, t_s)
            s.rock_start_s, s.pacer_t_s = t_s, -1e-9
            s.pending.append(Sound.START)
            return
        tick = int(left) + 1
        if tick != s.last_tick:
            s.last_tick = tick
            s.pending.append(Sound.TICK)

    def _rocking(self, t_s: float, a: FrameAnalysis | None) -> Rep | None:
        s = self._s
        pacer_t = t_s - s.rock_start_s
        if pacer_t > s.pacer_t_s:
            s.active_s += pacer_t - max(s.pacer_t_s, 0.0)
            for tp in self.pacer.turns_between(s.pacer_t_s, pacer_t):
                if tp.t_s > 0:   # t=0 has the START sound already
                    s.pending.append(Sound.GO_BACK if tp.turn is Turn.GO_BACK
                                     else Sound.GO_FORWARD)
            s.pacer_t_s = pacer_t
        counted: Rep | None = None
        if a is not None:
            counted = self._track(t_s, a)
            if not a.calibrated:
                # the analysis dropped its calibration (out of position for a long while, e.g.
                # they got up): check the start position again, then a fresh countdown
                s.last_lost_s = t_s
                self._go(Stage.START_POSITION, t_s)
                return counted
        if len(s.reps) >= self.plan.target_reps:
            self._finish(EndReason.TARGET_REPS, t_s)
        elif s.active_s >= self.plan.target_duration_s:
            self._finish(EndReason.TARGET_TIME, t_s)
        return counted

    def _track(self, t_s: float, a: FrameAnalysis) -> Rep | None:
        """Show the analysis's warnings (raised, held and cleared by its rules: the coach keeps
        none of its own) and count the rep completed at this frame."""
        s, cfg = self._s, self.settings
        lost_before = s.last_lost_s
        if not a.posture.verdict.in_position:
            s.last_lost_s = t_s
        for w in sorted(a.warnings, key=lambda w: _rank(w.kind)):
            s.warnings.append(w)
            s.new_warnings.append(w)
            detail = w.figure
            if w.kind is WarningKind.TOO_FAST:
                phase = PacerPhase.FORWARD if (a.speed or 0.0) < 0 else PacerPhase.BACK
                s.rushed = [*s.rushed[-3:], _Rushed(w.t_s, phase)]
                detail = words.pace_advice(phase, self._phase_target(phase))
            elif w.kind is WarningKind.JERKY:
                detail = words.JERKY_ADVICE
            self._warn(w.kind, detail, t_s)
        if a.rep is not None:
            self._tell_figures(a.rep, t_s)
        if (s.banner is not None and s.banner.banner.kind not in a.active
                and t_s - s.banner.since_s >= cfg.min_banner_s):
            s.banner = None
        return self._count(a.rep, lost_before)

    def _count(self, rep: Rep | None, lost_before_s: float) -> Rep | None:
        """Count a completed rep: a full one, begun after the countdown and after the position
        was last lost before the frame that completed it (a rep finished by the analysis at the
        moment the person disappears, having already come back, counts)."""
        s = self._s
        if (rep is None or rep.partial or rep.start_s < s.rock_start_s
                or rep.start_s <= lost_before_s):
            return None
        counted = replace(rep, index=len(s.reps) + 1)
        s.reps.append(counted)
        return counted

    def end_of_stream(self, rep: Rep | None) -> Rep | None:
        """The analysis's last rep, finished when the stream ended (``MovementAnalyzer.finish``):
        counted by the same rules as any other while rocking; returns it as counted, or None.
        Call before the session is ended, so the summary includes it."""
        s = self._s
        if s.stage is not Stage.ROCKING or s.paused:
            return None
        counted = self._count(rep, s.last_lost_s)
        if counted is not None and len(s.reps) >= self.plan.target_reps:
            self._finish(EndReason.TARGET_REPS, self._t)
        return counted

    def _phase_target(self, phase: PacerPhase) -> float:
        tempo = self.plan.tempo
        return tempo.back_s if phase is PacerPhase.BACK else tempo.forward_s

    def _warn(self, kind: WarningKind, detail: str, t_s: float) -> None:
        """Show a warning: a more useful one showing is not hidden by a less useful one raised
        with it; "too fast" and "jerky" together read "Slow down. Smoothly, no bouncing"."""
        s, text = self._s, WARNINGS[kind].banner
        cur = s.banner
        fresh = cur is not None and t_s - cur.since_s < self.settings.min_banner_s
        if cur is not None and fresh and {cur.banner.kind, kind} <= MOVEMENT_KINDS:
            shown = cur.banner
            if _rank(shown.kind) < _rank(kind):        # the one showing is more useful
                if text not in shown.text:
                    s.banner = _Banner(replace(shown, text=f"{shown.text}. {text}"), cur.since_s)
                return
            if shown.kind is not kind and shown.text not in text:
                text = f"{text}. {shown.text}"
        self._raise(Banner(text, kind, detail), t_s)

    def _tell_figures(self, rep: Rep, t_s: float) -> None:
        """A rep is over: a too-fast warning raised in it now says the half-rep's real time."""
        s = self._s
        mine = [r for r in s.rushed if rep.start_s - 0.5 <= r.t_s <= rep.end_s + 0.1]
        if not mine:
            return
        s.rushed = [r for r in s.rushed if r.t_s > rep.end_s + 0.1]
        phase = mine[0].phase
        took = rep.back_s if phase is PacerPhase.BACK else rep.forward_s
        cur = s.banner
        if cur is not None and cur.banner.kind is WarningKind.TOO_FAST and took > 0:
            figures = words.pace_figures(phase, took, self._phase_target(phase))
            s.banner = _Banner(replace(cur.banner, detail=figures), t_s)   # readable again

    def _raise(self, banner: Banner, t_s: float) -> None:
        s = self._s
        s.banner = _Banner(banner, t_s)
        if t_s - s.last_warning_sound_s >= self.settings.warning_sound_gap_s:
            s.last_warning_sound_s = t_s
            s.pending.append(Sound.WARNING)

    def _finish(self, reason: EndReason, t_s: float) -> None:
        s = self._s
        s.end_reason = reason
        periods = [r.period_s for r in s.reps]
        advice_kind, advice = advice_for(s.reps, s.warnings, reason)
        s.summary = Summary(
            reps=len(s.reps), target_reps=self.plan.target_reps, active_s=s.active_s,
            median_period_s=_median(periods), median_back_s=_median([r.back_s for r in s.reps]),
            median_forward_s=_median([r.forward_s for r in s.reps]),
            warnings=tuple(sorted(Counter(w.kind for w in s.warnings).items())),
            advice=advice, advice_kind=advice_kind, end_reason=reason,
            forceful=sum(r.forceful for r in s.reps))
        s.paused = False
        self._ask_pain(Stage.PAIN_AFTER, Stage.SUMMARY, t_s)
        s.pending.append(Sound.DONE)

    # ---- the view --------------------------------------------------------------------------
    def _view(self, t_s: float, a: FrameAnalysis | None, vis: float | None,
              counted: Rep | None) -> CoachView:
        s = self._s
        sounds, s.pending = tuple(s.pending), []
        new_warnings, s.new_warnings = tuple(s.new_warnings), []
        base = CoachView(
            t_s=t_s, stage=s.stage, title="", reps=len(s.reps),
            target_reps=self.plan.target_reps, muted=s.muted, sounds=sounds,
            active_s=s.active_s, counted_rep=counted, new_warnings=new_warnings,
            paused=s.paused,
            posture=VERDICTS[a.posture.verdict].posture if a is not None else "")
        if s.stage is Stage.SAFETY:
            return replace(base, title="Before you start", instruction=" ".join(SAFETY_LINES))
        if s.stage in PAIN_STAGES and s.pain is not None:
            question = QUESTION_BEFORE if s.stage is Stage.PAIN_BEFORE else QUESTION_AFTER
            return replace(base, title=question, instruction=KEYS, pain=PainView(
                question, SCALE, KEYS, s.pain.rating, s.pain.remaining_s()))
        if s.stage is Stage.SETUP:
            cue = setup_cue(a, vis) if a is not None else None
            return replace(base, title="Set-up", instruction=cue or words.LOOKING)
        if s.stage is Stage.START_POSITION:
            check = s.check or UNMEASURED
            items = checklist(check) if a is not None else ()
            if not check.ok:
                text = words.FIX_CUES[check.first_fix()]
            elif a is not None and a.phase is Phase.CALIBRATING:
                text = words.START_MEASURING
                if 0.0 < a.calibration_progress < 1.0:
                    text += f" ({a.calibration_progress:.0%})"
            else:
                text = words.START_HOLD
            return replace(base, title="Start position", instruction=text, checklist=items)
        if s.stage is Stage.COUNTDOWN:
            left = int(self.settings.countdown_s - (t_s - s.since_s)) + 1
            return replace(base, title=words.COUNTDOWN_TITLE, instruction=words.COUNTDOWN_HOLD,
                           countdown=max(1, min(left, round(self.settings.countdown_s))))
        if s.stage is Stage.ROCKING:
            if s.reps:
                r = s.reps[-1]
                base = replace(base, last_rep=rep_tempo_text(r, self.plan),
                               last_rep_figures=words.rep_figures(r.period_s, r.back_s,
                                                                  r.forward_s),
                               last_rep_verdict=rep_verdict(r, self.plan))
            if s.paused:
                return replace(base, title="Paused", instruction=words.PAUSED)
            pt = max(0.0, s.pacer_t_s)
            phase = self.pacer.phase(pt)
            pacer = PacerView(self.pacer.target_depth(pt), self._last_depth, phase,
                              words.PACER_CUE[phase], self.pacer.phase_remaining_s(pt),
                              back_on_left=s.facing is not None and s.facing > 0)
            return replace(base, title="Rocking", instruction=pacer.cue, pacer=pacer,
                           banner=s.banner.banner if s.banner else None)
        return replace(base, title="Session done" if s.stage is Stage.SUMMARY else "Done",
                       summary=s.summary)


def _median(xs: list[float]) -> float | None:
    return float(statistics.median(xs)) if xs else None
