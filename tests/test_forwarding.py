"""Forwarding through the real webhooks: whose number the target sees, what may be cached,
the emergency call's caller id, and the verified hotline numbers."""

from __future__ import annotations

import logging
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from flask import Flask

from ivr.engine import Engine
from ivr.hours import fixed_clock, utc_now
from tests.conftest import BASE_EN, BASE_MENUS, FAKE_CALLER, REPO, make_app, post_signed, twilio_params

Tiny = Callable[..., Path]
CLOSED_TIME = datetime(2026, 12, 25, 15, 0, tzinfo=UTC)   # Christmas, 10:00 in New York


def dial_of(body: str) -> ET.Element:
    dial = ET.fromstring(body).find("Dial")
    assert dial is not None, body
    return dial


def urls_in(body: str) -> list[str]:
    root = ET.fromstring(body)
    found = [el.get("action", "") for el in root.iter() if el.get("action")]
    return found + [el.text or "" for el in root.iter("Redirect")] + [el.text or "" for el in root.iter("Play")]


# --- show_caller ----------------------------------------------------------------------------------

SHOWING = BASE_MENUS.replace("    connecting: forward.firm\n", "    connecting: forward.firm\n    show_caller: true\n")


def test_by_default_the_firm_sees_the_lines_number_not_the_callers(app: Flask) -> None:
    reply = post_signed(app.test_client(), "/voice/key/main?l=en", twilio_params(Digits="0"))
    body = reply.get_data(as_text=True)
    assert dial_of(body).get("callerId") == "+12125550199"
    assert FAKE_CALLER not in body


def test_show_caller_puts_the_callers_own_number_in_the_dial_only(
        tiny: Tiny, caplog: pytest.LogCaptureFixture) -> None:
    app = make_app(tiny(menus=SHOWING))
    caplog.set_level(logging.DEBUG)
    client = app.test_client()
    menu = post_signed(client, "/voice/key/language", twilio_params(Digits="1")).get_data(as_text=True)
    reply = post_signed(client, "/voice/key/main?l=en", twilio_params(Digits="0"))
    body = reply.get_data(as_text=True)
    dial = dial_of(body)
    assert dial.get("callerId") == FAKE_CALLER
    assert dial.findtext("Number") == "+12125550100"
    ended = post_signed(client, dial.get("action", "").removeprefix("https://line.example.org"),
                        twilio_params(DialCallStatus="busy")).get_data(as_text=True)
    for text in (menu, body, ended):
        for url in urls_in(text):
            assert FAKE_CALLER not in url and "5005550006" not in url, url
    assert FAKE_CALLER not in ended
    assert "5005550006" not in caplog.text


def test_show_caller_by_silence_too(tiny: Tiny) -> None:
    # on_noinput of the main menu forwards to the firm in the bundled line; here the tiny
    # line's main menu sends silence to the firm.
    menus = SHOWING.replace("    keys_prompt: keys.menu\n  info:",
                            "    keys_prompt: keys.menu\n    on_noinput: firm\n  info:")
    en = BASE_EN + "  max.firm: To the firm.\n"
    body = post_signed(make_app(tiny(menus=menus, en=en)).test_client(), "/voice/quiet/main?l=en&ni=3",
                       twilio_params()).get_data(as_text=True)
    assert dial_of(body).get("callerId") == FAKE_CALLER


@pytest.mark.parametrize("sent", ["anonymous", "+266696687", "", "restricted", "12125550123"])
def test_show_caller_falls_back_to_the_lines_number_for_a_withheld_or_malformed_caller(
        tiny: Tiny, sent: str) -> None:
    params = twilio_params(Digits="0", From=sent, Caller=sent)
    body = post_signed(make_app(tiny(menus=SHOWING)).test_client(), "/voice/key/main?l=en", params)
    callerid = dial_of(body.get_data(as_text=True)).get("callerId")
    assert callerid == ("+266696687" if sent == "+266696687" else "+12125550199")


# --- what may be cached ---------------------------------------------------------------------------

def engine_of(app: Flask) -> Engine:
    return app.extensions["ivr"].engine  # type: ignore[no-any-return]


def test_steps_that_read_the_clock_or_show_the_caller_are_never_cacheable(tiny: Tiny) -> None:
    engine = engine_of(make_app())
    firm = engine.key("main", _state("en"), "0")
    assert firm.dial is not None and firm.uses_clock and not firm.cacheable
    hotline = engine.key("hotlines", _state("en"), "1")
    assert hotline.dial is not None and not hotline.uses_clock and hotline.cacheable
    closed = engine_of(make_app(clock=fixed_clock(CLOSED_TIME))).key("main", _state("en"), "0")
    assert closed.dial is None and closed.uses_clock and not closed.cacheable
    assert engine.key("main", _state("en"), "1").cacheable       # an ordinary menu
    showing = engine_of(make_app(tiny(menus=SHOWING))).key("main", _state("en"), "0")
    assert showing.dial is not None and showing.dial.show_caller and not showing.cacheable


def _state(locale: str):  # type: ignore[no-untyped-def]
    from ivr.engine import LANGUAGE, State
    return State(locale=locale, history=(LANGUAGE,))


def test_the_line_reads_the_real_clock_unless_told_otherwise() -> None:
    from ivr.app import build_line
    from ivr.config import Config
    from tests.conftest import ENV

    line = build_line(Config.from_env(REPO, ENV))
    assert line.engine.clock is utc_now


def test_the_same_request_gets_the_firm_or_the_closed_message_by_the_clock() -> None:
    params = twilio_params(Digits="0")
    open_body = post_signed(make_app().test_client(), "/voice/key/main?l=en", params).get_data(as_text=True)
    closed_body = post_signed(make_app(clock=fixed_clock(CLOSED_TIME)).test_client(), "/voice/key/main?l=en",
                              params).get_data(as_text=True)
    assert dial_of(open_body).findtext("Number") == "+12125550100"
    closed = ET.fromstring(closed_body)
    assert closed.find("Dial") is None and closed.find("Gather") is not None
    said = " ".join(el.text or "" for el in closed.iter("Say"))
    assert said.index("closed right now") < said.index("Monday to Friday") < said.index("any hour")


# --- emergency ------------------------------------------------------------------------------------

def test_emergency_dials_with_the_registered_caller_id_never_the_callers(app: Flask) -> None:
    body = post_signed(app.test_client(), "/voice/key/main?l=es", twilio_params(Digits="9")).get_data(as_text=True)
    root = ET.fromstring(body)
    says = [el.text or "" for el in root.iter("Say")]
    assert says[0].startswith("Le estamos conectando con el 9 1 1") and "dirección" in says[0]
    dial = dial_of(body)
    assert (dial.findtext("Number"), dial.get("callerId")) == ("933", "+12125550199")
    assert dial.get("answerOnBridge") == "true"
    assert dial.get("action") == "https://line.example.org/voice/dial/emergency?h=main&l=es"


# --- hotlines -------------------------------------------------------------------------------------

VERIFIED = {   # research/content.md section 5 (verified)
    "hotline_national": "+18007997233",   # National Domestic Violence Hotline 1-800-799-SAFE
    "hotline_nyc": "+18006214673",        # NYC Hope Hotline 1-800-621-HOPE
    "hotline_nys": "+18009426906",        # NYS Domestic & Sexual Violence Hotline
    "hotline_nj": "+18005727233",         # NJ Statewide DV Hotline 1-800-572-SAFE
}


def test_hotline_targets_are_the_verified_numbers(app: Flask) -> None:
    targets = app.extensions["ivr"].project.targets
    assert {t: targets[t].number for t in VERIFIED} == VERIFIED
    assert all(targets[t].hours is None and not targets[t].show_caller for t in VERIFIED)


@pytest.mark.parametrize("lang", ["en", "es"])
def test_hotline_numbers_are_read_digit_by_digit_in_the_callers_language(app: Flask, lang: str) -> None:
    project = app.extensions["ivr"].project
    words = project.locales[lang].keys
    for target, prompt in (("hotline_national", "hotlines.national"), ("hotline_nyc", "hotlines.nyc"),
                           ("hotline_nys", "hotlines.nys"), ("hotline_nj", "hotlines.nj")):
        digits = VERIFIED[target][1:]
        spoken = f"{words[digits[0]]}, " + ", ".join(
            " ".join(words[d] for d in group) for group in (digits[1:4], digits[4:7], digits[7:]))
        assert spoken in project.text(lang, prompt)
        assert not re.search(r"\d", project.text(lang, prompt))
