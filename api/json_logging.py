"""Structured logs: one JSON object per line. Callers pass only non-personal fields as `extra`."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "color_message"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        out.update({k: v for k, v in vars(record).items() if k not in _STANDARD})
        return json.dumps(out, ensure_ascii=False, default=str)


# the service's own loggers, and the classifier's (`rag.llm.*` warns about LLM faults and a server
# without a tokenizer endpoint): without a handler those would reach stderr as plain text
SERVICE_LOGGERS = ("innogrowth", "rag")


def configure_json_logging(level: str) -> None:
    """Give the service's loggers a JSON handler on stderr (idempotent; propagation untouched)."""
    for name in SERVICE_LOGGERS:
        logger = logging.getLogger(name)
        logger.setLevel(level.upper())
        if not any(isinstance(h.formatter, JsonFormatter) for h in logger.handlers):
            handler = logging.StreamHandler()
            handler.setFormatter(JsonFormatter())
            logger.addHandler(handler)


def uvicorn_log_config(level: str) -> dict[str, Any]:
    """uvicorn's own messages (startup, errors) as JSON too; its access log stays off."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "api.json_logging.JsonFormatter"}},
        "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "json"}},
        "loggers": {
            "uvicorn": {"handlers": ["stderr"], "level": level.upper(), "propagate": False},
            "uvicorn.error": {"level": level.upper()},
        },
    }
