"""Events created and changed through the API, by the admin form's rules."""

from __future__ import annotations

from accessreq.events.models import Event
from accessreq.extensions import db
from helpers import bearer

NEW = {"title": "Gallery talk", "day": "2030-05-04", "start_time": "18:30",
       "end_time": "20:00", "timezone": "Europe/London", "venue": "Room 2"}


def test_create_and_change_an_event(client, token, make_type):
    kind = make_type("Captions")
    made = client.post("/api/v1/events", json={**NEW, "accommodation_type_ids": [kind.id]},
                       headers=bearer(token))
    assert made.status_code == 201, made.get_data(as_text=True)
    body = made.get_json()
    assert body["starts_at"].startswith("2030-05-04T17:30") and body["accommodation_type_ids"] == [kind.id]
    changed = client.patch(f"/api/v1/events/{body['id']}", json={"title": "Gallery talk (BSL)"},
                           headers=bearer(token))
    assert changed.status_code == 200, changed.get_data(as_text=True)
    event = db.session.get(Event, body["id"])
    assert event.title == "Gallery talk (BSL)" and event.venue == "Room 2"
    assert [t.id for t in event.accommodation_types] == [kind.id]


def test_the_form_rules_apply(client, token):
    refused = client.post("/api/v1/events", json={**NEW, "end_time": "17:00", "venue": ""},
                          headers=bearer(token))
    assert refused.status_code == 422
    assert {"end_time", "venue"} <= set(refused.get_json()["errors"])
