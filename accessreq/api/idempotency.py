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

# Records an answer in the caller's transaction: (body, status).
Keep = Callable[[dict, int], None]


def once(client: ApiClient, key: str, sent: object,
         act: Callable[[Keep], tuple[dict, int]]) -> tuple[dict, int]:
    """``act(keep)`` (body, status) the first time ``key`` is used; its stored answer after.

    ``act`` calls ``keep(body, status)`` inside the transaction that makes its change, so the
    change and the stored answer are written together: a call that dies before its commit
    leaves a claimed key with no answer and no change, which a retry takes over once the
    claim is older than ``services.CLAIM_SECONDS``."""
    if not key:
        return act(lambda body, status: None)
    print_ = services.fingerprint(http_request.method, http_request.path, sent)
    stored = services.stored_response(client, key)
    if stored is not None:
        if stored.fingerprint != print_:
            abort(422, message="This Idempotency-Key was used with a different body.",
                  errors={"Idempotency-Key": ["Already used with a different body."]})
        if stored.response_status:
            return json.loads(stored.answer), stored.response_status
        row = services.take_over_abandoned(stored)
    else:
        row = services.reserve_key(client, key, print_)
    if row is None:  # a twin call holds the key (claimed a moment ago)
        abort(409, message=IN_FLIGHT)

    def keep(body: dict, status: int) -> None:
        row.response_status, row.answer = status, json.dumps(body)

    try:
        body, status = act(keep)
    except HTTPException:
        services.release_key(row)  # refused: a corrected call may use the key
        raise
    if not row.response_status:  # the act made no change of its own to write the answer with
        services.keep_response(row, status, json.dumps(body))
    return body, status
