"""A request created through the API goes through the public form's own rules: the JSON is
given to the same WTForms form (without its CSRF and spam fields, which guard a browser), then
to ``submit_request`` (routing, the confirmation and the staff notice in the outbox)."""

from __future__ import annotations

from flask import current_app, url_for
from flask_smorest import abort
from werkzeug.datastructures import MultiDict

from ..events.models import Event
from ..requests.models import AccessRequest
from ..extensions import db
from ..requests.forms import FOR_ME, FOR_SOMEONE_ELSE, details_field_name, request_form_for
from ..requests.services import RequestActionError, submit_request
from .idempotency import Keep


def _form_data(data: dict) -> MultiDict:
    pairs = [("contact_name", data["contact_name"]), ("contact_email", data["contact_email"]),
             ("contact_channel", data["contact_channel"]),
             ("contact_phone", data["contact_phone"]),
             ("for_whom", FOR_SOMEONE_ELSE if data["attendee_name"] else FOR_ME),
             ("attendee_name", data["attendee_name"] or ""),
             ("anything_else", data["anything_else"])]
    if data["phone_on_the_day"]:
        pairs.append(("phone_on_the_day", "y"))
    if data["consent"]:
        pairs.append(("consent", "y"))
    for chosen in data["accommodations"]:
        pairs.append(("accommodations", str(chosen["id"])))
        if chosen["details"]:
            pairs.append((details_field_name(chosen["id"]), chosen["details"]))
    return MultiDict(pairs)


def create_request(data: dict, keep: Keep | None = None) -> dict:
    """The new request's answer (reference, status, links); ``keep(answer, 201)`` is called
    in the request's own transaction (an Idempotency-Key's stored answer)."""
    event = db.session.get(Event, data["event_id"])
    if event is None:
        abort(422, errors={"event_id": ["No event with that id."]})
    form = request_form_for(event, current_app.config["RETENTION_DAYS"], spam_guard=False,
                            formdata=_form_data(data), meta={"csrf": False})
    if not form.validate():
        errors = {("accommodations" if name.startswith("details_") else name): list(messages)
                  for name, messages in form.errors.items()}
        if "for_whom" in errors:
            errors["attendee_name"] = errors.pop("for_whom")
        abort(422, errors=errors)
    also = None if keep is None else (lambda created, url: keep(_answer(created, url), 201))
    try:
        submission = form.submission()
        submission.language = data["language"]
        access_request, status_url = submit_request(event, submission, also=also)
    except RequestActionError as error:
        abort(409, message=str(error))
    return _answer(access_request, status_url)


def _answer(access_request: AccessRequest, status_url: str) -> dict:
    return {"reference": access_request.reference, "status": access_request.status.value,
            "status_url": status_url,
            "url": url_for("api.get_request", reference=access_request.reference,
                           _external=True)}
