"""Start-up checks on the audio a call can play: the line does not start with a broken file.

`load.py` and `check.py` already make sure every number is well formed and every locale is
complete. This module covers the files on disk: every recording listed in a locale's
`recorded/index.json` for a prompt's current text, and every synthesized file the resolver
picked, must exist, be a readable regular file and look like audio. Without these checks the
resolver would silently skip a missing recording (the caller hears the fallback voice) and would
happily hand Twilio a truncated or unreadable file.

With AUDIO_BASE_URL set, the files live in a bucket or CDN: local copies are not required and are
not checked here (the webhooks never fetch audio either).
"""

from __future__ import annotations

import json
import stat
from pathlib import Path

from .audio import INDEX, RECORDED, Play, Resolver, audio_root
from .model import Project
from .problems import Report

HEADER_BYTES = 12


def audio_header_problem(path: Path) -> str | None:
    """Why `path` cannot be played, or None if it is a readable, non-empty audio file."""
    try:
        info = path.stat()
    except FileNotFoundError:
        return "the file does not exist"
    except OSError as exc:
        return f"it cannot be read ({exc.strerror or exc})"
    if not stat.S_ISREG(info.st_mode):
        return "it is not a regular file"
    try:
        with path.open("rb") as f:
            head = f.read(HEADER_BYTES)
    except OSError as exc:
        return f"it cannot be read ({exc.strerror or exc})"
    if not head:
        return "the file is empty"
    suffix = path.suffix.lower()
    if suffix == ".wav" and not (head[:4] == b"RIFF" and head[8:12] == b"WAVE"):
        return "it is not a WAV file (no RIFF/WAVE header)"
    if suffix == ".mp3" and not (head[:3] == b"ID3" or (head[0] == 0xFF and head[1] & 0xE0 == 0xE0)):
        return "it is not an MP3 file"
    return None


def check_indexes(project: Project, report: Report, remote: bool = False) -> bool:
    """Check every enabled locale's recordings index (and, unless `remote`, the files it lists).

    Returns False when an index cannot be parsed at all (the resolver cannot be built then)."""
    root = audio_root(project)
    ok = True
    for tag in project.enabled_locales:
        ok = _check_index(project, tag, root / tag / RECORDED, report, remote) and ok
    return ok


def check_audio_files(project: Project, resolver: Resolver, report: Report, remote: bool = False) -> None:
    """Add a problem for every audio file the resolver chose that is unreadable or not audio."""
    if remote:
        return
    seen: set[Path] = set()
    for (tag, prompt), candidates in resolver.table.items():
        if not project.locales[tag].enabled:
            continue
        for sound in candidates:
            if isinstance(sound, Play) and sound.source != "recorded" and sound.path is not None \
                    and sound.path not in seen:  # recordings: checked with their index
                seen.add(sound.path)
                why = audio_header_problem(sound.path)
                if why:
                    report.error("audio-unreadable", _shown(project, sound.path), 0,
                                 f"the audio of '{prompt}' ({tag}): {why}", _fix(tag, sound.source))


def _check_index(project: Project, tag: str, folder: Path, report: Report, remote: bool) -> bool:
    index = folder / INDEX
    shown = _shown(project, index)
    if not index.exists():
        return True
    try:
        data = json.loads(index.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        report.error("audio-index-unreadable", shown, 0, f"the recordings index cannot be read ({exc})",
                     "restore it from a backup or import the recordings again")
        return False
    except json.JSONDecodeError as exc:
        report.error("audio-index-invalid", shown, exc.lineno, f"not valid JSON: {exc.msg}",
                     "restore it from a backup or import the recordings again")
        return False
    prompts = data.get("prompts") if isinstance(data, dict) else None
    if not isinstance(prompts, dict) or not all(isinstance(e, dict) for e in prompts.values()):
        report.error("audio-index-invalid", shown, 1, "it needs a 'prompts' mapping of prompt id -> {file, text}",
                     "restore it from a backup or import the recordings again")
        return False
    for prompt, entry in prompts.items():
        text = project.texts.get((tag, str(prompt)))
        if text is None or entry.get("text") != text:
            continue  # not a prompt of this locale any more, or recorded for an older text: never played
        name = entry.get("file")
        if not isinstance(name, str) or not name or "/" in name or "\\" in name or name.startswith("."):
            report.error("audio-index-invalid", shown, 0, f"the recording of '{prompt}' has no valid file name",
                         "restore it from a backup or import the recording again")
            continue
        why = None if remote else audio_header_problem(folder / name)
        if why:
            report.error("audio-missing" if "does not exist" in why else "audio-unreadable",
                         _shown(project, folder / name), 0, f"the recording of '{prompt}' ({tag}): {why}",
                         "put the file back, or import the recording again; until then the line does not start")
    return True


def _shown(project: Project, path: Path) -> str:
    try:
        return str(path.relative_to(project.root))
    except ValueError:
        return str(path)


def _fix(tag: str, source: str) -> str:
    if source == "recorded":
        return "put the file back or import the recording again"
    return f"delete it and make it again with `ivr synth --locale {tag}`"
