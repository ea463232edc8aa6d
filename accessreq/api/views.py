"""The endpoints. Views are thin: they check the scope, read the arguments the schemas
validated, call one service and answer; errors are problem documents (problems.py)."""

from __future__ import annotations

from flask import current_app, jsonify, render_template
from flask import request as http_request
from flask_smorest import abort

from ..events.models import Event
from ..extensions import db
from ..requests.models import AccessRequest
from ..requests.outcomes import ShortfallReason
from ..requests.services import RequestActionError, StaleRequestError
from ..requests.states import RequestStatus
from ..triage import services as triage
from . import queries, services
from .models import SCOPES
from .auth import current_client, requires
from .blueprint import API_KEY, blp, docs_bp, documented
from .event_writes import write_event
from .idempotency import once
from .intake import create_request
from .schemas import (CatalogueSchema, CreatedRequestSchema, EventInSchema, EventPageSchema,
                      EventSchema,
                      PageArgs, ReplySchema, RequestDetailSchema, RequestFilterArgs,
                      RequestInSchema, RequestPageSchema, StatusChangeSchema)

# access_log.action values for API reads (the log names the client).
API_LIST = "api_list"
API_VIEW = "api_view"


# --- the document and its page -----------------------------------------------------------------


def _document() -> dict:
    return current_app.extensions[API_KEY].spec.to_dict()


@docs_bp.get("/openapi.json")
def openapi_document():
    return jsonify(_document())


@docs_bp.get("/docs")
def docs():
    return render_template("api/docs.html", spec=_document(), scopes=SCOPES)


# --- events and the catalogue ------------------------------------------------------------------


@blp.get("/events")
@requires("events:read")
@blp.arguments(PageArgs, location="query", as_kwargs=True)
@blp.response(200, EventPageSchema)
@documented("events:read", 422)
def list_events(cursor, limit):
    """Events, oldest first, one page at a time."""
    return queries.keyset_page(queries.events_statement(), Event, cursor, limit)


@blp.get("/events/<int(max=2147483647):event_id>")
@requires("events:read")
@blp.response(200, EventSchema)
@documented("events:read", 404)
def get_event(event_id: int):
    """One event."""
    event = db.session.get(Event, event_id)
    if event is None:
        abort(404, message="No event with that id.")
    return event


@blp.post("/events")
@requires("events:write")
@blp.arguments(EventInSchema)
@blp.response(201, EventSchema)
@documented("events:write", write=True)
def create_event(data):
    """Create an event, checked by the admin event form's rules."""
    event = write_event(None, data)
    current_app.logger.info("API client %s created event %s", current_client().name, event.id)
    return event, 201


@blp.patch("/events/<int(max=2147483647):event_id>")
@requires("events:write")
@blp.arguments(EventInSchema(partial=True))
@blp.response(200, EventSchema)
@documented("events:write", 404, write=True)
def update_event(data, event_id: int):
    """Change an event: the fields sent replace the saved ones, the rest stay."""
    event = db.session.get(Event, event_id)
    if event is None:
        abort(404, message="No event with that id.")
    write_event(event, data)
    current_app.logger.info("API client %s changed event %s", current_client().name, event.id)
    return event


@blp.get("/accommodations")
@requires("events:read")
@blp.response(200, CatalogueSchema)
@documented("events:read")
def list_accommodations():
    """The accommodation catalogue (active types)."""
    return {"items": queries.catalogue()}


# --- requests ----------------------------------------------------------------------------------


@blp.post("/requests")
@requires("requests:create")
@blp.arguments(RequestInSchema)
@blp.response(201, CreatedRequestSchema)
@blp.doc(parameters=[{"in": "header", "name": "Idempotency-Key", "required": False,
                      "schema": {"type": "string", "maxLength": 255},
                      "description": "Retrying with the same key and body returns the first "
                                     "answer and creates nothing."}])
@documented("requests:create", 404, 409, write=True)
def create(data):
    """Create a request exactly as the public form does: same rules, routing and emails."""
    client = current_client()
    key = http_request.headers.get("Idempotency-Key", "").strip()
    if len(key) > 255:
        abort(422, errors={"Idempotency-Key": ["At most 255 characters."]})
    body, status = once(client, key, http_request.get_json(silent=True),
                        lambda keep: (CreatedRequestSchema().dump(create_request(data, keep)),
                                      201))
    current_app.logger.info("API client %s created request %s", client.name, body["reference"])
    return body, status, {"Location": body["url"]}


@blp.get("/requests")
@requires("requests:read")
@blp.arguments(RequestFilterArgs, location="query", as_kwargs=True)
@blp.response(200, RequestPageSchema)
@documented("requests:read", 422)
def list_requests(cursor, limit, status, event, team, updated_since):
    """Requests within the token's team, oldest first, filtered like the staff queue."""
    client = current_client()
    statement = queries.requests_statement(client, status=status, event=event, team=team,
                                           updated_since=updated_since)
    page = queries.keyset_page(statement, AccessRequest, cursor, limit)
    services.log_reads(client, [r.id for r in page["items"]], API_LIST)
    return page


def _etag(access_request: AccessRequest) -> str:
    return f'"v{access_request.version}"'


@blp.get("/requests/<reference>")
@requires("requests:read")
@blp.response(200, RequestDetailSchema, headers={"ETag": {"schema": {"type": "string"}}})
@documented("requests:read", 404)
def get_request(reference: str):
    """One request and its public history (what the attendee's status page shows)."""
    client = current_client()
    access_request = queries.request_for(client, reference)
    services.log_reads(client, [access_request.id], API_VIEW)
    return access_request, 200, {"ETag": _etag(access_request)}


def _checked_version(access_request: AccessRequest) -> int:
    """``If-Match`` must name the current ETag: 428 without it, 412 when it is stale."""
    wanted = http_request.headers.get("If-Match", "").strip()
    if not wanted:
        abort(428, message="Send If-Match with the ETag from GET /requests/{reference}.")
    if wanted != "*" and _etag(access_request) not in [t.strip() for t in wanted.split(",")]:
        abort(412, message="The request changed since that ETag: read it again.")
    return access_request.version


def _change(access_request: AccessRequest, action) -> tuple:
    try:
        action()
    except StaleRequestError:
        abort(412, message="The request changed meanwhile: read it again.")
    except RequestActionError as error:
        abort(409, message=str(error))
    db.session.refresh(access_request)
    return access_request, 200, {"ETag": _etag(access_request)}


IF_MATCH = {"in": "header", "name": "If-Match", "required": True,
            "schema": {"type": "string"}, "description": "The ETag read last."}


@blp.post("/requests/<reference>/status")
@requires("requests:write")
@blp.arguments(StatusChangeSchema)
@blp.response(200, RequestDetailSchema, headers={"ETag": {"schema": {"type": "string"}}})
@blp.doc(parameters=[IF_MATCH])
@documented("requests:write", 404, 409, 412, 428, write=True)
def change_status(data, reference: str):
    """Move the request on through the state machine, telling the attendee (as staff do)."""
    client = current_client()
    access_request = queries.request_for(client, reference)
    version = _checked_version(access_request)
    shortfall = ShortfallReason(data["shortfall_reason"]) if data["shortfall_reason"] else None
    current_app.logger.info("API client %s moves %s to %s", client.name,
                            access_request.reference, data["status"])
    return _change(access_request, lambda: triage.change_status(
        access_request, None, RequestStatus(data["status"]), data["message"],
        expected_version=version, shortfall=shortfall))


@blp.post("/requests/<reference>/replies")
@requires("requests:write")
@blp.arguments(ReplySchema)
@blp.response(200, RequestDetailSchema, headers={"ETag": {"schema": {"type": "string"}}})
@blp.doc(parameters=[IF_MATCH])
@documented("requests:write", 404, 409, 412, 428, write=True)
def add_reply(data, reference: str):
    """A public reply to the attendee: emailed and shown on their status page."""
    client = current_client()
    access_request = queries.request_for(client, reference)
    version = _checked_version(access_request)
    current_app.logger.info("API client %s replies on %s", client.name, access_request.reference)
    return _change(access_request, lambda: triage.reply(access_request, None, data["body"],
                                                        expected_version=version))


