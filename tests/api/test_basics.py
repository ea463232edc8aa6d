"""The API's document, its errors as problem documents, and creating a request."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from accessreq.extensions import db
from accessreq.notifications.models import OutgoingEmail
from accessreq.requests.models import AccessRequest
from helpers import bearer


def _body(event, **overrides):
    body = {"event_id": event.id, "contact_name": "Pat Platform",
            "contact_email": "pat@example.net", "consent": True,
            "accommodations": [{"id": event.offered_types[0].id, "details": "BSL"}]}
    body.update(overrides)
    return body


def test_document_and_page(client):
    document = client.get("/api/v1/openapi.json").get_json()
    assert document["openapi"] == "3.1.0"
    assert "/api/v1/requests" in document["paths"]
    assert client.get("/api/v1/docs").status_code == 200


def test_errors_are_problem_documents(client, make_client):
    response = client.get("/api/v1/events")
    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"
    assert set(response.get_json()) >= {"type", "title", "status", "detail"}
    assert client.get("/api/v1/nowhere").mimetype == "application/problem+json"
    assert client.delete("/api/v1/events").status_code == 405
    assert client.get("/nowhere").mimetype == "text/html"


def test_create_request_like_the_form(client, token, make_event):
    event = make_event()
    response = client.post("/api/v1/requests", json=_body(event),
                           headers=bearer(token, **{"Idempotency-Key": "k1"}))
    assert response.status_code == 201, response.get_data(as_text=True)
    reference = response.get_json()["reference"]
    assert db.session.scalar(select(func.count(OutgoingEmail.id))) == 2
    again = client.post("/api/v1/requests", json=_body(event),
                        headers=bearer(token, **{"Idempotency-Key": "k1"}))
    assert again.status_code == 201 and again.get_json()["reference"] == reference
    assert db.session.scalar(select(func.count(AccessRequest.id))) == 1
    other = client.post("/api/v1/requests", json=_body(event, contact_name="Other"),
                        headers=bearer(token, **{"Idempotency-Key": "k1"}))
    assert other.status_code == 422
    bad = client.post("/api/v1/requests", json=_body(event, consent=False, contact_email="x"),
                      headers=bearer(token))
    assert bad.status_code == 422
    assert set(bad.get_json()["errors"]) == {"consent", "contact_email"}


def test_a_created_request_is_routed_and_in_the_queue(client, make_client, make_teams,
                                                      admin_client):
    made = make_teams(route_seating=True)
    token = make_client(["requests:create"])[1]
    response = client.post("/api/v1/requests", headers=bearer(token), json=_body(
        made["event"], accommodations=[{"id": made["seat"].id}]))
    reference = response.get_json()["reference"]
    stored = db.session.scalar(select(AccessRequest).filter_by(reference=reference))
    assert stored.team == made["front"]  # the seating rule routed it
    recipients = {e.to_address for e in db.session.scalars(select(OutgoingEmail))}
    assert recipients == {"pat@example.net", "foh@example.org"}
    assert reference in admin_client.get("/staff/").get_data(as_text=True)


def test_staff_see_api_reads_on_the_request_page(client, make_client, make_request,
                                                 admin_client):
    request, _ = make_request()
    api_client, token = make_client(["requests:read"])
    client.get(f"/api/v1/requests/{request.reference}", headers=bearer(token))
    page = admin_client.get(f"/staff/requests/{request.id}").get_data(as_text=True)
    assert f"API client: {api_client.name}" in page


def test_problem_shape(client):
    body = client.get("/api/v1/events").get_json()
    assert body == {"type": "about:blank", "title": "Unauthorized", "status": 401,
                    "detail": body["detail"]} and body["detail"]


def test_idempotency_key_after_a_refusal_and_while_in_flight(client, make_client, make_event):
    from accessreq.api.services import fingerprint, reserve_key

    api_client, token = make_client()
    event = make_event()
    keyed = bearer(token, **{"Idempotency-Key": "retry-1"})
    refused = client.post("/api/v1/requests", json=_body(event, consent=False), headers=keyed)
    assert refused.status_code == 422
    fixed = client.post("/api/v1/requests", json=_body(event), headers=keyed)
    assert fixed.status_code == 201  # a refused call does not hold the key
    reserve_key(api_client, "in-flight", fingerprint("POST", "/api/v1/requests", _body(event)))
    busy = client.post("/api/v1/requests", json=_body(event),
                       headers=bearer(token, **{"Idempotency-Key": "in-flight"}))
    assert busy.status_code == 409
    assert db.session.scalar(select(func.count(AccessRequest.id))) == 1


@pytest.mark.app_config(PROPAGATE_EXCEPTIONS=False)
def test_a_call_that_dies_before_its_commit_leaves_its_key_to_a_later_retry(
        client, make_client, make_event, monkeypatch):
    """The answer to a key is written in the request's own transaction: a call that dies
    before it commits leaves no request and a claimed key; retries are told to wait while the
    claim is fresh, and one takes it over once it is older than CLAIM_SECONDS."""
    from accessreq.api import services
    from accessreq.api.models import IdempotencyKey
    from accessreq.requests import notifications

    api_client, token = make_client()
    event = make_event()
    keyed = bearer(token, **{"Idempotency-Key": "dies"})
    real = notifications.staff_new_request

    def crash(*args, **kwargs):
        raise RuntimeError("the worker died here")

    monkeypatch.setattr(notifications, "staff_new_request", crash)
    assert client.post("/api/v1/requests", json=_body(event), headers=keyed).status_code == 500
    db.session.rollback()
    assert db.session.scalar(select(func.count(AccessRequest.id))) == 0
    monkeypatch.setattr(notifications, "staff_new_request", real)
    assert client.post("/api/v1/requests", json=_body(event), headers=keyed).status_code == 409
    claim = db.session.scalar(select(IdempotencyKey).filter_by(key="dies"))
    claim.created_at -= timedelta(seconds=services.CLAIM_SECONDS + 1)
    db.session.commit()
    retried = client.post("/api/v1/requests", json=_body(event), headers=keyed)
    assert retried.status_code == 201, retried.get_data(as_text=True)
    again = client.post("/api/v1/requests", json=_body(event), headers=keyed)
    assert again.get_json() == retried.get_json()
    assert db.session.scalar(select(func.count(AccessRequest.id))) == 1
    db.session.expire_all()
    stored = db.session.scalar(select(IdempotencyKey).filter_by(key="dies"))
    assert stored.response_status == 201
    assert retried.get_json()["reference"] in stored.answer
    # Sealed at rest: the private status link is not readable in the table.
    assert retried.get_json()["status_url"] not in stored.response_body


@pytest.mark.app_config(PROPAGATE_EXCEPTIONS=False)
def test_a_server_error_is_a_problem_too(client, token, monkeypatch):
    from accessreq.api import queries

    def broken():
        raise RuntimeError("boom")

    monkeypatch.setattr(queries, "catalogue", broken)
    response = client.get("/api/v1/accommodations", headers=bearer(token))
    assert response.status_code == 500
    assert response.mimetype == "application/problem+json"
    assert "boom" not in response.get_data(as_text=True)
