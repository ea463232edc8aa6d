"""Bearer-token authentication and per-endpoint scopes. No cookies or sessions: the API never
reads Flask-Login's user, so a browser's staff session gives no access here."""

from __future__ import annotations

from functools import wraps

from flask import request as http_request
from flask_smorest import abort

from .models import ApiClient
from .services import client_for_token, record_use

CHALLENGE = {"WWW-Authenticate": 'Bearer realm="accessreq"'}


# Where this request's client is kept: in the request's own environ, never in ``g``, which a
# test's shared app context would carry over to the next call.
CLIENT_KEY = "accessreq.api_client"


def current_client() -> ApiClient:
    return http_request.environ[CLIENT_KEY]


def _token() -> str:
    header = http_request.headers.get("Authorization", "")
    kind, _, token = header.partition(" ")
    return token.strip() if kind.lower() == "bearer" else ""


def authenticate() -> ApiClient:
    client = http_request.environ.get(CLIENT_KEY) or client_for_token(_token())
    if client is None:
        abort(401, message="Send a valid API token: Authorization: Bearer <token>.",
              headers=CHALLENGE)
    if client.revoked_at is not None:
        abort(401, message="This API token was revoked.", headers=CHALLENGE)
    http_request.environ[CLIENT_KEY] = client
    return client


def requires(scope: str):
    """Refuse the call without a valid token (401) or without ``scope`` (403)."""
    def decorate(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            client = authenticate()
            if scope not in client.scope_set:
                abort(403, message=f"This token does not have the scope {scope}.")
            record_use(client)
            return view(*args, **kwargs)
        wrapped.required_scope = scope
        return wrapped
    return decorate


def rate_limit_key() -> str:
    """Flask-Limiter's key: the client (its token's hash), not the address, so clients behind
    one proxy do not share a budget."""
    client = client_for_token(_token())
    if client is not None:
        http_request.environ[CLIENT_KEY] = client
        return f"api-client:{client.id}"
    return f"api-anonymous:{http_request.remote_addr}"
