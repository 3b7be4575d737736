"""`ivr synth`: Google Cloud TTS through an autospec of its client (and a real client with a patched
transport for the retry policy), espeak-ng placeholders for real, dry runs, cleanup, credentials."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from unittest import mock

from click.testing import CliRunner
from google.api_core import exceptions as gexc
from google.api_core import retry as gretry
from google.auth import credentials as ga_credentials
from google.cloud import texttospeech as tts

from ivr.audio import synth_name
from ivr.cli import main
from ivr.coverage import spoken_prompts
from ivr.load import load_project
from ivr.synth import GoogleTTS, RateLimiter, plan, run, transient_retry
from ivr.telephony import measure
from tests.audiokit import (
    SAFETY,
    VOICED_EN,
    VOICELESS_EN,
    needs_espeak,
    needs_sox,
    snapshot,
    tone_wav_bytes,
    wav_info,
)
from tests.conftest import BASE_EN

VOICE = "en-US-Neural2-F"


def fake_client(audio: bytes | None = None) -> mock.MagicMock:
    """An autospec of the real client: wrong argument names fail like the real one."""
    client = mock.create_autospec(tts.TextToSpeechClient, instance=True)
    client.synthesize_speech.return_value = tts.SynthesizeSpeechResponse(audio_content=audio or tone_wav_bytes())
    return client


def synth_cli(root: Path, *args: str, client: object = None):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(main, ["--root", str(root), "synth", *args], obj={"tts_client": client})


def texts_sent(client: mock.MagicMock) -> list[str]:
    return [c.kwargs["input"].text for c in client.synthesize_speech.call_args_list]


@needs_sox
def test_google_request_fields_and_wav_written(tiny) -> None:  # type: ignore[no-untyped-def]
    root = tiny(en=VOICED_EN)
    client = fake_client()
    result = synth_cli(root, client=client)
    assert result.exit_code == 0, result.output
    spoken = spoken_prompts(load_project(root, {}))
    assert client.synthesize_speech.call_count == len(spoken)
    call = next(c for c in client.synthesize_speech.call_args_list if c.kwargs["input"].text == SAFETY)
    kw = call.kwargs
    assert set(kw) == {"input", "voice", "audio_config", "retry", "timeout"}
    assert kw["input"] == tts.SynthesisInput(text=SAFETY)
    assert kw["voice"].name == VOICE and kw["voice"].language_code == "en-US"
    assert kw["audio_config"].audio_encoding == tts.AudioEncoding.LINEAR16
    assert kw["audio_config"].sample_rate_hertz == 8000
    assert list(kw["audio_config"].effects_profile_id) == ["telephony-class-application"]
    assert kw["timeout"] == 30.0
    assert isinstance(kw["retry"], gretry.Retry)
    assert kw["retry"]._predicate(gexc.ServiceUnavailable("down"))
    assert kw["retry"]._predicate(gexc.DeadlineExceeded("slow"))
    assert not kw["retry"]._predicate(gexc.InvalidArgument("bad voice"))
    path = root / "audio" / "en" / "synth" / synth_name("safety", SAFETY, "google", VOICE)
    rate, channels, width, seconds = wav_info(path)
    assert (rate, channels, width) == (8000, 1, 2)
    assert 0.9 < seconds < 1.4
    assert f"made {len(spoken)} file(s)" in result.output


@needs_sox
def test_second_run_makes_no_call_and_writes_nothing(tiny) -> None:  # type: ignore[no-untyped-def]
    root = tiny(en=VOICED_EN)
    assert synth_cli(root, client=fake_client()).exit_code == 0
    before = snapshot(root / "audio")
    again = fake_client()
    result = synth_cli(root, client=again)
    assert result.exit_code == 0, result.output
    assert again.synthesize_speech.call_count == 0
    assert snapshot(root / "audio") == before
    assert "nothing to synthesize" in result.output


@needs_sox
def test_edited_prompt_gets_a_new_file_and_the_old_one_is_listed_then_pruned(tiny) -> None:  # type: ignore[no-untyped-def]
    root = tiny(en=VOICED_EN)
    assert synth_cli(root, client=fake_client()).exit_code == 0
    old = root / "audio" / "en" / "synth" / synth_name("safety", SAFETY, "google", VOICE)
    assert old.is_file()
    edited = VOICED_EN.replace(SAFETY, "If you are in danger now, hang up and dial 9 1 1.")
    (root / "locales" / "en.yaml").write_text(edited, encoding="utf-8")
    client = fake_client()
    result = synth_cli(root, client=client)
    assert result.exit_code == 0, result.output
    assert texts_sent(client) == ["If you are in danger now, hang up and dial 9 1 1."]
    assert "audio/en/synth/" + old.name in result.output and "--prune" in result.output
    assert old.is_file()
    pruned = synth_cli(root, "--prune", client=fake_client())
    assert pruned.exit_code == 0 and "deleted 1" in pruned.output
    assert not old.exists()


@needs_sox
def test_byte_limit_is_checked_before_the_call(tiny) -> None:  # type: ignore[no-untyped-def]
    long_text = "é" * 2600          # 2600 characters, 5200 bytes in UTF-8
    root = tiny(en=VOICED_EN.replace("info.text: Some information.", f"info.text: {long_text}"))
    client = fake_client()
    result = synth_cli(root, client=client)
    assert result.exit_code == 1
    assert long_text not in texts_sent(client)
    assert "info.text" in result.output and "5200 bytes" in result.output and "5000" in result.output
    assert "locales/en.yaml:" in result.output
    assert SAFETY in texts_sent(client)   # the others were still made


def test_invalid_argument_fails_the_prompt_with_a_clear_message(tiny) -> None:  # type: ignore[no-untyped-def]
    root = tiny(en=VOICED_EN)
    client = fake_client()
    client.synthesize_speech.side_effect = gexc.InvalidArgument("Voice 'en-US-Neural2-F' does not exist")
    result = synth_cli(root, client=client)
    assert result.exit_code == 1
    assert "Google refused the request" in result.output and VOICE in result.output
    assert "Traceback" not in result.output
    assert not list((root / "audio").rglob("*.wav"))


@needs_sox
def test_retry_on_service_unavailable_but_not_on_invalid_argument(tiny) -> None:  # type: ignore[no-untyped-def]
    """A real client (anonymous credentials), its transport patched: the retry policy really runs."""
    root = tiny(en=VOICED_EN)
    project = load_project(root, {})
    jobs = [j for j in plan(project, "google", ["en"]).jobs if j.prompt == "safety"]
    client = tts.TextToSpeechClient(credentials=ga_credentials.AnonymousCredentials())
    engine = GoogleTTS(client, retry=transient_retry(initial=0.001, maximum=0.002, timeout=5.0))
    with mock.patch.object(type(client.transport.synthesize_speech), "__call__") as call:
        call.side_effect = [gexc.ServiceUnavailable("try again"),
                            tts.SynthesizeSpeechResponse(audio_content=tone_wav_bytes())]
        outcome = run(jobs, engine)
        assert call.call_count == 2
        request = call.call_args.args[0]
        assert request.voice.name == VOICE and request.audio_config.sample_rate_hertz == 8000
    assert [j.prompt for j in outcome.made] == ["safety"] and not outcome.failed
    jobs[0].path.unlink()
    with mock.patch.object(type(client.transport.synthesize_speech), "__call__") as call:
        call.side_effect = gexc.InvalidArgument("bad voice")
        outcome = run(jobs, engine)
        assert call.call_count == 1
    assert not outcome.made and "Google refused the request" in outcome.failed[0][1]
    assert not jobs[0].path.exists()


def test_wrong_audio_from_google_is_refused(tiny) -> None:  # type: ignore[no-untyped-def]
    root = tiny(en=VOICED_EN)
    result = synth_cli(root, client=fake_client(tone_wav_bytes(rate=24000)))
    assert result.exit_code == 1
    assert "24000 Hz" in result.output
    assert not list((root / "audio").rglob("*.wav"))


def test_dry_run_counts_characters_and_cost_without_calls(tiny) -> None:  # type: ignore[no-untyped-def]
    root = tiny(en=VOICED_EN)
    client = fake_client()
    result = synth_cli(root, "--dry-run", client=client)
    assert result.exit_code == 0, result.output
    assert client.synthesize_speech.call_count == 0
    project = load_project(root, {})
    spoken = spoken_prompts(project)
    chars = sum(len(project.texts[("en", p)]) for p in spoken)
    assert f"en: {len(spoken)} prompt(s) would be synthesized, {chars} characters" in result.output
    assert "safety" in result.output and "info.text" in result.output
    assert f"${chars * 16 / 1e6:.2f} at an assumed $16.00 per million characters" in result.output
    assert "estimate" in result.output
    assert not (root / "audio").exists()
    cheaper = synth_cli(root, "--dry-run", "--price-per-million", "4", client=client)
    assert "assumed $4.00 per million" in cheaper.output


def test_no_credentials_says_what_to_set_without_a_traceback(tiny, tmp_path_factory) -> None:  # type: ignore[no-untyped-def]
    root = tiny(en=VOICED_EN)
    home = tmp_path_factory.mktemp("home")
    env = {k: v for k, v in os.environ.items() if k != "GOOGLE_APPLICATION_CREDENTIALS"}
    env.update(HOME=str(home), CLOUDSDK_CONFIG=str(home / "gcloud"), NO_GCE_CHECK="True")
    done = subprocess.run([sys.executable, "-m", "ivr.cli", "--root", str(root), "synth"], env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert "GOOGLE_APPLICATION_CREDENTIALS" in done.stderr
    assert "gcloud auth application-default login" in done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    assert not (root / "audio").exists()


def test_rate_limiter_keeps_within_the_per_minute_quota() -> None:
    now = [0.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    limiter = RateLimiter(3, clock=lambda: now[0], sleep=sleep)
    starts = []
    for _ in range(7):
        limiter.wait()
        starts.append(now[0])
        now[0] += 1.0
    for start in starts:
        assert sum(1 for s in starts if start <= s < start + 60) <= 3, starts
    assert starts[:3] == [0.0, 1.0, 2.0] and starts[3] == 60.0 and slept


# --- espeak-ng placeholders, for real -------------------------------------------------------------


@needs_espeak
def test_espeak_placeholders_for_a_language_without_a_voice(tiny) -> None:  # type: ignore[no-untyped-def]
    root = tiny(en=VOICELESS_EN)
    before = CliRunner().invoke(main, ["--root", str(root), "check"])
    assert before.exit_code == 1 and "no-voice" not in before.output and "has no Twilio voice" in before.output
    result = synth_cli(root, "--engine", "espeak")
    assert result.exit_code == 0, result.output
    assert "PLACEHOLDER" in result.output
    files = sorted((root / "audio" / "en" / "synth").glob("*.wav"))
    project = load_project(root, {})
    assert len(files) == len(spoken_prompts(project))
    for path in files:
        rate, channels, width, seconds = wav_info(path)
        assert (rate, channels, width) == (8000, 1, 2), path.name
        assert 0.5 < seconds < 30, (path.name, seconds)
        level = measure(path)
        assert level.peak_dbfs <= -0.9, (path.name, level)
        assert -21.0 <= level.active_rms_dbfs <= -19.0 or level.peak_dbfs > -1.5, (path.name, level)
    safety = root / "audio" / "en" / "synth" / synth_name("safety", SAFETY, "espeak", "en-us")
    assert safety in files and 2.0 < wav_info(safety)[3] < 6.0
    after = CliRunner().invoke(main, ["--root", str(root), "check", "--coverage"])
    assert after.exit_code == 0, after.output
    assert "placeholder audio (espeak-ng)" in after.output
    snap = snapshot(root / "audio")
    again = synth_cli(root, "--engine", "espeak")
    assert again.exit_code == 0 and "nothing to synthesize" in again.output
    assert snapshot(root / "audio") == snap


def test_espeak_skips_a_language_that_has_a_twilio_voice(tiny) -> None:  # type: ignore[no-untyped-def]
    root = tiny(en=VOICED_EN)
    result = synth_cli(root, "--engine", "espeak", "--locale", "en")
    assert result.exit_code == 0
    assert "en: skipped" in result.output and "Polly.Joanna-Neural" in result.output
    assert "placeholders are only for languages without one" in result.output
    assert not (root / "audio").exists()
    default = synth_cli(root, "--engine", "espeak")
    assert default.exit_code == 0 and "every language has a Twilio voice" in default.output


@needs_espeak
def test_espeak_unknown_voice_is_a_clear_error(tiny) -> None:  # type: ignore[no-untyped-def]
    root = tiny(en=VOICELESS_EN.replace("espeak: en-us", "espeak: xx-nosuch"))
    result = synth_cli(root, "--engine", "espeak")
    assert result.exit_code == 2
    assert "espeak-ng has no voice 'xx-nosuch'" in result.output and "espeak-ng --voices" in result.output


def test_unknown_locale_is_a_usage_error(tiny) -> None:  # type: ignore[no-untyped-def]
    root = tiny(en=VOICED_EN)
    result = synth_cli(root, "--locale", "eng", client=fake_client())
    assert result.exit_code == 2 and "did you mean 'en'" in result.output


def test_locale_without_a_google_voice_is_skipped_with_a_note(tiny) -> None:  # type: ignore[no-untyped-def]
    root = tiny(en=BASE_EN)
    client = fake_client()
    result = synth_cli(root, "--locale", "en", client=client)
    assert result.exit_code == 0 and "no google voice" in result.output
    assert client.synthesize_speech.call_count == 0
