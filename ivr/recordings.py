"""`ivr audio import`: bring human recordings into audio/<tag>/recorded/ (telephone-ready).

Each recording is normalized (telephony.normalize), named by the hash of what was written
(`<prompt>.<sha256[:10]>.wav`) and listed in recorded/index.json with the prompt's text at the
time of import, so a later text edit makes it stale (not played, reported by `ivr check`).
Nothing is written unless every file of the import is usable; files already there are kept.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .audio import INDEX, RECORDED, audio_root
from .model import Project
from .telephony import AudioProblem, Level, normalize

AUDIO_SUFFIXES = {".wav", ".wave", ".mp3", ".flac", ".ogg", ".oga", ".aif", ".aiff", ".aifc", ".au"}
INDEX_NOTE = ("Human recordings of this language, written by `ivr audio import`. 'text' is the prompt's "
              "text the recording was made from: when the text in the locale file changes, the recording "
              "is stale and no longer played.")


@dataclass(frozen=True)
class Imported:
    prompt: str
    source: Path
    file: str                 # name under recorded/
    level: Level
    replaced: str | None      # the file the prompt used before (kept on disk)
    unchanged: bool = False


def prompts_in_folder(folder: Path) -> tuple[dict[str, Path], list[Path]]:
    """Audio files of a folder by prompt id (file name without its extension), and the others."""
    found: dict[str, Path] = {}
    other: list[Path] = []
    for path in sorted(folder.iterdir()):
        if path.name.startswith(".") or not path.is_file():
            continue
        if path.suffix.lower() in AUDIO_SUFFIXES:
            found[path.stem] = path
        else:
            other.append(path)
    return found, other


def read_index(path: Path) -> dict[str, object]:
    if not path.is_file():
        return {"version": 1, "about": INDEX_NOTE, "prompts": {}}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise AudioProblem(f"{path} is not valid JSON ({exc}); fix or restore it before importing") from exc
    if not isinstance(data, dict) or not isinstance(data.get("prompts"), dict):
        raise AudioProblem(f"{path} has no 'prompts' mapping; fix or restore it before importing")
    return data


def import_recordings(project: Project, tag: str, files: dict[str, Path],
                      today: dt.date | None = None) -> list[Imported]:
    """Normalize every file (prompt id -> source), then write them all and update the index.

    Raises `AudioProblem` naming each unusable file; in that case nothing is written."""
    folder = audio_root(project) / tag / RECORDED
    index_path = folder / INDEX
    index = read_index(index_path)
    entries: dict[str, dict[str, object]] = index["prompts"]  # type: ignore[assignment]
    problems: list[str] = []
    ready: list[tuple[str, Path, Path, Level]] = []
    with tempfile.TemporaryDirectory(prefix="ivr-import-") as tmp:
        for number, (prompt, source) in enumerate(sorted(files.items())):
            out = Path(tmp) / f"{number}.wav"
            try:
                ready.append((prompt, source, out, normalize(source, out)))
            except AudioProblem as exc:
                problems.append(f"{source}: {exc}")
        if problems:
            raise AudioProblem("nothing was imported:\n  " + "\n  ".join(problems))
        done: list[Imported] = []
        folder.mkdir(parents=True, exist_ok=True)
        day = (today or dt.date.today()).isoformat()
        for prompt, source, out, level in ready:
            digest = hashlib.sha256(out.read_bytes()).hexdigest()[:10]
            name = f"{prompt}.{digest}.wav"
            previous = entries.get(prompt, {})
            old_file = previous.get("file") if isinstance(previous, dict) else None
            text = project.texts[(tag, prompt)]
            unchanged = old_file == name and isinstance(previous, dict) and previous.get("text") == text
            if not (folder / name).is_file():
                staging = folder / f".{name}.partial"
                shutil.copyfile(out, staging)
                staging.replace(folder / name)
            entries[prompt] = {
                "file": name,
                "text": text,
                "imported": day if not unchanged else previous.get("imported", day),
                "from": source.name,
                "seconds": round(level.seconds, 2),
                "speech_dbfs": round(level.active_rms_dbfs, 1),
                "peak_dbfs": round(level.peak_dbfs, 1),
            }
            replaced = old_file if isinstance(old_file, str) and old_file != name else None
            done.append(Imported(prompt, source, name, level, replaced, unchanged))
        index["prompts"] = dict(sorted(entries.items()))
        staging = folder / f".{INDEX}.partial"
        staging.write_text(json.dumps(index, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        staging.replace(index_path)
    return done
