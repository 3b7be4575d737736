"""Walk the line like a caller, through the real app and its real webhooks.

Requests are signed exactly as Twilio signs them, sent to the Flask app in-process, and the
TwiML answers are read back into a transcript of what the caller would hear and what would
be dialled. `ivr call` and the golden call tests both use this.
"""

from __future__ import annotations

import secrets
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from urllib.parse import urlencode, urlsplit

from flask import Flask

from .config import DEV_ENV

DIAL_OUTCOMES = ("completed", "answered", "busy", "no-answer", "failed", "canceled")
CALLER = "+15005550006"   # Twilio's documented test number, never a real caller
SILENCE = ("", ".", "-", "silence", "wait")


@dataclass
class Heard:
    """One answer from the line: what was spoken, and what it waits for or does next."""

    lines: list[str] = field(default_factory=list)
    gather_url: str | None = None
    gather_timeout: int = 0
    redirect_url: str | None = None
    dial_url: str | None = None
    dial: str | None = None
    ended: bool = False


def webhook(app: Flask, url: str, call_sid: str, extra: Mapping[str, str] | None = None,
            method: str = "POST") -> tuple[int, str]:
    """Send one webhook request to the app in-process exactly as Twilio would: its standard
    parameters (with Twilio's test number as the caller), signed with the line's token."""
    line = app.extensions["ivr"]
    params = {
        "CallSid": call_sid,
        "AccountSid": "AC" + "0" * 32,
        "From": CALLER,
        "Caller": CALLER,
        "To": line.config.env.get("TWILIO_NUMBER") or DEV_ENV["TWILIO_NUMBER"],
        "CallStatus": "in-progress",
        "Direction": "inbound",
        "ApiVersion": "2010-04-01",
        **(extra or {}),
    }
    if method == "GET":
        url = url + ("&" if "?" in url else "?") + urlencode(params)
        params = {}
    signature = line.validator.compute_signature(url, params)
    parts = urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    reply = app.test_client().open(path, method=method, data=params or None,
                                   base_url=f"{parts.scheme}://{parts.netloc}",
                                   headers={"X-Twilio-Signature": signature})
    return reply.status_code, reply.get_data(as_text=True)


class Caller:
    """A simulated caller on one call; every request carries the same CallSid."""

    def __init__(self, app: Flask):
        self.app = app
        line = app.extensions["ivr"]
        self.base = line.config.public_base_url
        self.resolver = line.resolver
        self.call_sid = "CA" + secrets.token_hex(16)
        self.current: Heard | None = None

    def post(self, url: str, extra: dict[str, str] | None = None) -> Heard:
        status, body = webhook(self.app, url, self.call_sid, extra)
        if status != 200:
            raise RuntimeError(f"{urlsplit(url).path} answered HTTP {status}")
        self.current = self.read(body)
        return self.current

    def start(self) -> Heard:
        return self.post(self.base + "/voice")

    def press(self, key: str) -> Heard:
        assert self.current is not None and self.current.gather_url, "nothing is listening for a key"
        return self.post(self.current.gather_url, {"Digits": key})

    def wait(self) -> Heard:
        assert self.current is not None and self.current.redirect_url, "nothing follows the silence"
        return self.post(self.current.redirect_url)

    def outcome(self, status: str) -> Heard:
        assert self.current is not None and self.current.dial_url, "no call is being forwarded"
        return self.post(self.current.dial_url, {"DialCallStatus": status, "DialCallDuration": "0"})

    def read(self, xml: str) -> Heard:
        root = ET.fromstring(xml)
        if root.tag != "Response":
            raise RuntimeError(f"the answer's root is <{root.tag}>, not <Response>")
        heard = Heard()
        for verb in root:
            if verb.tag == "Gather":
                for inner in verb:
                    heard.lines.append(self.spoken(inner))
                heard.gather_url = verb.get("action")
                heard.gather_timeout = int(verb.get("timeout", "5"))
                heard.lines.append(f"(waits {heard.gather_timeout} s for a key)")
            elif verb.tag in ("Say", "Play"):
                heard.lines.append(self.spoken(verb))
            elif verb.tag == "Redirect":
                heard.redirect_url = verb.text
            elif verb.tag == "Dial":
                number = verb.findtext("Number") or verb.text or "?"
                caller_id = verb.get("callerId") or "the caller's own number"
                if caller_id == CALLER:
                    caller_id = f"{CALLER} = the caller's own number"
                heard.dial = number
                heard.dial_url = verb.get("action")
                heard.lines.append(f"DIAL {number} (caller id {caller_id}, rings {verb.get('timeout')} s)")
            elif verb.tag == "Hangup":
                heard.ended = True
                heard.lines.append("(hangs up)")
        if not heard.gather_url and not heard.redirect_url and not heard.dial_url and not heard.dial:
            heard.ended = True
            heard.lines.append("(the call ends)")
        return heard

    def spoken(self, verb: ET.Element) -> str:
        if verb.tag == "Say":
            language = verb.get("language", "?")
            return f"[{language}] {verb.text}"
        if verb.tag == "Play":
            url = verb.text or ""
            found = self.resolver.by_url.get(url)
            if found:
                locale, prompt = found
                text = self.app.extensions["ivr"].project.texts.get((locale, prompt), "")
                return f"[{locale} audio] {text}"
            return f"[audio] {url}"
        return f"<{verb.tag}>"


def walk(app: Flask, keys: list[str]) -> Iterator[str]:
    """Run a scripted call and yield the transcript line by line.

    Each key is a keypad key (0-9, *, #), a silence ('.', '' or 'silence'), or, while a call
    is being forwarded, the outcome of that call (completed, busy, no-answer, failed, canceled).
    """
    caller = Caller(app)
    yield "> call"
    heard = caller.start()
    yield from ("  " + line for line in heard.lines)
    for raw in keys:
        key = raw.strip()
        if heard.ended:
            yield f"! '{key}' was not used: the call has ended"
            return
        if heard.dial_url or heard.dial:
            status = key if key in DIAL_OUTCOMES else None
            if status is None:
                yield f"! '{key}' is not a call outcome; use one of {', '.join(DIAL_OUTCOMES)}"
                return
            if not heard.dial_url:
                yield f"> the forwarded call ends: {status}"
                yield "  (the static document goes on to its next verb)"
                return
            yield f"> the forwarded call ends: {status}"
            heard = caller.outcome(status)
        elif key.lower() in SILENCE:
            yield "> (silence)"
            heard = caller.wait()
        elif len(key) == 1 and key in "0123456789*#":
            yield f"> press {key}"
            heard = caller.press(key)
        else:
            yield f"! '{key}' is not a key; use 0-9, *, #, '.' for silence or a call outcome"
            return
        yield from ("  " + line for line in heard.lines)


def interactive(app: Flask, ask: Callable[[str], str], say: Callable[[str], None]) -> None:
    """Walk the line from a terminal: type a key and Enter, Enter alone for silence, q to hang up."""
    caller = Caller(app)
    heard = caller.start()
    for line in heard.lines:
        say("  " + line)
    while not heard.ended:
        if heard.dial_url:
            answer = ask(f"forwarded call outcome [{'/'.join(DIAL_OUTCOMES)}, q]: ").strip()
            if answer == "q":
                return
            if answer not in DIAL_OUTCOMES:
                say("  type one of: " + ", ".join(DIAL_OUTCOMES))
                continue
            heard = caller.outcome(answer)
        else:
            answer = ask("key (0-9 * #, Enter = silence, q = hang up): ").strip()
            if answer == "q":
                return
            if answer == "":
                heard = caller.wait()
            elif len(answer) == 1 and answer in "0123456789*#":
                heard = caller.press(answer)
            else:
                say("  one key at a time: 0-9, * or #")
                continue
        for line in heard.lines:
            say("  " + line)
