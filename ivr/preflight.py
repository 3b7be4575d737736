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

from .audio import FILE_NAME, INDEX, RECORDED, Play, Resolver, audio_root
from .load import used_prompts
from .model import Locale, Project
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


def check_indexes(project: Project, report: Report, remote: bool = False) -> None:
    """Check every locale's recordings index once: errors for what would break a call of an
    enabled locale (an unreadable index, a current recording missing, unreadable or badly
    named), warnings for what only misleads (entries never played: invalid, unused, stale)."""
    root = audio_root(project)
    spoken = set(used_prompts(project.menus, project.targets, project.welcome))
    for tag, locale in sorted(project.locales.items()):
        _check_index(project, locale, root / tag / RECORDED, spoken, report, remote)


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


def _check_index(project: Project, locale: Locale, folder: Path, spoken: set[str], report: Report,
                 remote: bool) -> None:
    index = folder / INDEX
    if not index.is_file():
        return
    shown = _shown(project, index)
    fix = "restore it from a backup or import the recordings again"
    error = report.error if locale.enabled else report.warn  # an off locale is never played
    try:
        text = index.read_text(encoding="utf-8")
        data = json.loads(text)
    except (OSError, UnicodeDecodeError) as exc:
        error("audio-index-unreadable", shown, 0, f"the recordings index cannot be read ({exc})", fix)
        return
    except json.JSONDecodeError as exc:
        error("audio-index-invalid", shown, exc.lineno, f"not valid JSON: {exc.msg}", fix)
        return
    prompts = data.get("prompts") if isinstance(data, dict) else None
    if not isinstance(prompts, dict) or not all(isinstance(e, dict) for e in prompts.values()):
        error("audio-index-invalid", shown, 1, "it needs a 'prompts' mapping of prompt id -> {file, text}", fix)
        return
    tag = locale.tag
    for prompt, entry in prompts.items():
        line = _key_line(text, prompt)
        current = project.texts.get((tag, prompt))
        name = entry.get("file")
        valid = isinstance(entry.get("text"), str) and isinstance(name, str) and bool(FILE_NAME.match(name))
        if current is not None and entry.get("text") == current:   # the line plays this one
            if not valid:
                error("audio-index-invalid", shown, line, f"the recording of '{prompt}' has no valid file name",
                      "restore it from a backup or import the recording again")
                continue
            why = None if remote else audio_header_problem(folder / name)
            if why:
                error("audio-missing" if "does not exist" in why else "audio-unreadable",
                      _shown(project, folder / name), 0, f"the recording of '{prompt}' ({tag}): {why}",
                      "put the file back, or import the recording again; until then the line does not start")
        elif not valid:
            report.warn("recorded-index", shown, line, f"the entry for '{prompt}' is not a valid recording "
                        "(it needs 'file': <prompt>.<hash>.wav and 'text')",
                        f"re-import it with `ivr audio import FILE --locale {tag} --prompt {prompt}`")
        elif prompt not in spoken or current is None:
            report.warn("recording-unused", shown, line, f"'{prompt}' is recorded but the line never says it",
                        "remove the entry (and its file) if the prompt is gone for good")
        else:
            where = f"{locale.file}:{locale.prompt_lines.get(prompt, 0)}"
            report.warn("stale-recording", shown, line,
                        f"the {locale.english_name} recording of '{prompt}' was made from older text "
                        f"(\"{_short(entry['text'])}\"); callers hear other audio instead",
                        f"record the current text ({where}) and run `ivr audio import FILE --locale "
                        f"{tag} --prompt {prompt}` (import the same file again if it still says the new words)")


def _key_line(text: str, key: str) -> int:
    needle = json.dumps(key, ensure_ascii=False) + ":"
    for number, line in enumerate(text.splitlines(), 1):
        if line.strip().startswith(needle):
            return number
    return 0


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _shown(project: Project, path: Path) -> str:
    try:
        return str(path.relative_to(project.root))
    except ValueError:
        return str(path)


def _fix(tag: str, source: str) -> str:
    if source == "recorded":
        return "put the file back or import the recording again"
    return f"delete it and make it again with `ivr synth --locale {tag}`"
