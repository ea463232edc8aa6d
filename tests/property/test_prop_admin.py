"""Arbitrary text in the admin forms (events, catalogue, organisations, staff): never a 5xx,
every echo escaped (``inputs.send``), and whatever is saved holds no control characters."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from .inputs import TEXT, send
from sqlalchemy import select

from accessreq.auth.models import StaffUser
from accessreq.events.models import AccommodationType, Event
from accessreq.extensions import db
from accessreq.forms import has_control_characters
from accessreq.routing.models import Organisation

EVENT = {"title": "Lecture", "day": "2031-07-15", "start_time": "18:30", "end_time": "20:00",
         "timezone": "Europe/London", "venue": "Main Hall", "description": "",
         "access_provided": ""}
TYPE = {"name": "Braille", "description": "Braille.", "lead_time_days": "14",
        "details_label": "", "details_hint": "", "position": ""}
# path, the valid data around the field, the model it saves, its text columns.
FORMS = {
    "event": ("/admin/events/new", EVENT, Event,
              ["title", "venue", "description", "access_provided"]),
    "type": ("/admin/catalogue/new", TYPE, AccommodationType,
             ["name", "description", "details_label", "details_hint"]),
    "organisation": ("/admin/organisations", {"name": "Society"}, Organisation, ["name"]),
    "staff": ("/admin/staff/new", {"name": "New Person", "email": "new@example.org",
                                   "role": "coordinator"}, StaffUser, ["name", "email"]),
}
MULTI_LINE = {"description", "access_provided"}


@given(form_and_field=st.sampled_from([(f, c) for f, spec in FORMS.items() for c in spec[3]]),
       value=TEXT, n=st.integers(min_value=0, max_value=10**9))
def test_asvs_5_1_3_admin_forms_with_any_text(admin_client, form_and_field, value, n):
    form, column = form_and_field
    path, valid, model, columns = FORMS[form]
    data = dict(valid)
    if "email" in data:
        data["email"] = f"new{n}@example.org"  # one account per address
    if form in ("type", "organisation"):
        data["name"] = f"{data['name']} {n}"  # names are unique
    data[column] = value
    response = send(admin_client, path, data)
    if response.status_code in (302, 303):
        db.session.expire_all()
        saved = db.session.scalars(select(model).order_by(model.id.desc())).first()
        for name in columns:
            text = getattr(saved, name) or ""
            assert not has_control_characters(text, multi_line=name in MULTI_LINE), name
    else:
        assert response.status_code in (200, 400, 413, 422)
