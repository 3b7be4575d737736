"""Every language, every topic, both forwards: each answer speaks the caller's language.

Also: right-to-left and non-Latin text survives YAML -> TwiML -> the terminal simulator intact.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from urllib.parse import urlsplit

import pytest
from flask import Flask

from ivr.model import Project
from ivr.simulate import walk
from tests.conftest import BASE, make_app, sign, twilio_params

APP = make_app()
PROJECT: Project = APP.extensions["ivr"].project
ENGINE = APP.extensions["ivr"].engine
ENABLED = [tag for page in ENGINE.pages for tag in page.values()]
# Paths from the main menu to every topic (menu keys as in menus.yaml), and both forwards.
PATHS = {
    "police_ask": "1,1", "police_immigration": "1,2", "language_help": "1,3",
    "protection_ny": "2,1", "protection_nj": "2,2", "protection_violated": "2,3",
    "immigration": "3", "hotlines": "4", "consultation": "5",
    "firm": "0,busy", "emergency": "9,completed",
}


def choose(tag: str) -> list[str]:
    """The keys that pick `tag` on the language menu (the more-languages key first if needed)."""
    for number, page in enumerate(ENGINE.pages, start=1):
        for key, locale in page.items():
            if locale == tag:
                return ([PROJECT.language_menu.more_key] * (number - 1)) + [key]
    raise AssertionError(f"{tag} is not offered")


class Recorder:
    """Walk a call by hand so every TwiML answer can be inspected."""

    def __init__(self, app: Flask):
        self.client = app.test_client()
        self.answers: list[ET.Element] = []

    def post(self, url: str, **extra: str) -> ET.Element:
        params = twilio_params(**extra)
        parts = urlsplit(url)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        reply = self.client.post(path, data=params, headers={"X-Twilio-Signature": sign(url, params)})
        assert reply.status_code == 200
        root = ET.fromstring(reply.data)
        self.answers.append(root)
        return root


def walk_answers(keys: list[str]) -> list[ET.Element]:
    rec = Recorder(APP)
    root = rec.post(BASE + "/voice")
    for key in keys:
        dial = root.find("Dial")
        if dial is not None:
            root = rec.post(dial.get("action"), DialCallStatus=key)
        else:
            root = rec.post(root.find("Gather").get("action"), Digits=key)
    return rec.answers


def spoken(root: ET.Element) -> list[ET.Element]:
    return [v for v in root.iter() if v.tag in ("Say", "Play")]


@pytest.mark.parametrize("tag", ENABLED)
@pytest.mark.parametrize("topic", list(PATHS))
def test_every_language_reaches_every_topic_in_its_own_language(tag: str, topic: str) -> None:
    keys = choose(tag) + PATHS[topic].split(",")
    answers = walk_answers(keys)
    locale = PROJECT.locales[tag]
    # The first answers are the language menu (many languages by design); from the main menu on,
    # every sound must belong to the chosen locale.
    after_choice = answers[len(choose(tag)):]
    assert after_choice
    for root in after_choice:
        for verb in spoken(root):
            if verb.tag == "Say":
                assert locale.say is not None
                assert (verb.get("language"), verb.get("voice")) == (locale.say.language, locale.say.voice)
            else:
                assert f"/audio/{tag}/" in (verb.text or "")
    texts = [v.text for root in after_choice for v in spoken(root) if v.tag == "Say"]
    if topic.startswith(("police", "language", "protection", "immigration", "consultation")):
        body = PROJECT.text(tag, f"topic.{topic}") if f"topic.{topic}" in locale.prompts else None
        if body and locale.say is not None:
            assert body in texts


@pytest.mark.parametrize("tag", ENABLED)
def test_the_language_menu_offers_each_language_in_itself(tag: str) -> None:
    answers = walk_answers(choose(tag)[:-1])
    offered = [v for v in spoken(answers[-1])]
    choose_text = PROJECT.text(tag, "language.choose")
    sound = ENGINE.sound(tag, "language.choose")
    assert any((v.text == choose_text) or (v.text == getattr(sound, "url", None)) for v in offered)


@pytest.mark.parametrize("tag", [t for t in ("ar", "ur", "bn", "cmn", "yue") if t in PROJECT.locales])
def test_non_latin_text_round_trips_through_twiml_and_the_simulator(tag: str) -> None:
    text = PROJECT.text(tag, "topic.police_ask")
    raw = PROJECT.locales[tag].prompts["topic.police_ask"]
    assert " ".join(raw.split()) == text  # placeholders aside, what the operator wrote is what is said
    if PROJECT.locales[tag].enabled:
        transcript = "\n".join(walk(APP, [*choose(tag), "1", "1"]))
        assert text in transcript
    # And through TwiML (the SDK escapes, the XML parser restores):
    from ivr import twiml
    from ivr.audio import Say
    from ivr.engine import Step

    xml = twiml.render(Step(sounds=(Say(text, "Polly.Test", "xx-XX"),)))
    assert ET.fromstring(xml).find("Say").text == text
