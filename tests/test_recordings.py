"""`ivr audio import` and the normalizer, for real (sox, espeak-ng for the speech): formats, rate,
channels, level, band, bad audio, the folder form, and stale recordings."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from ivr.audio import Play, Resolver, Say
from ivr.cli import main
from ivr.load import inspect_project, load_project
from ivr.telephony import CEILING_DBFS, TARGET_DBFS, AudioProblem, measure, normalize
from tests.audiokit import SAFETY, VOICED_EN, needs_espeak, needs_sox, snapshot, sox_rms, speech, wav_info

pytestmark = needs_espeak


def import_cli(root: Path, *args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(main, ["--root", str(root), "audio", "import", *args])


def index(root: Path) -> dict:  # type: ignore[type-arg]
    return json.loads((root / "audio" / "en" / "recorded" / "index.json").read_text(encoding="utf-8"))


def assert_telephone_ready(path: Path, source_seconds: float | None = None) -> None:
    rate, channels, width, seconds = wav_info(path)
    assert (rate, channels, width) == (8000, 1, 2)
    if source_seconds is not None:
        assert source_seconds - 1.0 < seconds <= source_seconds + 0.35, (seconds, source_seconds)
    level = measure(path)
    assert level.peak_dbfs <= CEILING_DBFS + 0.05, level
    assert abs(level.active_rms_dbfs - TARGET_DBFS) <= 0.5 or level.peak_dbfs >= CEILING_DBFS - 0.1, level


@pytest.mark.parametrize("suffix,rate,channels,gain", [
    ("wav", 44100, 2, -18.0),      # a quiet stereo studio export
    ("mp3", 48000, 1, 0.0),
    ("flac", 22050, 1, -6.0),
    ("wav", 8000, 1, 0.0),
])
def test_import_any_format_becomes_8k_mono_at_the_target_level(tiny, tmp_path, suffix, rate, channels,
                                                               gain) -> None:  # type: ignore[no-untyped-def]
    root = tiny(en=VOICED_EN)
    source = speech(tmp_path / f"take.{suffix}", SAFETY, rate=rate, channels=channels, gain_db=gain)
    source_seconds = measure(source).seconds
    result = import_cli(root, str(source), "--locale", "en", "--prompt", "safety")
    assert result.exit_code == 0, result.output
    entry = index(root)["prompts"]["safety"]
    assert entry["text"] == SAFETY and entry["from"] == source.name
    path = root / "audio" / "en" / "recorded" / entry["file"]
    assert entry["file"].startswith("safety.") and path.is_file()
    assert_telephone_ready(path, source_seconds)
    sound = Resolver(load_project(root, {}), "https://x/audio").sound("en", "safety")
    assert isinstance(sound, Play) and sound.source == "recorded" and sound.url.endswith(entry["file"])


def test_band_is_limited_to_the_telephone_band(tmp_path) -> None:  # type: ignore[no-untyped-def]
    voice = speech(tmp_path / "voice.wav", SAFETY, rate=44100, channels=1)
    hum = tmp_path / "hum.wav"
    subprocess.run(["sox", "-n", "-r", "44100", "-c", "1", str(hum), "synth", str(measure(voice).seconds),
                    "sine", "60", "gain", "-6"], check=True)
    mixed = tmp_path / "mixed.wav"
    subprocess.run(["sox", "-m", str(voice), str(hum), str(mixed)], check=True)
    assert sox_rms(mixed, "sinc", "-t", "30", "-100") > sox_rms(mixed) - 6   # the hum dominates the input
    out = tmp_path / "out.wav"
    normalize(mixed, out)
    assert sox_rms(out, "sinc", "-t", "30", "-100") < sox_rms(out) - 40   # and is gone from the output
    assert sox_rms(out, "sinc", "-t", "100", "3700") < sox_rms(out) - 40  # nothing above the band either


def test_bad_audio_is_refused_and_nothing_already_there_is_lost(tiny, tmp_path) -> None:  # type: ignore[no-untyped-def]
    root = tiny(en=VOICED_EN)
    good = speech(tmp_path / "good.wav", SAFETY)
    assert import_cli(root, str(good), "--locale", "en", "--prompt", "safety").exit_code == 0
    before = snapshot(root / "audio")
    text = tmp_path / "notes.wav"
    text.write_text("this is not audio", encoding="utf-8")
    empty = tmp_path / "empty.wav"
    empty.write_bytes(b"")
    silent = tmp_path / "silent.wav"
    subprocess.run(["sox", "-n", "-r", "44100", str(silent), "trim", "0", "3"], check=True)
    long = tmp_path / "long.mp3"
    subprocess.run(["sox", "-n", "-r", "8000", str(long), "synth", "125", "sine", "440"], check=True)
    expected = {text: "not an audio file", empty: "empty", silent: "silent", long: "125 s long"}
    for bad, why in expected.items():
        result = import_cli(root, str(bad), "--locale", "en", "--prompt", "safety")
        assert result.exit_code == 1, (bad.name, result.output)
        assert why in result.output and bad.name in result.output, result.output
        assert "nothing was imported" in result.output and "Traceback" not in result.output
        assert snapshot(root / "audio") == before


def test_folder_import_is_all_or_nothing(tiny, tmp_path) -> None:  # type: ignore[no-untyped-def]
    root = tiny(en=VOICED_EN)
    folder = tmp_path / "session"
    folder.mkdir()
    speech(folder / "safety.wav", SAFETY)
    speech(folder / "info.text.mp3", "Some information.", rate=48000, channels=1)
    (folder / "README.txt").write_text("take 3", encoding="utf-8")
    (folder / "trouble.wav").write_bytes(b"")
    result = import_cli(root, str(folder), "--locale", "en")
    assert result.exit_code == 1 and "trouble.wav" in result.output and "empty" in result.output
    assert not (root / "audio").exists()
    (folder / "trouble.wav").unlink()
    result = import_cli(root, str(folder), "--locale", "en")
    assert result.exit_code == 0, result.output
    assert "skipped README.txt" in result.output
    prompts = index(root)["prompts"]
    assert sorted(prompts) == ["info.text", "safety"]
    for entry in prompts.values():
        assert_telephone_ready(root / "audio" / "en" / "recorded" / entry["file"])
    again = import_cli(root, str(folder), "--locale", "en")
    assert again.exit_code == 0 and again.output.count("already imported") == 2


def test_unknown_prompt_is_named_with_a_suggestion(tiny, tmp_path) -> None:  # type: ignore[no-untyped-def]
    root = tiny(en=VOICED_EN)
    folder = tmp_path / "session"
    folder.mkdir()
    speech(folder / "safty.wav", SAFETY)
    result = import_cli(root, str(folder), "--locale", "en")
    assert result.exit_code == 1 and "'safty'" in result.output and "did you mean 'safety'" in result.output
    single = import_cli(root, str(folder / "safty.wav"), "--locale", "en")
    assert single.exit_code == 2 and "--prompt" in single.output


def test_a_recording_of_older_text_is_stale_not_played_and_reported(tiny, tmp_path) -> None:  # type: ignore[no-untyped-def]
    root = tiny(en=VOICED_EN)
    take = speech(tmp_path / "take.wav", SAFETY)
    assert import_cli(root, str(take), "--locale", "en", "--prompt", "safety").exit_code == 0
    new_text = "If you are in danger now, hang up and dial 9 1 1."
    (root / "locales" / "en.yaml").write_text(VOICED_EN.replace(SAFETY, new_text), encoding="utf-8")
    project, report = inspect_project(root, {}, env_required=False)
    assert project is not None
    stale = [p for p in report.problems if p.code == "stale-recording"]
    assert len(stale) == 1 and stale[0].severity == "warning"
    lines = (root / "audio" / "en" / "recorded" / "index.json").read_text().splitlines()
    assert stale[0].file == "audio/en/recorded/index.json" and lines[stale[0].line - 1].strip() == '"safety": {'
    assert "locales/en.yaml:" in stale[0].fix and "ivr audio import" in stale[0].fix
    sound = Resolver(project, "https://x/audio").sound("en", "safety")
    assert isinstance(sound, Say) and sound.text == new_text
    coverage = CliRunner().invoke(main, ["--root", str(root), "check", "--coverage", "--json"])
    assert json.loads(coverage.output)["coverage"]["locales"]["en"]["stale_prompts"] == ["safety"]
    again = import_cli(root, str(take), "--locale", "en", "--prompt", "safety")
    assert again.exit_code == 0 and index(root)["prompts"]["safety"]["text"] == new_text


@needs_sox
def test_normalize_refuses_a_missing_file(tmp_path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(AudioProblem, match="does not exist"):
        normalize(tmp_path / "nope.wav", tmp_path / "out.wav")
    assert not (tmp_path / "out.wav").exists()
