"""Which sound a prompt plays: a human recording, synthesized audio, or Twilio's <Say>.

Resolution order for (locale, prompt), decided against the prompt's current text:
1. a recording imported for that prompt whose source text is the current text,
2. synthesized audio whose (text, engine, voice, settings) hash matches: a cloud voice first,
   then the espeak-ng placeholder,
3. `<Say>` with the locale's Twilio voice,
4. nothing (a locale without a voice must have 1 or 2 for every prompt; `ivr check` enforces it).

Files are content-addressed, so an edited prompt never plays stale audio:
    audio/<tag>/recorded/<prompt>.<sha256[:10] of the file>.wav   listed in recorded/index.json
    audio/<tag>/synth/<prompt>.<sha256[:12] of text+engine+voice+settings>.wav
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from .model import Locale, Project
from .telephony import PIPELINE

AUDIO_DIR = "audio"
RECORDED = "recorded"
SYNTH = "synth"
INDEX = "index.json"
# Telephony settings every synthesized file is made with; part of the content address.
SYNTH_SETTINGS: Mapping[str, object] = {
    "sample_rate_hz": 8000,
    "encoding": "LINEAR16",
    "effects_profile_id": ["telephony-class-application"],
    "level": PIPELINE,            # band, loudness target and peak ceiling (telephony.normalize)
    "espeak_words_per_minute": 150,
}
ENGINES = ("google", "espeak")  # in order of preference
KINDS = (RECORDED, SYNTH)
# An audio file name: a prompt id, a hash, ".wav"; never a path (no "/", no "..", no leading dot).
FILE_NAME = re.compile(r"^(?!.*\.\.)[A-Za-z0-9][A-Za-z0-9_.-]*\.[0-9a-f]{6,64}\.wav$")
GOOGLE_VOICE = re.compile(r"^([a-z]{2,3}-[A-Z]{2,3})-[A-Za-z0-9-]+$")


@dataclass(frozen=True)
class Play:
    """Play an audio file; `path` is the local file (None when served from AUDIO_BASE_URL only)."""

    url: str
    path: Path | None
    source: str          # "recorded", "google", "espeak"
    text: str


@dataclass(frozen=True)
class Say:
    text: str
    voice: str
    language: str


Sound = Play | Say


def synth_hash(text: str, engine: str, voice: str, settings: Mapping[str, object] = SYNTH_SETTINGS) -> str:
    """The content address of a synthesized prompt."""
    blob = json.dumps({"text": text, "engine": engine, "voice": voice, "settings": settings},
                      sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:12]


def synth_name(prompt: str, text: str, engine: str, voice: str) -> str:
    return f"{prompt}.{synth_hash(text, engine, voice)}.wav"


def voice_language(voice: str) -> str | None:
    """The language code of a Google voice name: "cmn-CN-Wavenet-A" -> "cmn-CN"."""
    m = GOOGLE_VOICE.match(voice)
    return m.group(1) if m else None


def engine_voice(locale: Locale, engine: str) -> str | None:
    return locale.synth.google if engine == "google" else locale.synth.espeak


def audio_root(project: Project) -> Path:
    return project.root / AUDIO_DIR


def read_recorded_index(folder: Path) -> dict[str, dict[str, str]]:
    """recorded/index.json: prompt id -> {file, text, ...}; a missing index means no recordings.

    An unreadable index or entry is skipped here (the line must still start and fall back to
    other sources); `ivr check` reports it."""
    path = folder / INDEX
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    prompts = data.get("prompts", {}) if isinstance(data, dict) else {}
    if not isinstance(prompts, dict):
        return {}
    return {str(k): dict(v) for k, v in prompts.items()
            if isinstance(v, dict) and isinstance(v.get("text"), str)
            and isinstance(v.get("file"), str) and FILE_NAME.match(v["file"])}


class Resolver:
    """Decides, once per configuration, which sound each prompt of each locale plays."""

    def __init__(self, project: Project, public_audio_url: str, audio_base_url: str | None = None):
        self.project = project
        self.root = audio_root(project)
        self.base = (audio_base_url or public_audio_url).rstrip("/")
        self.remote = bool(audio_base_url)
        self.table: dict[tuple[str, str], list[Sound]] = {}
        self.by_url: dict[str, tuple[str, str]] = {}
        self._files: dict[Path, frozenset[str]] = {}             # folder -> its files, read once
        self._indexes: dict[Path, dict[str, dict[str, str]]] = {}  # recorded folder -> its index
        self._dirs: dict[str, tuple[Path, Path]] = {}
        for (tag, prompt), text in project.texts.items():
            self.table[(tag, prompt)] = self._candidates(project.locales[tag], prompt, text)

    def _candidates(self, locale: Locale, prompt: str, text: str) -> list[Sound]:
        found: list[Sound] = []
        recorded_dir, synth_dir = self._folders(locale.tag)
        if recorded_dir not in self._indexes:
            self._indexes[recorded_dir] = read_recorded_index(recorded_dir)
        recorded = self._indexes[recorded_dir].get(prompt)
        # Only files present here count, also with AUDIO_BASE_URL (deploy the same audio/
        # folder to the bucket): a <Play> of a file that is not there would end the call.
        if recorded and recorded.get("text") == text and self._has(recorded_dir, recorded["file"]):
            found.append(self._play(locale.tag, RECORDED, recorded["file"], "recorded", text, prompt))
        synth_files = self._listing(synth_dir)
        for engine in ENGINES:
            voice = engine_voice(locale, engine)
            if voice and synth_files:   # no files: no need to hash the text
                name = synth_name(prompt, text, engine, voice)
                if name in synth_files:
                    found.append(self._play(locale.tag, SYNTH, name, engine, text, prompt))
        if locale.say is not None:
            found.append(Say(text, locale.say.voice, locale.say.language))
        return found

    def _folders(self, tag: str) -> tuple[Path, Path]:
        if tag not in self._dirs:
            self._dirs[tag] = (self.root / tag / RECORDED, self.root / tag / SYNTH)
        return self._dirs[tag]

    def _listing(self, folder: Path) -> frozenset[str]:
        """The regular files in `folder` (listed once per folder, not stat-ed once per prompt)."""
        if folder not in self._files:
            try:
                with os.scandir(folder) as entries:
                    self._files[folder] = frozenset(e.name for e in entries if e.is_file())
            except OSError:
                self._files[folder] = frozenset()
        return self._files[folder]

    def _has(self, folder: Path, name: str) -> bool:
        return name in self._listing(folder)

    def _play(self, tag: str, kind: str, name: str, source: str, text: str, prompt: str) -> Play:
        local = self.root / tag / kind / name
        url = f"{self.base}/{tag}/{kind}/{name}"
        self.by_url[url] = (tag, prompt)
        return Play(url, local, source, text)

    def sound(self, locale: str, prompt: str) -> Sound | None:
        """The best sound that can play right now (a vanished file falls through to the next)."""
        for candidate in self.table.get((locale, prompt), ()):
            if isinstance(candidate, Play):
                if self.remote or (candidate.path is not None and os.path.exists(candidate.path)):
                    return candidate
                continue
            return candidate
        return None

    def planned(self, locale: str, prompt: str) -> Sound | None:
        """The sound chosen at load time, without touching the disk (for reports)."""
        candidates = self.table.get((locale, prompt), ())
        return candidates[0] if candidates else None
