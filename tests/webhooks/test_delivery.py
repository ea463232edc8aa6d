"""Webhooks end to end: a change queues a delivery in its own transaction, the sender POSTs
it signed to a real local receiver, failures retry with backoff and end dead."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from helpers import sign_in
from sqlalchemy import select

from accessreq.extensions import db
from accessreq.requests.models import AccessRequest
from accessreq.timeutil import utcnow
from accessreq.webhooks.models import DeliveryState, WebhookDelivery
from accessreq.webhooks.sender import send_due_deliveries
from webhooks.receiver import verify

LOCAL = pytest.mark.app_config(WEBHOOKS_ALLOW_PRIVATE_TARGETS=True, WEBHOOK_MAX_ATTEMPTS=3,
                               WEBHOOK_BACKOFF_SECONDS=10, WEBHOOK_TIMEOUT_SECONDS=2)


def deliveries(event_type: str | None = None) -> list[WebhookDelivery]:
    db.session.expire_all()
    query = select(WebhookDelivery).order_by(WebhookDelivery.id)
    if event_type:
        query = query.where(WebhookDelivery.event_type == event_type)
    return list(db.session.scalars(query))


def change_status(client, access_request, status: str = "in_review"):
    db.session.expire_all()
    version = db.session.get(AccessRequest, access_request.id).version
    return client.post(f"/staff/requests/{access_request.id}/status", data={
        "status-status": status, "status-message": "", "status-version": str(version)})


@LOCAL
def test_a_status_change_in_the_dashboard_reaches_the_receiver_signed(
        client, staff, make_request, receiver, make_endpoint):
    endpoint, secret = make_endpoint(receiver.url, events=["request.created",
                                                           "request.status_changed"])
    access_request = make_request(contact_name="Sam Attendee")[0]
    sign_in(client, staff)
    assert change_status(client, access_request).status_code in (302, 303)
    [queued] = deliveries("request.status_changed")
    assert queued.state == DeliveryState.PENDING

    result = send_due_deliveries()
    assert result.sent == 2  # request.created, then the status change

    created, changed = receiver.received
    assert json.loads(created.body)["type"] == "request.created"
    body = json.loads(changed.body)
    assert changed.headers["Accessreq-Event"] == "request.status_changed"
    assert changed.headers["Accessreq-Webhook-Id"] == queued.uid
    assert changed.headers["Content-Type"] == "application/json"
    assert verify(secret, changed.headers["Accessreq-Signature"], changed.body)
    assert not verify("whsec_wrong", changed.headers["Accessreq-Signature"], changed.body)
    assert not verify(secret, changed.headers["Accessreq-Signature"], changed.body + b" ")
    assert body["request"]["reference"] == access_request.reference
    assert body["change"] == {"kind": "status_changed", "at": body["change"]["at"],
                              "from_status": "submitted", "to_status": "in_review",
                              "by_staff": True, "has_message": False}
    assert body["request"]["event"]["title"] == access_request.event.title
    assert deliveries("request.status_changed")[0].state == DeliveryState.SENT
    assert deliveries("request.status_changed")[0].last_status_code == 200


def test_the_signature_is_refused_outside_the_replay_window():
    import hashlib
    import hmac
    import time

    old = int(time.time()) - 301
    mac = hmac.new(b"s", f"{old}.".encode() + b"{}", hashlib.sha256).hexdigest()
    assert not verify("s", f"t={old},v1={mac}", b"{}")
    assert verify("s", f"t={old + 2},v1=" + hmac.new(
        b"s", f"{old + 2}.".encode() + b"{}", hashlib.sha256).hexdigest(), b"{}")


@LOCAL
def test_payloads_carry_no_personal_text_unless_the_endpoint_is_allowed_it(
        make_request, receiver, make_endpoint):
    make_endpoint(receiver.url, events=["request.created"])
    make_endpoint(receiver.url + "?personal", events=["request.created"], personal=True)
    make_request(contact_name="Sam Attendee", contact_email="sam@example.net",
                 anything_else="My guide dog is called Rex")
    plain, personal = (d.payload for d in deliveries())
    for secret_word in ("Sam Attendee", "sam@example.net", "Rex"):
        assert secret_word not in plain
        assert secret_word in personal
    assert "contact" not in json.loads(plain)["request"]
    assert send_due_deliveries().sent == 2
    kept, emptied = (d.payload for d in deliveries())
    assert kept == plain and emptied == ""  # personal details leave with the delivery


@LOCAL
def test_a_change_that_rolls_back_queues_nothing(app, make_request, make_endpoint, receiver):
    make_endpoint(receiver.url, events=["request.created", "request.status_changed"])
    access_request = make_request()[0]
    assert len(deliveries()) == 1
    from accessreq.requests.services import transition_to
    from accessreq.requests.states import RequestStatus

    access_request = db.session.get(AccessRequest, access_request.id)
    transition_to(access_request, RequestStatus.IN_REVIEW)
    db.session.flush()  # the delivery row is written on the flush...
    assert len(list(db.session.scalars(select(WebhookDelivery)))) == 2
    db.session.rollback()  # ...and goes with the change
    assert len(deliveries()) == 1
    assert send_due_deliveries().sent == 1


@LOCAL
def test_only_subscribed_active_endpoints_get_deliveries(make_request, make_endpoint, receiver,
                                                        make_event):
    from accessreq.webhooks.services import set_active

    events_only, _ = make_endpoint(receiver.url, events=["event.changed"])
    off, _ = make_endpoint(receiver.url)
    set_active(off, False)
    event = make_event(title="Open day")
    make_request(event=event)
    assert [d.event_type for d in deliveries()] == ["event.changed"]
    event.title = "Open day (moved)"
    db.session.commit()
    payloads = [json.loads(d.payload) for d in deliveries()]
    assert [p["event"]["title"] for p in payloads] == ["Open day", "Open day (moved)"]


@LOCAL
def test_receiver_down_retries_with_backoff_then_dead_and_shown_to_admins(
        admin_client, make_request, make_endpoint, receiver):
    endpoint, _ = make_endpoint(receiver.url, events=["request.created"])
    receiver.stop()  # nothing listens there any more
    make_request()
    now = utcnow()
    waits = []
    for attempt in range(3):
        result = send_due_deliveries(now=now)
        [row] = deliveries()
        assert row.attempts == attempt + 1
        assert "Connection" in row.last_error
        if attempt < 2:
            assert result.retrying == 1 and row.state == DeliveryState.PENDING
            waits.append(row.next_attempt_at - now)
            assert send_due_deliveries(now=now).claimed == 0  # not due yet
            now = row.next_attempt_at
    assert waits == [timedelta(seconds=10), timedelta(seconds=20)]
    assert row.state == DeliveryState.DEAD and result.dead == 1

    page = admin_client.get(f"/admin/webhooks/{endpoint.id}").get_data(as_text=True)
    assert "Failed" in page and "Connection" in page and "Send again" in page
    listing = admin_client.get("/admin/webhooks").get_data(as_text=True)
    assert receiver.url in listing

    retried = admin_client.post(f"/admin/webhooks/{endpoint.id}/deliveries/{row.id}/retry")
    assert retried.status_code == 303
    assert deliveries()[0].state == DeliveryState.PENDING and deliveries()[0].attempts == 0


@LOCAL
def test_a_500_then_a_200_is_sent_on_the_retry(make_request, make_endpoint, receiver):
    receiver.answers = [500, 200]
    make_endpoint(receiver.url, events=["request.created"])
    make_request()
    assert send_due_deliveries().retrying == 1
    [row] = deliveries()
    assert row.last_status_code == 500 and "receiver says no" in row.last_response
    assert "500" in row.last_error
    assert send_due_deliveries(now=row.next_attempt_at).sent == 1
    [row] = deliveries()
    assert row.state == DeliveryState.SENT and row.attempts == 2 and row.last_error == ""
    first, second = receiver.received
    assert first.headers["Accessreq-Webhook-Id"] == second.headers["Accessreq-Webhook-Id"]


@LOCAL
def test_a_redirect_is_never_followed(make_request, make_endpoint, receiver):
    receiver.answers = [302]
    receiver.location = "http://169.254.169.254/latest/meta-data/"
    make_endpoint(receiver.url, events=["request.created"])
    make_request()
    assert send_due_deliveries().retrying == 1
    [row] = deliveries()
    assert row.last_status_code == 302 and "Redirect refused" in row.last_error
    assert len(receiver.received) == 1  # and nothing went to the Location


@pytest.mark.app_config(WEBHOOKS_ALLOW_PRIVATE_TARGETS=False)
def test_a_private_target_is_refused_at_send_time_without_the_setting(
        make_request, make_endpoint, receiver):
    make_endpoint(receiver.url, events=["request.created"])  # registered while allowed
    make_request()
    send_due_deliveries()
    [row] = deliveries()
    assert row.state == DeliveryState.PENDING
    assert row.last_error.startswith("Address check: 127.0.0.1 resolves to 127.0.0.1, a loopback")
    assert receiver.received == []


@LOCAL
def test_https_checks_the_receivers_certificate(make_request, make_endpoint, receiver,
                                                monkeypatch):
    """The address is pinned to the checked IP, but TLS still verifies the certificate for the
    registered name: a receiver whose certificate nobody trusts gets nothing."""
    import ssl

    import trustme

    from accessreq.webhooks import sender

    authority = trustme.CA()  # trusted by nobody but this test
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("localhost").configure_cert(context)
    receiver.server.socket = context.wrap_socket(receiver.server.socket, server_side=True)
    port = receiver.server.server_address[1]
    make_endpoint(f"https://localhost:{port}/hook", events=["request.created"])
    make_request()
    assert send_due_deliveries().retrying == 1
    [row] = deliveries()
    assert "CERTIFICATE_VERIFY_FAILED" in row.last_error
    assert receiver.received == []

    def trusting():  # as if the authority were the system's
        context = ssl.create_default_context()
        authority.configure_trust(context)
        return context

    monkeypatch.setattr(sender, "_tls_context", trusting)
    assert send_due_deliveries(now=row.next_attempt_at).sent == 1
    assert len(receiver.received) == 1


@LOCAL
def test_each_kind_of_change_is_its_own_event(make_request, make_endpoint, make_staff, receiver):
    from accessreq.requests.services import cancel_by_attendee
    from accessreq.triage.event_cancelling import cancel_event
    from accessreq.triage.services import reply

    make_endpoint(receiver.url, personal=True)
    staff = make_staff("admin")
    first, _ = make_request()
    second, _ = make_request(event=first.event)
    reply(first, staff, "We have booked an interpreter.")
    cancel_by_attendee(first, "I cannot come after all.")
    cancel_event(db.session.get(type(first.event), first.event_id), staff, "The hall flooded.")
    kinds = [(d.event_type, json.loads(d.payload).get("request", {}).get("id"))
             for d in deliveries()]
    assert kinds == [
        ("event.changed", None),
        ("request.created", first.id), ("request.created", second.id),
        ("request.replied", first.id), ("request.cancelled", first.id),
        ("event.changed", None), ("request.cancelled", second.id)]
    replied = json.loads(deliveries("request.replied")[0].payload)
    assert replied["change"]["message"] == "We have booked an interpreter."
    assert json.loads(deliveries("event.changed")[1].payload)["event"]["cancelled_at"]


@LOCAL
def test_waiting_deliveries_of_a_disabled_endpoint_fail_unsent(make_request, make_endpoint,
                                                              receiver):
    from accessreq.webhooks.services import set_active

    endpoint, _ = make_endpoint(receiver.url, events=["request.created"])
    make_request()
    set_active(endpoint, False)
    assert send_due_deliveries().dead == 1
    [row] = deliveries()
    assert row.state == DeliveryState.DEAD and "disabled" in row.last_error
    assert receiver.received == []
