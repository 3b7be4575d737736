"""The operator's pages: a web phone at `/` and a map of the menus at `/map`.

They exist only with `ivr serve --dev` (which listens on 127.0.0.1), or on any server behind HTTP
Basic when OPERATOR_PASSWORD is set (user OPERATOR_USER, default "operator"). Otherwise they are
not registered at all, so the public webhook host answers 404.

The web phone drives the same webhooks Twilio calls. The page sends the next URL and the few
parameters a phone produces (Digits, DialCallStatus); this module adds the rest of what Twilio
sends (with a fixed test caller number, never a real one), signs the request with the line's
auth token exactly as Twilio does, calls the app in-process and hands back the TwiML. The page
never sees the token.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from flask import Blueprint, Flask, Response, abort, current_app, jsonify, render_template, request
from markupsafe import Markup

from . import graph as diagram
from .audio import Play
from .config import SettingsError
from .simulate import webhook

if TYPE_CHECKING:
    from .app import Line

bp = Blueprint("devtools", __name__, template_folder="ui/templates", static_folder="ui/static",
               static_url_path="/ui")

CALL_SID = re.compile(r"^CA[0-9a-f]{32}$")
PHONE_PARAMS = ("Digits", "DialCallStatus", "DialCallDuration")   # what a phone call adds
MIN_PASSWORD = 12
DIAL_OUTCOMES = (("completed", "answered, then hung up"), ("busy", "busy"), ("no-answer", "no answer"),
                 ("failed", "failed"), ("canceled", "canceled"))


def _line() -> Line:
    return current_app.extensions["ivr"]  # type: ignore[no-any-return]


def operator_login(env: Mapping[str, str]) -> tuple[str, str] | None:
    """(user, password) from OPERATOR_USER / OPERATOR_PASSWORD, or None when no login is set."""
    password = env.get("OPERATOR_PASSWORD", "")
    if not password:
        return None
    if len(password) < MIN_PASSWORD:
        raise SettingsError(f"OPERATOR_PASSWORD is too short - use at least {MIN_PASSWORD} characters "
                            "(it guards the web phone and the map on this server)")
    return (env.get("OPERATOR_USER", "") or "operator", password)


def register(app: Flask) -> None:
    """Add the pages to `app` in dev mode or when an operator login is configured; else do nothing."""
    config = app.extensions["ivr"].config
    login = operator_login(config.env)
    if not config.dev and login is None:
        return
    app.config["IVR_OPERATOR_LOGIN"] = login
    app.register_blueprint(bp)


@bp.before_request
def guard() -> Response | None:
    login = current_app.config.get("IVR_OPERATOR_LOGIN")
    if login is None:
        return None if _line().config.dev else abort(404)
    if _basic_auth_ok(request.headers.get("Authorization", ""), login):
        return None
    return Response("The operator pages need the operator login.\n", status=401, mimetype="text/plain",
                    headers={"WWW-Authenticate": 'Basic realm="rights line operators", charset="UTF-8"'})


def _basic_auth_ok(header: str, login: tuple[str, str]) -> bool:
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic":
        return False
    try:
        user, _, password = base64.b64decode(encoded.strip(), validate=True).decode("utf-8").partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return False
    # Compare both in full, always, so the time taken says nothing about which one was wrong.
    ok_user = hmac.compare_digest(user.encode(), login[0].encode())
    ok_password = hmac.compare_digest(password.encode(), login[1].encode())
    return ok_user and ok_password


@bp.after_request
def headers(response: Response) -> Response:
    audio = _line().config.audio_base_url
    media = "'self'" + (f" {_origin(audio)}" if audio else "")
    response.headers["Content-Security-Policy"] = (
        f"default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; media-src {media}; "
        "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


# --- the web phone -------------------------------------------------------------------------------

@bp.get("/")
def phone() -> str:
    line = _line()
    return render_template("phone.html", start=line.config.public_base_url + "/voice", outcomes=DIAL_OUTCOMES,
                           keys=("1", "2", "3", "4", "5", "6", "7", "8", "9", "*", "0", "#"))


@bp.post("/phone/send")
def send() -> tuple[Response, int] | Response:
    """One webhook request, as Twilio would send it: JSON {url, call, params, method} in, TwiML out."""
    data = request.get_json(silent=True) if request.is_json else None
    if not isinstance(data, dict):
        return jsonify(error="send JSON: {url, call, params}"), 400
    line = _line()
    url = str(data.get("url", ""))
    if not url.startswith(line.config.public_base_url + "/voice"):
        return jsonify(error="only the line's own /voice webhooks can be called"), 400
    call = str(data.get("call", ""))
    if not CALL_SID.match(call):
        return jsonify(error="call must be a CallSid: CA and 32 hex digits"), 400
    method = "GET" if data.get("method") == "GET" else "POST"
    given = data.get("params") if isinstance(data.get("params"), dict) else {}
    sent = {k: str(given[k])[:16] for k in PHONE_PARAMS if k in given}  # the page's caller data is dropped
    status, body = webhook(current_app._get_current_object(), url, call, sent, method)
    return jsonify(status=status, twiml=body, sounds=_sounds(body) if status == 200 else {})


def _sounds(twiml: str) -> dict[str, dict[str, str]]:
    """For each <Play> URL in the answer: the locale, prompt id and words it plays (for the transcript)."""
    line = _line()
    found: dict[str, dict[str, str]] = {}
    try:
        root = ET.fromstring(twiml)
    except ET.ParseError:
        return found
    for verb in root.iter("Play"):
        url = (verb.text or "").strip()
        known = line.resolver.by_url.get(url)
        if known:
            locale, prompt = known
            sound = line.resolver.planned(locale, prompt)
            source = sound.source if isinstance(sound, Play) else "audio"
            found[url] = {"locale": locale, "prompt": prompt, "source": source,
                          "text": line.project.texts.get((locale, prompt), "")}
    return found


# --- the map -------------------------------------------------------------------------------------

def _locale_arg() -> str:
    project = _line().project
    tag = request.args.get("locale") or project.language_menu.default
    if tag not in project.locales:
        abort(404)
    return tag


def play_data(graph: diagram.Graph) -> dict[tuple[str, str], dict[str, str]]:
    """What the map page needs to play each prompt it shows: an audio URL, or words and a language."""
    line = _line()
    data: dict[tuple[str, str], dict[str, str]] = {}
    for node in graph.nodes:
        for row in node.rows:
            if not row.prompt or (row.locale, row.prompt) in data:
                continue
            sound = line.resolver.sound(row.locale, row.prompt)
            if isinstance(sound, Play):
                data[(row.locale, row.prompt)] = {"play-url": sound.url, "text": sound.text}
            elif sound is not None:
                data[(row.locale, row.prompt)] = {"say": sound.text, "lang": sound.language}
    return data


@bp.get("/map")
def map_page() -> str:
    line = _line()
    tag = _locale_arg()
    graph = diagram.build_graph(line.project, line.resolver, tag)
    plays = play_data(graph)
    svg = diagram.render_svg(graph, plays)
    return render_template("map.html", graph=graph, svg=Markup(svg), plays=plays, project=line.project,
                           locale=line.project.locales[tag], coverage=diagram.COVERAGE,
                           meaning=diagram.COVERAGE_MEANING, tags=diagram.COVERAGE_TAG)


@bp.get("/map.svg")
def map_svg() -> Response:
    line = _line()
    graph = diagram.build_graph(line.project, line.resolver, _locale_arg())
    return Response(diagram.render(graph, "svg"), mimetype="image/svg+xml",
                    headers={"Content-Disposition": f'inline; filename="line-{graph.locale}.svg"'})
