"""Security headers on every page (accessreq/headers.py), signed out and signed in, and the
attendee's POSTs over HTTPS with CSRF checks on (issue 8, items 1 and 5)."""

from __future__ import annotations

import re
from email.message import EmailMessage
from pathlib import Path

import pytest
from accessreq.auth.models import Role, StaffUser
from accessreq.arranging.models import ProviderKind
from accessreq.arranging.services import (BookingDetails, ProviderDetails, create_booking,
                                          save_provider)
from accessreq.extensions import db
from accessreq.feedback.services import submit_report
from accessreq.inbound.services import store_message
from accessreq.headers import CACHEABLE_ENDPOINTS, CSP, HSTS
from accessreq.requests.models import HistoryKind
from accessreq.requests.states import RequestStatus
from accessreq.routing.models import Organisation, Team
from accessreq.routing.services import save_rule
from accessreq.security import hash_token
from accessreq.timeutil import utcnow
from accessreq.triage.canned import CannedReplyDetails, save_canned_reply
from accessreq.webhooks.services import create_endpoint
from helpers import sign_in

INVITE_TOKEN = "headers-test-invitation-token-0123456789abcdef"
CAUGHT_ID = "1700000000000000000-abcdef12"

# Every GET route of the app, with the URL that reaches a real page of it.
# test_every_get_route_is_listed fails when a route is added without a line here.
GET_URLS = {
    "static": "/static/site.css",
    "health.healthz": "/healthz",
    "health.readyz": "/readyz",
    "pages.accessibility": "/accessibility",
    "events.index": "/",
    "events.detail": "/events/{event_id}",
    "requests.new": "/events/{event_id}/request",
    "requests.submitted": "/request/submitted",
    "requests.confirmation": "/r/{token}/submitted",
    "requests.status": "/r/{token}",
    "requests.cancel": "/r/{token}/cancel",
    "requests.calendar": "/r/{token}/calendar.ics",
    "feedback.report": "/accessibility/report",
    "feedback.sent": "/accessibility/report/sent",
    "auth.login": "/staff/login",
    "auth.accept_invite": f"/staff/invite/{INVITE_TOKEN}",
    "triage.queue": "/staff/",
    "triage.detail": "/staff/requests/{request_id}",
    "saved_views.manage": "/staff/views",
    "account.settings": "/staff/account",
    "record.new": "/staff/requests/new?event={event_id}",
    "feedback_staff.reports": "/staff/reports/",
    "feedback_staff.report_detail": "/staff/reports/{report_id}",
    "staff_admin.list_staff": "/admin/staff/",
    "staff_admin.new_staff": "/admin/staff/new",
    "staff_admin.edit_staff": "/admin/staff/{staff_id}",
    "events_admin.events": "/admin/events",
    "events_admin.new_event": "/admin/events/new",
    "events_admin.edit_event": "/admin/events/{event_id}",
    "events_admin.provisions": "/admin/events/{event_id}/provisions",
    "event_cancelling.cancel_event": "/admin/events/{event_id}/cancel",
    "events_admin.catalogue": "/admin/catalogue",
    "events_admin.new_type": "/admin/catalogue/new",
    "events_admin.edit_type": "/admin/catalogue/{type_id}",
    "mail_admin.outbox": "/admin/email/",
    "access_log_admin.access_log_list": "/admin/access-log",
    "mail_admin.caught": "/admin/email/caught",
    "mail_admin.caught_message": f"/admin/email/caught/{CAUGHT_ID}",
    "mail_admin.caught_message_html": f"/admin/email/caught/{CAUGHT_ID}/html",
    "routing_admin.organisations": "/admin/organisations",
    "routing_admin.edit_organisation": "/admin/organisations/{organisation_id}",
    "routing_admin.teams": "/admin/teams",
    "routing_admin.new_team": "/admin/teams/new",
    "routing_admin.edit_team": "/admin/teams/{team_id}",
    "routing_admin.rules": "/admin/routing",
    "routing_admin.new_rule": "/admin/routing/new",
    "routing_admin.edit_rule": "/admin/routing/{rule_id}",
    "routing_admin.confirm_delete_rule": "/admin/routing/{rule_id}/delete",
    "routing_admin.preview": "/admin/routing/preview",
    "inbox.index": "/staff/inbox/",
    "inbox.message": "/staff/inbox/{inbound_id}",
    "inbox.original": "/staff/inbox/{inbound_id}/original.eml",
    "inbox.attachment": "/staff/inbox/{inbound_id}/attachments/1",
    "providers.index": "/staff/providers/?q=hands",
    "providers.new": "/staff/providers/new",
    "providers.edit": "/staff/providers/{provider_id}",
    "bookings.new": "/staff/events/{event_id}/bookings/new?request={request_id}",
    "bookings.edit": "/staff/bookings/{booking_id}",
    "bookings.met_by": "/staff/arrangements/items/{item_id}",
    "outcomes.record": "/staff/requests/{request_id}/outcomes",
    "outcomes.follow_up": "/staff/requests/{request_id}/follow-up/apology",
    "bookings.email_provider": "/staff/bookings/{booking_id}/email/ask",
    "inbox.attach_choose": "/staff/inbox/{inbound_id}/attach?q=AR",
    "plan.plan": "/staff/events/{event_id}/plan",
    "plan.run_sheet": "/staff/events/{event_id}/run-sheet",
    "plan.run_sheet_csv": "/staff/events/{event_id}/run-sheet.csv",
    "wording_admin.index": "/admin/email-wording/",
    "wording_admin.edit": "/admin/email-wording/provider_ask",
    "canned_admin.index": "/admin/replies",
    "canned_admin.new": "/admin/replies/new",
    "canned_admin.edit": "/admin/replies/{reply_id}",
    "webhooks_admin.index": "/admin/webhooks",
    "webhooks_admin.new": "/admin/webhooks/new",
    "webhooks_admin.show": "/admin/webhooks/{endpoint_id}",
    "exports.queue_export": "/staff/export?status=all",
    "exports_admin.export_log": "/admin/exports",
    "reports.overview": "/staff/reports/overview",
    "reports.table_csv": "/staff/reports/overview/accommodations.csv",
    "api_admin.clients": "/admin/api-clients",
    "api_admin.new_client": "/admin/api-clients/new",
    "api_docs.openapi_document": "/api/v1/openapi.json",
    "api_docs.docs": "/api/v1/docs",
    "api.list_events": "/api/v1/events",
    "api.get_event": "/api/v1/events/{event_id}",
    "api.list_accommodations": "/api/v1/accommodations",
    "api.list_requests": "/api/v1/requests",
    "api.get_request": "/api/v1/requests/{reference}",
}
# Pages with nothing personal, the same for every signed-out visitor.
CACHEABLE_SIGNED_OUT = {"static", "events.index", "events.detail", "pages.accessibility"}


def test_every_get_route_is_listed(app):
    endpoints = {r.endpoint for r in app.url_map.iter_rules() if "GET" in r.methods}
    assert endpoints == set(GET_URLS), ("add the new route to GET_URLS: "
                                        f"{sorted(endpoints ^ set(GET_URLS))}")
    assert CACHEABLE_ENDPOINTS | {"static"} == CACHEABLE_SIGNED_OUT


def _catch_one_email(folder: Path) -> None:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "a@example.org", "b@example.org", "Hi"
    message.set_content("Plain text")
    message.add_alternative('<p style="color:#1b1b1b">HTML text</p>', subtype="html")
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{CAUGHT_ID}.eml").write_bytes(message.as_bytes())


def _email_with_a_file() -> bytes:
    message = EmailMessage()
    message["From"], message["To"] = "robin@example.com", "access@example.org"
    message["Subject"], message["Message-ID"] = "Hello", "<headers-1@example.com>"
    message.set_content("Can I bring my dog?")
    message.add_attachment(b"Her name is Bess.", maintype="text", subtype="plain",
                           filename="dog.txt")
    return message.as_bytes()


@pytest.fixture
def site(app, make_request, make_staff):
    """One of everything a GET route can show; returns the format values for GET_URLS."""
    request, status_url = make_request()
    admin = make_staff(Role.ADMIN)
    report = submit_report("The menu cannot be reached with the keyboard.")
    team = Team(organisation=Organisation(name="Museum Centre"), name="Front of house",
                notification_email="foh@example.org")
    db.session.add(team)
    db.session.add(StaffUser(email="new.person@example.org", name="New Person",
                             role=Role.COORDINATOR, invite_token_hash=hash_token(INVITE_TOKEN),
                             invite_expires_at=utcnow().replace(year=utcnow().year + 1)))
    db.session.commit()
    rule = save_rule(None, team=team, organisation=None, accommodation_type=None, event=None)
    _catch_one_email(Path(app.config["MAIL_CATCHER_DIR"]))
    inbound = store_message(_email_with_a_file(), source="pipe")
    provider = save_provider(None, ProviderDetails(name="Hands Up", kind=ProviderKind.OTHER))
    booking = create_booking(request.event, None, BookingDetails(provider=provider,
                                                                 items=list(request.items)))
    return {"admin": admin, "values": {
        "event_id": request.event_id, "request_id": request.id, "staff_id": admin.id,
        "type_id": request.items[0].accommodation_type_id, "report_id": report.id,
        "organisation_id": team.organisation_id, "team_id": team.id, "rule_id": rule.id,
        "token": status_url.rsplit("/", 1)[-1], "inbound_id": inbound.message_id,
        "provider_id": provider.id, "booking_id": booking.id,
        "item_id": request.items[0].id,
        "reply_id": save_canned_reply(None, None, CannedReplyDetails("Booked", "Booked, {first_name}.")).id,
        "endpoint_id": create_endpoint("https://hooks.example.org/in", ["request.created"], False)[0].id,
        "reference": request.reference,
    }}


def assert_security_headers(response, endpoint: str, signed_in: bool, secure: bool = False):
    headers = response.headers
    where = f"{endpoint} ({response.status_code})"
    assert headers["X-Content-Type-Options"] == "nosniff", where
    assert headers["Referrer-Policy"] == "same-origin", where
    if endpoint == "mail_admin.caught_message_html":
        assert headers["X-Frame-Options"] == "SAMEORIGIN", where
        policy = headers["Content-Security-Policy"]
        assert "default-src 'none'" in policy and "sandbox" in policy, where
        assert "frame-ancestors 'self'" in policy and "script" not in policy, where
    else:
        assert headers["X-Frame-Options"] == "DENY", where
        assert headers["Content-Security-Policy"] == CSP, where
    if endpoint == "static" or (endpoint in CACHEABLE_SIGNED_OUT and not signed_in):
        assert headers.get("Cache-Control") != "no-store", where
    else:
        assert headers["Cache-Control"] == "no-store", where
    if secure:
        assert headers["Strict-Transport-Security"] == HSTS, where
    else:
        assert "Strict-Transport-Security" not in headers, where


@pytest.mark.parametrize("endpoint", sorted(GET_URLS))
def test_asvs_14_4_every_page_signed_out_has_the_headers(client, site, endpoint):
    """ASVS 14.4.1-14.4.7: content type safe, CSP, nosniff, referrer policy, framing."""
    response = client.get(GET_URLS[endpoint].format(**site["values"]))
    assert response.status_code < 500
    assert_security_headers(response, endpoint, signed_in=False)


@pytest.mark.parametrize("endpoint", sorted(GET_URLS))
def test_asvs_8_2_1_every_page_signed_in_is_no_store(client, site, endpoint):
    """ASVS 8.2.1: nothing a signed-in person sees is kept by a browser or proxy cache
    (static files excepted: they are the same for everyone)."""
    sign_in(client, site["admin"])
    response = client.get(GET_URLS[endpoint].format(**site["values"]))
    assert response.status_code < 500
    if endpoint not in {"static", "health.healthz", "health.readyz", "auth.login",
                        "auth.accept_invite", "requests.submitted", "feedback.sent"} and (
            not endpoint.startswith("api.")):  # the API wants a token, not the session: 401
        assert response.status_code == 200, endpoint  # a real page, not a redirect
    assert_security_headers(response, endpoint, signed_in=True)


def test_error_pages_have_the_headers_too(client, site):
    response = client.get("/events/999999")
    assert response.status_code == 404
    assert_security_headers(response, "errors.404", signed_in=False)


@pytest.mark.app_config(TRUSTED_PROXIES=1)
def test_asvs_9_1_1_hsts_when_served_over_https_behind_the_proxy(client, site):
    """ASVS 9.1.1 / 14.4.5: HSTS whenever the request came over HTTPS, including through a
    trusted proxy that says so (X-Forwarded-Proto), never over plain HTTP."""
    proxied = client.get("/", headers={"X-Forwarded-Proto": "https"})
    assert_security_headers(proxied, "events.index", signed_in=False, secure=True)
    plain = client.get("/")
    assert "Strict-Transport-Security" not in plain.headers
    direct = client.get("/", base_url="https://localhost")
    assert direct.headers["Strict-Transport-Security"] == HSTS


# --- the attendee's POSTs over HTTPS with CSRF on (item 1) ----------------------------------

HTTPS = "https://localhost"
CSRF_ON = pytest.mark.app_config(WTF_CSRF_ENABLED=True, SESSION_COOKIE_SECURE=True)


def _csrf_token(html: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


@pytest.fixture
def https_client(app):
    return app.test_client()


@pytest.fixture
def status_path(make_request):
    request, url = make_request()
    return request, "/r/" + url.rsplit("/", 1)[-1]


@CSRF_ON
def test_asvs_4_2_2_message_and_cancel_over_https_with_csrf(https_client, status_path):
    """ASVS 4.2.2 / 13.2.3: the CSRF defence is on, and the attendee's own POSTs pass it over
    HTTPS, sending the same-origin Referer that Referrer-Policy: same-origin lets the browser
    send."""
    request, path = status_path
    page = https_client.get(path, base_url=HTTPS)
    assert page.headers["Referrer-Policy"] == "same-origin"
    sent = https_client.post(f"{path}/message", base_url=HTTPS,
                             headers={"Referer": f"{HTTPS}{path}"},
                             data={"csrf_token": _csrf_token(page.get_data(as_text=True)),
                                   "body": "BSL, please."})
    assert sent.status_code == 303, sent.get_data(as_text=True)
    assert [h.body for h in request.history if h.kind == HistoryKind.ATTENDEE_MESSAGE] == [
        "BSL, please."]

    confirm = https_client.get(f"{path}/cancel", base_url=HTTPS,
                               headers={"Referer": f"{HTTPS}{path}"})
    cancelled = https_client.post(f"{path}/cancel", base_url=HTTPS,
                                  headers={"Referer": f"{HTTPS}{path}/cancel"},
                                  data={"csrf_token": _csrf_token(confirm.get_data(as_text=True))})
    assert cancelled.status_code == 303, cancelled.get_data(as_text=True)
    db.session.refresh(request)
    assert request.status == RequestStatus.CANCELLED


@CSRF_ON
def test_asvs_4_2_2_post_without_referer_over_https_is_refused(https_client, status_path):
    """What no-referrer did to attendees: over HTTPS a POST without a Referer fails the CSRF
    check (a friendly 400) and changes nothing. And a POST without the token is refused too."""
    request, path = status_path
    page = https_client.get(path, base_url=HTTPS)
    token = _csrf_token(page.get_data(as_text=True))
    for headers, data in (({}, {"csrf_token": token, "body": "Hello"}),
                          ({"Referer": "https://elsewhere.example/"},
                           {"csrf_token": token, "body": "Hello"}),
                          ({"Referer": f"{HTTPS}{path}"}, {"body": "Hello"})):
        refused = https_client.post(f"{path}/message", base_url=HTTPS, headers=headers, data=data)
        assert refused.status_code == 400
        assert "we did not act on it" in refused.get_data(as_text=True)
    db.session.refresh(request)
    assert not [h for h in request.history if h.kind == HistoryKind.ATTENDEE_MESSAGE]
    assert request.status == RequestStatus.SUBMITTED


def test_asvs_14_4_3_no_inline_script_or_style_in_pages():
    """The CSP allows no inline script or style, so no page template may carry any (emails are
    not pages: their HTML is only ever shown in the sandboxed caught-mail frame)."""
    root = Path(__file__).resolve().parent.parent / "templates"
    offenders = []
    for template in root.rglob("*.html"):
        if "emails" in template.parts:
            continue
        text = template.read_text(encoding="utf-8")
        if re.search(r"\sstyle=|<style|<script(?![^>]*\ssrc=)|\son[a-z]+=", text):
            offenders.append(str(template.relative_to(root)))
    assert not offenders

