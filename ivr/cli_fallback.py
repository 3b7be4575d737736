"""`ivr fallback`: the static fallback TwiML document, generated from the YAML.

Twilio requests a number's fallback URL ("Primary handler fails") when our server cannot answer.
The document is self-contained (no action URLs, no redirects back to us): the "technical problem;
if you are in danger hang up and dial 911" line in every welcome language, then the firm, then the
national hotline. Host it somewhere independent of this server (a TwiML Bin, a bucket); the line
also serves the same bytes at /voice/fallback.
"""

from __future__ import annotations

import os
import re
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from .app import Line

PLACEHOLDER_TOKEN = "not-needed-for-the-fallback-document"


def fallback_line(root: Path, env: Mapping[str, str], dev: bool = False) -> Line:
    """The line for the content in `root` with the deployment settings in `env`.

    The auth token plays no part in the fallback document, so it is not required here."""
    from .app import build_line
    from .config import Config

    env = {**env, "TWILIO_AUTH_TOKEN": env.get("TWILIO_AUTH_TOKEN") or PLACEHOLDER_TOKEN}
    return build_line(Config.from_env(root, env, dev=dev))


def self_hosted_audio(document: str, public_base_url: str) -> list[str]:
    """<Play> URLs in `document` that this server itself would have to serve."""
    return [u for u in re.findall(r"<Play>([^<]*)</Play>", document) if u.startswith(public_base_url)]


@click.command("fallback")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the document to FILE (default: print it).")
@click.option("--dev", is_flag=True, help="Use the stand-in numbers of `ivr serve --dev` (to preview it).")
@click.pass_context
def fallback(ctx: click.Context, out: Path | None, dev: bool) -> None:
    """Write the static fallback TwiML (for the number's "Primary handler fails" URL)."""
    from .cli import CONTENT_PROBLEM, USAGE_PROBLEM, _root, fail, show_problems
    from .config import SettingsError
    from .problems import ConfigError

    root = _root(ctx)
    if not (root / "menus.yaml").exists():
        fail(f"no menus.yaml in {root} - run this in the line's folder or pass --root", USAGE_PROBLEM)
    try:
        line = fallback_line(root, os.environ, dev=dev)
    except SettingsError as exc:
        fail(str(exc), USAGE_PROBLEM)
        return
    except ConfigError as exc:
        show_problems(exc.problems)
        fail(f"no fallback document: {len(exc.problems)} problem(s) in the content", CONTENT_PROBLEM)
        return
    document = line.fallback_xml
    own = self_hosted_audio(document, line.config.public_base_url)
    if own:
        click.echo(f"warning: the fallback plays {len(own)} sound(s) from this server ({own[0]} ...); when the "
                   "server is down they cannot play - set AUDIO_BASE_URL to a bucket or CDN and run this again",
                   err=True)
    data = document.encode("utf-8")
    if out is None:
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("wb", dir=out.parent, prefix=f".{out.name}.", delete=False) as tmp:
        tmp.write(data)
    os.replace(tmp.name, out)
    click.echo(f"wrote {out} ({len(data)} bytes): host it as a TwiML Bin or on a bucket, and set the number's "
               "'Primary handler fails' URL to it (the line also serves it at /voice/fallback)", err=True)
