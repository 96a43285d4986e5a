"""The rendered phrases that ship with the package: reading (and, for the render script,
writing) 8-bit mu-law WAV files, and the manifest that says what each one says.

mu-law (ITU-T G.711) keeps speech clear at half the size of 16-bit PCM; it is a standard WAV format
(format tag 7) that any player opens, and decodes here with numpy alone.
"""

from __future__ import annotations

import functools
import json
import struct
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

ASSET_DIR = Path(__file__).resolve().parent / "speech_audio"
MANIFEST = "manifest.json"
RATE = 16_000
WAVE_FORMAT_PCM, WAVE_FORMAT_MULAW = 1, 7

Samples = NDArray[np.float32]


class VoiceAssetError(Exception):
    """A phrase file is missing or unreadable."""


_BIAS, _CLIP = 0x84, 32635
_EXPONENT = np.array([max(0, int(v).bit_length() - 1) for v in range(256)], np.int32)


def mulaw_encode(samples: Samples) -> NDArray[np.uint8]:
    """Float samples (-1..1) -> ITU-T G.711 mu-law bytes (what WAV format 7 means)."""
    pcm = np.round(np.clip(np.asarray(samples, np.float64), -1.0, 1.0) * 32767).astype(np.int32)
    sign = np.where(pcm < 0, 0x80, 0)
    mag = np.minimum(np.abs(pcm), _CLIP) + _BIAS
    exponent = _EXPONENT[(mag >> 7) & 0xFF]
    mantissa = (mag >> (exponent + 3)) & 0x0F
    return (~(sign | (exponent << 4) | mantissa) & 0xFF).astype(np.uint8)


def mulaw_decode(codes: NDArray[np.uint8]) -> Samples:
    """G.711 mu-law bytes -> float32 samples (-1..1)."""
    u = ~codes.astype(np.int32) & 0xFF
    exponent, mantissa = (u >> 4) & 0x07, u & 0x0F
    mag = (((mantissa << 3) + _BIAS) << exponent) - _BIAS
    return (np.where(u & 0x80, -mag, mag) / 32768.0).astype(np.float32)


def write_mulaw_wav(path: Path, samples: Samples, rate: int = RATE) -> None:
    """A mono mu-law WAV (fmt with cbSize 0 and a fact chunk, as non-PCM formats want)."""
    data = mulaw_encode(samples).tobytes()
    fmt = struct.pack("<HHIIHHH", WAVE_FORMAT_MULAW, 1, rate, rate, 1, 8, 0)
    fact = struct.pack("<I", len(data))
    body = (b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt
            + b"fact" + struct.pack("<I", len(fact)) + fact
            + b"data" + struct.pack("<I", len(data)) + data + (b"\0" if len(data) % 2 else b""))
    path.write_bytes(b"RIFF" + struct.pack("<I", len(body)) + body)


def read_wav(path: Path) -> tuple[Samples, int]:
    """A mono WAV (mu-law or 16-bit PCM) as float32 samples and its rate."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise VoiceAssetError(f"cannot read {path}: {exc.strerror}") from exc
    if raw[:4] != b"RIFF" or raw[8:12] != b"WAVE":
        raise VoiceAssetError(f"not a WAV file: {path}")
    pos, fmt, data = 12, None, None
    while pos + 8 <= len(raw):
        cid, size = raw[pos:pos + 4], struct.unpack("<I", raw[pos + 4:pos + 8])[0]
        chunk = raw[pos + 8:pos + 8 + size]
        if cid == b"fmt " and len(chunk) >= 16:
            fmt = struct.unpack("<HHIIHH", chunk[:16])
        elif cid == b"data":
            data = chunk
        pos += 8 + size + (size % 2)
    if fmt is None or data is None:
        raise VoiceAssetError(f"no sound in {path}")
    tag, channels, rate, _, _, bits = fmt
    if channels != 1:
        raise VoiceAssetError(f"{path} is not mono")
    if tag == WAVE_FORMAT_MULAW and bits == 8:
        return mulaw_decode(np.frombuffer(data, np.uint8)), rate
    if tag == WAVE_FORMAT_PCM and bits == 16:
        pcm = np.frombuffer(data[: len(data) // 2 * 2], "<i2")
        return (pcm.astype(np.float32) / 32768.0).astype(np.float32), rate
    raise VoiceAssetError(f"{path}: unsupported WAV format {tag} ({bits}-bit)")


@functools.cache
def manifest(folder: Path = ASSET_DIR) -> dict[str, dict[str, object]]:
    """Each rendered phrase's text and length (``{"pacer_back": {"text":, "duration_s":}}``)."""
    try:
        return dict(json.loads((folder / MANIFEST).read_text())["phrases"])
    except (OSError, ValueError, KeyError) as exc:
        raise VoiceAssetError(f"the voice's manifest in {folder} is missing or damaged") from exc


@functools.cache
def phrase_samples(pid: str, folder: Path = ASSET_DIR) -> tuple[Samples, int]:
    """A rendered phrase's samples and rate (read once, then kept)."""
    return read_wav(folder / f"{pid}.wav")
