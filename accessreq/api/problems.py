"""RFC 9457 problem details (``application/problem+json``) for every error under ``/api/``.

The app's error handlers draw HTML pages; ``register`` wraps each of them so a call to the API
gets a problem document instead, with field-level ``errors`` for validation failures. Pages
outside the API keep their error pages.
"""

from __future__ import annotations

import json
import math
import time

from flask import Flask, Response, current_app, request
from werkzeug.exceptions import HTTPException
from werkzeug.http import HTTP_STATUS_CODES

from ..extensions import limiter

API_PATH = "/api/"
PROBLEM_JSON = "application/problem+json"
# RFC 9457 §4.2.1: "about:blank" says the status code is the whole story, and the title is
# its phrase; ``detail`` and ``errors`` say what went wrong with this call.
PROBLEM_TYPE = "about:blank"


def problem(status: int, detail: str = "", *, errors: dict | None = None,
            headers: dict | None = None) -> Response:
    body: dict = {"type": PROBLEM_TYPE,
                  "title": HTTP_STATUS_CODES.get(status, "Error"), "status": status,
                  "detail": detail or HTTP_STATUS_CODES.get(status, "Error")}
    if errors:
        body["errors"] = errors
    response = Response(json.dumps(body), status=status, mimetype=PROBLEM_JSON)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def _flatten(messages) -> dict[str, list[str]]:
    """webargs' nested messages ({"json": {"field": ["..."]}}) as {"field": ["..."]}."""
    if isinstance(messages, dict) and set(messages) <= {"json", "query", "headers", "form",
                                                        "view_args", "files", "cookies"}:
        flat: dict = {}
        for part in messages.values():
            flat.update(part if isinstance(part, dict) else {"_": part})
        messages = flat
    out: dict[str, list[str]] = {}
    for name, value in (messages or {}).items():
        if isinstance(value, dict):
            for inner, words in _flatten(value).items():
                out[f"{name}.{inner}"] = words
        else:
            out[str(name)] = [str(v) for v in value] if isinstance(value, list) else [str(value)]
    return out


def from_http_exception(error: HTTPException) -> Response:
    status = error.code or 500
    data = getattr(error, "data", None) or {}
    headers = dict(data.get("headers") or {})
    errors = data.get("errors") or data.get("messages")
    detail = data.get("message") or ""
    if status == 429:
        current = limiter.current_limit
        wait = math.ceil(current.reset_at - time.time()) if current else 60
        headers["Retry-After"] = str(max(wait, 1))
        detail = detail or "Too many calls from this client; wait before trying again."
    elif status == 422 and errors and not detail:
        detail = "Some fields are not valid: see errors."
    elif not detail and status < 500:
        detail = error.description or ""
    if status == 405 and hasattr(error, "valid_methods") and error.valid_methods:
        headers["Allow"] = ", ".join(error.valid_methods)
    return problem(status, detail, errors=_flatten(errors) if errors else None, headers=headers)


def _for_api(handler):
    def wrapped(error):
        if not request.path.startswith(API_PATH):
            return handler(error)
        if isinstance(error, HTTPException) and (error.code or 500) >= 400:
            return from_http_exception(error)
        # A database error and the like: the page handler decides the status (and may
        # re-raise: then it comes back here as an InternalServerError).
        page = current_app.make_response(handler(error))
        return problem(page.status_code if page.status_code >= 400 else 500,
                       headers={k: v for k, v in page.headers.items() if k == "Retry-After"})
    return wrapped


def register(app: Flask) -> None:
    """Wrap every app-level error handler (call after ``errors.register``)."""
    for handlers in app.error_handler_spec[None].values():
        for cls, handler in list(handlers.items()):
            handlers[cls] = _for_api(handler)
