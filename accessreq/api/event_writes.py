"""Events created and changed through the API go through the admin event form's own rules
(the JSON is given to the same WTForms form) and ``events.services.save_event``."""

from __future__ import annotations

from flask_smorest import abort
from werkzeug.datastructures import MultiDict

from ..events.admin_views import _event_details, _event_form_data, _type_choices
from ..events.forms import EventForm
from ..events.models import Event
from ..events.services import common_timezones, organisation_choices, save_event

_TEXT = ("title", "description", "day", "start_time", "end_time", "timezone", "venue",
         "online_url", "access_provided", "close_day", "close_time")


def _as_text(value) -> str:
    if value is None:
        return ""
    return value.isoformat(timespec="minutes") if hasattr(value, "hour") else str(value)


def _form_data(current: dict, given: dict) -> MultiDict:
    """The form's fields as a browser would post them: what is given, else what is saved."""
    merged = {**current, **given}
    pairs = [(name, _as_text(merged.get(name))) for name in _TEXT]
    for flag in ("is_online", "requests_open"):
        if merged.get(flag):
            pairs.append((flag, "y"))
    type_ids = given.get("accommodation_type_ids", current.get("accommodation_types", []))
    pairs += [("accommodation_types", str(i)) for i in type_ids]
    pairs.append(("organisation", str(current.get("organisation") or "")))
    pairs += [("cosponsors", str(i)) for i in current.get("cosponsors", [])]
    return MultiDict(pairs)


def write_event(event: Event | None, given: dict) -> Event:
    current = _event_form_data(event) if event is not None else {"requests_open": True}
    form = EventForm(formdata=_form_data(current, given), meta={"csrf": False},
                     type_choices=_type_choices(), organisation_choices=organisation_choices(),
                     common_timezones=common_timezones())
    if not form.validate():
        errors = {("accommodation_type_ids" if name == "accommodation_types" else name):
                  list(messages) for name, messages in form.errors.items()}
        abort(422, errors=errors)
    return save_event(event, _event_details(form))
