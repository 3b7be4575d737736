"""Deployment settings from the environment, checked before the line starts."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

# Stand-in numbers for `ivr serve --dev` and tests: 555-01xx numbers are fictional, and 933 is
# Twilio's emergency test line (it reads back the registered address; it is not 911).
DEV_ENV: Mapping[str, str] = {
    "FIRM_NUMBER": "+12125550100",
    "TWILIO_NUMBER": "+12125550199",
    "EMERGENCY_CALLER_ID": "+12125550199",
    "EMERGENCY_NUMBER": "933",
}


class SettingsError(Exception):
    """A deployment setting is missing or wrong; the message says which and how to fix it."""


@dataclass(frozen=True)
class Config:
    root: Path
    auth_token: str
    public_base_url: str
    audio_base_url: str | None
    dev: bool
    env: Mapping[str, str]

    @classmethod
    def from_env(cls, root: Path | None = None, env: Mapping[str, str] | None = None, *,
                 dev: bool = False, port: int = 8080) -> Config:
        """Read settings; in dev mode stand-ins fill what is missing, never in production."""
        source = dict(os.environ if env is None else env)
        if dev:
            source = {**DEV_ENV, **source}
        token = source.get("TWILIO_AUTH_TOKEN", "")
        if not token:
            if not dev:
                raise SettingsError(
                    "TWILIO_AUTH_TOKEN is not set - set it to your Twilio account's Auth Token "
                    "(Console > Account > API keys & tokens); without it no request can be verified. "
                    "For a local trial, use `ivr serve --dev`.")
            token = "dev-token-" + os.urandom(8).hex()
        base = source.get("PUBLIC_BASE_URL", "")
        if not base:
            if not dev:
                raise SettingsError(
                    "PUBLIC_BASE_URL is not set - set it to the https address Twilio calls, "
                    "e.g. https://line.example.org (signatures are checked against it).")
            base = f"http://127.0.0.1:{port}"
        if not base.startswith(("http://", "https://")):
            raise SettingsError(f"PUBLIC_BASE_URL '{base}' must start with https:// (or http:// locally)")
        audio = source.get("AUDIO_BASE_URL") or None
        content = Path(root or source.get("IVR_ROOT") or Path.cwd())
        return cls(content, token, base.rstrip("/"), audio, dev, source)
