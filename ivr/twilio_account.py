"""The operator's Twilio account, through the official REST client (`twilio.rest.Client`):
point the line's number at a deployment, and delete old call records.

Twilio keeps every call's record, with the caller's number, until it is deleted through the
API (research/twilio.md section 7); `purge_calls` is the privacy tool for that. Nothing here
ever prints a caller's number: call records are shown by CallSid and date only.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from .load import E164

if TYPE_CHECKING:  # the REST client is imported when a command needs it, not on every `ivr`
    from twilio.http import HttpClient
    from twilio.rest import Client

Echo = Callable[[str], None]
AGE = re.compile(r"^\s*(\d+)\s*([hdw])\s*$")
AGE_UNITS = {"h": "hours", "d": "days", "w": "weeks"}
ENDED = {"completed", "busy", "failed", "no-answer", "canceled"}


class UsageProblem(Exception):
    """Wrong or missing input from the operator (exit code 2)."""


class AccountProblem(Exception):
    """Twilio answered, but not with what the line needs (exit code 1)."""


def client_from_env(env: Mapping[str, str], http_client: HttpClient | None = None) -> Client:
    """A REST client from TWILIO_ACCOUNT_SID + TWILIO_AUTH_TOKEN, or an API key pair
    (TWILIO_API_KEY + TWILIO_API_SECRET, with TWILIO_ACCOUNT_SID naming the account)."""
    from twilio.rest import Client

    sid = env.get("TWILIO_ACCOUNT_SID", "").strip()
    token = env.get("TWILIO_AUTH_TOKEN", "").strip()
    key = env.get("TWILIO_API_KEY", "").strip()
    secret = env.get("TWILIO_API_SECRET", "").strip()
    if not sid:
        raise UsageProblem(
            "TWILIO_ACCOUNT_SID is not set - set it to your account SID (AC..., Twilio Console > Account "
            "info), and TWILIO_AUTH_TOKEN to its Auth Token (or TWILIO_API_KEY and TWILIO_API_SECRET)")
    if not sid.startswith("AC"):
        raise UsageProblem(f"TWILIO_ACCOUNT_SID '{sid[:6]}...' does not start with AC - copy the Account SID "
                           "from the Twilio Console")
    if key or secret:
        if not (key and secret):
            raise UsageProblem("set both TWILIO_API_KEY (SK...) and TWILIO_API_SECRET, or neither")
        return Client(key, secret, sid, http_client=http_client, environment={})
    if not token:
        raise UsageProblem("TWILIO_AUTH_TOKEN is not set - set it to the account's Auth Token "
                           "(or use an API key: TWILIO_API_KEY and TWILIO_API_SECRET)")
    return Client(sid, token, http_client=http_client, environment={})


# --- configure-number -----------------------------------------------------------------------------

def wanted_settings(base_url: str, fallback_url: str | None) -> dict[str, object]:
    """What the line's number must say: every field, as the IncomingPhoneNumber API names it."""
    base = base_url.rstrip("/")
    return {
        "voice_url": f"{base}/voice",
        "voice_method": "POST",
        # The fallback is a static document: GET works for it here and on a bucket or CDN too.
        "voice_fallback_url": fallback_url or f"{base}/voice/fallback",
        "voice_fallback_method": "GET",
        "status_callback": f"{base}/voice/status",
        "status_callback_method": "POST",
        # A caller-name lookup would send the caller's number to a CNAM database on every call.
        "voice_caller_id_lookup": False,
    }


def check_url(url: str, option: str) -> str:
    if not re.match(r"^https://[^\s/?#]+(/[^\s?#]*)?$", url):
        raise UsageProblem(f"{option} '{url}' must be an https:// address without a query "
                           "(Twilio refuses self-signed certificates; use a real https host)")
    return url.rstrip("/")


def configure_number(client: Client, number: str, base_url: str, fallback_url: str | None, dry_run: bool,
                     echo: Echo, env: Mapping[str, str] | None = None) -> bool:
    """Point `number` at the deployment; print the current and new values. Returns False when
    something still needs the operator: the number sends its calls elsewhere, PUBLIC_BASE_URL
    differs, or it is the EMERGENCY_CALLER_ID without a registered emergency address."""
    env = env or {}
    public_base_url = env.get("PUBLIC_BASE_URL")
    if not E164.match(number):
        raise UsageProblem(f"--number '{number}' is not in E.164 form - write it like +12125550199")
    base = check_url(base_url, "--base-url")
    fallback = check_url(fallback_url, "--fallback-url") if fallback_url else None
    found = [n for n in client.incoming_phone_numbers.list(phone_number=number, limit=20)
             if n.phone_number == number]
    if not found:
        raise AccountProblem(f"{number} is not a number of the Twilio account {client.account_sid} - check the "
                             "number, or that TWILIO_ACCOUNT_SID is the account (or subaccount) that owns it")
    current = found[0]
    echo(f"number {number} ({current.sid}) in account {client.account_sid}")
    wanted = wanted_settings(base, fallback)
    changed = False
    for name, value in wanted.items():
        now = getattr(current, name)
        same = (now or "") == value if isinstance(value, str) else bool(now) == value
        changed = changed or not same
        shown = str(value).lower() if isinstance(value, bool) else value
        was = str(now).lower() if isinstance(now, bool) else (now or "(not set)")
        echo(f"  {name}: {was}" + ("  (unchanged)" if same else f" -> {shown}"))
    ok = _report_routing(current, echo)
    registered = _report_emergency(current, echo)
    if not registered and env.get("EMERGENCY_CALLER_ID") == number:
        echo("error: this number is EMERGENCY_CALLER_ID, the caller id of 911 calls from the line")
        ok = False
    if public_base_url and public_base_url.rstrip("/") != base:
        echo(f"warning: PUBLIC_BASE_URL here is {public_base_url}, not {base}: the line checks every "
             "signature against PUBLIC_BASE_URL, so the two must be the same address")
        ok = False
    if not changed:
        echo("already configured: nothing to change")
    elif dry_run:
        echo("dry run: nothing was changed")
    else:
        client.incoming_phone_numbers(current.sid).update(**wanted)  # type: ignore[arg-type]
        echo("updated")
    return ok


def _report_routing(number: object, echo: Echo) -> bool:
    app_sid = getattr(number, "voice_application_sid", None)
    trunk_sid = getattr(number, "trunk_sid", None)
    if app_sid or trunk_sid:
        what = f"the TwiML App {app_sid}" if app_sid else f"the SIP trunk {trunk_sid}"
        echo(f"warning: this number sends its calls to {what}, so Twilio will not call voice_url - remove it "
             "in the Console (Phone Numbers > this number > Voice configuration)")
        return False
    return True


def _report_emergency(number: object, echo: Echo) -> bool:
    status = getattr(number, "emergency_status", None) or "unknown"
    address = getattr(number, "emergency_address_status", None) or "unknown"
    address_sid = getattr(number, "emergency_address_sid", None)
    if status == "Active" and address == "registered":
        echo(f"emergency calling: {status}, address {address_sid} registered - a 911 call through this number "
             "gives the dispatcher that address; test it with EMERGENCY_NUMBER=933")
        return True
    echo(f"warning: emergency calling: {status}, emergency address: {address}"
         + (f" ({address_sid})" if address_sid else "")
         + " - a 911 call from this number carries no registered address, and Twilio charges a fee per call. "
           "Register the firm's address (Console > Phone Numbers > this number > Emergency Calling) "
           "before using this number as EMERGENCY_CALLER_ID")
    return False


# --- purge-calls ----------------------------------------------------------------------------------

def parse_age(text: str) -> timedelta:
    """'7d' -> 7 days; also hours (12h) and weeks (2w)."""
    match = AGE.match(text)
    if not match or int(match.group(1)) < 1:
        raise UsageProblem(f"--older-than '{text}' is not an age - write a number and h, d or w: 7d, 12h, 2w")
    return timedelta(**{AGE_UNITS[match.group(2)]: int(match.group(1))})


@dataclass
class PurgeCount:
    listed: int = 0
    deleted: int = 0
    failed: int = 0
    skipped: int = 0


def purge_calls(client: Client, older_than: timedelta, now: datetime, dry_run: bool, echo: Echo) -> PurgeCount:
    """Delete the records of calls that ended more than `older_than` before `now`.

    Twilio's EndTime< filter takes a UTC date, so the list asks for calls that ended before the
    cutoff's day, and each record's own end_time is checked again before it is deleted."""
    from twilio.base.exceptions import TwilioRestException

    cutoff = now.astimezone(UTC) - older_than
    count = PurgeCount()
    calls = client.calls.list(end_time_before=cutoff.date().isoformat(), page_size=100)
    echo(f"call records that ended before {cutoff:%Y-%m-%d %H:%M} UTC ({len(calls)} listed)")
    for call in calls:
        count.listed += 1
        ended = call.end_time
        if ended is None or ended >= cutoff or call.status not in ENDED:
            count.skipped += 1
            continue
        when = f"ended {ended.astimezone(UTC):%Y-%m-%d %H:%M} UTC"
        if dry_run:
            echo(f"  {call.sid}  {when}  would be deleted")
            continue
        try:
            client.calls(call.sid).delete()
        except TwilioRestException as exc:
            count.failed += 1
            echo(f"  {call.sid}  {when}  NOT deleted: HTTP {exc.status}, Twilio error {exc.code}")
            continue
        count.deleted += 1
        echo(f"  {call.sid}  {when}  deleted")
    to_delete = count.listed - count.skipped
    if dry_run:
        echo(f"dry run: {to_delete} call record(s) would be deleted, nothing was changed")
    else:
        echo(f"deleted {count.deleted} call record(s); {count.failed} failed")
    return count


def now_utc() -> datetime:
    return datetime.now(UTC)
