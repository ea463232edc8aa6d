"""The API's flask-smorest objects: the ``Api`` (the OpenAPI document) and the blueprint every
endpoint module adds to. flask-smorest registers into our plain Flask app (APIFlask wants its
own app class), and builds the document from the marshmallow schemas that check each call."""

from __future__ import annotations

from flask import Blueprint as FlaskBlueprint
from flask_smorest import Api, Blueprint

from .models import SCOPES
from .problems import PROBLEM_JSON
from .schemas import ProblemSchema

TITLE = "accessreq API"
VERSION = "1"


class ApiWithoutErrorPages(Api):
    """flask-smorest's Api, minus its app-wide JSON error handler: HTML pages keep theirs and
    the API's errors are problem documents (problems.register)."""

    DEFAULT_ERROR_RESPONSE_NAME = None  # each endpoint lists its problem answers instead

    def _register_error_handlers(self):
        pass


SPEC_KWARGS = {
    "title": TITLE, "version": VERSION, "openapi_version": "3.1.0",
    "info": {"description": "Events, the accommodation catalogue and access requests, for "
                            "event platforms and other systems. Every call needs "
                            "`Authorization: Bearer <token>`; admins create tokens."},
}
# Where create_app keeps the app's Api (one per app: tests build many apps).
API_KEY = "accessreq.api"


def new_api(app) -> Api:
    api = ApiWithoutErrorPages(app, spec_kwargs=SPEC_KWARGS)
    api.spec.components.security_scheme(
        "bearerAuth", {"type": "http", "scheme": "bearer",
                       "description": "An API client's token. Scopes: " + ", ".join(SCOPES)})
    from .schemas import EventInSchema, HistorySchema

    for unused in ("Error", "PaginationMetadata"):  # flask-smorest's own; we answer problems
        api.spec.components.schemas.pop(unused, None)
    api.spec.components.schema("History", schema=HistorySchema)  # named by RequestDetail
    api.spec.components.schema("EventPatch", schema=EventInSchema(partial=True))
    app.extensions[API_KEY] = api
    return api


blp = Blueprint("api", __name__, url_prefix="/api/v1",
                description="accessreq's JSON API, version 1.")
# The document itself and its HTML page (not endpoints of the document).
docs_bp = FlaskBlueprint("api_docs", __name__, url_prefix="/api/v1")

# What each documented error means; every endpoint lists the ones it may answer.
ERRORS = {
    400: "The call could not be read (bad JSON, a bad header).",
    401: "No token, an unknown token, or a revoked token.",
    403: "The token lacks the scope this endpoint needs.",
    404: "No such resource, or not within the token's team.",
    409: "The change is not allowed now (the state machine, a closed event).",
    412: "If-Match does not match the current ETag: reload and try again.",
    415: "The body must be application/json.",
    422: "Some fields are not valid; see `errors`.",
    428: "If-Match is required for this change.",
    429: "Too many calls from this client; see Retry-After.",
}


def documented(scope: str, *codes: int, write: bool = False):
    """Document the scope (security) and the problem answers of an endpoint."""
    def decorate(view):
        view = blp.doc(security=[{"bearerAuth": [scope]}],
                       description=f"Needs the scope `{scope}`: {SCOPES[scope]}.")(view)
        for code in sorted({401, 403, 429, *codes, *((400, 415, 422) if write else ())}):
            view = blp.alt_response(code, schema=ProblemSchema, description=ERRORS[code],
                                    content_type=PROBLEM_JSON)(view)
        return view
    return decorate
