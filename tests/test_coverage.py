"""`ivr check --coverage` (text and JSON) and the audio warnings of `ivr check`."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from ivr.audio import synth_name
from ivr.cli import main
from ivr.coverage import spoken_prompts
from ivr.load import inspect_project, load_project
from tests.audiokit import SAFETY, VOICED_EN, VOICELESS_EN, tone_wav_bytes
from tests.conftest import BASE_MENUS

ES = VOICED_EN.replace("\nname: English", "\nname: Español").replace("english_name: English", "english_name: Spanish")
MENUS_EN_ES = BASE_MENUS.replace("  en: on\n", "  en: on\n  es: on\n").replace('- {"1": en}', '- {"1": en, "2": es}')


def put(root: Path, tag: str, kind: str, name: str) -> None:
    folder = root / "audio" / tag / kind
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(tone_wav_bytes())


def record(root: Path, tag: str, prompt: str, text: str) -> None:
    name = f"{prompt}.0123456789.wav"
    put(root, tag, "recorded", name)
    index = root / "audio" / tag / "recorded" / "index.json"
    data = json.loads(index.read_text()) if index.exists() else {"version": 1, "prompts": {}}
    data["prompts"][prompt] = {"file": name, "text": text}
    index.write_text(json.dumps(data, indent=2), encoding="utf-8")


def test_coverage_counts_every_source_as_text_and_json(tiny) -> None:  # type: ignore[no-untyped-def]
    root = tiny(menus=MENUS_EN_ES, en=VOICED_EN, es=ES)
    project = load_project(root, {})
    total = len(spoken_prompts(project))
    record(root, "en", "safety", SAFETY)                                  # recorded
    record(root, "en", "trouble", "Older words.")                         # stale -> next source
    put(root, "en", "synth", synth_name("info.text", "Some information.", "google", "en-US-Neural2-F"))
    put(root, "en", "synth", synth_name("after.text", "The call ended.", "espeak", "en-us"))
    result = CliRunner().invoke(main, ["--root", str(root), "check", "--coverage"])
    assert result.exit_code == 0, result.output
    lines = {ln.split()[0]: ln.split() for ln in result.output.splitlines() if ln.startswith(("en ", "es "))}
    #                        tag   language recorded cloud placeholder <Say> missing stale
    assert lines["en"] == ["en", "English", "1", "1", "1", str(total - 3), "0", "1"]
    assert lines["es"] == ["es", "Spanish", "0", "0", "0", str(total), "0", "0"]
    assert "recorded > cloud > placeholder > <Say>" in result.output
    assert "en: recordings made from older text (not played): trouble" in result.output
    data = json.loads(CliRunner().invoke(main, ["--root", str(root), "check", "--coverage", "--json"]).output)
    en = data["coverage"]["locales"]["en"]
    assert (en["recorded"], en["cloud"], en["placeholder"], en["say"], en["missing"], en["stale"]) == \
        (1, 1, 1, total - 3, 0, 1)
    assert en["sources"]["safety"] == "recorded" and en["sources"]["info.text"] == "google"
    assert en["sources"]["after.text"] == "espeak" and en["placeholder_prompts"] == ["after.text"]
    assert en["sources"]["trouble"] == "say" and en["stale_prompts"] == ["trouble"]
    assert any(p["code"] == "stale-recording" for p in data["problems"])
    assert any(p["code"] == "placeholder-audio" for p in data["problems"])


def test_missing_audio_for_a_language_without_a_voice_shows_and_fails(tiny) -> None:  # type: ignore[no-untyped-def]
    root = tiny(en=VOICELESS_EN)
    project, _ = inspect_project(root, {}, env_required=False, tolerate=("no-voice-no-audio",))
    assert project is not None
    total = len(spoken_prompts(project))
    result = CliRunner().invoke(main, ["--root", str(root), "check", "--coverage"])
    assert result.exit_code == 1
    row = next(ln.split() for ln in result.output.splitlines() if ln.startswith("en "))
    assert row == ["en", "English", "0", "0", "0", "0", str(total), "0"]
    assert "ivr synth --locale en" in result.output
    blocked, _ = inspect_project(root, {}, env_required=False)
    assert blocked is None           # without `tolerate`, the line still refuses to start


def test_audio_warnings_for_voices_and_a_broken_index(tiny) -> None:  # type: ignore[no-untyped-def]
    en = VOICED_EN.replace("synth: {google: en-US-Neural2-F, espeak: en-us}", "synth: {google: en-US, espeak: cmn}")
    root = tiny(en=en)
    folder = root / "audio" / "en" / "recorded"
    folder.mkdir(parents=True)
    (folder / "index.json").write_text("{not json", encoding="utf-8")
    project, report = inspect_project(root, {}, env_required=False)
    assert project is None                          # a broken index is a start-up error (issue 6)...
    codes = {p.code: p for p in report.problems}
    assert "cmn-latn-pinyin" in codes["espeak-voice"].fix      # ...and every other problem is still listed
    assert "en-US-Neural2-F" in codes["google-voice-name"].fix
    assert codes["audio-index-invalid"].file == "audio/en/recorded/index.json"
    (folder / "index.json").write_text(json.dumps({"prompts": {
        "safety": {"file": "../../../menus.yaml", "text": SAFETY},
        "gone": {"file": "gone.0123456789.wav", "text": "x"},
        "trouble": {"file": "trouble.0123456789.wav", "text": "Technical problem."},
    }}, indent=2), encoding="utf-8")
    _, report = inspect_project(root, {}, env_required=False)
    found = {(p.code, p.line) for p in report.problems if p.file.endswith("index.json")}
    # the current recordings' bad name and missing file are start-up errors; the unused one a warning
    assert found == {("audio-index-invalid", 3), ("recording-unused", 7)}
    assert any(p.code == "audio-missing" and p.file.endswith("trouble.0123456789.wav") for p in report.errors)
