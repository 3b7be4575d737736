"""Shared fixtures: the real app on the bundled content, signed requests, tiny projects."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from twilio.request_validator import RequestValidator

from ivr import create_app
from ivr.config import DEV_ENV, Config
from ivr.hours import Clock, fixed_clock

REPO = Path(__file__).resolve().parent.parent
TOKEN = "test-auth-token-0123456789abcdef"
BASE = "https://line.example.org"
ENV = {**DEV_ENV, "TWILIO_AUTH_TOKEN": TOKEN, "PUBLIC_BASE_URL": BASE}
FAKE_CALLER = "+15005550006"   # Twilio's documented test number
# Tests run at a fixed moment, so business hours never make a test pass by day and fail by
# night: Tuesday 2026-12-01 10:00 in New York, when the firm is open.
OPEN_TIME = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true",
                     help="Rewrite tests/calls/*.txt from what the line says now.")


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-golden"))


def make_app(root: Path = REPO, env: dict[str, str] | None = None, clock: Clock | None = None) -> Flask:
    return create_app(config=Config.from_env(root, env or ENV), clock=clock or fixed_clock(OPEN_TIME))


@pytest.fixture(scope="session")
def app() -> Flask:
    return make_app()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def twilio_params(**extra: str) -> dict[str, str]:
    """The parameters Twilio sends with every voice webhook (with a test caller)."""
    return {
        "CallSid": "CA" + "1" * 32,
        "AccountSid": "AC" + "0" * 32,
        "From": FAKE_CALLER,
        "Caller": FAKE_CALLER,
        "FromCity": "BROOKLYN",
        "FromZip": "11201",
        "FromState": "NY",
        "To": "+12125550199",
        "CallStatus": "in-progress",
        "Direction": "inbound",
        "ApiVersion": "2010-04-01",
        **extra,
    }


def sign(url: str, params: dict[str, str], token: str = TOKEN) -> str:
    return RequestValidator(token).compute_signature(url, params)


def post_signed(client: FlaskClient, path: str, params: dict[str, str] | None = None,
                base: str = BASE, token: str = TOKEN):  # type: ignore[no-untyped-def]
    """POST like Twilio: the signature covers BASE + path (with query) and the form fields."""
    params = twilio_params() if params is None else params
    return client.post(path, data=params, headers={"X-Twilio-Signature": sign(base + path, params, token)})


BASE_MENUS = """\
version: 1
settings:
  default_locale: en
locales:
  en: on
standing_keys:
  "*": repeat
  "#": back
  "0": {forward: firm}
targets:
  firm:
    number: "+12125550100"
    caller_id: "+12125550199"
    connecting: forward.firm
welcome:
  - {locale: en, prompt: safety}
language_menu:
  default: en
  pages:
    - {"1": en}
menus:
  main:
    say: [safety]
    options:
      "1": {label: main.info, goto: info}
    keys_prompt: keys.menu
  info:
    say: [info.text]
    keys_prompt: keys.menu
  after_call:
    say: [after.text]
    keys_prompt: keys.menu
"""

BASE_EN = """\
version: 1
name: English
english_name: English
review: {status: human, reviewer: Test, date: 2026-11-29}
say: {language: en-US, voice: Polly.Joanna-Neural}
keys: {"0": zero, "1": one, "2": two, "3": three, "4": four, "5": five, "6": six, "7": seven,
       "8": eight, "9": nine, "*": star, "#": pound}
prompts:
  safety: If you are in danger, hang up and dial 9 1 1.
  language.choose: For English, press {key}.
  language.more: For more languages, press {key}.
  language.default: We will continue in English.
  main.info: For information, press {key}.
  keys.menu: To repeat, press {key:repeat}. To go back, press {key:back}. Firm, {key:firm}.
  info.text: Some information.
  after.text: The call ended.
  forward.firm: Connecting you.
  dial.busy: Busy.
  dial.no-answer: No answer.
  dial.failed: Failed.
  dial.canceled: Canceled.
  dial.completed: Ended.
  noinput.1: I did not hear a choice.
  noinput.2: Please press a key.
  invalid.1: That is not a choice.
  invalid.2: That is not a choice here.
  max.main: To the main menu.
  trouble: Technical problem.
"""


@pytest.fixture
def tiny(tmp_path: Path) -> Callable[..., Path]:
    """Write a minimal valid project, with optional replacements, and return its folder."""

    def build(menus: str = BASE_MENUS, en: str = BASE_EN, **locales: str) -> Path:
        (tmp_path / "locales").mkdir(exist_ok=True)
        (tmp_path / "menus.yaml").write_text(textwrap.dedent(menus), encoding="utf-8")
        (tmp_path / "locales" / "en.yaml").write_text(textwrap.dedent(en), encoding="utf-8")
        for tag, text in locales.items():
            (tmp_path / "locales" / f"{tag}.yaml").write_text(textwrap.dedent(text), encoding="utf-8")
        return tmp_path

    return build
