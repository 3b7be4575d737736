"""The operator pages: only in dev mode or behind the operator login; the phone's signing relay."""

from __future__ import annotations

import base64
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from flask import Flask, request

from ivr import create_app
from ivr.config import Config, SettingsError
from tests.conftest import ENV, REPO, TOKEN, make_app

SID = "CA" + "ab" * 16
PAGES = ("/", "/map", "/map?locale=es", "/map.svg", "/ui/phone.js", "/ui/ui.css")


def dev_app(env: dict[str, str] | None = None) -> Flask:
    return create_app(config=Config.from_env(REPO, env if env is not None else {}, dev=True, port=8080))


def basic(user: str, password: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


def test_no_operator_pages_on_the_public_webhook_host() -> None:
    client = make_app().test_client()
    for page in PAGES:
        assert client.get(page).status_code == 404, page
    reply = client.post("/phone/send", json={"url": "https://line.example.org/voice", "call": SID})
    assert reply.status_code == 404


def test_dev_mode_serves_the_phone_and_the_map() -> None:
    client = dev_app().test_client()
    for page in PAGES:
        reply = client.get(page)
        assert reply.status_code == 200, page
        assert reply.headers["Cache-Control"] == "no-store"
        assert "script-src 'self'" in reply.headers["Content-Security-Policy"]
    html = client.get("/").get_data(as_text=True)
    assert 'data-start="http://127.0.0.1:8080/voice"' in html
    for label in ('aria-label="star"', 'aria-label="pound"', 'id="call"', 'id="hangup"', 'role="log"'):
        assert label in html


def test_the_pages_never_carry_the_auth_token() -> None:
    app = dev_app({"TWILIO_AUTH_TOKEN": TOKEN})
    client = app.test_client()
    for page in PAGES:
        assert TOKEN not in client.get(page).get_data(as_text=True), page
    reply = client.post("/phone/send", json={"url": "http://127.0.0.1:8080/voice", "call": SID})
    assert TOKEN not in reply.get_data(as_text=True)


def test_an_operator_login_opens_the_pages_on_a_production_server() -> None:
    client = make_app(env={**ENV, "OPERATOR_PASSWORD": "correct horse battery"}).test_client()
    reply = client.get("/")
    assert reply.status_code == 401
    assert reply.headers["WWW-Authenticate"].startswith("Basic ")
    assert client.get("/map", headers=basic("operator", "wrong password!!")).status_code == 401
    assert client.get("/map", headers=basic("someone", "correct horse battery")).status_code == 401
    assert client.get("/map", headers={"Authorization": "Basic %%%"}).status_code == 401
    assert client.get("/map", headers=basic("operator", "correct horse battery")).status_code == 200
    reply = client.post("/phone/send", headers=basic("operator", "correct horse battery"),
                        json={"url": "https://line.example.org/voice", "call": SID})
    assert reply.status_code == 200 and reply.get_json()["status"] == 200


def test_a_short_operator_password_stops_the_server() -> None:
    with pytest.raises(SettingsError, match="OPERATOR_PASSWORD is too short"):
        make_app(env={**ENV, "OPERATOR_PASSWORD": "letmein"})


def test_the_relay_signs_like_twilio_and_sends_no_caller_data_from_the_page() -> None:
    app = dev_app()
    seen: list[dict[str, str]] = []

    @app.before_request
    def record() -> None:          # what the webhook receives, before the signature check
        if request.path.startswith("/voice"):
            seen.append({"path": request.full_path, "signature": request.headers.get("X-Twilio-Signature", ""),
                         **request.form.to_dict()})

    client = app.test_client()
    reply = client.post("/phone/send", json={"url": "http://127.0.0.1:8080/voice", "call": SID})
    answer = reply.get_json()
    assert answer["status"] == 200           # the webhook accepted the signature
    gather = ET.fromstring(answer["twiml"]).find("Gather")
    assert gather is not None
    reply = client.post("/phone/send", json={
        "url": gather.get("action"), "call": SID,
        "params": {"Digits": "2", "From": "+12015550123", "FromCity": "NEWARK", "CallSid": "CA" + "0" * 32}})
    answer = reply.get_json()
    assert answer["status"] == 200
    assert "Para" in answer["twiml"] or "para" in answer["twiml"]
    last = seen[-1]
    assert last["Digits"] == "2" and last["CallSid"] == SID
    assert last["From"] == "+15005550006" and "FromCity" not in last
    assert last["signature"]


def test_the_relay_only_calls_the_lines_own_webhooks() -> None:
    client = dev_app().test_client()
    for body in ({"url": "http://evil.example/voice", "call": SID},
                 {"url": "http://127.0.0.1:8080/map", "call": SID},
                 {"url": "http://127.0.0.1:8080/voice", "call": "not-a-sid"}):
        assert client.post("/phone/send", json=body).status_code == 400, body
    assert client.post("/phone/send", data={"url": "http://127.0.0.1:8080/voice"}).status_code == 400


def test_the_relay_reports_what_a_play_url_plays(tmp_path: Path, tiny) -> None:  # type: ignore[no-untyped-def]
    from tests.test_graph import write_wav

    root = tiny()
    write_wav(root / "audio/en/recorded/safety.0123456789.wav")
    (root / "audio/en/recorded/index.json").write_text(
        '{"prompts": {"safety": {"file": "safety.0123456789.wav", '
        '"text": "If you are in danger, hang up and dial 9 1 1."}}}', encoding="utf-8")
    app = create_app(config=Config.from_env(root, {}, dev=True, port=8080))
    answer = app.test_client().post("/phone/send", json={"url": "http://127.0.0.1:8080/voice", "call": SID}).get_json()
    url = "http://127.0.0.1:8080/audio/en/recorded/safety.0123456789.wav"
    assert f"<Play>{url}</Play>" in answer["twiml"]
    assert answer["sounds"][url] == {"locale": "en", "prompt": "safety", "source": "recorded",
                                     "text": "If you are in danger, hang up and dial 9 1 1."}


def test_the_map_lists_every_menu_with_play_buttons_in_the_chosen_language() -> None:
    client = dev_app().test_client()
    html = client.get("/map?locale=es").get_data(as_text=True)
    app = dev_app()
    project = app.extensions["ivr"].project
    for menu in project.menus:
        assert f'id="list-menu-{menu}"' in html and f'data-node="menu-{menu}"' in html
    assert 'data-say="' in html and 'data-lang="es-US"' in html
    assert "machine-translated" in html
    assert client.get("/map?locale=xx").status_code == 404
    svg = client.get("/map.svg?locale=es")
    assert svg.mimetype == "image/svg+xml" and b"Para espa" in svg.data
