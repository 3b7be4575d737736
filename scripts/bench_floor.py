"""The two floors `scripts/bench` compares the line with (its own code, not part of the line).

- const: a Flask route that answers constant TwiML (the fastest a Flask webhook can be here);
- secure: the same route doing the line's X-Twilio-Signature check first (twilio's
  RequestValidator over the public URL and the form), answering 403 when it fails.
Both read their constant body, token and public base URL from BENCH_BODY_FILE, BENCH_TOKEN and
BENCH_BASE, so gunicorn can serve them as `bench_floor:create_const()` / `bench_floor:create_secure()`.
"""

from __future__ import annotations

import hmac
import os

from flask import Flask, Response, request
from twilio.request_validator import RequestValidator


def make_floor(body: bytes, token: str | None = None, base: str = "", single_hmac: bool = False) -> Flask:
    """A constant-TwiML Flask app; with `token`, every request's signature is checked first
    (`single_hmac`: the way the line checks it, one HMAC, `validate` only when that fails)."""
    app = Flask("bench_floor")
    validator = RequestValidator(token) if token else None

    @app.route("/", defaults={"path": ""}, methods=["GET", "POST"])
    @app.route("/<path:path>", methods=["GET", "POST"])
    def const(path: str) -> Response:
        if validator is not None:
            query = request.query_string.decode("latin-1")
            url = base + request.path + (f"?{query}" if query else "")
            signature = request.headers.get("X-Twilio-Signature", "")
            if single_hmac and signature.isascii() and hmac.compare_digest(
                    validator.compute_signature(url, request.form), signature):
                return Response(body, content_type="text/xml; charset=utf-8")
            if not validator.validate(url, request.form, signature):
                return Response("Forbidden\n", status=403, mimetype="text/plain")
        return Response(body, content_type="text/xml; charset=utf-8")

    return app


def _body() -> bytes:
    with open(os.environ["BENCH_BODY_FILE"], "rb") as f:
        return f.read()


def create_const() -> Flask:
    return make_floor(_body())


def create_secure() -> Flask:
    return make_floor(_body(), os.environ["BENCH_TOKEN"], os.environ["BENCH_BASE"])
