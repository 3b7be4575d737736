"""`ivr configure-number` and `ivr purge-calls`: the operator's Twilio account from the terminal.

Exit codes as everywhere: 0 done, 1 Twilio said no (or something still needs the operator),
2 a usage problem (missing credentials, a malformed option). Never a traceback.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from datetime import datetime

import click
from twilio.base.exceptions import TwilioException, TwilioRestException

from .twilio_account import (
    AccountProblem,
    UsageProblem,
    client_from_env,
    configure_number,
    now_utc,
    parse_age,
    purge_calls,
)

CONTENT_PROBLEM = 1
USAGE_PROBLEM = 2


def _run(ctx: click.Context, work: Callable[[object], bool]) -> None:
    """Build the client from the environment and run `work`; every failure is one clear line.
    (Tests put a recording `twilio.http.HttpClient` in ctx.obj["twilio_http_client"].)"""
    obj = ctx.find_object(dict) or {}
    try:
        client = client_from_env(os.environ, obj.get("twilio_http_client"))
        ok = work(client)
    except UsageProblem as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(USAGE_PROBLEM)
    except (AccountProblem, TwilioException, OSError) as exc:
        click.echo(f"error: {_problem(exc)}", err=True)
        sys.exit(CONTENT_PROBLEM)
    if not ok:
        sys.exit(CONTENT_PROBLEM)


def _problem(exc: Exception) -> str:
    """What went wrong with the account, in the operator's words."""
    if isinstance(exc, TwilioRestException):
        return _explain(exc)
    if isinstance(exc, TwilioException):
        return _explain_response(exc)
    if isinstance(exc, OSError):
        return f"could not talk to Twilio: {exc} - check the network and try again"
    return str(exc)


def _explain_response(exc: TwilioException) -> str:
    # A failed page read raises TwilioException("Unable to fetch page", <Response>).
    response = next((a for a in exc.args if hasattr(a, "status_code")), None)
    if response is None:
        return f"could not talk to Twilio: {exc} - check the network and try again"
    try:
        body = json.loads(response.text)
    except ValueError:
        body = {}
    body = body if isinstance(body, dict) else {}
    return _explain(TwilioRestException(response.status_code, "", body.get("message", response.text),
                                        body.get("code")))


def _explain(exc: TwilioRestException) -> str:
    if exc.status == 401:
        return ("Twilio refused the credentials (HTTP 401) - check TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN "
                "(or TWILIO_API_KEY and TWILIO_API_SECRET)")
    if exc.status == 404:
        return f"Twilio has no such resource (HTTP 404, error {exc.code}): {exc.msg}"
    return f"Twilio answered HTTP {exc.status} (error {exc.code}): {exc.msg}"


@click.command("configure-number")
@click.option("--number", required=True, help="The line's Twilio number, E.164: +12125550199.")
@click.option("--base-url", required=True, help="The deployment's https address (PUBLIC_BASE_URL).")
@click.option("--fallback-url", default=None,
              help="Where Twilio goes when the line fails (default: <base-url>/voice/fallback; better: a copy "
                   "of that document hosted elsewhere).")
@click.option("--dry-run", is_flag=True, help="Print the current and new values; change nothing.")
@click.pass_context
def configure_number_command(ctx: click.Context, number: str, base_url: str, fallback_url: str | None,
                             dry_run: bool) -> None:
    """Point a Twilio number at this line: voice URL, fallback URL, status callback, methods;
    report the number's emergency address."""
    _run(ctx, lambda client: configure_number(client, number, base_url, fallback_url, dry_run,  # type: ignore[arg-type]
                                              click.echo, os.environ))


@click.command("purge-calls")
@click.option("--older-than", required=True, help="Delete records of calls that ended longer ago than this: "
                                                 "7d, 12h, 2w.")
@click.option("--dry-run", is_flag=True, help="List what would be deleted; delete nothing.")
@click.pass_context
def purge_calls_command(ctx: click.Context, older_than: str, dry_run: bool) -> None:
    """Delete the account's old call records (Twilio keeps callers' numbers in them).
    Prints CallSids and dates only, never a number."""
    clock: Callable[[], datetime] = (ctx.find_object(dict) or {}).get("clock") or now_utc

    def work(client: object) -> bool:
        count = purge_calls(client, parse_age(older_than), clock(), dry_run, click.echo)  # type: ignore[arg-type]
        return count.failed == 0

    _run(ctx, work)
