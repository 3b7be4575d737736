"""Structured logs: one JSON object per line, for production log collectors.

A webhook logs one line with the fields in `WEBHOOK_FIELDS` (passed as `extra={"fields": {...}}`);
any other record becomes {"ts", "level", "logger", "msg"}. Nothing here ever sees the request
form, so the caller's number and place (`From`, `Caller`, `FromCity`, `FromZip`, ...) cannot
reach a log line through this module: only the fields the webhook code chose are written.
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any

WEBHOOK_FIELDS = ("event", "call", "locale", "menu", "key", "ms", "status", "result", "cache")


class JsonFormatter(logging.Formatter):
    """Formats a record as one line of JSON."""

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
        }
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            out.update(fields)
        else:
            out["msg"] = record.getMessage()
        if record.exc_info:
            out["error"] = self.formatException(record.exc_info)
        return json.dumps(out, ensure_ascii=False, separators=(",", ":"), default=str)


def logconfig(level: str = "INFO") -> dict[str, Any]:
    """A `logging.config.dictConfig` dict: JSON lines on stderr for ours and gunicorn's logs."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "ivr.logs.JsonFormatter"}},
        "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "json",
                                "stream": "ext://sys.stderr"}},
        "root": {"level": "WARNING", "handlers": ["stderr"]},
        "loggers": {
            "ivr": {"level": level, "handlers": ["stderr"], "propagate": False},
            "gunicorn.error": {"level": "INFO", "handlers": ["stderr"], "propagate": False},
            "gunicorn.access": {"level": "WARNING", "handlers": [], "propagate": False},
        },
    }
