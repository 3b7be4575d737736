"""Production serving with gunicorn (settings in ivr/gunicorn_conf.py), reloaded safely on SIGHUP.

The master process builds and checks the line before any worker exists and the workers are forked
from it (preload). On SIGHUP the master builds the line again from the files on disk:
- if the new content is valid, the new workers are forked from it and the old ones finish their
  requests and exit (gunicorn's graceful reload): the new content is live;
- if it is not, every problem is logged as `file:line: what - how to fix`, the master keeps the
  last good line, and the new workers are forked from that: callers never notice.
A worker never reads the content itself, so a bad edit can never make workers fail to boot
(which would stop gunicorn, and with it the line).
"""

from __future__ import annotations

import gc
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from gunicorn.app.base import BaseApplication

from . import gunicorn_conf

log = logging.getLogger("ivr.reload")
SETTINGS = ("workers", "worker_class", "timeout", "graceful_timeout", "keepalive", "backlog", "preload_app",
            "max_requests", "accesslog", "errorlog", "loglevel", "logger_class", "control_socket_disable")


def fingerprint(app: Any) -> str:
    try:
        return str(app.extensions["ivr"].project.fingerprint)
    except (AttributeError, KeyError):
        return "-"


class LineServer(BaseApplication):  # type: ignore[misc]
    def __init__(self, root: Path, options: dict[str, Any], app: Any = None,
                 build: Callable[[], Any] | None = None):
        self.root = root
        self.options = options
        self.build = build or self._default_build
        super().__init__()
        self.callable = app

    def _default_build(self) -> Any:
        from .app import create_app

        return create_app(self.root)

    def load_config(self) -> None:
        for key in SETTINGS:
            if key in self.cfg.settings:  # control_socket_disable is new in gunicorn 25
                self.cfg.set(key, getattr(gunicorn_conf, key))
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        return self.build()

    def reload(self) -> None:
        """SIGHUP in the master: gunicorn's settings, then the line (kept if the new one is bad)."""
        super().reload()
        gc.unfreeze()
        self.callable = reload_line(self.callable, self.build)
        freeze_for_fork()


def freeze_for_fork() -> None:
    """Collect, then move everything the master holds out of the garbage collector's sight, so
    forked workers neither rescan the (large, immutable) line nor copy its pages by doing so."""
    gc.collect()
    gc.freeze()


def reload_line(current: Any, build: Callable[[], Any]) -> Any:
    """The line built from the files now on disk, or `current` (with every problem logged)."""
    from .config import SettingsError
    from .problems import ConfigError

    old = fingerprint(current)
    try:
        new = build()
    except ConfigError as exc:
        for problem in exc.problems:
            log.error("reload rejected: %s", problem,
                      extra={"fields": {"event": "reload-problem", "problem": str(problem)}})
        reason = f"{len(exc.problems)} problem(s) in the content"
    except SettingsError as exc:
        reason = str(exc)
    except Exception as exc:  # anything else: still keep the line up
        log.exception("reload failed")
        reason = f"{type(exc).__name__}: {exc}"
    else:
        log.info("reloaded: content %s -> %s", old, fingerprint(new),
                 extra={"fields": {"event": "reloaded", "old": old, "fingerprint": fingerprint(new)}})
        return new
    log.error("reload rejected (%s); still serving the last good content %s", reason, old,
              extra={"fields": {"event": "reload-rejected", "reason": reason, "fingerprint": old}})
    return current


def run_gunicorn(root: Path, host: str, port: int, workers: int, app: Any = None,
                 build: Callable[[], Any] | None = None) -> None:
    """Run the line under gunicorn; `app` is the line already built and checked (else built here)."""
    server = LineServer(root, {"bind": f"{host}:{port}", "workers": workers}, app, build)
    freeze_for_fork()
    server.run()
