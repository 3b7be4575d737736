"""Telephone-ready audio: any common file in, 8 kHz mono 16-bit WAV at one loudness out (sox).

Every prompt file the line plays goes through `normalize`, whatever made it (a studio recording,
Google Cloud TTS, espeak-ng), so all sources and all languages sound equally loud:

1. decode anything sox reads (WAV, MP3, FLAC, OGG, AIFF; any rate, any channel count),
   mix down to mono, resample to 8000 Hz (`rate -v`), band-limit to the telephone band
   300-3400 Hz (`sinc -t 150 300-3400 -t 150`, a steep FIR filter: a 60 Hz hum loses about
   60 dB, 350 Hz and 3300 Hz pass unchanged), 16-bit, no dither (same input, same bytes),
   6 dB lower first so the filter cannot clip (the level is set in step 3 anyway);
2. measure it with `sox ... stats`: the peak level, and the *active-speech level*: the RMS
   level (`RMS lev dB`) after `silence` has removed the leading silence and every pause longer
   than 0.2 s that stays 39 dB or more below the peak;
3. trim silence at both ends (a caller must not wait through dead air), pad 0.1 s / 0.2 s,
   and apply one gain so the active-speech level is TARGET_DBFS (-20 dBFS, close to -20 LUFS
   for band-limited speech and to RFC 7874's -19 dBm0) without any peak above CEILING_DBFS
   (-1 dBFS). For a very peaky recording the ceiling wins and the file plays quieter; `Level`
   says by how much.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

RATE = 8000
BAND_HZ = (300, 3400)
TARGET_DBFS = -20.0
CEILING_DBFS = -1.0
SILENT_DBFS = -45.0      # loudest moment below this (after 6 dB of filter headroom): silent
MIN_SPEECH_S = 0.25      # less active audio than this is not a prompt
MAX_SECONDS = 120.0      # no prompt should keep a caller listening longer than two minutes
GATE_DB = 39.0           # pauses this far below the peak do not count as speech
TOOL_TIMEOUT_S = 60
# What the content address of a synthesized file includes about this pipeline.
PIPELINE = {"band_hz": list(BAND_HZ), "active_rms_dbfs": TARGET_DBFS, "peak_max_dbfs": CEILING_DBFS}


class AudioProblem(Exception):
    """The input cannot become a prompt; the message says why in the operator's words."""


class ToolMissing(Exception):
    """sox (or espeak-ng) is not installed; the message says how to install it."""


@dataclass(frozen=True)
class Level:
    """What `sox stats` says about a file (dB relative to full scale)."""

    seconds: float
    peak_dbfs: float
    active_rms_dbfs: float
    active_seconds: float
    rate: int = RATE
    channels: int = 1

    def describe(self) -> str:
        return (f"{self.seconds:.1f} s, speech level {self.active_rms_dbfs:.1f} dBFS, "
                f"peak {self.peak_dbfs:.1f} dBFS")


def sox_path() -> str:
    path = shutil.which("sox")
    if path is None:
        raise ToolMissing("sox is not installed - install it with `apt-get install sox libsox-fmt-mp3` "
                          "(scripts/bootstrap does this when run as root)")
    return path


def _run(args: list[str], what: str) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(args, capture_output=True, text=True, timeout=TOOL_TIMEOUT_S, check=False)
    except subprocess.TimeoutExpired as exc:
        raise AudioProblem(f"{what} took longer than {TOOL_TIMEOUT_S} s") from exc


def _stats(path: Path, effects: list[str] | None = None) -> dict[str, float]:
    done = _run([sox_path(), "-V1", str(path), "-n", *(effects or []), "stats"], "measuring the audio")
    if done.returncode != 0:
        raise AudioProblem(f"sox could not measure it ({_first_line(done.stderr)})")
    values: dict[str, float] = {}
    for line in done.stderr.splitlines():
        m = re.match(r"^(Pk lev dB|RMS lev dB|Length s|Num samples)\s+(\S+)", line)
        if m:
            raw = m.group(2)
            if raw.endswith("k"):
                values[m.group(1)] = float(raw[:-1]) * 1000
            elif raw.endswith("M"):
                values[m.group(1)] = float(raw[:-1]) * 1e6
            else:
                values[m.group(1)] = float("-inf") if raw == "-inf" else float(raw)
    return values


def _first_line(text: str) -> str:
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    # "/usr/bin/sox FAIL formats: can't open input file `x': WAVE: RIFF header not found" -> the reason
    return re.sub(r"^\S*sox (FAIL|WARN) \w+: ", "", lines[0]) if lines else "no message"


def measure(path: Path) -> Level:
    """Rate, channels, duration, peak and active-speech level of a file (the definitions above)."""
    info = _run([sox_path(), "--i", str(path)], "reading the file header")
    if info.returncode != 0:
        raise AudioProblem(f"not an audio file sox can read ({_first_line(info.stderr)})")
    rate = _header_int(info.stdout, "Sample Rate")
    channels = _header_int(info.stdout, "Channels")
    whole = _stats(path)
    peak = whole.get("Pk lev dB", float("-inf"))
    if peak == float("-inf"):
        return Level(whole.get("Length s", 0.0), peak, peak, 0.0, rate, channels)
    gate = f"{peak - GATE_DB:.1f}d"
    active = _stats(path, ["silence", "1", "0.02", gate, "-1", "0.2", gate])
    return Level(
        seconds=whole.get("Length s", 0.0),
        peak_dbfs=peak,
        active_rms_dbfs=active.get("RMS lev dB", float("-inf")),
        active_seconds=active.get("Length s", 0.0),
        rate=rate,
        channels=channels,
    )


def _header_int(text: str, field: str) -> int:
    m = re.search(rf"^{field}\s*:\s*(\d+)", text, re.MULTILINE)
    return int(m.group(1)) if m else 0


def normalize(src: Path, dst: Path, max_seconds: float = MAX_SECONDS) -> Level:
    """Turn `src` into a telephone-ready WAV at `dst`; raise `AudioProblem` for unusable audio.

    `dst` is written only when everything succeeded (it never holds half a file)."""
    if not src.is_file():
        raise AudioProblem("the file does not exist")
    if src.stat().st_size == 0:
        raise AudioProblem("the file is empty (0 bytes)")
    sox = sox_path()
    with tempfile.TemporaryDirectory(prefix="ivr-audio-") as tmp:
        band = Path(tmp) / "band.wav"
        done = _run([sox, "-V1", "-D", str(src), "-b", "16", "-e", "signed-integer", str(band),
                     "remix", "-", "gain", "-6", "rate", "-v", str(RATE),
                     "sinc", "-t", "150", f"{BAND_HZ[0]}-{BAND_HZ[1]}", "-t", "150"],
                    "converting the audio")
        if done.returncode != 0:
            raise AudioProblem("not an audio file sox can read (WAV, MP3, FLAC, OGG or AIFF): "
                               f"{_first_line(done.stderr)}")
        level = measure(band)
        if level.seconds <= 0:
            raise AudioProblem("the file holds no sound at all (0 seconds)")
        if level.seconds > max_seconds:
            raise AudioProblem(f"it is {level.seconds:.0f} s long; a prompt may be at most {max_seconds:.0f} s "
                               "- split it into shorter prompts")
        if level.peak_dbfs < SILENT_DBFS:
            shown = "nothing" if level.peak_dbfs == float("-inf") else f"{level.peak_dbfs:.0f} dBFS"
            raise AudioProblem(f"it is silent (the loudest moment is {shown}) - check the microphone "
                               "and the file you exported")
        if level.active_seconds < MIN_SPEECH_S:
            raise AudioProblem(f"it holds only {level.active_seconds:.2f} s of sound - is it the right file?")
        gate = f"{level.peak_dbfs - GATE_DB - 5:.1f}d"
        trimmed = Path(tmp) / "trimmed.wav"
        done = _run([sox, "-V1", "-D", str(band), str(trimmed), "silence", "1", "0.02", gate, "reverse",
                     "silence", "1", "0.02", gate, "reverse", "pad", "0.1", "0.2"], "trimming the audio")
        if done.returncode != 0:
            raise AudioProblem(f"sox could not trim it ({_first_line(done.stderr)})")
        level = measure(trimmed)
        gain = min(TARGET_DBFS - level.active_rms_dbfs, CEILING_DBFS - level.peak_dbfs)
        out = Path(tmp) / "out.wav"
        done = _run([sox, "-V1", "-D", str(trimmed), "-b", "16", "-e", "signed-integer", str(out),
                     "gain", f"{gain:.2f}"], "levelling the audio")
        if done.returncode != 0:
            raise AudioProblem(f"sox could not level it ({_first_line(done.stderr)})")
        final = measure(out)
        dst.parent.mkdir(parents=True, exist_ok=True)
        staging = dst.with_name(f".{dst.name}.partial")
        shutil.copyfile(out, staging)
        staging.replace(dst)
        return final
