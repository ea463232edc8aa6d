"""``Idempotency-Key``: a call retried with the same key and body gets the first answer and
creates nothing; the same key with another body is refused."""

from __future__ import annotations

import json
from collections.abc import Callable

from flask import request as http_request
from flask_smorest import abort
from werkzeug.exceptions import HTTPException

from . import services
from .models import ApiClient

IN_FLIGHT = "A call with this Idempotency-Key is still being handled; retry in a moment."


def once(client: ApiClient, key: str, sent: object,
         act: Callable[[], tuple[dict, int]]) -> tuple[dict, int]:
    """``act()`` (body, status) the first time ``key`` is used; its stored answer after."""
    if not key:
        return act()
    print_ = services.fingerprint(http_request.method, http_request.path, sent)
    stored = services.stored_response(client, key)
    if stored is not None:
        if stored.fingerprint != print_:
            abort(422, message="This Idempotency-Key was used with a different body.",
                  errors={"Idempotency-Key": ["Already used with a different body."]})
        if not stored.response_status:
            abort(409, message=IN_FLIGHT)
        return json.loads(stored.response_body), stored.response_status
    row = services.reserve_key(client, key, print_)
    if row is None:  # a twin call claimed the key a moment ago
        abort(409, message=IN_FLIGHT)
    try:
        body, status = act()
    except HTTPException:
        services.release_key(row)  # refused: a corrected call may use the key
        raise
    services.keep_response(row, status, json.dumps(body))
    return body, status
