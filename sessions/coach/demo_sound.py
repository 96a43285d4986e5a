"""The demo session's sound rendered to a buffer: the whole coached session of the simulated
body run as the demo runs it, with no sound card and no video, keeping each picture's time and
each sound at its picture time (for tests, and for ``scripts/demo_sound.py`` to listen to)."""

from __future__ import annotations

from dataclasses import dataclass, field

from sessions.coach.audio import AudioPlayer
from sessions.coach.demo_body import demo_loop
from sessions.coach.displays import KeylessDisplay
from sessions.coach.live_loop import BGRImage, LoopResult, SessionLoop
from sessions.coach.speech import Started
from sessions.coach.view import CoachView
from sessions.coach.voice import SoundOptions, SoundTrack


@dataclass
class TrackDisplay(KeylessDisplay):
    """A display that keeps no pictures, only their times, and the sound track."""

    track: SoundTrack = field(default_factory=SoundTrack)
    shown_s: list[float] = field(default_factory=list)

    def show(self, img: BGRImage, present_s: float) -> None:
        self.shown_s.append(present_s)

    def add_audio(self, present_s: float, samples: object, rate: int) -> None:
        self.track.add_audio(present_s, samples, rate)  # type: ignore[arg-type]


@dataclass
class DemoSound:
    """What the demo played: the track, the scheduler's log, the pictures' times and the loop."""

    track: SoundTrack
    log: list[Started]
    shown_s: list[float]
    loop: SessionLoop
    result: LoopResult
    views: list[tuple[float, CoachView]]

    @property
    def duration_s(self) -> float:
        """Up to the last picture (and one frame after it)."""
        return (self.shown_s[-1] + 1 / self.loop.settings.out_fps) if self.shown_s else 0.0


class NoOverlay:
    """Draws nothing (when only the sound matters)."""

    interactive = False

    def draw(self, img: BGRImage, view: CoachView) -> None:
        return None


def render_demo_sound(voice: bool = True, enabled: bool = True, draw: bool = True,
                      audio: AudioPlayer | None = None) -> DemoSound:
    """Run the demo session (as `rocking demo --headless` does, without saving) into a buffer;
    ``draw=False`` skips the overlay (quicker; the sound is the same)."""
    display = TrackDisplay()
    loop = demo_loop(display, None, paced=False, audio=audio,
                     sound=SoundOptions(enabled=enabled, voice=voice),
                     overlay=None if draw else NoOverlay())  # type: ignore[arg-type]
    views: list[tuple[float, CoachView]] = []
    update = loop.sound.update

    def keep(view: CoachView, present_s: float) -> list[Started]:
        views.append((present_s, view))
        return update(view, present_s)

    loop.sound.update = keep  # type: ignore[method-assign]
    result = loop.run()
    return DemoSound(display.track, loop.sound.log, display.shown_s, loop, result, views)
