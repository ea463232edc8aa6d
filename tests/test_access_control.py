"""Every route is either on the public list or needs a signed-in staff member; admin routes
need the admin role. Built from the app's URL map, so a new route is checked automatically."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from accessreq.auth.models import Role
from accessreq.arranging.models import ProviderKind
from accessreq.arranging.services import (BookingDetails, ProviderDetails, create_booking,
                                          save_provider)
from accessreq.events.provisions import ProvisionDetails, add_provision
from accessreq.extensions import db
from accessreq.feedback.services import submit_report
from accessreq.inbound.services import store_message
from accessreq.notifications.models import OutgoingEmail
from accessreq.routing.models import Organisation, Team
from accessreq.routing.services import save_rule
from accessreq.triage.canned import CannedReplyDetails, save_canned_reply
from accessreq.webhooks.services import create_endpoint
from accessreq.triage.models import SavedView
from helpers import sign_in

PUBLIC_ENDPOINTS = {
    "static",
    "pages.accessibility",
    "health.healthz",
    "health.readyz",
    "events.index",
    "events.detail",
    "requests.new",
    "requests.submitted",
    "requests.needs_met",
    "requests.confirmation",
    "requests.status",
    "requests.add_message",
    "requests.cancel",
    "requests.calendar",
    "auth.login",
    "auth.accept_invite",
    "feedback.report",
    "feedback.sent",
    "api_docs.openapi_document",
    "api_docs.docs",
}
# The JSON API takes a bearer token, never the staff session (tests/api checks the scopes).
TOKEN_PREFIX = "api."
ADMIN_PREFIXES = ("staff_admin.", "events_admin.", "mail_admin.", "routing_admin.",
                  "wording_admin.", "event_cancelling.", "canned_admin.", "exports_admin.",
                  "webhooks_admin.", "api_admin.")


def _all_routes(app):
    for rule in app.url_map.iter_rules():
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule, method


@pytest.fixture
def world(make_request, make_staff):
    request, status_url = make_request()
    coordinator = make_staff(Role.COORDINATOR)
    admin = make_staff(Role.ADMIN)
    email = db.session.scalars(select(OutgoingEmail)).first()
    report = submit_report("The menu cannot be reached with the keyboard.")
    inbound = store_message(b"From: robin@example.com\r\nTo: access@example.org\r\n"
                            b"Subject: Hello\r\nMessage-ID: <access-1@example.com>\r\n\r\n"
                            b"Can I bring my dog?\r\n", source="pipe")
    team = Team(organisation=Organisation(name="Museum Centre"), name="Front of house",
                notification_email="foh@example.org")
    db.session.add(team)
    view = SavedView(owner_id=coordinator.id, name="Mine", query="assignee=mine")
    db.session.add(view)
    db.session.commit()
    rule = save_rule(None, team=team, organisation=None, accommodation_type=None, event=None)
    provider = save_provider(None, ProviderDetails(name="Hands Up", kind=ProviderKind.OTHER))
    booking = create_booking(request.event, None, BookingDetails(provider=provider,
                                                                 items=list(request.items)))
    values = {
        "organisation_id": team.organisation_id,
        "team_id": team.id,
        "rule_id": rule.id,
        "event_id": request.event_id,
        "request_id": request.id,
        "staff_id": coordinator.id,
        "type_id": request.items[0].accommodation_type_id,
        "email_id": email.id,
        "message_id": "0-none",
        "report_id": report.id,
        "inbound_id": inbound.message_id,
        "token": status_url.rsplit("/", 1)[-1],
        "filename": "site.css",
        "number": 1,  # an email's first attachment
        "provider_id": provider.id,
        "booking_id": booking.id,
        "item_id": request.items[0].id,
        "key": "followup_apology",
        "kind": "ask",  # an email to a booking's provider
        "view_id": view.id,
        "table": "received",  # a report's table as CSV
        "provision_id": add_provision(request.event, ProvisionDetails(name="Hearing loop")).id,
        "reply_id": save_canned_reply(None, None, CannedReplyDetails("Booked", "Booked, {first_name}.")).id,
        "endpoint_id": create_endpoint("https://hooks.example.org/in", ["request.created"], False)[0].id,
        "delivery_id": 1,
        "reference": request.reference,
        "client_id": 1,
    }
    return {"values": values, "coordinator": coordinator, "admin": admin}


def _url(rule, values) -> str:
    missing = [a for a in rule.arguments if a not in values]
    assert not missing, f"add a value for {missing} to this test's `world` fixture ({rule.rule})"
    adapter = rule.map.bind("localhost")
    method = next(iter(sorted(rule.methods - {"HEAD", "OPTIONS"})))
    return adapter.build(rule.endpoint, {a: values[a] for a in rule.arguments}, method=method)


def test_public_list_names_real_endpoints(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert PUBLIC_ENDPOINTS <= endpoints, PUBLIC_ENDPOINTS - endpoints


def test_anonymous_is_sent_to_sign_in_on_every_staff_route(app, client, world):
    checked = 0
    for rule, method in _all_routes(app):
        if rule.endpoint in PUBLIC_ENDPOINTS or rule.endpoint.startswith(TOKEN_PREFIX):
            continue
        response = client.open(_url(rule, world["values"]), method=method)
        assert response.status_code == 302, (rule.rule, method, response.status_code)
        assert "/staff/login" in response.headers["Location"], (rule.rule, method)
        checked += 1
    assert checked >= 5  # the staff dashboard and admin routes exist


def test_the_api_wants_a_token_even_from_a_signed_in_admin(app, client, world):
    sign_in(client, world["admin"])
    api_routes = [(r, m) for r, m in _all_routes(app) if r.endpoint.startswith(TOKEN_PREFIX)]
    assert api_routes
    for rule, method in api_routes:
        response = client.open(_url(rule, world["values"]), method=method)
        assert response.status_code == 401, (rule.rule, method, response.status_code)
        assert response.mimetype == "application/problem+json"


def test_coordinator_is_refused_every_admin_route(app, client, world):
    sign_in(client, world["coordinator"])
    admin_routes = [(r, m) for r, m in _all_routes(app) if r.endpoint.startswith(ADMIN_PREFIXES)]
    assert admin_routes
    for rule, method in admin_routes:
        response = client.open(_url(rule, world["values"]), method=method)
        assert response.status_code == 403, (rule.rule, method, response.status_code)
        assert "You do not have access to this page" in response.get_data(as_text=True)


def test_admin_reaches_every_admin_page(app, client, world):
    sign_in(client, world["admin"])
    for rule, method in _all_routes(app):
        if not rule.endpoint.startswith(ADMIN_PREFIXES) or method != "GET":
            continue
        response = client.get(_url(rule, world["values"]))
        assert response.status_code in (200, 404), (rule.rule, response.status_code)
        if "message_id" not in rule.arguments:  # the caught-mail id above is made up
            assert response.status_code == 200, rule.rule


def test_coordinator_reaches_the_dashboard_pages(app, client, world):
    sign_in(client, world["coordinator"])
    for rule, method in _all_routes(app):
        if rule.endpoint.startswith(("triage.", "providers.", "bookings.", "plan.",
                                     "exports.", "account.")) and (
                method == "GET"):
            assert client.get(_url(rule, world["values"])).status_code == 200, rule.rule


@pytest.mark.parametrize("path", [
    "/staff/requests/999999", "/staff/requests/0", "/admin/events/999999",
    "/admin/staff/999999", "/admin/catalogue/999999", "/events/999999",
    "/events/999999/request", "/r/not-a-real-token", "/r/" + "x" * 5000,
    "/r/not-a-real-token/calendar.ics",
    "/staff/requests/-1", "/staff/requests/abc", "/events/%00",
])
def test_unknown_ids_and_tokens_are_404_pages(client, world, path):
    sign_in(client, world["admin"])
    response = client.get(path)
    assert response.status_code == 404
    assert "Page not found" in response.get_data(as_text=True)


def test_deactivated_staff_lose_access_at_once(client, world):
    coordinator = world["coordinator"]
    sign_in(client, coordinator)
    assert client.get("/staff/").status_code == 200
    coordinator.active = False
    db.session.commit()
    response = client.get("/staff/")
    assert response.status_code == 302 and "/staff/login" in response.headers["Location"]
