"""How long prompts take to hear: used to keep the language menu short for a caller in a hurry.

A prompt that plays a local audio file is measured from the file itself. A `<Say>` prompt cannot
be measured without calling Twilio, so it is spoken by espeak-ng (the locale's espeak voice) at
165 words a minute, close to the neural voices' default pace; a locale with no espeak voice
(Mandarin: espeak-ng cannot read Hanzi) is estimated at 4.5 characters a second. Each figure says
which method produced it.
"""

from __future__ import annotations

import tempfile
import wave
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .audio import Play, Sound
from .engine import Engine
from .synth import Espeak, Job, SynthAbort, SynthFailure

ESPEAK_WPM = 165
CJK_CHARS_PER_SECOND = 4.5
GAP_SECONDS = 0.3   # Twilio's small pause between consecutive <Say>/<Play> verbs (estimate)


@dataclass(frozen=True)
class Timed:
    label: str
    seconds: float
    method: str   # "audio file", "espeak-ng", "characters"


def wav_seconds(path: Path) -> float:
    with wave.open(str(path), "rb") as w:
        return w.getnframes() / float(w.getframerate())


@lru_cache(maxsize=4096)
def espeak_seconds(text: str, voice: str) -> float | None:
    """Speak `text` with espeak-ng (the same engine `ivr synth` uses) and return its length."""
    try:
        engine = Espeak(words_per_minute=ESPEAK_WPM)
        with tempfile.TemporaryDirectory() as folder:
            out = Path(folder) / "t.wav"
            engine.render(Job("", "timing", text, "espeak", voice, out, ""), out)
            return wav_seconds(out)
    except (SynthAbort, SynthFailure):
        return None


def sound_seconds(engine: Engine, sound: Sound, locale: str) -> Timed:
    if isinstance(sound, Play) and sound.path is not None and sound.path.is_file():
        return Timed(locale, wav_seconds(sound.path), "audio file")
    text = sound.text
    voice = engine.project.locales[locale].synth.espeak if locale in engine.project.locales else None
    if voice:
        seconds = espeak_seconds(text, voice)
        if seconds is not None:
            return Timed(locale, seconds, "espeak-ng")
    return Timed(locale, len(text) / CJK_CHARS_PER_SECOND, "characters")


def language_pages(engine: Engine) -> list[list[Timed]]:
    """Per page of the language menu: each line a caller hears, with its length."""
    pages: list[list[Timed]] = []
    for number, page in enumerate(engine.pages, start=1):
        lines: list[Timed] = []
        if number == 1:
            for tag, prompt in engine.project.welcome:
                sound = engine.sound(tag, prompt)
                if sound is not None:
                    lines.append(_relabel(sound_seconds(engine, sound, tag), f"welcome ({tag})"))
        for tag in page.values():
            sound = engine.sound(tag, "language.choose")
            if sound is not None:
                lines.append(_relabel(sound_seconds(engine, sound, tag), tag))
        if number < len(engine.pages):
            sound = engine.sound(engine.default, "language.more")
            if sound is not None:
                lines.append(_relabel(sound_seconds(engine, sound, engine.default), "more languages"))
        pages.append(lines)
    return pages


def total(lines: list[Timed]) -> float:
    return sum(t.seconds for t in lines) + GAP_SECONDS * max(len(lines) - 1, 0)


def _relabel(timed: Timed, label: str) -> Timed:
    return Timed(label, timed.seconds, timed.method)

