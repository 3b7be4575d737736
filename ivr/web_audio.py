"""Serving prompt audio to Twilio's <Play>: GET /audio/<tag>/<recorded|synth>/<file>.wav

- Only files under the project's audio/ folder, and only names the line itself writes
  (`<prompt>.<hash>.wav`, audio.FILE_NAME) for a known locale: no "..", no slashes (encoded or
  not), no absolute paths; the resolved path (symlinks followed) must still be inside audio/.
- `Content-Type: audio/wav` is set explicitly (Python 3.14's mimetypes says `audio/vnd.wave`,
  which Twilio rejects with error 13420).
- File names are content-addressed (a changed prompt gets a new name), so responses are cached
  for a year as immutable; the ETag is a hash of the bytes (the same on every instance), and
  If-None-Match answers 304.
- No X-Twilio-Signature check here, deliberately: Twilio documents that it sends none of its
  request parameters when fetching <Play> URLs and documents no signature for them, and a CDN
  behind AUDIO_BASE_URL could not check one either. Requiring it would answer 403 to Twilio and
  end calls. The files are the public prompts (no caller data), so serving them openly is safe.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from flask import Blueprint, Response, current_app, send_file

from .audio import FILE_NAME, KINDS, audio_root

bp = Blueprint("audio", __name__, url_prefix="/audio")
MIMETYPE = "audio/wav"
CACHE_CONTROL = "public, max-age=31536000, immutable"
_etags: dict[tuple[str, int, int], str] = {}


def _not_found() -> Response:
    return Response("Not found\n", status=404, mimetype="text/plain")


def content_etag(path: Path) -> str:
    """A strong ETag from the file's bytes, remembered per (path, size, mtime)."""
    stat = path.stat()
    key = (str(path), stat.st_size, stat.st_mtime_ns)
    tag = _etags.get(key)
    if tag is None:
        tag = hashlib.sha256(path.read_bytes()).hexdigest()[:32]
        _etags[key] = tag
    return tag


def safe_audio_path(root: Path, tag: str, kind: str, name: str, tags: set[str]) -> Path | None:
    """The file to serve, or None when the request names anything but a prompt file in audio/."""
    if tag not in tags or kind not in KINDS or not FILE_NAME.match(name):
        return None
    base = root.resolve()
    try:
        real = (base / tag / kind / name).resolve(strict=True)
    except (OSError, RuntimeError, ValueError):   # missing, a symlink loop, a NUL byte
        return None
    if not real.is_relative_to(base / tag / kind) or not real.is_file():
        return None
    return real


@bp.route("/<tag>/<kind>/<name>", methods=["GET"])
def audio_file(tag: str, kind: str, name: str) -> Response:
    line = current_app.extensions["ivr"]
    path = safe_audio_path(audio_root(line.project), tag, kind, name, set(line.project.locales))
    if path is None:
        return _not_found()
    try:
        response = send_file(path, mimetype=MIMETYPE, etag=content_etag(path), conditional=True,
                             max_age=31536000)
    except OSError:
        return _not_found()   # vanished between the check and the read
    response.headers["Content-Type"] = MIMETYPE
    response.headers["Cache-Control"] = CACHE_CONTROL
    return response
