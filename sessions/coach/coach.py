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

from pose.events import FrameAnalysis, MovementWarning, Phase, Rep, Verdict, WarningKind
from sessions.coach.plan import Pacer, PacerPhase, Plan, Turn
from sessions.coach.view import (
    SAFETY_LINES,
    Banner,
    CheckItem,
    CoachView,
    Command,
    EndReason,
    PacerView,
    Sound,
    Stage,
    Summary,
)


@dataclass(frozen=True)
class CoachSettings:
    """Timings of the coach, in seconds."""

    countdown_s: float = 3.0
    settle_s: float = 1.0          # in START_POSITION, hold before the countdown may start
    leave_position_s: float = 1.0  # out of position this long in START_POSITION -> SETUP
    lost_s: float = 0.5            # out of position this long while rocking -> position lost
    min_banner_s: float = 2.0      # a warning stays readable at least this long
    warning_sound_gap_s: float = 2.5
    summary_hold_s: float | None = None   # leave the summary by itself after this (None: key)
    low_visibility: float = 0.5    # mean visibility below this asks for more light


# Posture faults (keys of PostureResult.faults, see pose.analysis.posture.FAULTS; True = fault
# present)
# -> the set-up cue. The first fault present is the one the person is asked to fix.
SETUP_CUES: tuple[tuple[tuple[str, ...], str], ...] = (
    (("out_of_view",), "Move back so your hands and feet are in view"),
    (("wrong_view",), "Turn side-on to the camera"),
    (("low_visibility",), "More light, please"),
)
# Checklist lines and the faults that un-tick them.
CHECKLIST: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Hands under shoulders", ("hands_not_under_shoulders", "hands_not_down", "hand_lifted")),
    ("Knees under hips", ("knees_not_under_hips", "knees_not_down", "knee_lifted")),
    ("Back level", ("torso_not_level",)),
)

WARNING_TEXT: dict[WarningKind, str] = {
    WarningKind.TOO_FAST: "Slow down",
    WarningKind.JERKY: "Smoothly, no bouncing",
    WarningKind.LOST_POSITION: "Position lost: hands and knees down",
    WarningKind.LIMB_LIFTED: "Keep hands and knees down",
    WarningKind.OUT_OF_VIEW: "Move back into view",
    WarningKind.WRONG_VIEW: "Turn side-on to the camera",
    WarningKind.TOO_DEEP: "Not so far back",
}
VERDICT_TEXT: dict[Verdict, str] = {
    Verdict.ON_ALL_FOURS: "On hands and knees",
    Verdict.ROCKED_BACK: "Rocked back",
    Verdict.LIMB_LIFTED: "A hand or knee is lifted",
    Verdict.NOT_ON_ALL_FOURS: "Not on hands and knees",
    Verdict.NO_PERSON: "Nobody in view",
}
PACER_CUE = {PacerPhase.BACK: "Breathe out, rock back",
             PacerPhase.FORWARD: "Breathe in, come forward"}


def _fault(faults: dict[str, bool], names: tuple[str, ...]) -> bool:
    return any(faults.get(n, False) for n in names)


def setup_cue(analysis: FrameAnalysis, mean_visibility: float | None = None,
              low_visibility: float = 0.5) -> str | None:
    """What the person should fix before the start position, or None when nothing."""
    posture = analysis.posture
    if posture.verdict is Verdict.NO_PERSON:
        return "Step into view, side-on to the camera"
    if WarningKind.OUT_OF_VIEW in analysis.active:
        return SETUP_CUES[0][1]
    if WarningKind.WRONG_VIEW in analysis.active:
        return SETUP_CUES[1][1]
    for names, cue in SETUP_CUES:
        if _fault(posture.faults, names):
            return cue
    if mean_visibility is not None and mean_visibility < low_visibility:
        return "More light, please"
    if not posture.verdict.in_position:
        if posture.verdict is Verdict.LIMB_LIFTED:
            return "Put both hands and both knees on the floor"
        return "Get on your hands and knees"
    return None


def checklist(analysis: FrameAnalysis) -> tuple[CheckItem, ...]:
    """The start-position checklist for this frame."""
    in_pos = analysis.posture.verdict.in_position
    faults = analysis.posture.faults
    return tuple(CheckItem(label, in_pos and not _fault(faults, names))
                 for label, names in CHECKLIST)


def rep_tempo_text(rep: Rep, plan: Plan) -> str:
    """The last rep's tempo against the plan, e.g. ``last rep 6.8s (4.0 back / 2.8 fwd): good``."""
    ratio = rep.period_s / plan.tempo.period_s
    verdict = "good pace" if ratio >= 0.75 else "too quick"
    if ratio > 1.6:
        verdict = "slow"
    return (f"Last rep {rep.period_s:.1f}s "
            f"({rep.back_s:.1f} back / {rep.forward_s:.1f} fwd): {verdict}")


def advice_for(reps: list[Rep], warnings: list[MovementWarning], reason: EndReason) -> str:
    """One line of advice for the summary."""
    kinds = Counter(w.kind for w in warnings)
    if reason is EndReason.INTERRUPTED:
        return "Session saved. Rest now, and stop if pain increases."
    # Name the reason: after "Tempo: 6.9s a rep", a bare "slower next time" reads as contradictory.
    slower = "next time follow the pacer, a long breath out as you rock back."
    forceful = sum(1 for r in reps if r.forceful)
    if forceful:
        were = "1 rep was" if forceful == 1 else f"{forceful} reps were"
        return f"{were} too forceful: {slower}"
    rushed = kinds[WarningKind.TOO_FAST] + kinds[WarningKind.JERKY]
    if rushed:
        what = " and ".join(name for name, n in (("too fast", kinds[WarningKind.TOO_FAST]),
                                                 ("jerky", kinds[WarningKind.JERKY])) if n)
        times = "once" if rushed == 1 else f"{rushed} times"
        return f"The rocking got {what} ({times}): {slower}"
    if kinds[WarningKind.LOST_POSITION] + kinds[WarningKind.LIMB_LIFTED] >= 2:
        return "Keep both hands and knees planted; rock only as far as is comfortable."
    if not reps:
        return "No reps counted. Check the set-up, then try again when you are ready."
    return "Well done. Rest a minute, then get up slowly."


@dataclass
class _Banner:
    banner: Banner
    since_s: float


@dataclass
class _State:
    stage: Stage = Stage.SAFETY
    since_s: float = 0.0                 # when the current stage began
    out_since_s: float | None = None     # out of position since (START_POSITION / ROCKING)
    ready_since_s: float | None = None   # checklist complete since (START_POSITION)
    rock_start_s: float = 0.0            # pacer time 0
    pacer_t_s: float = -1.0              # pacer time at the last frame
    active_s: float = 0.0                # rocking time excluding pauses
    last_lost_s: float = float("-inf")
    paused: bool = False
    muted: bool = False
    last_tick: int | None = None
    last_warning_sound_s: float = float("-inf")
    banner: _Banner | None = None
    reps: list[Rep] = field(default_factory=list)
    warnings: list[MovementWarning] = field(default_factory=list)
    end_reason: EndReason | None = None
    summary: Summary | None = None
    pending: list[Sound] = field(default_factory=list)
    new_warnings: list[MovementWarning] = field(default_factory=list)


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
    def summary(self) -> Summary | None:
        """The summary, once the session has ended."""
        return self._s.summary

    # ---- inputs ----------------------------------------------------------------------------
    def command(self, cmd: Command) -> None:
        """Apply a key command at the time of the last frame."""
        s, t = self._s, self._t
        if cmd is Command.TOGGLE_MUTE:
            s.muted = not s.muted
        elif cmd is Command.END:
            if s.stage is Stage.SAFETY:
                self._go(Stage.DONE, t)
                s.end_reason = EndReason.USER
            elif s.stage is Stage.SUMMARY:
                self._go(Stage.DONE, t)
            elif s.stage is not Stage.DONE:
                self._finish(EndReason.USER, t)
        elif cmd is Command.CONTINUE:
            if s.stage is Stage.SAFETY:
                self._go(Stage.SETUP, t)
            elif s.stage is Stage.SUMMARY:
                self._go(Stage.DONE, t)
        elif cmd is Command.TOGGLE_PAUSE:
            if s.stage is Stage.ROCKING and not s.paused:
                s.paused = True
                s.banner = None
            elif s.paused:
                s.paused = False
                self._go(Stage.COUNTDOWN, t)   # resume through a fresh 3-2-1

    def interrupt(self) -> None:
        """The session was cut short (camera lost, Ctrl-C, window closed): end it now."""
        if self._s.stage not in (Stage.SUMMARY, Stage.DONE):
            self._finish(EndReason.INTERRUPTED, self._t)

    def update(self, t_s: float, analysis: FrameAnalysis | None,
               mean_visibility: float | None = None) -> CoachView:
        """Advance to time ``t_s`` with this frame's analysis (None: no frame analysed)."""
        s = self._s
        self._t = t_s
        counted: Rep | None = None
        if analysis is not None:
            self._last_depth = analysis.depth
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
        s.out_since_s = s.ready_since_s = None
        s.last_tick = None
        if stage is not Stage.ROCKING:
            s.banner = None

    def _setup(self, t_s: float, a: FrameAnalysis, vis: float | None) -> None:
        if setup_cue(a, vis, self.settings.low_visibility) is None:
            self._go(Stage.START_POSITION, t_s)

    def _start_position(self, t_s: float, a: FrameAnalysis) -> None:
        s, cfg = self._s, self.settings
        if not a.posture.verdict.in_position:
            s.ready_since_s = None
            s.out_since_s = t_s if s.out_since_s is None else s.out_since_s
            if t_s - s.out_since_s >= cfg.leave_position_s:
                self._go(Stage.SETUP, t_s)
            return
        s.out_since_s = None
        if all(item.ok for item in checklist(a)):
            if s.ready_since_s is None:
                s.ready_since_s = t_s
                s.pending.append(Sound.READY)
        else:
            s.ready_since_s = None
        if (a.calibrated and s.ready_since_s is not None
                and t_s - s.ready_since_s >= cfg.settle_s):
            self._go(Stage.COUNTDOWN, t_s)

    def _countdown(self, t_s: float, a: FrameAnalysis | None) -> None:
        s, cfg = self._s, self.settings
        if a is not None and not a.posture.verdict.in_position:
            s.out_since_s = t_s if s.out_since_s is None else s.out_since_s
            if t_s - s.out_since_s >= cfg.lost_s:
                self._go(Stage.START_POSITION, t_s)
                return
        else:
            s.out_since_s = None
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
        s, cfg = self._s, self.settings
        lost = (not a.posture.verdict.in_position) or a.phase in (Phase.LOST, Phase.NO_PERSON)
        lost_before = s.last_lost_s
        if lost:
            s.out_since_s = t_s if s.out_since_s is None else s.out_since_s
            s.last_lost_s = t_s
        else:
            s.out_since_s = None
        for w in a.warnings:
            s.warnings.append(w)
            s.new_warnings.append(w)
            self._raise(Banner(WARNING_TEXT.get(w.kind, w.message), w.kind, _detail(w)), t_s)
        if (lost and s.out_since_s is not None and t_s - s.out_since_s >= cfg.lost_s
                and (s.banner is None or s.banner.banner.kind not in a.active)):
            kind = WarningKind.LOST_POSITION
            if a.posture.verdict is Verdict.LIMB_LIFTED:
                kind = WarningKind.LIMB_LIFTED
            elif a.posture.verdict is Verdict.NO_PERSON:
                kind = WarningKind.OUT_OF_VIEW
            if s.banner is None or s.banner.banner.kind is not kind:
                self._raise(Banner(WARNING_TEXT[kind], kind, a.posture.message), t_s)
        if s.banner is not None:
            kind = s.banner.banner.kind
            still = kind in a.active or (
                kind in (WarningKind.LOST_POSITION, WarningKind.LIMB_LIFTED,
                         WarningKind.OUT_OF_VIEW) and lost)
            if not still and t_s - s.banner.since_s >= cfg.min_banner_s:
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
        s.summary = Summary(
            reps=len(s.reps), target_reps=self.plan.target_reps, active_s=s.active_s,
            median_period_s=_median(periods), median_back_s=_median([r.back_s for r in s.reps]),
            median_forward_s=_median([r.forward_s for r in s.reps]),
            warnings=tuple(sorted(Counter(w.kind for w in s.warnings).items())),
            advice=advice_for(s.reps, s.warnings, reason), end_reason=reason,
            forceful=sum(r.forceful for r in s.reps))
        s.paused = False
        self._go(Stage.SUMMARY, t_s)
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
            posture=VERDICT_TEXT[a.posture.verdict] if a is not None else "")
        if s.stage is Stage.SAFETY:
            return replace(base, title="Before you start", instruction=" ".join(SAFETY_LINES))
        if s.stage is Stage.SETUP:
            cue = setup_cue(a, vis, self.settings.low_visibility) if a is not None else None
            return replace(base, title="Set-up", instruction=cue or "Looking for you...")
        if s.stage is Stage.START_POSITION:
            items = checklist(a) if a is not None else ()
            if a is not None and a.phase is Phase.CALIBRATING:
                text = "Hold still: measuring your start position"
                if 0.0 < a.calibration_progress < 1.0:
                    text += f" ({a.calibration_progress:.0%})"
            elif items and all(i.ok for i in items):
                text = "Good. Hold still"
            else:
                text = "Get into the start position"
            return replace(base, title="Start position", instruction=text, checklist=items)
        if s.stage is Stage.COUNTDOWN:
            left = int(self.settings.countdown_s - (t_s - s.since_s)) + 1
            return replace(base, title="Get ready",
                           instruction="Breathe out and rock back on the beat",
                           countdown=max(1, min(left, round(self.settings.countdown_s))))
        if s.stage is Stage.ROCKING:
            last = rep_tempo_text(s.reps[-1], self.plan) if s.reps else ""
            if s.paused:
                return replace(base, title="Paused", instruction="Press space to carry on",
                               last_rep=last)
            pt = max(0.0, s.pacer_t_s)
            phase = self.pacer.phase(pt)
            pacer = PacerView(self.pacer.target_depth(pt), self._last_depth, phase,
                              PACER_CUE[phase], self.pacer.phase_remaining_s(pt))
            return replace(base, title="Rocking", instruction=pacer.cue, pacer=pacer,
                           banner=s.banner.banner if s.banner else None, last_rep=last)
        return replace(base, title="Session done" if s.stage is Stage.SUMMARY else "Done",
                       summary=s.summary)


def _median(xs: list[float]) -> float | None:
    return float(statistics.median(xs)) if xs else None


def _detail(w: MovementWarning) -> str:
    """The figure behind a warning: the analysis's own "(1.35 depth/s, limit 1.30)" if given."""
    if w.message.endswith(")") and "(" in w.message:
        return w.message[w.message.rindex("(") + 1:-1]
    if w.value is None:
        return ""
    if w.threshold is None:
        return f"{w.value:.2f}"
    return f"{w.value:.2f} (limit {w.threshold:.2f})"
