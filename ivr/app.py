"""The application factory: configuration in, a ready Flask app out (or a clear refusal)."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from flask import Flask
from twilio.request_validator import RequestValidator

from . import twiml
from .audio import Resolver
from .cache import RenderCache, cache_from_env
from .config import Config
from .engine import Engine, fallback_parts
from .hours import Clock
from .load import load_project
from .model import Project


@dataclass(frozen=True)
class Line:
    """Everything a request needs, built once: the project, sounds, engine and validator."""

    config: Config
    project: Project
    resolver: Resolver
    engine: Engine
    validator: RequestValidator
    fallback_xml: str
    cache: RenderCache = field(default_factory=RenderCache)


def build_line(config: Config, clock: Clock | None = None) -> Line:
    """Load and check the content; raises `ConfigError` with every problem if it is not valid.
    `clock` (default: the real time) decides business hours; tests and `ivr call --at` fix it."""
    project = load_project(config.root, config.env)
    resolver = Resolver(project, config.public_base_url + "/audio", config.audio_base_url)
    engine = Engine(project, resolver, config.public_base_url, clock)
    fallback = twiml.render_fallback(fallback_parts(engine))
    return Line(config, project, resolver, engine, RequestValidator(config.auth_token), fallback,
                cache_from_env(config.env, remote_audio=bool(config.audio_base_url)))


def create_app(root: Path | str | None = None, env: Mapping[str, str] | None = None, *,
               dev: bool = False, config: Config | None = None, clock: Clock | None = None) -> Flask:
    """Create the app. Raises `SettingsError` or `ConfigError` instead of starting half-right."""
    from . import health, web, web_audio

    config = config or Config.from_env(Path(root) if root else None, env, dev=dev)
    app = Flask(__name__)
    app.config["IVR_DEV"] = config.dev
    app.extensions["ivr"] = build_line(config, clock)
    app.register_blueprint(web.bp)
    app.register_blueprint(web_audio.bp)

    from . import devtools

    devtools.register(app)  # the web phone and the map: dev mode or operator login only
    app.register_blueprint(health.bp)
    logging.getLogger("ivr").setLevel(logging.INFO)
    return app
