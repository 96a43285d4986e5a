"""The demo session's sound on a real recording: the live loop hands each sound to the one video
writer (``add_audio`` at its picture time, in blocks as it plays) and the MP4's AAC track has
the speech and tones where the scheduler says they were played, silence between, none late."""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path

import av
import numpy as np
import pytest
from helpers.small_demo import small_pictures

from sessions.coach.demo_body import DEMO_TARGET_REPS, demo_loop
from sessions.coach.displays import KeylessDisplay
from sessions.coach.live_loop import BGRImage
from sessions.coach.voice import SoundOptions
from sessions.output.video_writer import AUDIO_RATE, VideoWriter


class WriterDisplay(KeylessDisplay):
    """The recording as the loop sees a display."""

    def __init__(self, writer: VideoWriter) -> None:
        self.writer = writer

    def show(self, img: BGRImage, present_s: float) -> None:
        self.writer.write(img, present_s)

    def add_audio(self, present_s: float, samples: np.ndarray, rate: int) -> None:
        self.writer.add_audio(present_s, samples, rate)

    def close(self) -> None:
        self.writer.close()


def decoded_audio(path: Path) -> np.ndarray:
    """The recording's audio track, mono, each decoded frame at its own time."""
    parts: list[tuple[float, np.ndarray]] = []
    with av.open(str(path)) as container:
        for frame in container.decode(container.streams.audio[0]):
            data = frame.to_ndarray()
            mono = data.reshape(-1) if data.shape[0] == 1 else data[0]
            parts.append((float(frame.time or 0.0), mono.astype(np.float32)))
    end = max(round(t * AUDIO_RATE) + len(m) for t, m in parts)
    out = np.zeros(end, np.float32)
    for t, m in parts:
        i = max(0, round(t * AUDIO_RATE))
        out[i:i + len(m)] = m[: len(out) - i]
    return out


def test_demo_recording_has_the_speech_where_the_cues_are(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    small_pictures(monkeypatch)
    path = tmp_path / "demo.mp4"
    writer = VideoWriter(path, 30.0, audio=True)
    loop = demo_loop(WriterDisplay(writer), None, paced=False, sound=SoundOptions())
    result = loop.run()
    assert result.reps == DEMO_TARGET_REPS
    assert writer._late_sounds == 0                # every block arrived before its time was encoded
    played = loop.sound.log
    assert len(played) > 20 and played[0].key == "safety"
    audio = decoded_audio(path)

    def rms(a: float, b: float) -> float:
        seg = audio[round(a * AUDIO_RATE):round(b * AUDIO_RATE)]
        return float(np.sqrt(np.mean(seg.astype(np.float64) ** 2))) if len(seg) else 0.0

    for s in played:                              # sound where the log says
        if s.end_s - s.start_s > 0.1:
            assert rms(s.start_s + 0.03, s.end_s - 0.03) > 0.02, s
    for a, b in pairwise(played):                        # and silence between
        if b.start_s - a.end_s > 0.3:
            assert rms(a.end_s + 0.08, b.start_s - 0.08) < 2e-3, (a, b)
    # the summary's last words are on the recording, to their end
    assert len(audio) / AUDIO_RATE >= played[-1].end_s - 0.05
    assert rms(played[-1].end_s - 0.5, played[-1].end_s - 0.05) > 0.005
