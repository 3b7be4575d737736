"""The only module that writes TwiML: `Step` in, XML text out, through the twilio SDK."""

from __future__ import annotations

from twilio.twiml.voice_response import Gather as GatherVerb
from twilio.twiml.voice_response import VoiceResponse

from .audio import Play, Say, Sound
from .engine import Dial, Step
from .load import E164


def _add(parent: VoiceResponse | GatherVerb, sound: Sound) -> None:
    if isinstance(sound, Play):
        parent.play(sound.url)
    elif isinstance(sound, Say):
        parent.say(sound.text, voice=sound.voice, language=sound.language)


def render(step: Step, caller: str | None = None) -> str:
    """TwiML for one step. A <Gather> is always followed by a verb that continues the call.

    `caller` is the request's `From`; it is used only as the callerId of a Dial whose target has
    `show_caller: true`, and only when it is a real E.164 number (not "anonymous" or a carrier's
    malformed value, which would make the Dial fail): otherwise the line's number is shown."""
    response = VoiceResponse()
    for sound in step.sounds:
        _add(response, sound)
    if step.gather is not None:
        if step.redirect is None:
            raise ValueError("a Gather must be followed by a Redirect, or silence would hang up")
        gather = response.gather(
            input="dtmf",
            num_digits=1,
            timeout=step.gather.timeout,
            action=step.gather.action,
            method="POST",
            finish_on_key="",   # '#' is a menu key here, not "end of input"
            action_on_empty_result=False,
        )
        for sound in step.gather.sounds:
            _add(gather, sound)
    if step.dial is not None:
        dial = response.dial(
            action=step.dial.action,
            method="POST",
            timeout=step.dial.timeout,
            caller_id=_caller_id(step.dial, caller),
            answer_on_bridge=True,
        )
        dial.number(step.dial.number)
    elif step.redirect is not None:
        response.redirect(step.redirect, method="POST")
    return str(response)


def _caller_id(dial: Dial, caller: str | None) -> str | None:
    if dial.show_caller and caller and E164.match(caller):
        return caller
    return dial.caller_id


def empty() -> str:
    """An empty <Response/> (status callbacks)."""
    return str(VoiceResponse())


def render_fallback(parts: list[tuple[tuple[Sound, ...], Dial | None]]) -> str:
    """A self-contained document: each part's sounds, then its Dial (no action URL, so the
    document simply goes on to the next part when a Dial ends). Needs no running app."""
    response = VoiceResponse()
    for sounds, dial in parts:
        for sound in sounds:
            _add(response, sound)
        if dial is not None:
            verb = response.dial(timeout=dial.timeout, caller_id=dial.caller_id, answer_on_bridge=True)
            verb.number(dial.number)
    return str(response)
