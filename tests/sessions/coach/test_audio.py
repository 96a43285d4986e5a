"""Sounds rendered to buffers and WAV files (no speaker), and a player that never blocks."""

from __future__ import annotations

import logging
import threading
from pathlib import Path

import numpy as np
import pytest

from sessions.coach.audio import (
    PALETTE,
    SAMPLE_RATE,
    AudioPlayer,
    Samples,
    read_wav,
    render,
    tone,
    write_wav,
)
from sessions.coach.coach import Sound


def dominant_hz(samples: Samples, rate: int = SAMPLE_RATE) -> float:
    spectrum = np.abs(np.fft.rfft(samples * np.hanning(len(samples))))
    return float(np.fft.rfftfreq(len(samples), 1 / rate)[int(np.argmax(spectrum))])


def bursts(samples: Samples, rate: int = SAMPLE_RATE) -> list[tuple[float, float]]:
    """(start, end) seconds of the sounding stretches (envelope above 5% of the peak)."""
    win = rate // 200
    env = np.convolve(np.abs(samples), np.ones(win) / win, mode="same")
    on = env > 0.05 * env.max()
    edges = np.flatnonzero(np.diff(on.astype(np.int8)))
    starts = [0, *list(edges[1::2] + 1)] if on[0] else list(edges[::2] + 1)
    ends = list(edges[1::2] + 1) if not on[0] else list(edges[::2] + 1)
    if len(ends) < len(starts):
        ends.append(len(samples))
    return [(s / rate, e / rate) for s, e in zip(starts, ends, strict=True)]


@pytest.mark.parametrize(("freq", "dur"), [(330.0, 0.5), (440.0, 0.3), (880.0, 0.14)])
def test_tone_frequency_duration_and_soft_edges(freq: float, dur: float) -> None:
    samples = tone(freq, dur, 0.25)
    assert len(samples) == round(dur * SAMPLE_RATE)
    assert dominant_hz(samples) == pytest.approx(freq, abs=SAMPLE_RATE / len(samples) + 1)
    assert np.abs(samples).max() <= 0.25 + 1e-6
    assert abs(samples[0]) < 1e-3 and abs(samples[-1]) < 1e-3      # faded: no click


@pytest.mark.parametrize("sound", list(Sound))
def test_every_sound_renders_as_planned(sound: Sound, tmp_path: Path) -> None:
    notes = PALETTE[sound]
    samples = render(sound)
    assert samples.dtype == np.float32 and np.abs(samples).max() <= 0.5   # soft
    expected = sum(n.dur_s + n.gap_s for n in notes)
    assert len(samples) / SAMPLE_RATE == pytest.approx(expected, abs=0.01)
    # each note's own stretch has that note's frequency
    start = 0.0
    for note in notes:
        a, b = round(start * SAMPLE_RATE), round((start + note.dur_s) * SAMPLE_RATE)
        assert dominant_hz(samples[a:b]) == pytest.approx(note.freq, rel=0.05)
        start += note.dur_s + note.gap_s
    # the WAV round trip keeps it
    path = tmp_path / f"{sound.value}.wav"
    write_wav(path, samples)
    back, rate = read_wav(path)
    assert rate == SAMPLE_RATE and len(back) == len(samples)
    assert np.abs(back - samples).max() < 1e-3


def test_warning_is_distinct_from_the_pacer_cues() -> None:
    warning = render(Sound.WARNING)
    assert len(bursts(warning)) == 3                    # three short beeps
    assert all(e - s < 0.2 for s, e in bursts(warning))
    for cue in (Sound.GO_BACK, Sound.GO_FORWARD):
        samples = render(cue)
        assert dominant_hz(samples) < 500 < dominant_hz(warning)
    # rock back falls in pitch, come forward rises
    back, fwd = render(Sound.GO_BACK), render(Sound.GO_FORWARD)
    half = len(back) // 3
    assert dominant_hz(back[:half]) > dominant_hz(back[-half:])
    assert dominant_hz(fwd[:half]) < dominant_hz(fwd[-half:])


def test_missing_device_is_silent_with_one_notice(caplog: pytest.LogCaptureFixture) -> None:
    def no_portaudio() -> None:
        raise OSError("PortAudio library not found")

    with caplog.at_level(logging.WARNING, logger="sessions.coach.audio"):
        player = AudioPlayer(output_factory=no_portaudio)  # type: ignore[arg-type]
        results = [player.play(s) for s in list(Sound) * 5]
        player.close()
    assert not player.active and not any(results)
    notices = [r for r in caplog.records if r.name == "sessions.coach.audio"]
    assert len(notices) == 1 and "PortAudio library not found" in notices[0].getMessage()


def test_no_audio_never_opens_the_output() -> None:
    opened: list[bool] = []

    def factory() -> object:
        opened.append(True)
        return lambda samples, rate: None

    player = AudioPlayer(enabled=False, output_factory=factory)  # type: ignore[arg-type]
    assert not player.play(Sound.WARNING) and opened == []


def test_full_queue_drops_and_never_blocks() -> None:
    release = threading.Event()
    started = threading.Event()

    def stuck_output(samples: Samples, rate: int) -> None:
        started.set()
        release.wait(10)          # a device that hangs

    player = AudioPlayer(output_factory=lambda: stuck_output, max_queue=2)
    player.play(Sound.TICK)
    assert started.wait(5)
    done = threading.Event()
    results: list[bool] = []

    def flood() -> None:
        results.extend(player.play(Sound.WARNING) for _ in range(200))
        done.set()

    threading.Thread(target=flood, daemon=True).start()
    assert done.wait(5), "play() blocked on a full queue"
    assert results[:2] == [True, True] and not any(results[2:])
    assert player.dropped == 198
    release.set()
    player.close()


def test_played_sounds_reach_the_output_and_mute_stops_them() -> None:
    got: list[int] = []
    finished = threading.Event()

    def output(samples: Samples, rate: int) -> None:
        got.append(len(samples))
        if len(got) == 2:
            finished.set()

    player = AudioPlayer(output_factory=lambda: output)
    player.muted = True
    assert not player.play(Sound.DONE)
    player.muted = False
    assert player.play(Sound.GO_BACK) and player.play(Sound.GO_FORWARD)
    assert finished.wait(5)
    player.close()
    assert got == [len(render(Sound.GO_BACK)), len(render(Sound.GO_FORWARD))]
