"""The webhooks Twilio calls: one blueprint, every request signed, every answer valid TwiML.

URL scheme (all state in the query string: l=locale, h=history, ni/nm=counters, p=page):
    POST /voice                   a new call
    POST /voice/key/<menu>        the caller pressed Digits on <menu>
    POST /voice/quiet/<menu>      the caller pressed nothing on <menu>
    POST /voice/menu/<menu>       play <menu> from the start
    POST /voice/dial/<target>     a forwarded call ended (DialCallStatus)
    POST /voice/status            Twilio's status callback (metrics only)
    GET|POST /voice/fallback      the static multilingual fallback (no state, no signature needed)
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from typing import TYPE_CHECKING
from urllib.parse import quote

from flask import Blueprint, Response, current_app, g, request
from twilio.request_validator import RequestValidator

from . import twiml
from .engine import State

if TYPE_CHECKING:
    from .app import Line

log = logging.getLogger("ivr.calls")
bp = Blueprint("voice", __name__, url_prefix="/voice")
NAME = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
XML = "text/xml; charset=utf-8"


def line() -> Line:
    return current_app.extensions["ivr"]  # type: ignore[no-any-return]


def public_urls() -> list[str]:
    """The URL Twilio signed: the configured public base plus the path and query we received.

    The path is tried as the client sent it (RAW_URI/REQUEST_URI when the server keeps it),
    and re-quoted both ways, because a WSGI server hands us the path already decoded."""
    base = line().config.public_base_url
    query = request.query_string.decode("latin-1")
    tail = f"?{query}" if query else ""
    prefix = request.script_root
    candidates = []
    raw = request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI")
    if raw:
        candidates.append(base + raw[len(prefix):] if prefix and raw.startswith(prefix) else base + raw)
    for safe in ("/:@!$&'()*+,;=", "/"):
        candidates.append(base + quote(request.path, safe=safe)
                          + tail)
    return list(dict.fromkeys(candidates))


@bp.before_request
def check_signature() -> Response | None:
    g.started = time.perf_counter()
    if request.endpoint == "voice.fallback":
        # The fallback is static, carries no state and reveals nothing; it must answer exactly
        # when something is misconfigured (a wrong PUBLIC_BASE_URL makes every signature fail).
        return None
    validator: RequestValidator = line().validator
    signature = request.headers.get("X-Twilio-Signature", "")
    params = request.form if request.method == "POST" else {}
    if not signature or not any(validator.validate(url, params, signature) for url in public_urls()):
        log.warning("rejected request: bad or missing X-Twilio-Signature path=%s", request.path)
        return Response("Forbidden: invalid Twilio signature\n", status=403, mimetype="text/plain")
    return None


def read_state() -> State:
    """Parse the call state from the query string; anything odd becomes a safe default."""
    try:
        return _parse_state()
    except Exception:  # a state we cannot read must still give the caller a working line
        log.exception("unreadable call state path=%s", request.path)
        return State()


def _parse_state() -> State:
    args = request.args
    known = line().project.locales
    locale = args.get("l", "")
    history = tuple(h for h in args.get("h", "").split(".") if NAME.match(h))[-8:]
    return State(
        locale=locale if locale in known else "",
        history=history,
        noinput=_small_int(args.get("ni")),
        invalid=_small_int(args.get("nm")),
        page=max(_small_int(args.get("p")) or 1, 1),
    )


def _small_int(value: str | None) -> int:
    if value is None or not (value.isascii() and value.isdigit()) or len(value) > 3:
        return 0
    return int(value)


def respond(build: Callable[[], str], locale: str = "", menu: str = "", key: str = "") -> Response:
    """Build TwiML; on any failure answer with the trouble step, never with an error page."""
    current = line()
    try:
        body = build()
    except Exception:
        log.exception("failed to build a response call=%s menu=%s", request.values.get("CallSid", "-"), menu)
        try:
            body = twiml.render(current.engine.trouble(locale))
        except Exception:
            log.exception("failed to build the trouble response; serving the static fallback")
            body = current.fallback_xml
    elapsed = (time.perf_counter() - g.get("started", time.perf_counter())) * 1000
    log.info("call=%s menu=%s locale=%s key=%s ms=%.1f", request.values.get("CallSid", "-"),
             menu or "-", locale or "-", key or "-", elapsed)
    return Response(body, status=200, mimetype="text/xml", content_type=XML)


@bp.route("", methods=["GET", "POST"], strict_slashes=False)
def incoming() -> Response:
    return respond(lambda: twiml.render(line().engine.answer()), menu="answer")


@bp.route("/menu/<menu>", methods=["GET", "POST"])
def menu(menu: str) -> Response:
    state = read_state()
    return respond(lambda: twiml.render(line().engine.enter(_name(menu), state)),
                   state.locale, menu)


@bp.route("/key/<menu>", methods=["GET", "POST"])
def key(menu: str) -> Response:
    state = read_state()
    digits = request.values.get("Digits", "").strip()[:8]
    return respond(lambda: twiml.render(line().engine.key(_name(menu), state, digits), _caller()),
                   state.locale, menu, digits[:1])


@bp.route("/quiet/<menu>", methods=["GET", "POST"])
def quiet(menu: str) -> Response:
    state = read_state()
    return respond(lambda: twiml.render(line().engine.quiet(_name(menu), state), _caller()), state.locale, menu)


@bp.route("/dial/<target>", methods=["GET", "POST"])
def dial(target: str) -> Response:
    state = read_state()
    status = request.values.get("DialCallStatus", "")
    return respond(lambda: twiml.render(line().engine.dial_result(_name(target), state, status)),
                   state.locale, f"dial:{target}", status)


@bp.route("/status", methods=["GET", "POST"])
def status() -> Response:
    log.info("call=%s status=%s duration=%s", request.values.get("CallSid", "-"),
             request.values.get("CallStatus", "-"), request.values.get("CallDuration", "-"))
    return Response(twiml.empty(), status=200, content_type=XML)


@bp.route("/fallback", methods=["GET", "POST"])
def fallback() -> Response:
    return Response(line().fallback_xml, status=200, content_type=XML)


@bp.route("/<path:rest>", methods=["GET", "POST"])
def unknown(rest: str) -> Response:
    # A signed request to a path we do not know (an old URL after an upgrade, say) still gets
    # a call that goes on: the start of the line.
    return respond(lambda: twiml.render(line().engine.answer()), menu="unknown")


@bp.app_errorhandler(404)
@bp.app_errorhandler(405)
def not_routed(error: Exception) -> Response | tuple[str, int]:
    """A /voice URL no route matches (odd characters, another method) still answers TwiML."""
    if not request.path.startswith("/voice"):
        return "Not found\n", 404
    rejected = check_signature()
    if rejected is not None:
        return rejected
    return respond(lambda: twiml.render(line().engine.answer()), menu="unknown")


def _caller() -> str | None:
    # Only for a Dial whose target shows the caller's number (show_caller: true); never logged.
    return request.values.get("From")


def _name(value: str) -> str:
    return value if NAME.match(value) else ""
