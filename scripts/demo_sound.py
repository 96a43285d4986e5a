"""Render the demo session's sound (speech and tones) to a WAV file, with no sound card, and
print what was said when: a way to hear and check the voice without a camera or a speaker.

  .venv/bin/python scripts/demo_sound.py demo-sound.wav [--no-voice]
  sox demo-sound.wav -n stat        # or play it: play demo-sound.wav / ffplay demo-sound.wav
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sessions.coach.demo_sound import render_demo_sound  # noqa: E402
from sessions.coach.phrases import PHRASES  # noqa: E402
from sessions.coach.speech import tone_of  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("wav", type=Path)
    parser.add_argument("--no-voice", action="store_true", help="tones only")
    args = parser.parse_args()
    result = render_demo_sound(voice=not args.no_voice)
    result.track.write_wav(args.wav, result.duration_s)
    for s in result.log:
        tone = tone_of(s.key)
        what = f"(tone {tone.value})" if tone is not None else PHRASES[s.key]
        print(f"{s.start_s:7.2f} - {s.end_s:7.2f}  {what}")
    print(f"{len(result.log)} sounds in {result.duration_s:.1f} s -> {args.wav}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
