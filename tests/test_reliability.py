"""Reliability in process: the static fallback, start-up audio checks, the render cache, /healthz,
JSON logs, the last-resort handler, the gunicorn settings and the Dockerfile."""

from __future__ import annotations

import io
import json
import logging
import re
import shlex
import wave
import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from flask import Flask

from ivr import gunicorn_conf
from ivr.audio import synth_name
from ivr.cache import RenderCache
from ivr.cli import main
from ivr.engine import Step
from ivr.load import load_project
from ivr.logs import JsonFormatter
from ivr.problems import ConfigError, Problem, Severity
from ivr.server import LineServer, reload_line
from tests.callscript import SCRIPT, next_request
from tests.conftest import BASE, BASE_EN, ENV, FAKE_CALLER, REPO, make_app, post_signed, sign, twilio_params

SECRETS = (FAKE_CALLER, FAKE_CALLER.lstrip("+"), "5005550006", "BROOKLYN", "11201")


# --- the static fallback document ----------------------------------------------------------------

def test_ivr_fallback_writes_exactly_what_the_route_serves(tmp_path: Path) -> None:
    out = tmp_path / "site" / "fallback.xml"
    env: dict[str, str | None] = {**ENV, "TWILIO_AUTH_TOKEN": None}   # the document needs no token
    result = CliRunner().invoke(main, ["--root", str(REPO), "fallback", "--out", str(out)], env=env)
    assert result.exit_code == 0, result.output
    served = make_app().test_client().get("/voice/fallback")
    assert out.read_bytes() == served.data
    assert served.headers["Content-Type"].startswith("text/xml")


def test_the_fallback_document_needs_no_app(tmp_path: Path) -> None:
    out = tmp_path / "fallback.xml"
    CliRunner().invoke(main, ["--root", str(REPO), "fallback", "--out", str(out)], env=ENV)
    text = out.read_text(encoding="utf-8")
    root = ET.fromstring(text)
    assert root.tag == "Response"
    assert BASE not in text, "the document must not send Twilio back to the (failed) app"
    assert root.find("Redirect") is None and root.find("Gather") is None
    assert all(d.get("action") is None for d in root.iter("Dial"))
    assert [n.text for n in root.iter("Number")] == [ENV["FIRM_NUMBER"], "+18007997233"]
    languages = {s.get("language") for s in root.iter("Say")}
    assert {"en-US", "es-US"} <= languages   # the safety line in every welcome language
    assert "9 1 1" in text


def test_ivr_fallback_prints_to_stdout_and_reports_problems(tiny) -> None:  # type: ignore[no-untyped-def]
    result = CliRunner().invoke(main, ["--root", str(REPO), "fallback", "--dev"], env={})
    assert result.exit_code == 0 and result.output.startswith("<?xml")
    broken = tiny(menus=Path(REPO / "menus.yaml").read_text().replace("goto: police", "goto: policee"))
    result = CliRunner().invoke(main, ["--root", str(broken), "fallback"], env=ENV)
    assert result.exit_code == 1 and "policee" in result.output
    result = CliRunner().invoke(main, ["--root", str(REPO), "fallback"],
                                env={**ENV, "PUBLIC_BASE_URL": ""})
    assert result.exit_code == 2 and "PUBLIC_BASE_URL" in result.output


# --- start-up validation of the audio ---------------------------------------------------------------

def write_wav(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(b"\0\0" * 800)


def record(root: Path, prompt: str, text: str, name: str = "rec.0123abcdef.wav") -> Path:
    folder = root / "audio" / "en" / "recorded"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "index.json").write_text(json.dumps({"prompts": {prompt: {"file": name, "text": text}}}))
    return folder / name


def problems_of(root: Path, env: dict[str, str] | None = None) -> list[Problem]:
    with pytest.raises(ConfigError) as exc:
        load_project(root, env or ENV)
    return exc.value.problems


def test_a_recording_listed_in_the_index_but_missing_stops_the_start(tiny) -> None:  # type: ignore[no-untyped-def]
    root = tiny()
    record(root, "info.text", "Some information.")
    [problem] = problems_of(root)
    assert problem.code == "audio-missing" and problem.file == "audio/en/recorded/rec.0123abcdef.wav"
    assert "'info.text'" in str(problem) and " - " in str(problem)
    result = CliRunner().invoke(main, ["--root", str(root), "serve"], env=ENV)
    assert result.exit_code == 1 and "audio/en/recorded/rec.0123abcdef.wav" in result.output
    # With AUDIO_BASE_URL the files live in a bucket: no local copy is required.
    assert load_project(root, {**ENV, "AUDIO_BASE_URL": "https://cdn.example.org/audio"}) is not None


@pytest.mark.parametrize("content, why", [(b"", "empty"), (b"not audio at all", "not a WAV")])
def test_an_empty_or_broken_recording_stops_the_start(tiny, content: bytes, why: str) -> None:  # type: ignore[no-untyped-def]
    root = tiny()
    record(root, "info.text", "Some information.").write_bytes(content)
    [problem] = problems_of(root)
    assert problem.code == "audio-unreadable" and why in problem.message


def test_a_directory_in_place_of_a_recording_stops_the_start(tiny) -> None:  # type: ignore[no-untyped-def]
    root = tiny()
    record(root, "info.text", "Some information.").mkdir()
    assert [p.code for p in problems_of(root)] == ["audio-unreadable"]


def test_a_recording_for_an_old_text_is_not_required(tiny) -> None:  # type: ignore[no-untyped-def]
    root = tiny()
    record(root, "info.text", "An older text.")   # never played, so its file is not needed
    assert load_project(root, ENV) is not None


def test_a_broken_recordings_index_is_reported_with_its_line(tiny) -> None:  # type: ignore[no-untyped-def]
    root = tiny()
    folder = root / "audio" / "en" / "recorded"
    folder.mkdir(parents=True)
    (folder / "index.json").write_text('{\n  "prompts": {\n    "info.text": {"file": "a.wav",}\n  }\n}\n')
    [problem] = problems_of(root)
    assert problem.code == "audio-index-invalid" and problem.line == 3
    assert problem.file == "audio/en/recorded/index.json"


def test_an_unreadable_synthesized_file_stops_the_start(tiny) -> None:  # type: ignore[no-untyped-def]
    root = tiny(en=BASE_EN.replace("say: {language: en-US, voice: Polly.Joanna-Neural}",
                                   "say: {language: en-US, voice: Polly.Joanna-Neural}\nsynth: {espeak: en-us}"))
    path = root / "audio" / "en" / "synth" / synth_name("info.text", "Some information.", "espeak", "en-us")
    path.parent.mkdir(parents=True)
    path.write_bytes(b"RIFF")
    [problem] = [p for p in problems_of(root) if p.severity is Severity.ERROR]
    assert problem.code == "audio-unreadable" and "info.text" in problem.message
    write_wav(path)
    assert load_project(root, ENV) is not None


# --- the render cache ----------------------------------------------------------------------------------

def line_of(app: Flask):  # type: ignore[no-untyped-def]
    return app.extensions["ivr"]


def test_the_same_request_is_rendered_once_and_still_signature_checked() -> None:
    app = make_app()
    client, cache = app.test_client(), line_of(app).cache
    path, params = "/voice/key/main?h=language&l=es", twilio_params(Digits="1")
    first = post_signed(client, path, params)
    hits = cache.hits
    second = post_signed(client, path, params)
    assert first.status_code == second.status_code == 200 and first.data == second.data
    assert cache.hits == hits + 1
    # the cached answer is never handed out without a valid signature
    assert client.post(path, data=params).status_code == 403
    forged = client.post(path, data=params, headers={"X-Twilio-Signature": sign(BASE + path, params, "wrong")})
    assert forged.status_code == 403
    assert cache.hits == hits + 1


def test_cached_and_uncached_lines_answer_byte_for_byte_the_same() -> None:
    cached, uncached = make_app(), make_app(env={**ENV, "IVR_RENDER_CACHE_KB": "0"})
    for app in (cached, uncached):
        app.bodies = []  # type: ignore[attr-defined]
        client = app.test_client()
        for _ in range(2):     # the second walk is served from the cache where allowed
            reply, walked = post_signed(client, "/voice"), []
            for key in SCRIPT:
                walked.append(reply.data)
                step = next_request(reply.data, key)
                if step is None:
                    break
                reply = post_signed(client, *step)
                assert reply.status_code == 200
            app.bodies.append(walked)  # type: ignore[attr-defined]
    assert cached.bodies[0] == cached.bodies[1] == uncached.bodies[0]  # type: ignore[attr-defined]
    assert line_of(cached).cache.hits >= len(SCRIPT)
    assert len(line_of(uncached).cache) == 0


def test_a_step_marked_not_cacheable_is_rebuilt_every_time(monkeypatch: pytest.MonkeyPatch) -> None:
    app = make_app()
    engine = line_of(app).engine
    real_enter, clock = engine.enter, iter(range(100))

    def enter_with_the_time(*args: object, **kwargs: object) -> Step:
        step = real_enter(*args, **kwargs)
        # like business hours: the answer depends on the clock, so it must not be reused
        return replace(step, redirect=f"{step.redirect}&t={next(clock)}", uses_clock=True)

    monkeypatch.setattr(engine, "enter", enter_with_the_time)
    client = app.test_client()
    bodies = {post_signed(client, "/voice/menu/police?l=en").data for _ in range(3)}
    assert len(bodies) == 3
    assert not any(key[0] == "/voice/menu/police" for key in line_of(app).cache._entries)


def test_a_vanished_recording_falls_back_even_after_it_was_cached(tiny) -> None:  # type: ignore[no-untyped-def]
    root = tiny()
    write_wav(record(root, "info.text", "Some information."))
    app = make_app(root)
    client = app.test_client()
    path = "/voice/menu/info?l=en"
    for _ in range(2):
        body = post_signed(client, path).get_data(as_text=True)
        assert "/audio/en/recorded/rec.0123abcdef.wav</Play>" in body and "Some information." not in body
    (root / "audio" / "en" / "recorded" / "rec.0123abcdef.wav").unlink()
    body = post_signed(client, path).get_data(as_text=True)
    assert "rec.0123abcdef.wav" not in body and ">Some information.</Say>" in body


def test_the_cache_is_bounded_in_bytes() -> None:
    cache = RenderCache(max_bytes=20_000)
    step = Step()
    for i in range(2_000):
        cache.put(("/voice/menu/main", f"l=en&zz={i}", "", ""), step, b"x" * 1_000)
    assert cache.size <= 20_000 and len(cache) < 20
    assert cache.get(("/voice/menu/main", "l=en&zz=1999", "", "")).body == b"x" * 1_000  # newest kept
    assert cache.get(("/voice/menu/main", "l=en&zz=0", "", "")) is None            # oldest gone
    assert not cache.put(("/voice", "q" * 600, "", ""), step, b"x")                   # odd keys never kept


def test_many_odd_urls_do_not_grow_the_cache_past_its_bound() -> None:
    app = make_app(env={**ENV, "IVR_RENDER_CACHE_KB": "64"})
    client = app.test_client()
    for i in range(300):
        assert post_signed(client, f"/voice/menu/main?l=es&zz={i}").status_code == 200
    assert line_of(app).cache.size <= 64 * 1024


# --- /healthz ----------------------------------------------------------------------------------------------

def test_healthz_needs_no_signature_and_names_the_content() -> None:
    app = make_app()
    reply = app.test_client().get("/healthz", query_string={"From": FAKE_CALLER})
    assert reply.status_code == 200
    data = reply.get_json()
    assert data["status"] == "ok" and data["fingerprint"] == line_of(app).project.fingerprint
    assert FAKE_CALLER not in reply.get_data(as_text=True)


def test_healthz_says_so_when_the_line_cannot_answer(monkeypatch: pytest.MonkeyPatch) -> None:
    app = make_app()
    monkeypatch.setattr(line_of(app).engine, "answer", lambda: 1 / 0)
    assert app.test_client().get("/healthz").status_code == 503


# --- never an error page -------------------------------------------------------------------------------

def test_odd_digits_in_the_state_are_a_safe_default() -> None:
    reply = post_signed(make_app().test_client(), "/voice/key/main?ni=%C2%B9&l=en", twilio_params(Digits="1"))
    assert reply.status_code == 200 and b"<Gather" in reply.data


def test_an_error_outside_respond_still_serves_the_fallback(monkeypatch: pytest.MonkeyPatch) -> None:
    from ivr import web

    app = make_app()
    monkeypatch.setattr(web, "read_state", lambda: 1 / 0)
    reply = post_signed(app.test_client(), "/voice/key/main?l=en", twilio_params(Digits="1"))
    assert reply.status_code == 200
    assert reply.get_data(as_text=True) == line_of(app).fallback_xml


# --- structured logs -----------------------------------------------------------------------------------

def json_lines(app: Flask, requests: list[tuple[str, dict[str, str]]]) -> list[dict[str, object]]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("ivr")
    logger.addHandler(handler)
    try:
        client = app.test_client()
        for path, params in requests:
            post_signed(client, path, params)
    finally:
        logger.removeHandler(handler)
    text = stream.getvalue()
    assert all(secret not in text for secret in SECRETS)
    return [json.loads(line) for line in text.splitlines()]


def test_one_json_line_per_webhook_with_no_caller_data() -> None:
    app = make_app()
    lines = json_lines(app, [("/voice", twilio_params()),
                             ("/voice/key/language", twilio_params(Digits="2")),
                             ("/voice/key/main?h=language&l=es", twilio_params(Digits="1")),
                             ("/voice/dial/firm?h=language.main&l=es", twilio_params(DialCallStatus="busy"))])
    hooks = [line for line in lines if line.get("event") == "webhook"]
    assert len(hooks) == 4
    for line in hooks:
        assert set(line) >= {"ts", "level", "call", "locale", "menu", "key", "ms", "status", "cache"}
        assert line["call"] == "CA" + "1" * 32 and line["status"] == 200 and isinstance(line["ms"], float)
    assert (hooks[2]["locale"], hooks[2]["menu"], hooks[2]["key"]) == ("es", "main", "1")
    assert (hooks[3]["menu"], hooks[3]["key"]) == ("dial:firm", "busy")


# --- production serving settings -----------------------------------------------------------------------

def test_gunicorn_settings_fit_twilios_15_seconds() -> None:
    server = LineServer(REPO, {"bind": "127.0.0.1:0", "workers": 3}, app=object())
    cfg = server.cfg
    assert cfg.workers == 3 and cfg.worker_class_str == "sync"
    assert cfg.timeout == gunicorn_conf.timeout < 15 and cfg.graceful_timeout < 15
    assert cfg.preload_app is True   # the master checks the content; workers never load it


def test_reload_keeps_the_last_good_line_when_the_new_one_is_bad(caplog: pytest.LogCaptureFixture) -> None:
    good = make_app()
    problem = Problem("unknown-menu", "menus.yaml", 25, "there is no menu 'infoo'", "did you mean 'info'?")

    def bad_build() -> Flask:
        raise ConfigError([problem])

    with caplog.at_level(logging.INFO, logger="ivr"):
        assert reload_line(good, bad_build) is good
        assert "menus.yaml:25: there is no menu 'infoo' - did you mean 'info'?" in caplog.text
        newer = make_app()
        assert reload_line(good, lambda: newer) is newer


# --- the Dockerfile ------------------------------------------------------------------------------------

def dockerfile() -> list[tuple[str, str]]:
    text = (REPO / "Dockerfile").read_text().replace("\\\n", " ")
    return [(m.group(1).upper(), m.group(2).strip())
            for m in re.finditer(r"^([A-Za-z]+)\s+(.*)$", text, re.M) if not m.group(0).startswith("#")]


def test_the_dockerfile_copies_files_that_exist_and_runs_ivr_serve() -> None:
    steps = dockerfile()
    ignored = (REPO / ".dockerignore").read_text().split()
    for _, args in [s for s in steps if s[0] == "COPY"]:
        *sources, _dest = shlex.split(args)
        for source in sources:
            assert (REPO / source).exists(), f"Dockerfile copies {source}, which does not exist"
            assert source not in ignored
    for needed in ("ivr", "menus.yaml", "locales", "pyproject.toml", "README.md"):
        assert needed not in ignored
    [cmd] = [json.loads(args) for kind, args in steps if kind == "CMD"]
    assert cmd[:2] == ["ivr", "serve"]
    context = click.Context(main, info_name="ivr")   # the CMD parses as the real command line
    command = main.get_command(context, cmd[1])
    assert command is not None
    options = command.make_context(cmd[1], cmd[2:], parent=context).params
    assert options["host"] == "0.0.0.0" and not options["dev"]
    [expose] = [args for kind, args in steps if kind == "EXPOSE"]
    assert int(expose) == options["port"]
    [health] = [args for kind, args in steps if kind == "HEALTHCHECK"]
    assert f"127.0.0.1:{options['port']}/healthz" in health
    assert make_app().url_map.bind("x").match("/healthz")[0] == "health.healthz"


def test_a_signature_over_the_url_with_its_default_port_is_still_accepted() -> None:
    # The fast path checks the URL as received; Twilio's other form (with :443) goes through the
    # SDK's full validate, exactly as before.
    client, params = make_app().test_client(), twilio_params()
    signature = sign("https://line.example.org:443/voice", params)
    assert client.post("/voice", data=params, headers={"X-Twilio-Signature": signature}).status_code == 200
    assert client.post("/voice", data=params, headers={"X-Twilio-Signature": "é" + signature}).status_code == 403
