"""The webhooks: signatures, safe answers to anything, and no caller data in logs."""

from __future__ import annotations

import io
import logging
import xml.etree.ElementTree as ET
from urllib.parse import quote

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ivr.config import Config, SettingsError
from ivr.logs import JsonFormatter
from tests.conftest import BASE, ENV, FAKE_CALLER, TOKEN, make_app, post_signed, sign, twilio_params


def parse(body: bytes) -> ET.Element:
    root = ET.fromstring(body)
    assert root.tag == "Response"
    return root


def assert_call_goes_on(root: ET.Element) -> None:
    """Silence must never end the call: a Gather is followed by a verb that continues it."""
    verbs = [v.tag for v in root]
    if "Gather" in verbs:
        assert verbs.index("Gather") < len(verbs) - 1, verbs
        assert verbs[verbs.index("Gather") + 1] in ("Redirect", "Dial")
    assert verbs, "an empty response would end the call"


# --- signatures --------------------------------------------------------------------------------------

def test_correct_signature_is_accepted(client: FlaskClient) -> None:
    reply = post_signed(client, "/voice")
    assert reply.status_code == 200
    assert reply.headers["Content-Type"].startswith("text/xml")
    assert_call_goes_on(parse(reply.data))


def test_missing_signature_is_rejected(client: FlaskClient) -> None:
    assert client.post("/voice", data=twilio_params()).status_code == 403


def test_wrong_signature_is_rejected(client: FlaskClient) -> None:
    params = twilio_params()
    reply = client.post("/voice", data=params, headers={"X-Twilio-Signature": sign(BASE + "/voice", params, "x")})
    assert reply.status_code == 403


def test_tampered_body_is_rejected(client: FlaskClient) -> None:
    params = twilio_params(Digits="1")
    signature = sign(BASE + "/voice/key/main?l=en", params)
    params["Digits"] = "9"
    reply = client.post("/voice/key/main?l=en", data=params, headers={"X-Twilio-Signature": signature})
    assert reply.status_code == 403


def test_tampered_state_in_the_url_is_rejected(client: FlaskClient) -> None:
    params = twilio_params(Digits="1")
    signature = sign(BASE + "/voice/key/main?l=en", params)
    reply = client.post("/voice/key/main?l=es", data=params, headers={"X-Twilio-Signature": signature})
    assert reply.status_code == 403


def test_signature_checked_against_the_public_url_behind_a_proxy(client: FlaskClient) -> None:
    # The app is reached as http://10.0.0.5:8080 (say, behind a TLS-terminating proxy) but Twilio
    # signed https://line.example.org: the configured PUBLIC_BASE_URL decides.
    params = twilio_params()
    reply = client.post("/voice", data=params, base_url="http://10.0.0.5:8080",
                        headers={"X-Twilio-Signature": sign(BASE + "/voice", params)})
    assert reply.status_code == 200
    signed_for_internal = sign("http://10.0.0.5:8080/voice", params)
    reply = client.post("/voice", data=params, base_url="http://10.0.0.5:8080",
                        headers={"X-Twilio-Signature": signed_for_internal})
    assert reply.status_code == 403


def test_public_url_with_a_path_prefix() -> None:
    app = make_app(env={**ENV, "PUBLIC_BASE_URL": "https://example.org/rights-line"})
    client = app.test_client()
    params = twilio_params()
    reply = client.post("/voice", data=params,
                        headers={"X-Twilio-Signature": sign("https://example.org/rights-line/voice", params)})
    assert reply.status_code == 200
    assert b"https://example.org/rights-line/voice/key/language" in reply.data


def test_get_requests_are_signed_over_the_url() -> None:
    app = make_app()
    url = "/voice/menu/main?l=es"
    reply = app.test_client().get(url, headers={"X-Twilio-Signature": sign(BASE + url, {})})
    assert reply.status_code == 200
    assert "es-US" in reply.get_data(as_text=True)


def test_the_app_refuses_to_start_without_an_auth_token() -> None:
    env = {k: v for k, v in ENV.items() if k != "TWILIO_AUTH_TOKEN"}
    with pytest.raises(SettingsError, match="TWILIO_AUTH_TOKEN"):
        Config.from_env(env=env)


def test_dev_mode_still_checks_signatures() -> None:
    config = Config.from_env(env={}, dev=True)
    assert config.auth_token.startswith("dev-token-") and config.public_base_url.startswith("http://127.0.0.1")
    app = make_app(env={"PUBLIC_BASE_URL": "http://127.0.0.1:8080", "TWILIO_AUTH_TOKEN": "", **{}} | {
        k: v for k, v in ENV.items() if k not in ("TWILIO_AUTH_TOKEN", "PUBLIC_BASE_URL")} | {
        "TWILIO_AUTH_TOKEN": "t"})
    assert app.test_client().post("/voice", data=twilio_params()).status_code == 403


# --- every answer is valid TwiML ---------------------------------------------------------------------------

def test_fallback_needs_no_signature_and_reaches_a_person(client: FlaskClient) -> None:
    reply = client.post("/voice/fallback", data={"ErrorCode": "11200"})
    assert reply.status_code == 200
    root = parse(reply.data)
    assert [v.tag for v in root].count("Dial") == 2
    assert root.find("Dial/Number").text == ENV["FIRM_NUMBER"]


def test_status_callback_answers_empty_twiml(client: FlaskClient) -> None:
    reply = post_signed(client, "/voice/status", twilio_params(CallStatus="completed", CallDuration="42"))
    assert reply.status_code == 200 and len(parse(reply.data)) == 0


def test_unknown_path_starts_the_line(client: FlaskClient) -> None:
    reply = post_signed(client, "/voice/old/url")
    assert reply.status_code == 200
    assert parse(reply.data).find("Gather") is not None


def test_an_exception_becomes_the_safety_line_and_the_firm(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    engine = app.extensions["ivr"].engine

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(engine, "key", broken)
    reply = post_signed(app.test_client(), "/voice/key/main?l=es", twilio_params(Digits="1"))
    assert reply.status_code == 200
    root = parse(reply.data)
    assert "peligro" in root.find("Say").text
    assert root.find("Dial/Number").text == ENV["FIRM_NUMBER"]


def test_even_a_broken_trouble_step_serves_the_static_fallback(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    engine = app.extensions["ivr"].engine
    monkeypatch.setattr(engine, "key", lambda *a, **k: 1 / 0)
    monkeypatch.setattr(engine, "trouble", lambda *a, **k: 1 / 0)
    reply = post_signed(app.test_client(), "/voice/key/main", twilio_params(Digits="1"))
    assert reply.status_code == 200
    assert reply.get_data(as_text=True) == app.extensions["ivr"].fallback_xml


# --- fuzzing -------------------------------------------------------------------------------------------------

SEGMENT = st.text(alphabet=st.characters(codec="utf-8", exclude_characters="/?#%\x00"), max_size=12)
PATHS = st.one_of(
    st.sampled_from(["/voice", "/voice/key/main", "/voice/quiet/main", "/voice/menu/police",
                     "/voice/key/language", "/voice/quiet/language", "/voice/dial/firm", "/voice/dial/emergency",
                     "/voice/status", "/voice/fallback"]),
    st.builds(lambda a, b: f"/voice/{a}/{b}", st.sampled_from(["key", "quiet", "menu", "dial", "x"]), SEGMENT),
)
QUERY = st.dictionaries(st.sampled_from(["l", "h", "ni", "nm", "p", "zz"]),
                        st.text(max_size=20), max_size=5)
FORM = st.dictionaries(st.sampled_from(["Digits", "DialCallStatus", "SpeechResult", "Unknown", "From"]),
                       st.text(max_size=30), max_size=4)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(path=PATHS, query=QUERY, form=FORM, signed=st.booleans())
def test_fuzz_every_route(client: FlaskClient, path: str, query: dict[str, str], form: dict[str, str],
                          signed: bool) -> None:
    qs = "&".join(f"{quote(k)}={quote(v, safe='')}" for k, v in query.items())
    url = quote(path) + (f"?{qs}" if qs else "")
    params = {**twilio_params(), **form}
    headers = {"X-Twilio-Signature": sign(BASE + url, params)} if signed else {}
    reply = client.post(url, data=params, headers=headers)
    if not signed and not path.startswith("/voice/fallback"):
        assert reply.status_code == 403
        return
    assert reply.status_code == 200, (url, reply.data)
    root = parse(reply.data)
    if not path.startswith("/voice/status"):
        assert_call_goes_on(root)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(keys=st.lists(st.sampled_from(list("0123456789*#") + ["", "12", "x"]), max_size=12))
def test_fuzz_key_sequences_never_end_the_call(client: FlaskClient, keys: list[str]) -> None:
    reply = post_signed(client, "/voice")
    for key in keys:
        root = parse(reply.data)
        assert_call_goes_on(root)
        gather, dial = root.find("Gather"), root.find("Dial")
        if dial is not None and dial.get("action"):
            url, params = dial.get("action"), twilio_params(DialCallStatus="no-answer")
        elif key == "" and root.find("Redirect") is not None:
            url, params = root.find("Redirect").text, twilio_params()
        elif gather is not None:
            url, params = gather.get("action"), twilio_params(Digits=key)
        else:
            break
        path = url[len(BASE):]
        reply = client.post(path, data=params, headers={"X-Twilio-Signature": sign(url, params)})
        assert reply.status_code == 200


# --- privacy ---------------------------------------------------------------------------------------------------

def test_caller_number_and_place_never_reach_the_logs_or_urls(app: Flask, caplog: pytest.LogCaptureFixture,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    caplog.set_level(logging.DEBUG)
    structured = io.StringIO()   # the production JSON log lines too (ivr/logs.py)
    handler = logging.StreamHandler(structured)
    handler.setFormatter(JsonFormatter())
    monkeypatch.setattr(logging.getLogger("ivr"), "handlers", [handler])
    client = app.test_client()
    bodies = []
    for path, extra in [("/voice", {}), ("/voice/key/language", {"Digits": "2"}),
                        ("/voice/key/main?h=language&l=es", {"Digits": "0"}),
                        ("/voice/dial/firm?h=language.main&l=es", {"DialCallStatus": "busy"}),
                        ("/voice/status", {"CallStatus": "completed"})]:
        bodies.append(post_signed(client, path, twilio_params(**extra)).get_data(as_text=True))
    monkeypatch.setattr(app.extensions["ivr"].engine, "key", lambda *a, **k: 1 / 0)
    bodies.append(post_signed(client, "/voice/key/main", twilio_params(Digits="1")).get_data(as_text=True))
    logged = caplog.text + structured.getvalue()
    assert "call=CA" in logged and '"call":"CA' in logged  # the logs do say something
    for secret in (FAKE_CALLER, FAKE_CALLER.lstrip("+"), "5005550006", "BROOKLYN", "11201"):
        assert secret not in logged
        assert all(secret not in body for body in bodies)


def test_auth_token_is_never_in_a_response(client: FlaskClient) -> None:
    assert TOKEN not in post_signed(client, "/voice").get_data(as_text=True)
