"""Soft tones for the coach's sounds, synthesised with numpy, and a player that never blocks.

``render(sound)`` gives the samples of a sound (float32 mono, -1..1), ``write_wav`` saves them, so
the sound is testable without a speaker. ``AudioPlayer.play`` (a tone) and ``play_samples`` (any
samples, such as a spoken phrase) only put the sound on a small bounded queue (dropped when full);
a background thread plays it, and drops what waited too long to be worth hearing. The output is
sounddevice when PortAudio can open a device; otherwise the player logs one notice and stays
silent.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import threading
import time
import wave
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from sessions.coach.view import Sound

log = logging.getLogger(__name__)

SAMPLE_RATE = 22050
FADE_S = 0.03        # each tone fades in and out over this long
Samples = NDArray[np.float32]
Output = Callable[[Samples, int], None]   # plays samples at a rate, blocking until done


@dataclass(frozen=True)
class Note:
    """One tone: frequency (Hz), duration (s), loudness (0..1), then a gap (s) of silence."""

    freq: float
    dur_s: float
    level: float = 0.25
    gap_s: float = 0.0


# Soft sine tones with slow fades. Turn points are low and gentle (rising to "come forward",
# falling to "rock back"); the warning is a brighter, repeated pair nobody mistakes for a cue.
PALETTE: dict[Sound, tuple[Note, ...]] = {
    Sound.GO_BACK: (Note(440.0, 0.35, gap_s=0.02), Note(330.0, 0.6)),
    Sound.GO_FORWARD: (Note(330.0, 0.3, gap_s=0.02), Note(440.0, 0.45)),
    Sound.WARNING: (Note(880.0, 0.14, 0.35, 0.08), Note(880.0, 0.14, 0.35, 0.08),
                    Note(880.0, 0.14, 0.35)),
    Sound.TICK: (Note(660.0, 0.12, 0.2),),
    Sound.START: (Note(523.25, 0.5, 0.25),),
    Sound.READY: (Note(523.25, 0.15, 0.2, 0.03), Note(659.25, 0.25, 0.2)),
    Sound.DONE: (Note(523.25, 0.3, 0.22, 0.02), Note(659.25, 0.3, 0.22, 0.02),
                 Note(783.99, 0.6, 0.22)),
}


def tone(freq: float, dur_s: float, level: float = 0.25, rate: int = SAMPLE_RATE) -> Samples:
    """A sine tone with raised-cosine fades (``FADE_S``) at both ends (no clicks)."""
    n = max(1, round(dur_s * rate))
    t = np.arange(n, dtype=np.float64) / rate
    wave_ = np.sin(2 * np.pi * freq * t) * level
    k = min(n // 2, max(1, round(FADE_S * rate)))
    ramp = 0.5 - 0.5 * np.cos(np.linspace(0.0, np.pi, k))
    wave_[:k] *= ramp
    wave_[n - k:] *= ramp[::-1]
    return wave_.astype(np.float32)


def render(sound: Sound, rate: int = SAMPLE_RATE) -> Samples:
    """The samples of one coach sound."""
    parts: list[Samples] = []
    for note in PALETTE[sound]:
        parts.append(tone(note.freq, note.dur_s, note.level, rate))
        if note.gap_s > 0:
            parts.append(np.zeros(round(note.gap_s * rate), np.float32))
    return np.concatenate(parts)


def write_wav(path: Path, samples: Samples, rate: int = SAMPLE_RATE) -> None:
    """Write mono 16-bit PCM."""
    pcm = (np.clip(samples, -1.0, 1.0) * 32767).astype("<i2")
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(pcm.tobytes())


def read_wav(path: Path) -> tuple[Samples, int]:
    """Read mono 16-bit PCM back as float32 samples and the rate."""
    with wave.open(str(path), "rb") as src:
        rate = src.getframerate()
        data = np.frombuffer(src.readframes(src.getnframes()), dtype="<i2")
    return (data.astype(np.float32) / 32767).astype(np.float32), rate


def resample(samples: Samples, rate: int, to_rate: int) -> Samples:
    """``samples`` at ``rate`` as samples at ``to_rate`` (linear interpolation; the same array
    when the rates agree)."""
    if rate == to_rate or len(samples) == 0:
        return samples
    n = max(1, round(len(samples) * to_rate / rate))
    t = np.arange(n, dtype=np.float64) * (rate / to_rate)
    return np.interp(t, np.arange(len(samples)), samples).astype(np.float32)


def sounddevice_output() -> Output:
    """An output through sounddevice; raises (OSError and the like) when there is no device.

    Everything is played at the device's own rate (tones are made at 22.05 kHz, the speech is
    16 kHz): some host APIs (WASAPI, raw ALSA devices) refuse other rates instead of converting.
    """
    import sounddevice as sd  # raises OSError when the PortAudio library is missing

    device = sd.query_devices(kind="output")   # raises when there is no output device
    return _SoundDeviceOutput(sd, round(float(device.get("default_samplerate") or SAMPLE_RATE)))


class _SoundDeviceOutput:
    """Plays through sounddevice at the device's rate; ``stop`` cuts the sound short."""

    def __init__(self, sd: Any, rate: int) -> None:
        self.sd, self.rate = sd, rate

    def __call__(self, samples: Samples, rate: int) -> None:
        self.sd.play(resample(samples, rate, self.rate), self.rate, blocking=True)

    def stop(self) -> None:
        self.sd.stop()


class AudioPlayer:
    """Plays coach sounds on a background thread; ``play`` never blocks the frame loop.

    ``output_factory`` opens the output (default sounddevice); if it raises, one notice is
    logged and the player stays silent. ``enabled=False`` (``--no-audio``) never opens it.
    """

    def __init__(self, enabled: bool = True, output_factory: Callable[[], Output] | None = None,
                 max_queue: int = 4, rate: int = SAMPLE_RATE, stale_s: float = 1.5,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.rate = rate
        self.stale_s = stale_s
        self.clock = clock
        self.muted = False
        self.dropped = 0
        self._queue: queue.Queue[tuple[Samples, int, float] | None] = queue.Queue(
            maxsize=max_queue)
        self._cache: dict[Sound, Samples] = {}
        self._output: Output | None = None
        self._thread: threading.Thread | None = None
        if not enabled:
            return
        try:
            self._output = (output_factory or sounddevice_output)()
        except Exception as exc:  # noqa: BLE001 - any failure to open audio means: stay silent
            log.warning("no sound: %s (the session continues silently; --no-audio hides this)",
                        str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
            return
        self._thread = threading.Thread(target=self._run, name="rocking-audio", daemon=True)
        self._thread.start()

    @property
    def active(self) -> bool:
        """True when sounds actually go to an output."""
        return self._thread is not None

    def play(self, sound: Sound) -> bool:
        """Queue a sound; returns False when it was not queued (silent, muted or queue full)."""
        if self._thread is None or self.muted:
            return False
        samples = self._cache.get(sound)
        if samples is None:
            samples = self._cache[sound] = render(sound, self.rate)
        return self.play_samples(samples, self.rate)

    def play_samples(self, samples: Samples, rate: int) -> bool:
        """Queue samples at ``rate``; False when not queued (silent, muted or queue full)."""
        if self._thread is None or self.muted:
            return False
        try:
            self._queue.put_nowait((samples, rate, self.clock()))
        except queue.Full:
            self.dropped += 1
            return False
        return True

    def stop(self) -> None:
        """Stop the sound playing now and drop what waits (a warning cuts in, or muted)."""
        if self._thread is None:
            return
        while True:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                break
            if item is None:                      # keep a stop marker for the thread
                self._queue.put_nowait(None)
                break
            self.dropped += 1
        stop = getattr(self._output, "stop", None)
        if stop is not None:
            try:
                stop()
            except Exception as exc:  # noqa: BLE001 - stopping early is a nicety
                log.debug("could not stop the sound: %s", exc)

    def _run(self) -> None:
        assert self._output is not None
        while True:
            item = self._queue.get()
            if item is None:
                return
            samples, rate, queued_at = item
            if self.clock() - queued_at > self.stale_s:    # the moment for it has passed
                self.dropped += 1
                continue
            try:
                self._output(samples, rate)
            except Exception as exc:  # noqa: BLE001 - a sound failing must not end the session
                log.warning("sound output failed, going silent: %s", exc)
                return

    def close(self, timeout_s: float = 1.0) -> None:
        """Stop the thread (without waiting for more than ``timeout_s``)."""
        if self._thread is None:
            return
        while True:   # make room for the stop marker without blocking
            try:
                self._queue.put_nowait(None)
                break
            except queue.Full:
                with contextlib.suppress(queue.Empty):
                    self._queue.get_nowait()
        self._thread.join(timeout_s)
        self._thread = None

    def __enter__(self) -> AudioPlayer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
