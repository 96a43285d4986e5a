"""The rendered phrases that ship with the package: every phrase is there, says what the table
says, and reads back; the mu-law codec is G.711's; every set-up instruction has its phrase."""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
import pytest

from pose.events import Fault, FrameAnalysis, Phase, PostureResult, Verdict, WarningKind
from sessions.coach import words
from sessions.coach.coach import setup_cue
from sessions.coach.phrases import PHRASES, WARNING_PHRASE, number_words
from sessions.coach.speech import FIX_PHRASE, SETUP_PHRASE
from sessions.coach.voice_assets import (
    ASSET_DIR,
    RATE,
    VoiceAssetError,
    manifest,
    mulaw_decode,
    mulaw_encode,
    phrase_samples,
    read_wav,
    write_mulaw_wav,
)

SIZE_BUDGET_BYTES = 3_000_000


@pytest.mark.parametrize("pid", sorted(PHRASES))
def test_every_phrase_is_rendered_from_its_current_text(pid: str) -> None:
    entry = manifest().get(pid)
    assert entry is not None, f"{pid} not rendered: run scripts/render_phrases.py --only {pid}"
    assert entry["text"] == PHRASES[pid], f"{pid} changed since rendered: render it again"
    samples, rate = phrase_samples(pid)
    assert rate == RATE
    assert len(samples) / rate == pytest.approx(float(entry["duration_s"]), abs=0.002)  # type: ignore[arg-type]
    peak = float(np.abs(samples).max())
    assert 0.5 < peak <= 1.0                                   # levelled, not clipped silent
    assert abs(samples[0]) < 0.05 and abs(samples[-1]) < 0.05  # trimmed at quiet points


def test_no_stray_files_and_the_package_stays_small() -> None:
    files = {p.stem for p in ASSET_DIR.glob("*.wav")}
    assert files == set(PHRASES)
    total = sum(p.stat().st_size for p in ASSET_DIR.iterdir())
    assert total < SIZE_BUDGET_BYTES


def test_mulaw_is_g711() -> None:
    # reference points of ITU-T G.711 mu-law: 0 -> 0xFF, full scale -> 0x80 / 0x00
    codes = mulaw_encode(np.array([0.0, 1.0, -1.0, 0.5], np.float32))
    assert list(codes[:3]) == [0xFF, 0x80, 0x00]
    every = np.arange(256, dtype=np.uint8)
    back = mulaw_encode(mulaw_decode(every))
    assert np.array_equal(back[every != 0x7F], every[every != 0x7F])   # 0x7F is -0, read as +0
    x = (0.5 * np.sin(np.linspace(0, 200, 16000))).astype(np.float32)
    err = x - mulaw_decode(mulaw_encode(x))
    assert 10 * np.log10(np.sum(x ** 2) / np.sum(err ** 2)) > 30   # speech-grade SNR


def test_wav_round_trip_and_bad_files(tmp_path: Path) -> None:
    x = (0.3 * np.sin(np.arange(1600) / 5)).astype(np.float32)
    write_mulaw_wav(tmp_path / "a.wav", x, RATE)
    y, rate = read_wav(tmp_path / "a.wav")
    assert rate == RATE and len(y) == len(x) and np.abs(y - x).max() < 0.02
    head = (tmp_path / "a.wav").read_bytes()[:40]
    assert head[:4] == b"RIFF" and struct.unpack("<H", head[20:22])[0] == 7   # format: mu-law
    (tmp_path / "bad.wav").write_bytes(b"not a wav")
    with pytest.raises(VoiceAssetError):
        read_wav(tmp_path / "bad.wav")
    with pytest.raises(VoiceAssetError):
        read_wav(tmp_path / "missing.wav")


def analysis(verdict: Verdict, faults: dict[Fault, bool] | None = None,
             active: frozenset[WarningKind] = frozenset()) -> FrameAnalysis:
    return FrameAnalysis(0.0, PostureResult(verdict, faults or {}, ""), Phase.SETTING_UP, False,
                         active=active)


def test_every_setup_instruction_and_start_position_fix_has_a_phrase() -> None:
    cases = [analysis(verdict) for verdict in Verdict]
    cases += [analysis(Verdict.ON_ALL_FOURS, active=frozenset({kind})) for kind in WarningKind]
    cases += [analysis(Verdict.ON_ALL_FOURS, {fault: True}) for fault in Fault]
    said = {setup_cue(a) for a in cases} | {setup_cue(analysis(Verdict.ON_ALL_FOURS), 0.1)}
    said.discard(None)
    missing = {text for text in said if text is not None and text.rstrip(".") not in SETUP_PHRASE}
    assert not missing, (
        f"set-up advice with no spoken phrase: {missing}; add it to sessions/coach/phrases.py "
        "and speech.SETUP_PHRASE, then render it (README: Spoken coaching, regenerating)")
    assert set(words.FIX_CUES.values()) <= set(FIX_PHRASE)
    assert set(WARNING_PHRASE) == set(WarningKind)
    for table in (SETUP_PHRASE, FIX_PHRASE, WARNING_PHRASE):
        assert set(table.values()) <= set(PHRASES)


@pytest.mark.parametrize(("n", "words"), [(0, "zero"), (7, "seven"), (20, "twenty"),
                                          (21, "twenty-one"), (30, "thirty"), (99, "ninety-nine")])
def test_number_words(n: int, words: str) -> None:
    assert number_words(n) == words
