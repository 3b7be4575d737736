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

import hmac
import logging
import re
import time
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING
from urllib.parse import quote

from flask import Blueprint, Response, current_app, g, request
from twilio.request_validator import RequestValidator

from . import twiml
from .cache import CacheKey
from .engine import HISTORY_LIMIT, State, Step

if TYPE_CHECKING:
    from .app import Line

log = logging.getLogger("ivr.calls")
bp = Blueprint("voice", __name__, url_prefix="/voice")
NAME = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
XML = "text/xml; charset=utf-8"


def line() -> Line:
    return current_app.extensions["ivr"]  # type: ignore[no-any-return]


def public_urls() -> Iterator[str]:
    """The URL Twilio signed: the configured public base plus the path and query we received.

    The path is tried as the client sent it (RAW_URI/REQUEST_URI when the server keeps it),
    and re-quoted both ways, because a WSGI server hands us the path already decoded."""
    base = line().config.public_base_url
    query = request.query_string.decode("latin-1")
    tail = f"?{query}" if query else ""
    prefix = request.script_root
    seen = set()
    raw = request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI")
    if raw:
        first = base + raw[len(prefix):] if prefix and raw.startswith(prefix) else base + raw
        seen.add(first)
        yield first   # lazily: the first candidate is the right one for nearly every request
    for safe in ("/:@!$&'()*+,;=", "/"):
        url = base + quote(request.path, safe=safe) + tail
        if url not in seen:
            seen.add(url)
            yield url


def signature_ok(validator: RequestValidator, params: Mapping[str, str], signature: str) -> bool:
    """Twilio's check, one HMAC at a time: `RequestValidator.validate` always computes two (the URL
    with and without its port), but the URL as received is one of those two, so its own signature
    is tried first and `validate` (both forms) only when that does not match."""
    if not signature.isascii():
        return False
    for url in public_urls():
        if hmac.compare_digest(validator.compute_signature(url, params), signature):
            return True
        if validator.validate(url, params, signature):
            return True
    return False


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
    if not signature or not signature_ok(validator, params, signature):
        log.warning("rejected request: bad or missing X-Twilio-Signature path=%s", request.path,
                    extra={"fields": {"event": "rejected", "status": 403, "path": request.path}})
        return Response("Forbidden: invalid Twilio signature\n", status=403, mimetype="text/plain")
    return from_cache()


def from_cache() -> Response | None:
    """The stored answer to this (signed) request, if there is one (see ivr/cache.py)."""
    if request.endpoint in (None, "voice.status"):
        return None
    key = cache_key()
    entry = line().cache.get(key)
    if entry is None:
        g.cache_key = key   # respond() renders and stores it under this key
        return None
    log_webhook(*entry.meta, result="ok", cached="hit")
    return Response(entry.body, status=200, content_type=XML)


def read_state() -> State:
    """Parse the call state from the query string; anything odd becomes a safe default."""
    args = request.args
    known = line().project.locales
    locale = args.get("l", "")
    history = tuple(h for h in args.get("h", "").split(".") if NAME.match(h))[-HISTORY_LIMIT:]
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


def cache_key() -> CacheKey:
    """Everything a cacheable step may depend on besides the configuration (see ivr/cache.py):
    the path, the whole query string (which holds any query parameter a route reads) and the
    form's Digits and DialCallStatus."""
    form = request.form
    return (request.path, request.query_string.decode("latin-1"), form.get("Digits", ""),
            form.get("DialCallStatus", ""))


def answer(build: Callable[[], Step | str], meta: tuple[str, str, str]) -> tuple[bytes, str]:
    """The rendered answer and where it came from: "hit", "miss" (rendered, kept) or "off"."""
    cache = line().cache
    key = g.pop("cache_key", None)
    if key is None:   # not looked up before the route (see from_cache)
        key = cache_key()
        entry = cache.get(key)
        if entry is not None:
            return entry.body, "hit"
    built = build()
    if isinstance(built, str):
        return built.encode("utf-8"), "off"
    body = twiml.render(built, _caller()).encode("utf-8")
    return body, "miss" if cache.put(key, built, body, meta) else "off"


def log_webhook(locale: str = "", menu: str = "", key: str = "", *, result: str, cached: str) -> None:
    """One log line per webhook: the CallSid, where the caller is, what they pressed, how long it took."""
    elapsed = (time.perf_counter() - g.get("started", time.perf_counter())) * 1000
    call = request.form.get("CallSid") or request.args.get("CallSid", "-")
    log.info("call=%s menu=%s locale=%s key=%s ms=%.1f", call, menu or "-", locale or "-", key or "-", elapsed,
             extra={"fields": {"event": "webhook", "call": call, "locale": locale or None, "menu": menu or None,
                               "key": key or None, "ms": round(elapsed, 2), "status": 200, "result": result,
                               "cache": cached}})


def respond(build: Callable[[], Step | str], locale: str = "", menu: str = "", key: str = "") -> Response:
    """Build TwiML; on any failure answer with the trouble step, never with an error page.

    `build` returns a `Step` (rendered here, and reused when it is cacheable) or finished TwiML."""
    current = line()
    result, cached = "ok", "off"
    try:
        body, cached = answer(build, (locale, menu, key))
    except Exception:
        log.exception("failed to build a response call=%s menu=%s", request.values.get("CallSid", "-"), menu)
        result = "trouble"
        try:
            body = twiml.render(current.engine.trouble(locale)).encode("utf-8")
        except Exception:
            log.exception("failed to build the trouble response; serving the static fallback")
            result = "fallback"
            body = current.fallback_xml.encode("utf-8")
    log_webhook(locale, menu, key, result=result, cached=cached)
    return Response(body, status=200, mimetype="text/xml", content_type=XML)


@bp.errorhandler(Exception)
def last_resort(error: Exception) -> Response:
    """Whatever escaped a route (a bad request, a bug before `respond`): the static fallback,
    with 200, so Twilio never plays its English "application error" to a caller."""
    log.error("unhandled error on %s: %s", request.path, type(error).__name__, exc_info=error,
              extra={"fields": {"event": "webhook", "call": request.args.get("CallSid"), "status": 200,
                                "result": "fallback", "path": request.path, "exception": type(error).__name__}})
    return Response(line().fallback_xml, status=200, content_type=XML)


@bp.route("", methods=["GET", "POST"], strict_slashes=False)
def incoming() -> Response:
    return respond(lambda: line().engine.answer(), menu="answer")


@bp.route("/menu/<menu>", methods=["GET", "POST"])
def menu(menu: str) -> Response:
    state = read_state()
    return respond(lambda: line().engine.enter(_name(menu), state),
                   state.locale, menu)


@bp.route("/key/<menu>", methods=["GET", "POST"])
def key(menu: str) -> Response:
    state = read_state()
    digits = request.values.get("Digits", "").strip()[:8]
    return respond(lambda: line().engine.key(_name(menu), state, digits),
                   state.locale, menu, digits[:1])


@bp.route("/quiet/<menu>", methods=["GET", "POST"])
def quiet(menu: str) -> Response:
    state = read_state()
    return respond(lambda: line().engine.quiet(_name(menu), state), state.locale, menu)


@bp.route("/dial/<target>", methods=["GET", "POST"])
def dial(target: str) -> Response:
    state = read_state()
    status = request.values.get("DialCallStatus", "")
    return respond(lambda: line().engine.dial_result(_name(target), state, status),
                   state.locale, f"dial:{target}", status)


@bp.route("/status", methods=["GET", "POST"])
def status() -> Response:
    values = request.values
    log.info("call=%s status=%s duration=%s", values.get("CallSid", "-"), values.get("CallStatus", "-"),
             values.get("CallDuration", "-"),
             extra={"fields": {"event": "call-status", "call": values.get("CallSid"), "status": 200,
                               "call_status": values.get("CallStatus"), "duration": values.get("CallDuration")}})
    return Response(twiml.empty(), status=200, content_type=XML)


@bp.route("/fallback", methods=["GET", "POST"])
def fallback() -> Response:
    return Response(line().fallback_xml, status=200, content_type=XML)


@bp.app_errorhandler(404)
@bp.app_errorhandler(405)
def not_routed(error: Exception) -> Response | tuple[str, int]:
    """A signed request to a /voice URL no route matches (an old URL after an upgrade, odd
    characters, another method) still gets a call that goes on: the start of the line."""
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
