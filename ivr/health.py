"""`GET /healthz` for load balancers and orchestrators: no signature, no caller data.

It answers 200 with the content fingerprint (which version of menus.yaml + locales is live, so a
reload or a rolling deploy can be watched) after rendering the first step of a call, so "ok"
means the line can actually answer; 503 if it cannot.
"""

from __future__ import annotations

import logging
import os

from flask import Blueprint, Response, current_app, jsonify

from . import twiml

bp = Blueprint("health", __name__)
log = logging.getLogger("ivr.health")


@bp.route("/healthz", methods=["GET", "HEAD"])
def healthz() -> Response:
    line = current_app.extensions["ivr"]
    try:
        twiml.render(line.engine.answer())
    except Exception:
        log.exception("health check: the first step of a call cannot be built")
        reply = jsonify(status="error", fingerprint=line.project.fingerprint)
        reply.status_code = 503
        return reply
    reply = jsonify(status="ok", fingerprint=line.project.fingerprint, pid=os.getpid(),
                    menus=len(line.project.menus), locales=len(line.project.enabled_locales))
    reply.headers["Cache-Control"] = "no-store"
    return reply
