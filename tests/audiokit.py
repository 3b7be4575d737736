"""Helpers for the audio tests: tiny projects with voices, real sound files, file snapshots."""

from __future__ import annotations

import math
import shutil
import struct
import subprocess
import wave
from pathlib import Path

import pytest

from tests.conftest import BASE_EN

SAY_LINE = "say: {language: en-US, voice: Polly.Joanna-Neural}\n"
SYNTH_LINE = "synth: {google: en-US-Neural2-F, espeak: en-us}\n"
assert SAY_LINE in BASE_EN

# English with a Twilio voice and synthesis voices; and English as a language with no voice.
VOICED_EN = BASE_EN.replace(SAY_LINE, SAY_LINE + SYNTH_LINE)
VOICELESS_EN = BASE_EN.replace(SAY_LINE, "say: none\n" + SYNTH_LINE)
SAFETY = "If you are in danger, hang up and dial 9 1 1."

needs_sox = pytest.mark.skipif(shutil.which("sox") is None,
                               reason="sox is not installed (scripts/bootstrap installs it as root)")
needs_espeak = pytest.mark.skipif(shutil.which("espeak-ng") is None or shutil.which("sox") is None,
                                  reason="espeak-ng or sox is not installed (scripts/bootstrap installs them)")


def tone_wav_bytes(seconds: float = 1.0, rate: int = 8000, freq: float = 440.0, amp: float = 0.5,
                   lead: float = 0.1) -> bytes:
    """A mono 16-bit WAV: `lead` s of silence, then a tone (a stand-in for speech)."""
    import io

    frames = bytearray()
    for _ in range(int(lead * rate)):
        frames += struct.pack("<h", 0)
    for i in range(int(seconds * rate)):
        frames += struct.pack("<h", int(amp * 32767 * math.sin(2 * math.pi * freq * i / rate)))
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(bytes(frames))
    return buf.getvalue()


def speech(path: Path, text: str, rate: int = 44100, channels: int = 2, gain_db: float = 0.0,
           voice: str = "en-us") -> Path:
    """Real speech (espeak-ng) converted by sox to any format/rate/channels, like a studio export."""
    raw = path.with_name(path.stem + ".raw-espeak.wav")
    subprocess.run(["espeak-ng", "-v", voice, "-w", str(raw), text], check=True, capture_output=True)
    subprocess.run(["sox", str(raw), "-r", str(rate), "-c", str(channels), str(path), "gain", str(gain_db)],
                   check=True, capture_output=True)
    raw.unlink()
    return path


def wav_info(path: Path) -> tuple[int, int, int, float]:
    """(rate, channels, bytes per sample, seconds) read with the stdlib wave module."""
    with wave.open(str(path), "rb") as w:
        return w.getframerate(), w.getnchannels(), w.getsampwidth(), w.getnframes() / w.getframerate()


def sox_rms(path: Path, *effects: str) -> float:
    """`RMS lev dB` of sox stats after optional effects."""
    done = subprocess.run(["sox", str(path), "-n", *effects, "stats"], capture_output=True, text=True,
                          check=True)
    for line in done.stderr.splitlines():
        if line.startswith("RMS lev dB"):
            return float(line.split()[3])
    raise AssertionError(done.stderr)


def snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    """Every file under `folder` with its size and modification time (to prove nothing was written)."""
    if not folder.exists():
        return {}
    return {p.relative_to(folder).as_posix(): (p.stat().st_size, p.stat().st_mtime_ns)
            for p in sorted(folder.rglob("*")) if p.is_file()}
