"""The speech scheduler: what the coach says (or plays) now, and what it keeps quiet about.

Pure: no clock, no audio. Cues come in with the time; what to start comes out.

    CueMaker.cues(view, t)         the coach's view-model -> cues (phrases and tones)
    SpeechScheduler.step(t, cues)  cues + time -> what starts now (at most one sound at a time)

The policy, in one place:
- one sound at a time: nothing starts until the last one has finished (and a short breath);
- the most important first: a waiting warning goes before a pacer cue, which goes before advice;
- a warning cuts short a pacer cue, advice or a milestone that is playing, and moving on to a
  later stage cuts short advice left over from the last one (it no longer applies); nothing
  else is cut, and what is cut stops at once: still one sound at a time;
- a cue that cannot start in time is dropped (a pacer cue 0.4 s late is worse than none), and
  what waited from the last stage is dropped on a change of stage;
- the same cue is not repeated within its gap (a few seconds), and a cue already waiting is not
  queued twice;
- silence while the person does it right: after the first reps the pacer is tones only, until
  the rhythm is lost (a too-fast or jerky warning, a forceful or off-tempo rep), when the words
  come back for one rep.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace

from pose.events import WarningKind
from sessions.coach import words
from sessions.coach.phrases import MAX_SPOKEN_COUNT, PHRASES, SETUP_LINES, WARNING_PHRASE
from sessions.coach.plan import Tempo
from sessions.coach.view import Advice, CoachView, EndReason, Sound, Stage
from sessions.pain import PainChange

# Priorities: higher goes first when several cues wait.
WARNING, STAGE, PACER, ADVICE, MILESTONE = 40, 30, 20, 10, 5

TONE_PREFIX = "tone:"


def tone_key(sound: Sound) -> str:
    """The cue key of a tone (phrases are keyed by their id in ``PHRASES``)."""
    return TONE_PREFIX + sound.value


def tone_of(key: str) -> Sound | None:
    """The tone a cue key names, or None for a phrase."""
    return Sound(key.removeprefix(TONE_PREFIX)) if key.startswith(TONE_PREFIX) else None


@dataclass(frozen=True)
class Cue:
    """Something to say or play: ``key`` is a phrase id or ``tone:<sound>``."""

    key: str
    priority: int
    max_wait_s: float = 1.0      # dropped when it cannot start within this long
    repeat_gap_s: float = 6.0    # not started again within this long of its last start
    order: int = 0               # among equal priorities: lower first (then first offered)
    topic: str = ""              # a new cue replaces one still waiting on the same topic


@dataclass(frozen=True)
class Started:
    """A sound the scheduler started: ``key`` plays from ``start_s`` to ``end_s``."""

    key: str
    start_s: float
    end_s: float
    priority: int
    repeat_gap_s: float
    cut: bool = False            # stopped at end_s before its natural end


@dataclass
class _Waiting:
    cue: Cue
    offered_s: float
    seq: int


def _on_topic(w: _Waiting, topic: str) -> bool:
    return w.cue.topic == topic


class SpeechScheduler:
    """One sound at a time, the most important first, nothing stale, no quick repeats.

    ``duration`` gives a cue key's length in seconds. ``step(t, cues)`` takes the cues that
    arose at time ``t`` (seconds, increasing) and returns what starts now (at most one).
    """

    def __init__(self, duration: Callable[[str], float], breath_s: float = 0.15) -> None:
        self.duration = duration
        self.breath_s = breath_s
        self.busy_until = float("-inf")
        self.log: list[Started] = []
        self.dropped: list[tuple[float, str]] = []    # (time, key) of cues never started
        self._waiting: list[_Waiting] = []
        self._last_start: dict[str, float] = {}
        self._seq = 0

    def offer(self, t_s: float, cues: Iterable[Cue]) -> None:
        """Queue cues that arose at ``t_s`` (a repeat within its gap, or a duplicate, is
        dropped)."""
        for cue in cues:
            last = self._last_start.get(cue.key)
            if last is not None and t_s - last < cue.repeat_gap_s:
                self.dropped.append((t_s, cue.key))
                continue
            if any(w.cue.key == cue.key for w in self._waiting):
                continue
            if cue.topic:
                self._drop(t_s, functools.partial(_on_topic, topic=cue.topic))
            self._seq += 1
            self._waiting.append(_Waiting(cue, t_s, self._seq))

    def clear(self, t_s: float) -> None:
        """Forget everything waiting (muted, or the session moved on to another stage)."""
        self._drop(t_s, lambda w: True)

    def _drop(self, t_s: float, which: Callable[[_Waiting], bool]) -> None:
        self.dropped.extend((t_s, w.cue.key) for w in self._waiting if which(w))
        self._waiting = [w for w in self._waiting if not which(w)]

    def playing(self, t_s: float) -> Started | None:
        """The sound playing at ``t_s``, if any."""
        last = self.log[-1] if self.log else None
        return last if last is not None and last.start_s <= t_s < last.end_s else None

    def cut(self, t_s: float, below: int) -> Started | None:
        """Stop the sound playing at ``t_s`` if its priority is below ``below``; the cut
        sound (its log entry ending at ``t_s``) or None."""
        now = self.playing(t_s)
        if now is None or now.priority >= below:
            return None
        cut = replace(now, end_s=t_s, cut=True)
        self.log[-1] = cut
        self.busy_until = t_s + self.breath_s
        return cut

    def quiet(self, t_s: float) -> bool:
        """Nothing sounding at ``t_s`` and nothing waiting."""
        return not self._waiting and t_s >= self.busy_until

    def step(self, t_s: float, cues: Iterable[Cue] = ()) -> list[Started]:
        """Offer ``cues`` at ``t_s`` and start the most important waiting one, if free."""
        self.offer(t_s, cues)
        keep: list[_Waiting] = []
        for w in self._waiting:
            if t_s - w.offered_s > w.cue.max_wait_s:
                self.dropped.append((t_s, w.cue.key))
            else:
                keep.append(w)
        self._waiting = keep
        if not keep:
            return []
        best = min(keep, key=lambda w: (-w.cue.priority, w.cue.order, w.seq))
        if best.cue.priority >= WARNING:      # a warning does not wait behind a pacer cue,
            self.cut(t_s, below=STAGE)        # advice or a milestone (a stage line finishes)
        if t_s < self.busy_until:
            return []
        self._waiting.remove(best)
        end = t_s + self.duration(best.cue.key)
        self.busy_until = end + self.breath_s
        self._last_start[best.cue.key] = t_s
        started = Started(best.cue.key, t_s, end, best.cue.priority, best.cue.repeat_gap_s)
        self.log.append(started)
        return [started]


# ---- from the coach's view to cues -----------------------------------------------------------
# Set-up instructions (CoachView.instruction in SETUP, from the coach's table of words) ->
# phrase ids; an instruction without one is shown, not said.
SETUP_PHRASE: dict[str, str] = SETUP_LINES
# What to change for an unticked checklist line (CheckItem.fix) -> the phrase that says it.
FIX_PHRASE: dict[str, str] = {text: f"fix_{fix.value}" for fix, text in words.FIX_CUES.items()}
PACER_PHRASE = {Sound.GO_BACK: "pacer_back", Sound.GO_FORWARD: "pacer_forward"}
DONE_PHRASE = {EndReason.TARGET_REPS: "done_target", EndReason.TARGET_TIME: "done_time",
               EndReason.USER: "done_user", EndReason.SOURCE_ENDED: "done_user",
               EndReason.INTERRUPTED: "done_interrupted"}
# What the summary's advice is about (Summary.advice_kind) -> its phrase; None: not said (the
# end's phrase says it, or there is no advice).
ADVICE_PHRASE: dict[Advice, str | None] = {
    Advice.FORCEFUL: "advice_forceful", Advice.RUSHED: "advice_rushed",
    Advice.POSITION: "advice_position", Advice.NO_REPS: "advice_no_reps",
    Advice.WELL_DONE: "advice_well_done",
    Advice.INTERRUPTED: None,      # "done_interrupted" says it
    Advice.SOURCE_ENDED: None,     # "done_user": the session is done
    Advice.NONE: None,             # the pain went up: "pain_went_up" says stop
}
# How the pain changed (Summary.pain_change) -> its phrase (the same pain is not said).
PAIN_CHANGE_PHRASE: dict[PainChange, str] = {
    PainChange.UP: "pain_went_up", PainChange.DOWN: "pain_went_down"}
RHYTHM_WARNINGS = (WarningKind.TOO_FAST, WarningKind.JERKY)
# the stages in the order a session goes through them
_ORDER = [Stage.SAFETY, Stage.PAIN_BEFORE, Stage.SETUP, Stage.START_POSITION, Stage.COUNTDOWN,
          Stage.ROCKING, Stage.PAIN_AFTER, Stage.SUMMARY, Stage.DONE]
_RANK = {stage: i for i, stage in enumerate(_ORDER)}
PAIN_PHRASE = {Stage.PAIN_BEFORE: "pain_before", Stage.PAIN_AFTER: "pain_after"}


@dataclass
class VoiceSettings:
    """How chatty the voice is (seconds)."""

    pacer_word_reps: int = 2          # reps with spoken pacer cues at the start of rocking
    relapse_word_reps: int = 1        # reps with words again after the rhythm is lost
    setup_settle_s: float = 0.5       # set-up advice is said once it has held this long
    setup_repeat_s: float = 12.0      # the same set-up advice again after this long unchanged
    checklist_wait_s: float = 6.0     # an item still unticked this long is said
    warning_repeat_s: float = 10.0    # a warning still showing is said again after this long
    warning_gap_s: float = 8.0        # the same warning not twice within this
    pacer_max_wait_s: float = 0.4     # a pacer cue later than this is dropped


@dataclass
class _Memory:
    stage: Stage | None = None
    instruction: str = ""
    instruction_since_s: float = 0.0
    instruction_said_s: float = float("-inf")
    unticked: str | None = None
    unticked_since_s: float = 0.0
    banner: WarningKind | None = None
    banner_said_s: float = float("-inf")
    words_turns: int = 0
    paused: bool = False
    extra: list[Cue] = field(default_factory=list)


class CueMaker:
    """Turns each frame's :class:`CoachView` into cues; ``voice=False`` gives today's tones.

    Stateful (what was said when), pure (the view's own time is the clock).
    """

    def __init__(self, voice: bool = True, tempo: Tempo | None = None,
                 settings: VoiceSettings | None = None,
                 phrase_s: Callable[[str], float] | None = None) -> None:
        self.voice = voice
        self.tempo = tempo or Tempo()
        self.settings = settings or VoiceSettings()
        self.phrase_s = phrase_s or (lambda _key: 1.5)
        self._m = _Memory()
        self.stage_changed = False
        self.stage_advanced = False

    def cues(self, view: CoachView, t_s: float) -> list[Cue]:
        """The cues this frame gives rise to at time ``t_s``; ``stage_changed`` tells when the
        session has just moved to another stage (what waits from the last one is stale), and
        ``stage_advanced`` when it moved on (advice still playing no longer applies; going
        back, as from the start position to the set-up, it still may)."""
        m, cfg = self._m, self.settings
        out: list[Cue] = []
        entered = view.stage is not m.stage
        self.stage_changed = entered and m.stage is not None
        self.stage_advanced = (self.stage_changed and m.stage is not None
                               and _RANK.get(view.stage, -1) > _RANK.get(m.stage, 99))
        m.stage = view.stage
        tones = list(view.sounds)
        if not self.voice:
            out.extend(self._tone(s) for s in tones)
            return out
        if view.stage is Stage.SAFETY and entered:
            out.append(Cue("safety", STAGE, max_wait_s=2.0, repeat_gap_s=60.0))
        elif view.stage in PAIN_PHRASE and entered:
            # advice-level: cut short once answered (the session moves on)
            out.append(Cue(PAIN_PHRASE[view.stage], ADVICE, max_wait_s=6.0, repeat_gap_s=30.0))
        elif view.stage is Stage.SETUP:
            out.extend(self._setup(view, t_s, entered))
        elif view.stage is Stage.START_POSITION:
            out.extend(self._start_position(view, t_s, entered, tones))
        elif view.stage is Stage.COUNTDOWN:
            for s in tones:
                if s is Sound.TICK and view.countdown is not None and 1 <= view.countdown <= 3:
                    out.append(Cue(f"count_{view.countdown}", STAGE, max_wait_s=0.6,
                                   repeat_gap_s=0.5))
                else:
                    out.append(self._tone(s))
            m.words_turns = 2 * cfg.pacer_word_reps
        elif view.stage is Stage.ROCKING:
            out.extend(self._rocking(view, t_s, tones))
        elif view.stage is Stage.SUMMARY and entered and view.summary is not None:
            out.extend(self._summary(view))
        if view.stage is not Stage.ROCKING:
            m.banner = None
        return out

    # ---- stages ----------------------------------------------------------------------------
    def _tone(self, sound: Sound) -> Cue:
        priority = {Sound.WARNING: WARNING, Sound.GO_BACK: PACER, Sound.GO_FORWARD: PACER,
                    Sound.TICK: STAGE, Sound.START: STAGE, Sound.DONE: STAGE,
                    Sound.READY: ADVICE}[sound]
        wait = 0.5 if sound in (Sound.GO_BACK, Sound.GO_FORWARD, Sound.TICK) else 1.5
        gap = 2.5 if sound is Sound.WARNING else 0.5
        return Cue(tone_key(sound), priority, max_wait_s=wait, repeat_gap_s=gap)

    def _setup(self, view: CoachView, t_s: float, entered: bool) -> list[Cue]:
        """Advice once it has held for a moment (a flicker between two is not read out), then
        again after a long while unchanged."""
        m, cfg = self._m, self.settings
        if entered or view.instruction != m.instruction:
            m.instruction, m.instruction_since_s = view.instruction, t_s
            m.instruction_said_s = float("-inf")
        pid = SETUP_PHRASE.get(view.instruction.rstrip("."))
        if pid is None or t_s - m.instruction_since_s < cfg.setup_settle_s:
            return []
        if t_s - m.instruction_said_s >= cfg.setup_repeat_s:
            m.instruction_said_s = t_s
            return [Cue(pid, ADVICE, max_wait_s=8.0, repeat_gap_s=4.0, topic="setup")]
        return []

    def _start_position(self, view: CoachView, t_s: float, entered: bool,
                        tones: list[Sound]) -> list[Cue]:
        m, out = self._m, []
        if entered:
            m.unticked, m.unticked_since_s = None, t_s
            if not (view.checklist and all(i.ok for i in view.checklist)):
                out.append(Cue("start_position", ADVICE, max_wait_s=4.0, repeat_gap_s=15.0))
        if Sound.READY in tones:
            # short-lived: the countdown follows a second later and matters more
            out.append(Cue("hold_still", ADVICE, max_wait_s=0.5, repeat_gap_s=8.0))
        # the first unticked line, still unticked after a while: say what to change
        first = next((i.fix for i in view.checklist if not i.ok), None)
        if first != m.unticked:
            m.unticked, m.unticked_since_s = first, t_s
        elif (first is not None and first in FIX_PHRASE
              and t_s - m.unticked_since_s >= self.settings.checklist_wait_s):
            m.unticked_since_s = t_s
            out.append(Cue(FIX_PHRASE[first], ADVICE, max_wait_s=3.0, repeat_gap_s=10.0,
                           topic="checklist"))
        return out

    def _rocking(self, view: CoachView, t_s: float, tones: list[Sound]) -> list[Cue]:
        m, cfg, out = self._m, self.settings, []
        if view.paused and not m.paused:
            out.append(Cue("paused", STAGE, max_wait_s=1.0, repeat_gap_s=3.0))
        m.paused = view.paused
        # out of rhythm: the words come back for the next rep(s)
        relapse = 2 * cfg.relapse_word_reps
        if any(w.kind in RHYTHM_WARNINGS for w in view.new_warnings):
            m.words_turns = max(m.words_turns, relapse)
        rep = view.counted_rep      # off tempo by the coach's own verdict on the rep
        if rep is not None and (rep.forceful or view.last_rep_verdict not in ("", words.REP_GOOD)):
            m.words_turns = max(m.words_turns, relapse)
        for s in tones:
            turn = Sound.GO_BACK if s is Sound.START else s
            if turn in PACER_PHRASE and m.words_turns > 0 and self._fits(turn):
                m.words_turns -= 1
                out.append(Cue(PACER_PHRASE[turn], PACER, max_wait_s=cfg.pacer_max_wait_s,
                               repeat_gap_s=1.0))
            elif s is not Sound.WARNING:
                out.append(self._tone(s))
        out.extend(self._warning(view, t_s, tones))
        if rep is not None:
            target, n = view.target_reps, view.reps
            if target >= 3 and n == target - 1:
                out.append(Cue("last_one", MILESTONE, max_wait_s=3.0, repeat_gap_s=30.0))
            elif target >= 6 and n == target // 2:
                out.append(Cue("halfway", MILESTONE, max_wait_s=3.0, repeat_gap_s=30.0))
        return out

    def _fits(self, turn: Sound) -> bool:
        """Words only when they end before the next turn (else a short tempo gets tones)."""
        phase_s = self.tempo.back_s if turn is Sound.GO_BACK else self.tempo.forward_s
        return self.phrase_s(PACER_PHRASE[turn]) + 0.3 <= phase_s

    def _warning(self, view: CoachView, t_s: float, tones: list[Sound]) -> list[Cue]:
        m, cfg = self._m, self.settings
        kind = view.banner.kind if view.banner is not None else None
        new = kind is not None and (kind is not m.banner or Sound.WARNING in tones)
        again = kind is not None and t_s - m.banner_said_s >= cfg.warning_repeat_s
        m.banner = kind
        if kind is None or not (new or again):
            return []
        m.banner_said_s = t_s
        pid = WARNING_PHRASE.get(kind)
        if pid is None:
            return [self._tone(Sound.WARNING)]
        return [Cue(pid, WARNING, max_wait_s=2.0, repeat_gap_s=cfg.warning_gap_s)]

    def _summary(self, view: CoachView) -> list[Cue]:
        summary = view.summary
        assert summary is not None
        keys = [DONE_PHRASE[summary.end_reason]]
        if summary.pain_change is not None and summary.pain_change in PAIN_CHANGE_PHRASE:
            keys.append(PAIN_CHANGE_PHRASE[summary.pain_change])
        if summary.end_reason is not EndReason.INTERRUPTED:
            if 1 <= summary.reps <= MAX_SPOKEN_COUNT:
                keys.append(f"reps_{summary.reps}")
            advice = ADVICE_PHRASE[summary.advice_kind]
            if advice is not None:
                keys.append(advice)
        return [Cue(k, STAGE, max_wait_s=30.0, repeat_gap_s=60.0, order=i)
                for i, k in enumerate(keys) if k in PHRASES]
