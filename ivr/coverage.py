"""Which audio each prompt of each language plays, and what is wrong with the audio folder.

`ivr check --coverage` prints the table; `check_audio` adds the audio warnings to every
`ivr check` (placeholders, doubtful voice names; the recordings index is checked in preflight.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from .audio import (
    RECORDED,
    Play,
    Resolver,
    Say,
    audio_root,
    read_recorded_index,
    voice_language,
)
from .load import used_prompts
from .model import Locale, Project
from .problems import Report

SOURCES = ("recorded", "google", "espeak", "say", "missing")
COLUMNS = {"recorded": "recorded", "google": "cloud", "espeak": "placeholder", "say": "<Say>",
           "missing": "missing"}
JSON_KEYS = {"recorded": "recorded", "google": "cloud", "espeak": "placeholder", "say": "say",
             "missing": "missing"}
WHAT = {"recorded": "a human recording", "google": "synthesized audio (Google Cloud TTS)",
        "espeak": "placeholder audio (espeak-ng)", "say": "Twilio <Say>", "missing": "nothing"}
BROKEN_ESPEAK = {"cmn": "cmn-latn-pinyin", "zh": "cmn-latn-pinyin", "zh-cmn": "cmn-latn-pinyin"}


def spoken_prompts(project: Project) -> list[str]:
    """The prompt ids the tree can speak (what needs audio), in a stable order."""
    return list(used_prompts(project.menus, project.targets, project.welcome))


@dataclass(frozen=True)
class LocaleCoverage:
    tag: str
    english_name: str
    enabled: bool
    sources: dict[str, str]          # prompt id -> one of SOURCES
    stale: tuple[str, ...]           # prompts whose recording was made from older text

    def count(self, source: str) -> int:
        return sum(1 for s in self.sources.values() if s == source)

    def as_dict(self) -> dict[str, object]:
        return {
            "language": self.english_name,
            "enabled": self.enabled,
            "prompts": len(self.sources),
            **{JSON_KEYS[s]: self.count(s) for s in SOURCES},
            "stale": len(self.stale),
            "placeholder_prompts": [p for p, s in self.sources.items() if s == "espeak"],
            "missing_prompts": [p for p, s in self.sources.items() if s == "missing"],
            "stale_prompts": list(self.stale),
            "sources": dict(self.sources),
        }


def source_of(sound: Play | Say | None) -> str:
    if isinstance(sound, Play):
        return sound.source
    return "say" if isinstance(sound, Say) else "missing"


def coverage(project: Project) -> list[LocaleCoverage]:
    """One row per locale (enabled or not): what each spoken prompt plays right now."""
    resolver = Resolver(project, "http://coverage.invalid/audio")
    prompts = spoken_prompts(project)
    rows = []
    for tag, locale in sorted(project.locales.items()):
        sources = {p: source_of(resolver.planned(tag, p)) for p in prompts if (tag, p) in project.texts}
        index = read_recorded_index(audio_root(project) / tag / RECORDED)
        stale = tuple(p for p in prompts if p in index and (tag, p) in project.texts
                      and index[p]["text"] != project.texts[(tag, p)])
        rows.append(LocaleCoverage(tag, locale.english_name, locale.enabled, sources, stale))
    return rows


def coverage_json(rows: list[LocaleCoverage]) -> dict[str, object]:
    return {
        "columns": {JSON_KEYS[s]: WHAT[s] for s in SOURCES} | {"stale": "recordings made from older text"},
        "locales": {row.tag: row.as_dict() for row in rows},
    }


def coverage_text(rows: list[LocaleCoverage]) -> str:
    """The table an operator reads: one line per language, counts of prompts by source."""
    head = ["locale", "language", *[COLUMNS[s] for s in SOURCES], "stale"]
    body = []
    for row in rows:
        name = row.english_name + ("" if row.enabled else " (off)")
        body.append([row.tag, name, *[str(row.count(s)) for s in SOURCES], str(len(row.stale))])
    widths = [max(len(r[i]) for r in [head, *body]) for i in range(len(head))]
    lines = ["  ".join(c.ljust(w) if i < 2 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths, strict=True)))
             for r in [head, *body]]
    total = len(rows[0].sources) if rows else 0
    lines.insert(1, "  ".join("-" * w for w in widths))
    notes = [
        "",
        f"{total} prompts per language. A prompt plays the first of: recorded > cloud > placeholder > <Say>.",
        "placeholder = espeak-ng robot voice, made offline for languages with no Twilio voice: "
        "replace with recordings.",
    ]
    for row in rows:
        if row.count("missing"):
            notes.append(f"{row.tag}: {row.count('missing')} prompts have no audio and no voice "
                         f"- run `ivr synth --locale {row.tag}` or record them")
        if row.stale:
            notes.append(f"{row.tag}: recordings made from older text (not played): {', '.join(row.stale)}")
    return "\n".join(lines + notes)


def check_audio(project: Project, report: Report) -> None:
    """Warn about audio that is stale, broken or only a placeholder; doubtful voice names."""
    for locale in project.locales.values():
        _check_voices(locale, report)
    for row in coverage(project):
        placeholders = row.count("espeak")
        if placeholders:
            locale = project.locales[row.tag]
            cloud = (f"run `ivr synth --engine google --locale {row.tag}` (voice {locale.synth.google})"
                     if locale.synth.google else
                     f"set a cloud voice (synth: google:) and run `ivr synth --locale {row.tag}`")
            report.warn("placeholder-audio", locale.file, 0,
                        f"{locale.english_name}: {placeholders} prompts play placeholder audio (espeak-ng)",
                        f"record them (`ivr audio import FOLDER --locale {row.tag}`) or {cloud}")


def _check_voices(locale: Locale, report: Report) -> None:
    google, espeak = locale.synth.google, locale.synth.espeak
    if google and voice_language(google) is None:
        report.warn("google-voice-name", locale.file, 0,
                    f"synth › google '{google}' is not a Google Cloud voice name",
                    "write the full voice name, like en-US-Neural2-F (see `gcloud ml speech voices` or "
                    "the Text-to-Speech voice list), never just a language code")
    if espeak in BROKEN_ESPEAK:
        report.warn("espeak-voice", locale.file, 0,
                    f"synth › espeak '{espeak}' reads Chinese characters as English-sounding tone numbers "
                    "in espeak-ng 1.51",
                    f"use espeak: {BROKEN_ESPEAK[espeak]}")
