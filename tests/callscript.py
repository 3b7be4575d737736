"""A scripted call: follow each TwiML answer like Twilio would, with the caller's next key."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from tests.conftest import BASE, twilio_params

DIAL_OUTCOMES = ("completed", "busy", "no-answer", "failed", "canceled")

# Urdu (second page: it plays audio files), police, a topic, repeat, back, main menu, the
# hotlines menu, the national hotline (busy), a wrong key, a silence, then the main menu.
# Nothing here depends on the clock (the firm's office hours), so real servers running on the
# real clock and the in-process app on the tests' fixed clock give the same answers.
SCRIPT = ["8", "3", "1", "1", "*", "#", "8", "4", "1", "busy", "7", "", "2"]


def next_request(body: bytes, key: str) -> tuple[str, dict[str, str]] | None:
    """The path (under BASE) and form Twilio would send next, or None if the call ended."""
    root = ET.fromstring(body)
    dial, gather, redirect = root.find("Dial"), root.find("Gather"), root.find("Redirect")
    if dial is not None and dial.get("action"):
        url, params = dial.get("action", ""), twilio_params(DialCallStatus=key or "completed")
    elif key == "" and redirect is not None:
        url, params = redirect.text or "", twilio_params()
    elif gather is not None:
        url, params = gather.get("action", ""), twilio_params(Digits=key)
    elif redirect is not None:
        url, params = redirect.text or "", twilio_params()
    else:
        return None
    assert url.startswith(BASE), url
    return url[len(BASE):], params
