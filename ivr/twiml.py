"""The only module that writes TwiML: `Step` in, XML text out, through the twilio SDK."""

from __future__ import annotations

from twilio.twiml.voice_response import Gather as GatherVerb
from twilio.twiml.voice_response import VoiceResponse

from .audio import Play, Say, Sound
from .engine import Dial, Step


def _add(parent: VoiceResponse | GatherVerb, sound: Sound) -> None:
    if isinstance(sound, Play):
        parent.play(sound.url)
    elif isinstance(sound, Say):
        parent.say(sound.text, voice=sound.voice, language=sound.language)


def render(step: Step) -> str:
    """TwiML for one step. A <Gather> is always followed by a verb that continues the call."""
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
            caller_id=step.dial.caller_id,
            answer_on_bridge=True,
        )
        dial.number(step.dial.number)
    elif step.redirect is not None:
        response.redirect(step.redirect, method="POST")
    return str(response)


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
