"""SessionSound (the schedule played on the audio thread and into a recording's track), the
session's sound track, mute, --voice/--no-voice and --no-audio, and stale sounds on the player."""

from __future__ import annotations

import argparse
import threading

import numpy as np
import pytest
from helpers.sound import max_overlap, spans

from sessions.cli.live import add_output_arguments, sound_options
from sessions.coach.audio import SAMPLE_RATE, AudioPlayer, Samples, render, resample
from sessions.coach.speech import tone_key
from sessions.coach.view import CoachView, Sound, Stage
from sessions.coach.voice import SessionSound, SoundOptions, SoundTrack, sound_samples
from sessions.coach.voice_assets import phrase_samples


def view(stage: Stage, **kw: object) -> CoachView:
    return CoachView(t_s=0.0, stage=stage, title="", **kw)  # type: ignore[arg-type]


class Collect:
    """An output that keeps what it was given."""

    def __init__(self, expect: int) -> None:
        self.got: list[tuple[int, int]] = []
        self.done = threading.Event()
        self.expect = expect

    def __call__(self, samples: Samples, rate: int) -> None:
        self.got.append((len(samples), rate))
        if len(self.got) >= self.expect:
            self.done.set()


def test_sounds_go_to_the_player_and_every_sink_at_their_picture_time() -> None:
    out = Collect(expect=2)
    track = SoundTrack()
    with AudioPlayer(output_factory=lambda: out) as player:
        sound = SessionSound(player, SoundOptions(), sinks=[track.add_audio])
        sound.update(view(Stage.SAFETY), 1.0)
        sound.update(view(Stage.SETUP, instruction="Turn side-on to the camera"), 1.1)
        t = 1.1
        while not sound.quiet(t):                       # the safety line plays out first
            t += 1 / 30
            sound.update(view(Stage.SETUP, instruction="Turn side-on to the camera"), t)
        assert out.done.wait(5)
    safety, rate = phrase_samples("safety")
    assert out.got[0] == (len(safety), rate) and rate == 16_000
    assert [k.key for k in sound.log] == ["safety", "setup_turn_side_on"]
    assert [round(t0, 3) for t0, _ in spans(track)] == [1.0, round(sound.log[1].start_s, 3)]
    assert sound.log[1].start_s >= 1.0 + len(safety) / rate


def test_mute_silences_and_forgets_what_was_waiting() -> None:
    track = SoundTrack()
    sound = SessionSound(None, SoundOptions(), sinks=[track.add_audio])
    sound.update(view(Stage.SAFETY, muted=True), 0.0)
    sound.update(view(Stage.SAFETY, muted=True), 0.5)
    assert track.parts == [] and sound.quiet(0.5)
    # unmuted later: what is new is said, the old safety line is not replayed
    sound.update(view(Stage.SETUP, instruction="More light, please"), 1.0)
    sound.update(view(Stage.SETUP, instruction="More light, please"), 1.6)
    assert [s.key for s in sound.log] == ["setup_more_light"]


def test_mute_stops_a_sound_at_once_on_the_speaker_and_the_track() -> None:
    stopped = threading.Event()

    class Output:
        def __call__(self, samples: Samples, rate: int) -> None:
            stopped.wait(5)

        def stop(self) -> None:
            stopped.set()

    track = SoundTrack()
    with AudioPlayer(output_factory=Output) as player:
        sound = SessionSound(player, SoundOptions(), sinks=[track.add_audio])
        sound.update(view(Stage.SAFETY), 0.0)
        for t in (0.5, 1.0):
            sound.update(view(Stage.SAFETY), t)
        sound.update(view(Stage.SAFETY, muted=True), 1.5)
        assert stopped.wait(5)
    sound.flush()
    assert sound.log[0].cut and sound.log[0].end_s == 1.5
    assert spans(track) == [(0.0, 1.5)]


def test_no_voice_plays_the_tones_and_no_audio_plays_nothing() -> None:
    tones = SoundTrack()
    sound = SessionSound(None, SoundOptions(voice=False), sinks=[tones.add_audio])
    sound.update(view(Stage.SAFETY), 0.0)
    sound.update(view(Stage.COUNTDOWN, countdown=3, sounds=(Sound.TICK,)), 1.0)
    sound.flush()
    assert [s.key for s in sound.log] == [tone_key(Sound.TICK)]
    assert len(tones.parts) == 1 and tones.parts[0][2] == SAMPLE_RATE
    assert len(tones.parts[0][1]) == len(render(Sound.TICK))
    silent = SoundTrack()
    off = SessionSound(None, SoundOptions(enabled=False), sinks=[silent.add_audio])
    off.update(view(Stage.SAFETY), 0.0)
    off.update(view(Stage.COUNTDOWN, countdown=3, sounds=(Sound.TICK,)), 1.0)
    assert silent.parts == [] and off.log == []


@pytest.mark.parametrize(("argv", "enabled", "voice"), [
    ([], True, True), (["--no-voice"], True, False), (["--voice"], True, True),
    (["--no-audio"], False, True), (["--no-audio", "--no-voice"], False, False),
])
def test_voice_and_audio_options(argv: list[str], enabled: bool, voice: bool) -> None:
    parser = argparse.ArgumentParser()
    add_output_arguments(parser)
    assert sound_options(parser.parse_args(argv)) == SoundOptions(enabled=enabled, voice=voice)


def test_sound_track_mixes_at_one_rate_and_counts_overlaps() -> None:
    track = SoundTrack(rate=SAMPLE_RATE)
    tick = render(Sound.TICK)
    word, word_rate = sound_samples("count_3")
    track.add_audio(0.5, tick, SAMPLE_RATE)
    track.add_audio(1.0, word, word_rate)
    assert max_overlap(spans(track)) == 1
    mix = track.render()
    assert len(mix) == round((1.0 + len(word) / word_rate) * SAMPLE_RATE)
    assert np.abs(mix[: round(0.5 * SAMPLE_RATE)]).max() == 0.0
    start = round(0.5 * SAMPLE_RATE)
    assert np.allclose(mix[start:start + len(tick)], tick)
    track.add_audio(1.1, tick, SAMPLE_RATE)             # on top of the word
    assert max_overlap(spans(track)) == 2


def test_a_sound_that_waited_too_long_for_the_device_is_dropped() -> None:
    release, started = threading.Event(), threading.Event()
    got: list[int] = []

    def slow(samples: Samples, rate: int) -> None:
        got.append(len(samples))
        started.set()
        release.wait(5)

    now = [0.0]
    player = AudioPlayer(output_factory=lambda: slow, stale_s=1.0, clock=lambda: now[0])
    first, second = np.zeros(10, np.float32), np.zeros(20, np.float32)
    assert player.play_samples(first, 16_000)
    assert started.wait(5)
    assert player.play_samples(second, 16_000)       # queued at t=0 behind a stuck sound
    now[0] = 2.0                                      # the device comes back 2 s later
    release.set()
    player.close(timeout_s=10)
    assert got == [10] and player.dropped == 1


@pytest.mark.parametrize(("rate", "to_rate"), [(16_000, 48_000), (22_050, 44_100),
                                               (16_000, 16_000), (48_000, 16_000)])
def test_resampling_for_the_device_keeps_length_and_pitch(rate: int, to_rate: int) -> None:
    t = np.arange(rate) / rate                       # one second of 440 Hz
    x = (0.3 * np.sin(2 * np.pi * 440.0 * t)).astype(np.float32)
    y = resample(x, rate, to_rate)
    assert y.dtype == np.float32 and len(y) == to_rate
    spectrum = np.abs(np.fft.rfft(y * np.hanning(len(y))))
    peak_hz = np.fft.rfftfreq(len(y), 1 / to_rate)[int(np.argmax(spectrum))]
    assert peak_hz == pytest.approx(440, abs=2)


def test_moving_on_cuts_advice_that_no_longer_applies_going_back_does_not() -> None:
    def advice_then(stage: Stage) -> bool:
        sound = SessionSound(None, SoundOptions())
        setup = view(Stage.SETUP, instruction="Get on your hands and knees")
        sound.update(setup, 0.0)
        sound.update(setup, 0.6)                         # said once it held 0.5 s
        sound.update(view(stage), 1.0)
        return sound.log[0].cut

    assert advice_then(Stage.START_POSITION)             # done: cut short
    sound = SessionSound(None, SoundOptions())
    start = view(Stage.START_POSITION)
    sound.update(view(Stage.SETUP, instruction="Get on your hands and knees"), 0.0)
    sound.update(start, 0.5)                             # "hands under your shoulders, ..."
    sound.update(view(Stage.SETUP, instruction="Get on your hands and knees"), 1.0)
    assert sound.log[0].key == "start_position" and not sound.log[0].cut   # still applies


def test_a_failing_sound_track_is_dropped_and_the_session_goes_on(
        caplog: pytest.LogCaptureFixture) -> None:
    calls: list[float] = []

    def broken(present_s: float, samples: Samples, rate: int) -> None:
        calls.append(present_s)
        raise OSError("disk full")

    track = SoundTrack()
    sound = SessionSound(None, SoundOptions(), sinks=[broken, track.add_audio])
    with caplog.at_level("WARNING", logger="sessions.coach.voice"):
        for i in range(30):
            sound.update(view(Stage.SAFETY), i / 10)
    assert len(calls) == 1 and "disk full" in caplog.text
    assert spans(track) and spans(track)[0][0] == 0.0     # the other sink goes on
