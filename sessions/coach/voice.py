"""Everything a session plays, tones and speech, on one schedule; and the session's sound track.

``SessionSound.update(view, present_s)`` runs the speech scheduler (``coach.speech``) on the
coach's view and starts what it says: the samples go to the audio thread (``AudioPlayer``, which
never blocks the picture) and to every sink, such as a recording's audio track
(``display.add_audio(present_s, samples, rate)``) or a :class:`SoundTrack` in a test.

A sink gets each sound as it plays, in 20 ms blocks up to the picture being shown (so a sound
cut short is cut short in the recording too, and every block arrives before the recording has
encoded its time); ``flush`` hands over the rest at the end of the session.
"""

from __future__ import annotations

import functools
import logging
import wave
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from sessions.coach.audio import SAMPLE_RATE, AudioPlayer, render
from sessions.coach.phrases import PHRASES
from sessions.coach.plan import Tempo
from sessions.coach.speech import (
    STAGE,
    CueMaker,
    SpeechScheduler,
    Started,
    VoiceSettings,
    tone_of,
)
from sessions.coach.view import CoachView
from sessions.coach.voice_assets import VoiceAssetError, phrase_samples

log = logging.getLogger(__name__)

Samples = NDArray[np.float32]
Sink = Callable[[float, Samples, int], None]     # (present_s, samples, rate)


@dataclass(frozen=True)
class SoundOptions:
    """``--no-audio`` (``enabled=False``) silences everything; ``--no-voice`` keeps tones."""

    enabled: bool = True
    voice: bool = True


@functools.cache
def sound_samples(key: str) -> tuple[Samples, int]:
    """The samples and rate of a cue key: a synthesised tone or a rendered phrase (made or read
    once, then kept: starting a sound in the frame loop costs a look-up)."""
    sound = tone_of(key)
    if sound is not None:
        return render(sound), SAMPLE_RATE
    return phrase_samples(key)


def voice_available() -> str | None:
    """None when every phrase is rendered and readable, else why not."""
    try:
        for pid in PHRASES:
            phrase_samples(pid)
    except VoiceAssetError as exc:
        return str(exc)
    return None


class SessionSound:
    """Turns each frame's view into sounds started on the audio thread and in the sinks."""

    def __init__(self, player: AudioPlayer | None = None, options: SoundOptions | None = None,
                 tempo: Tempo | None = None, sinks: list[Sink] | None = None,
                 settings: VoiceSettings | None = None) -> None:
        self.player = player or AudioPlayer(enabled=False)
        self.options = options or SoundOptions()
        voice = self.options.voice
        if voice and self.options.enabled:
            problem = voice_available()
            if problem is not None:
                log.warning("no voice, tones only: %s", problem)
                voice = False
        self.voice = voice
        self.sinks = list(sinks or [])
        self.scheduler = SpeechScheduler(self.seconds)
        self.cues = CueMaker(voice=voice, tempo=tempo, settings=settings,
                             phrase_s=self.seconds)
        self._seconds: dict[str, float] = {}
        self._current: _Playing | None = None

    def seconds(self, key: str) -> float:
        """How long a cue key sounds."""
        if key not in self._seconds:
            samples, rate = sound_samples(key)
            self._seconds[key] = len(samples) / rate
        return self._seconds[key]

    def update(self, view: CoachView, present_s: float) -> list[Started]:
        """Start what this frame's view calls for at picture time ``present_s``."""
        cues = self.cues.cues(view, present_s)
        if not self.options.enabled:
            return []
        if view.muted:                       # m: silence now, forget what waited
            self.scheduler.clear(present_s)
            self.scheduler.cut(present_s, below=10**6)
        elif self.cues.stage_changed:        # what waited is out of date
            self.scheduler.clear(present_s)
            if self.cues.stage_advanced:     # and so is advice still playing
                self.scheduler.cut(present_s, below=STAGE)
        started = [] if view.muted else self.scheduler.step(present_s, cues)
        self._follow_cuts()
        for s in started:
            if self._current is not None:    # it ended by itself: hand over the rest
                self._feed(self._current.started.end_s)
            samples, rate = sound_samples(s.key)
            self._current = _Playing(s, len(self.scheduler.log) - 1, samples, rate)
            self.player.play_samples(samples, rate)
        if self._current is not None:
            self._feed(present_s)
        return started

    def _follow_cuts(self) -> None:
        """A sound the scheduler cut stops on the speaker and ends in the sinks."""
        cur = self._current
        if cur is None:
            return
        entry = self.scheduler.log[cur.index]
        if entry.cut:
            self.player.stop()
            cur.started = entry
            self._feed(entry.end_s, fade_out=True)
            self._current = None

    def _feed(self, upto_s: float, fade_out: bool = False) -> None:
        """Hand the sinks the current sound up to ``upto_s`` (whole 20 ms blocks until its end;
        ``fade_out``: it was cut there, so its last 10 ms fade rather than click)."""
        cur = self._current
        if cur is None or not self.sinks:
            return
        end_s = min(upto_s, cur.started.end_s)
        n = min(len(cur.samples), max(0, round((end_s - cur.started.start_s) * cur.rate)))
        if n < len(cur.samples) and end_s < cur.started.end_s:
            block = max(1, cur.rate // 50)
            n -= n % block
        if n > cur.pushed:
            t = cur.started.start_s + cur.pushed / cur.rate
            block_samples = cur.samples[cur.pushed:n]
            if fade_out:
                k = min(len(block_samples), cur.rate // 100)
                block_samples = block_samples.copy()
                block_samples[len(block_samples) - k:] *= np.linspace(1.0, 0.0, k,
                                                                       dtype=np.float32)
            for sink in list(self.sinks):
                try:
                    sink(t, block_samples, cur.rate)
                except Exception as exc:  # noqa: BLE001 - sound never ends a session
                    log.warning("the sound track stops here: %s", exc)
                    self.sinks.remove(sink)
            cur.pushed = n

    def flush(self) -> None:
        """The session is over: hand the sinks the rest of the sound still playing."""
        if self._current is not None:
            self._feed(self._current.started.end_s)
            self._current = None

    def quiet(self, present_s: float) -> bool:
        """Nothing sounding or waiting to be said at ``present_s``."""
        return not self.options.enabled or self.scheduler.quiet(present_s)

    @property
    def log(self) -> list[Started]:
        """What was started, in order."""
        return self.scheduler.log


@dataclass
class _Playing:
    started: Started
    index: int                  # in the scheduler's log
    samples: Samples
    rate: int
    pushed: int = 0             # samples handed to the sinks so far


@dataclass
class SoundTrack:
    """A session's sound rendered to a buffer (no sound card): a sink that keeps each sound at
    its picture time, then mixes them at one rate."""

    rate: int = SAMPLE_RATE
    blocks: list[tuple[float, Samples, int]] = field(default_factory=list)

    def add_audio(self, present_s: float, samples: Samples, rate: int) -> None:
        """Keep ``samples`` (at ``rate``) to start at ``present_s``."""
        self.blocks.append((present_s, np.asarray(samples, np.float32), rate))

    @property
    def parts(self) -> list[tuple[float, Samples, int]]:
        """The sounds: blocks that continue one another joined into one."""
        runs: list[tuple[float, list[Samples], int, int]] = []   # start, blocks, rate, length
        for t, block, rate in self.blocks:
            if runs:
                t0, bs, r0, n0 = runs[-1]
                if r0 == rate and abs(t0 + n0 / r0 - t) < 0.5 / rate:
                    bs.append(block)
                    runs[-1] = (t0, bs, r0, n0 + len(block))
                    continue
            runs.append((t, [block], rate, len(block)))
        return [(t, np.concatenate(bs), r) for t, bs, r, _ in runs]

    def render(self, duration_s: float | None = None) -> Samples:
        """The mixed track at ``self.rate`` (resampled linearly where a sound's rate differs)."""
        parts = self.parts
        end = max((t + len(s) / r for t, s, r in parts), default=0.0)
        n = round((duration_s if duration_s is not None else end) * self.rate)
        out = np.zeros(n, np.float32)
        for t, samples, rate in parts:
            if rate != self.rate:
                m = round(len(samples) * self.rate / rate)
                samples = np.interp(np.arange(m) * rate / self.rate, np.arange(len(samples)),
                                    samples).astype(np.float32)
            i = round(t * self.rate)
            if i >= n:
                continue
            chunk = samples[: n - i]
            out[i:i + len(chunk)] += chunk
        return out

    def write_wav(self, path: Path, duration_s: float | None = None) -> None:
        """The mixed track as a 16-bit mono WAV."""
        pcm = (np.clip(self.render(duration_s), -1.0, 1.0) * 32767).astype("<i2")
        with wave.open(str(path), "wb") as out:
            out.setnchannels(1)
            out.setsampwidth(2)
            out.setframerate(self.rate)
            out.writeframes(pcm.tobytes())
