"""Structured JSON logs with a request id; paths are logged as route patterns, never with
tokens, and no personal data is ever put in a log record."""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid
from functools import partial

from flask import Flask, g, request

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


class JSONFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key in ("request_id", "method", "route", "status", "duration_ms"):
            value = getattr(record, key, None)
            if value is not None:
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


class _RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            try:
                record.request_id = g.get("request_id")
            except RuntimeError:  # outside a request
                record.request_id = None
        return True


def configure_logging(app: Flask) -> None:
    if app.testing or app.config.get("LOG_FORMAT") != "json":
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JSONFormatter())
    handler.addFilter(_RequestIdFilter())
    app.logger.handlers[:] = [handler]
    app.logger.setLevel(app.config.get("LOG_LEVEL", "INFO"))
    app.logger.propagate = False
    # Werkzeug's access log prints full paths, which can hold status-link tokens.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)


def route_pattern() -> str:
    """The matched rule, e.g. ``/r/<token>/message``: never the path, which may hold a token."""
    return request.url_rule.rule if request.url_rule else "(no route)"


def _log_exception(app: Flask, exc_info) -> None:
    """Replaces Flask's "Exception on <path> [METHOD]", which would log the status token."""
    app.logger.error(f"Exception on {route_pattern()} [{request.method}]", exc_info=exc_info,
                     extra={"method": request.method, "route": route_pattern()})


def register(app: Flask) -> None:
    configure_logging(app)
    app.log_exception = partial(_log_exception, app)
    access_log = app.logger.getChild("access")

    @app.before_request
    def _start():
        incoming = request.headers.get("X-Request-ID", "")
        g.request_id = incoming if _REQUEST_ID.match(incoming) else uuid.uuid4().hex
        g.started = time.perf_counter()

    @app.after_request
    def _finish(response):
        response.headers["X-Request-ID"] = g.get("request_id", "")
        if app.config.get("LOG_FORMAT") == "json":
            access_log.info("request", extra={
                "request_id": g.get("request_id"),
                "method": request.method,
                # The rule, e.g. /r/<token>, never the token itself.
                "route": route_pattern(),
                "status": response.status_code,
                "duration_ms": round((time.perf_counter() - g.get("started", time.perf_counter())) * 1000, 1),
            })
        return response
