"""Production serving with gunicorn, configured from code (no separate config file to forget)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from gunicorn.app.base import BaseApplication


class LineServer(BaseApplication):  # type: ignore[misc]
    def __init__(self, root: Path, options: dict[str, Any]):
        self.root = root
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        from .app import create_app

        return create_app(self.root)


def run_gunicorn(root: Path, host: str, port: int, workers: int) -> None:
    """Run the line under gunicorn: sync workers, timeouts well under Twilio's 15 s."""
    LineServer(root, {
        "bind": f"{host}:{port}",
        "workers": workers,
        "worker_class": "sync",
        "timeout": 10,
        "graceful_timeout": 10,
        "keepalive": 5,
        "accesslog": None,     # access lines are not needed; ours carry no caller data anyway
        "errorlog": "-",
        "preload_app": False,
    }).run()
