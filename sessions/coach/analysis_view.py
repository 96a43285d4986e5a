"""What the coach would show for a recording's analysis, frame by frame (``rocking analyze
--out``): the rep count, the last rep's tempo, the posture and the active warnings, in the
coach's own words, for the coach overlay to draw. No plan and no countdown: the count is the
analysis's own, the one the report gives."""

from __future__ import annotations

from dataclasses import dataclass, field

from pose.events import FrameAnalysis, Phase, Rep, WarningKind
from pose.messages import VERDICTS, WARNINGS
from sessions.coach import words
from sessions.coach.view import Banner, CoachView, Stage

FORCEFUL = "too forceful"


@dataclass
class AnalysisViews:
    """Turns each frame's analysis into a CoachView; ``view`` once a frame, in order."""

    last_rep: Rep | None = None
    details: dict[WarningKind, str] = field(default_factory=dict)

    def view(self, fa: FrameAnalysis) -> CoachView:
        if fa.rep is not None and not fa.rep.partial:
            self.last_rep = fa.rep
        for w in fa.warnings:
            self.details[w.kind] = w.figure
        posture = VERDICTS[fa.posture.verdict].posture
        if not fa.calibrated:
            text = (words.START_MEASURING if fa.phase is Phase.CALIBRATING
                    else fa.posture.message)
            return CoachView(t_s=fa.t_s, stage=Stage.START_POSITION, title="Start position",
                             instruction=text, posture=posture)
        banner = None
        shown = [k for k in words.WARNING_ORDER if k in fa.active]
        if shown:
            kind = shown[0]
            banner = Banner(WARNINGS[kind].banner, kind,
                            self.details.get(kind, ""))
        figures = verdict = ""
        rep = self.last_rep
        if rep is not None:
            figures = words.rep_figures(rep.period_s, rep.back_s, rep.forward_s)
            verdict = FORCEFUL if rep.forceful else ""
        return CoachView(
            t_s=fa.t_s, stage=Stage.ROCKING, title="Rocking",
            banner=banner, reps=fa.rep_count, target_reps=0, posture=posture,
            last_rep=f"{figures}: {verdict}" if verdict else figures,
            last_rep_figures=figures, last_rep_verdict=verdict)
