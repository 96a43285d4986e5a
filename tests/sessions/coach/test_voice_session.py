"""A whole scripted session's sound rendered to a buffer (no sound card): the demo's simulated body
sets up, counts down, rocks steadily, then too fast, and ends with the summary. Checks which
phrase played when, that nothing overlaps or repeats too soon, that the buffer holds the sound
where the log says, and that the pictures keep their timing with the voice on."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import numpy as np
import pytest
from helpers.small_demo import small_pictures
from helpers.sound import max_overlap, spans

from pose.events import WarningKind
from sessions.coach.audio import AudioPlayer, Samples
from sessions.coach.demo_body import DEMO_TARGET_REPS
from sessions.coach.demo_sound import DemoSound, render_demo_sound
from sessions.coach.speech import PACER_PHRASE, STAGE, tone_key
from sessions.coach.view import Sound, Stage

FRAME_S = 1 / 30


@pytest.fixture(scope="module")
def sessions_run() -> Iterator[tuple[DemoSound, DemoSound, threading.Event]]:
    """The demo with the voice (its speaker hangs: the picture must not wait for it) and with
    tones only."""
    mp = pytest.MonkeyPatch()
    small_pictures(mp)
    release, started = threading.Event(), threading.Event()

    def stuck_output(samples: Samples, rate: int) -> None:
        started.set()
        release.wait(60)

    try:
        voice = render_demo_sound(voice=True, draw=False,
                                  audio=AudioPlayer(output_factory=lambda: stuck_output))
        tones = render_demo_sound(voice=False, draw=False)
    finally:
        release.set()
        mp.undo()
    yield voice, tones, started


def times_of(run: DemoSound, pred: object) -> list[float]:
    return [t for t, v in run.views if pred(v)]  # type: ignore[operator]


def said(run: DemoSound, key: str) -> list[float]:
    return [s.start_s for s in run.log if s.key == key]


def test_nothing_overlaps_and_nothing_repeats_too_soon(sessions_run) -> None:  # type: ignore[no-untyped-def]
    for run in sessions_run[:2]:
        assert max_overlap(spans(run.track)) == 1
        for a, b in zip(run.log, run.log[1:], strict=False):
            assert b.start_s >= a.end_s + 0.1, (a, b)
        last: dict[str, float] = {}
        for s in run.log:
            if s.key in last:
                assert s.start_s - last[s.key] >= s.repeat_gap_s, s
            last[s.key] = s.start_s


def test_each_stage_is_spoken_in_order(sessions_run) -> None:  # type: ignore[no-untyped-def]
    run = sessions_run[0]
    keys = [s.key for s in run.log]
    assert keys[0] == "safety" and run.log[0].start_s == 0.0
    setup = [k for k in keys if k.startswith("setup_")]
    assert setup and keys.index(setup[0]) == 1            # set-up advice right after safety
    counts = [k for k in keys if k.startswith("count_")]
    assert counts == ["count_3", "count_2", "count_1"]
    assert keys.index("hold_still") < keys.index("count_3") < keys.index("pacer_back")
    # the summary, in order, at the end: how it ended, the count, the advice
    assert keys[-3:] == ["done_target", f"reps_{DEMO_TARGET_REPS}", keys[-1]]
    assert keys[-1].startswith("advice_")


def test_countdown_words_fall_on_the_countdown(sessions_run) -> None:  # type: ignore[no-untyped-def]
    run = sessions_run[0]
    for n in (3, 2, 1):
        tick = times_of(run, lambda v, n=n: Sound.TICK in v.sounds and v.countdown == n)
        assert len(tick) == 1
        assert 0.0 <= said(run, f"count_{n}")[0] - tick[0] <= 0.6


def test_pacer_words_for_the_first_reps_then_tones(sessions_run) -> None:  # type: ignore[no-untyped-def]
    run = sessions_run[0]
    turns = [(t, s) for t, v in run.views if v.stage is Stage.ROCKING
             for s in v.sounds if s in (Sound.START, Sound.GO_BACK, Sound.GO_FORWARD)]
    assert len(turns) >= 8
    started = {round(s.start_s, 6): s.key for s in run.log}
    # the first two reps (four turns) in words, on the turn itself
    for t, sound in turns[:4]:
        turn = Sound.GO_BACK if sound is Sound.START else sound
        assert started.get(round(t, 6)) == PACER_PHRASE[turn]
    # then tones while the rhythm is kept (before the too-fast stretch)
    first_fast = min(times_of(run, lambda v: v.banner is not None
                              and v.banner.kind is WarningKind.TOO_FAST))
    steady = [(t, s) for t, s in turns[4:] if t < first_fast - 0.5]
    assert steady and all(started.get(round(t, 6)) == tone_key(s) for t, s in steady)


def test_too_fast_is_said_in_words_at_once_and_the_words_come_back(sessions_run) -> None:  # type: ignore[no-untyped-def]
    run = sessions_run[0]
    first_fast = min(times_of(run, lambda v: v.banner is not None
                              and v.banner.kind is WarningKind.TOO_FAST))
    spoken = said(run, "warn_too_fast")
    assert spoken and 0.0 <= spoken[0] - first_fast <= 0.4   # cuts in, after a breath
    after = [s.key for s in run.log if s.start_s > spoken[0]]
    assert "pacer_back" in after or "pacer_forward" in after   # back in words for a rep
    assert not any(k.startswith("warn_") and k != "warn_too_fast" for k in after)


def test_only_lesser_sounds_are_cut_and_only_for_a_warning_or_a_new_stage(sessions_run) -> None:  # type: ignore[no-untyped-def]
    run = sessions_run[0]
    cuts = [s for s in run.log if s.cut]
    assert cuts                                       # the demo has both kinds
    stage_at = {round(t, 6): v.stage for t, v in run.views}
    for s in cuts:
        assert s.priority < STAGE
        after = next(x for x in run.log if x.start_s > s.end_s)
        moved = stage_at.get(round(s.end_s, 6)) is not stage_at.get(round(s.start_s, 6))
        assert after.key.startswith("warn_") or moved, s


def test_milestones_follow_the_counted_reps(sessions_run) -> None:  # type: ignore[no-untyped-def]
    run = sessions_run[0]
    for key, n in (("halfway", DEMO_TARGET_REPS // 2), ("last_one", DEMO_TARGET_REPS - 1)):
        counted = times_of(run, lambda v, n=n: v.counted_rep is not None and v.reps == n)
        assert len(counted) == 1 and len(said(run, key)) == 1
        assert 0.0 <= said(run, key)[0] - counted[0] <= 3.0


def test_the_buffer_sounds_where_the_log_says_and_is_silent_between(sessions_run) -> None:  # type: ignore[no-untyped-def]
    run = sessions_run[0]
    rate = run.track.rate
    audio = run.track.render(run.duration_s)
    assert len(audio) == round(run.duration_s * rate)

    def rms(a: float, b: float) -> float:
        seg = audio[round(a * rate):round(b * rate)]
        return float(np.sqrt(np.mean(seg.astype(np.float64) ** 2))) if len(seg) else 0.0

    for s in run.log:
        assert rms(s.start_s, s.end_s) > 0.02, s
    for a, b in zip(run.log, run.log[1:], strict=False):
        if b.start_s - a.end_s > 0.3:
            assert rms(a.end_s + 0.05, b.start_s - 0.05) < 1e-4, (a, b)
    assert rms(run.log[-1].end_s + 0.05, run.duration_s) < 1e-4 or (
        run.log[-1].end_s > run.duration_s - 0.1)


def test_the_recording_keeps_the_whole_summary(sessions_run) -> None:  # type: ignore[no-untyped-def]
    run = sessions_run[0]
    assert run.log[-1].end_s <= run.duration_s


def test_pictures_keep_their_timing_with_the_voice_on(sessions_run) -> None:  # type: ignore[no-untyped-def]
    voice, tones, speaker_started = sessions_run
    assert speaker_started.is_set()           # the voice run's speaker hung from the first sound
    assert voice.result.reps == tones.result.reps == DEMO_TARGET_REPS
    assert voice.loop.stats.frames == tones.loop.stats.frames
    for run in (voice, tones):
        steps = np.diff(run.shown_s)
        # every picture one frame after the last (the summary screen's first picture takes
        # the last frame's time: one zero step, with or without the voice)
        assert np.allclose(steps[steps > 1e-9], FRAME_S, atol=1e-6)
        assert np.count_nonzero(steps <= 1e-9) <= 1


def test_no_audio_plays_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    small_pictures(monkeypatch)
    run = render_demo_sound(enabled=False, draw=False)
    assert run.log == [] and run.track.parts == [] and run.result.reps == DEMO_TARGET_REPS
