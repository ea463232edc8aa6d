"""Control characters and NUL in what people type: refused beside the field with what they typed
kept, never a 5xx, never sent to the database; legitimate Unicode accepted as typed. Logs carry
route patterns, never a token or anything a person typed (issue 8, item 2)."""

from __future__ import annotations

import io
import json
import logging
from html import unescape
from urllib.parse import urlsplit

import pytest
from flask import Flask
from sqlalchemy import func, literal, select, text
from sqlalchemy.exc import DataError
from wtforms import Form

from accessreq.extensions import db
from accessreq.feedback.models import AccessibilityReport
from accessreq.forms import (AppForm, QueryForm, clean_multi_line, clean_single_line,
                             has_control_characters)
from accessreq.observability import JSONFormatter
from accessreq.requests.models import AccessRequest, HistoryEntry, HistoryKind

SINGLE_LINE_MESSAGE = "must be on one line, without tabs or hidden control characters"
MULTI_LINE_MESSAGE = "had hidden control characters in it"
# What people really type, in scripts and with marks that must never be refused.
LEGITIMATE = [
    "Zoë Ångström-Nakamura",
    "\u05d3\u05e0\u05d4 \u05dc\u05d5\u05d9",  # Hebrew
    "\u0645\u0631\u064a\u0645 \u0627\u0644\u0639\u0644\u064a",  # Arabic
    "\u200f\u05e9\u05dc\u05d5\u05dd\u200e (RLM/LRM)",
    "\u2067\u0645\u0631\u064a\u0645\u2069 isolated",
    "Family 👩\u200d👩\u200d👧 and 👍🏽",
    "Ame\u0301lie Nguye\u0302\u0303n",  # combining marks
    "Đặng Thị Hương, 田中 花子, Ольга",
]


def html_of(response) -> str:
    return response.get_data(as_text=True)


def request_count() -> int:
    return db.session.scalar(select(func.count()).select_from(AccessRequest))


# --- the guard itself ----------------------------------------------------------------------


def _all_form_classes() -> list[type]:
    found, todo = [], [Form]
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        if cls.__module__.startswith("accessreq."):
            found.append(cls)
    return found


def test_asvs_5_1_3_every_form_of_the_app_has_the_text_guard(app):
    forms = _all_form_classes()
    assert len(forms) >= 15  # the views have imported every feature's forms
    unguarded = [f"{cls.__module__}.{cls.__name__}" for cls in forms
                 if not issubclass(cls, (AppForm, QueryForm))]
    assert unguarded == [], "Forms must derive from accessreq.forms.AppForm or QueryForm"


@pytest.mark.parametrize("value,single,multi", [
    ("Ann\x00 Lee", "Ann Lee", "Ann Lee"),
    ("Ann\tLee", "Ann Lee", "Ann\tLee"),
    ("one\r\ntwo\rthree\nfour", "one  two three four", "one\ntwo\nthree\nfour"),
    ("bell\x07 esc\x1b del\x7f c1\x85\x9b", "bell esc del c1 ", "bell esc del c1"),
    ("line\u2028sep", "line sep", "line\u2028sep"),
    ("lone \ud800 surrogate", "lone  surrogate", "lone  surrogate"),
    *[(v, v, v) for v in LEGITIMATE],
])
def test_asvs_5_1_4_what_single_and_multi_line_fields_keep(value, single, multi):
    assert clean_single_line(value) == single
    assert clean_multi_line(value) == multi
    assert has_control_characters(value) == (single != value)


# --- the public request form -----------------------------------------------------------------


@pytest.fixture
def event(make_event):
    return make_event("Public lecture")


def form_data(event, **overrides) -> dict:
    sign = event.offered_types[0]
    data = {"contact_name": "Robin Example", "contact_email": "robin@example.net",
            "contact_channel": "email", "contact_phone": "", "for_whom": "someone_else",
            "attendee_name": "Kim Ōno", "accommodations": [str(sign.id)],
            f"details_{sign.id}": "BSL, please", "anything_else": "Near the front",
            "consent": "y"}
    data.update(overrides)
    return data


def details_field(event) -> str:
    return f"details_{event.offered_types[0].id}"


@pytest.mark.parametrize("field,bad,kept", [
    ("contact_name", "Robin\x00 Example", "Robin Example"),
    ("contact_name", "Robin\r\nBcc: x@example.org", "Robin  Bcc: x@example.org"),
    ("contact_email", "robin\x00@example.net", "robin@example.net"),
    ("contact_phone", "07700\x00 900 982", "07700 900 982"),
    ("attendee_name", "Kim\x1b Ōno", "Kim Ōno"),
    ("details", "BSL\x00, please", "BSL, please"),
    ("anything_else", "Near\x00 the\x0b front\x7f", "Near the front"),
])
def test_asvs_5_1_4_control_characters_in_the_request_form_are_refused_and_the_text_kept(
        client, event, field, bad, kept):
    name = details_field(event) if field == "details" else field
    response = client.post(f"/events/{event.id}/request", data=form_data(event, **{name: bad}))
    page = html_of(response)
    assert response.status_code == 200
    assert "<title>Error: " in page
    assert SINGLE_LINE_MESSAGE in page or MULTI_LINE_MESSAGE in page
    assert f'id="{name}-error"' in page
    assert "\x00" not in page and "\x1b" not in page
    assert kept in unescape(page)
    assert request_count() == 0


def test_asvs_5_1_4_text_areas_keep_tabs_and_get_lf_line_ends(client, event):
    data = form_data(event, anything_else="Row A\r\n\tnear the aisle\r\n")
    data[details_field(event)] = "BSL\r\nor ISL"
    assert client.post(f"/events/{event.id}/request", data=data).status_code == 303
    stored = db.session.scalars(select(AccessRequest)).one()
    assert stored.anything_else == "Row A\n\tnear the aisle"
    assert [item.details for item in stored.items] == ["BSL\nor ISL"]


@pytest.mark.parametrize("value", LEGITIMATE)
def test_asvs_5_1_4_legitimate_unicode_is_accepted_as_typed(client, event, value):
    data = form_data(event, contact_name=value, attendee_name=value, anything_else=value)
    response = client.post(f"/events/{event.id}/request", data=data)
    assert response.status_code == 303, html_of(response)
    stored = db.session.scalars(select(AccessRequest)).one()
    assert stored.contact_name == stored.attendee_name == stored.anything_else == value


# --- the status page, cancelling, reports, sign-in --------------------------------------------


@pytest.fixture
def status_path(make_request, event):
    _, url = make_request(event, contact_name="Robin Example", contact_email="robin@example.net")
    return urlsplit(url).path


def test_asvs_5_1_4_a_nul_in_a_status_page_message_is_refused_with_the_text_kept(
        client, status_path):
    response = client.post(f"{status_path}/message", data={"body": "Hello\x00 team"})
    page = html_of(response)
    assert response.status_code == 200
    assert MULTI_LINE_MESSAGE in page and 'id="body-error"' in page
    assert "\nHello team</textarea>" in page
    assert db.session.scalar(select(func.count()).select_from(HistoryEntry).where(
        HistoryEntry.kind == HistoryKind.ATTENDEE_MESSAGE)) == 0


def test_asvs_5_1_4_a_nul_in_a_cancel_reason_is_refused_and_nothing_is_cancelled(
        client, status_path):
    response = client.post(f"{status_path}/cancel", data={"reason": "Can\x00not come"})
    page = html_of(response)
    assert response.status_code == 200
    assert MULTI_LINE_MESSAGE in page and "\nCannot come</textarea>" in page
    assert db.session.scalars(select(AccessRequest)).one().status.value == "submitted"


@pytest.mark.parametrize("field,value", [
    ("description", "The\x00 button is missing"), ("where", "Status\x00 page"),
    ("name", "Róisín\x00"), ("email", "r\x00@example.org")])
def test_asvs_5_1_4_control_characters_in_a_problem_report_are_refused(client, field, value):
    data = {"description": "The button is missing", "where": "", "name": "", "email": ""}
    data[field] = value
    response = client.post("/accessibility/report", data=data)
    assert response.status_code == 200
    page = html_of(response)
    assert SINGLE_LINE_MESSAGE in page or MULTI_LINE_MESSAGE in page
    assert "\x00" not in page
    assert db.session.scalar(select(func.count()).select_from(AccessibilityReport)) == 0


@pytest.mark.parametrize("data", [
    {"email": "ada\x00@example.org", "password": "x"},
    {"email": "ada@example.org", "password": "pass\x00word"},
    {"email": "ada@example.org\r\n", "password": "pass\tword"},
])
def test_asvs_5_1_4_control_characters_at_sign_in_get_a_clear_answer(client, make_staff, data):
    make_staff(email="ada@example.org")
    response = client.post("/staff/login", data=data)
    assert response.status_code == 200
    page = html_of(response)
    assert SINGLE_LINE_MESSAGE in page
    assert "\x00" not in page


# --- staff and admin forms ---------------------------------------------------------------------


@pytest.fixture
def held(make_request, event):
    access_request, _ = make_request(event)
    return access_request


ADMIN_FORMS = [
    ("/admin/events/new", {"title": "Lecture\x00", "day": "2031-07-15", "start_time": "18:30",
                           "end_time": "20:00", "timezone": "Europe/London",
                           "venue": "Main Hall", "description": "About\x00 it"}),
    ("/admin/catalogue/new", {"name": "Braille\x00", "description": "Braille.",
                              "lead_time_days": "14", "details_label": "Which\tgrade?",
                              "details_hint": "", "position": ""}),
    ("/admin/organisations", {"name": "Partner\x00 Society"}),
    ("/admin/staff/new", {"name": "New\x00 Person", "email": "new@example.org",
                          "role": "coordinator"}),
]


@pytest.mark.parametrize("path,data", ADMIN_FORMS, ids=[p for p, _ in ADMIN_FORMS])
def test_asvs_5_1_4_control_characters_in_admin_forms_are_refused(admin_client, path, data):
    response = admin_client.post(path, data=data)
    assert response.status_code == 200
    page = html_of(response)
    assert SINGLE_LINE_MESSAGE in page or MULTI_LINE_MESSAGE in page
    assert "\x00" not in page


@pytest.mark.parametrize("action,data", [
    ("compose", {"compose-mode": "note", "compose-action": "note",
                 "compose-body": "Booked\x00 row A"}),
    ("compose", {"compose-mode": "reply", "compose-action": "reply",
                 "compose-body": "We have\x1b booked it"}),
    ("compose", {"compose-mode": "reply", "compose-action": "reply",
                 "compose-status": "needs_info", "compose-body": "Which\x00 language?"}),
])
def test_asvs_5_1_4_control_characters_in_staff_actions_are_refused(admin_client, held, action,
                                                                    data):
    before = db.session.scalar(select(func.count()).select_from(HistoryEntry))
    data[f"{action}-version"] = str(held.version)
    response = admin_client.post(f"/staff/requests/{held.id}/{action}", data=data)
    assert response.status_code == 422
    assert MULTI_LINE_MESSAGE in html_of(response)
    assert db.session.scalar(select(func.count()).select_from(HistoryEntry)) == before


# --- GET parameters and URL paths ---------------------------------------------------------------


@pytest.mark.parametrize("path", [
    "/r/%00", "/r/abc%00def", "/r/%00/cancel", "/staff/invite/%00", "/events/%00/request",
    "/admin/email/caught/%00", "/staff/requests/1%00",
])
def test_asvs_5_1_3_a_nul_in_a_url_path_is_not_found(admin_client, path):
    assert admin_client.get(path).status_code == 404


def test_asvs_5_1_3_a_nul_in_a_status_link_post_is_not_found(client):
    assert client.post("/r/abc%00/message", data={"body": "Hello"}).status_code == 404


@pytest.mark.parametrize("query", ["?q=%00", "?q=Robin%00", "?team=%00", "?status=%00",
                                   "?assignee=%00&event=%00&type=%00&page=%00&sort=%00"])
def test_asvs_5_1_3_a_nul_in_queue_filters_never_reaches_the_database(admin_client, held, query):
    assert admin_client.get(f"/staff/{query}").status_code == 200


def test_asvs_5_1_3_a_nul_in_the_routing_preview_is_harmless(admin_client):
    assert admin_client.get("/admin/routing/preview?event=%00&types=%00").status_code == 200


# --- errors and logs ---------------------------------------------------------------------------


def test_asvs_7_1_1_bound_parameters_are_hidden_from_exceptions(app):
    assert app.config["SQLALCHEMY_ENGINE_OPTIONS"]["pool_pre_ping"] is True
    assert db.engine.hide_parameters is True


@pytest.fixture
def json_log(app):
    """The app's log records as JSON lines, formatted as production formats them."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JSONFormatter())
    app.logger.addHandler(handler)
    yield stream
    app.logger.removeHandler(handler)


def log_entries(stream: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


@pytest.mark.app_config(PROPAGATE_EXCEPTIONS=False, LOG_FORMAT="json")
def test_asvs_7_1_1_a_failure_on_a_status_page_logs_the_route_not_the_token_or_what_was_typed(
        app, client, json_log, monkeypatch, make_request, event):
    """A forced database failure after the attendee's text was bound as a parameter: the log
    names the route pattern, and holds no token, email, name or message."""
    access_request, url = make_request(event, contact_name="Robin Secretname",
                                       contact_email="robin.secret@example.net")
    path = urlsplit(url).path
    token = path.rsplit("/", 1)[1]

    def failing(request, body):
        # A foreign key to nowhere: the statement fails with the attendee's data bound to it.
        db.session.execute(text(
            "INSERT INTO access_log (staff_id, request_id, action, at) "
            "VALUES (:missing, :request_id, :body, :at)"),
            {"missing": 999999, "request_id": request.id, "body": body[:32],
             "at": request.created_at})
        db.session.execute(select(literal(request.contact_email), literal(request.contact_name)))

    monkeypatch.setattr("accessreq.requests.views.add_attendee_message", failing)
    response = client.post(f"{path}/message", data={"body": "My knee secretmessage hurts"})

    assert response.status_code == 500
    assert "Sorry, something went wrong on our side" in html_of(response)
    log = json_log.getvalue()
    entries = log_entries(json_log)
    errors = [e for e in entries if e["level"] == "ERROR"]
    assert errors and errors[0]["message"] == "Exception on /r/<token>/message [POST]"
    assert errors[0]["route"] == "/r/<token>/message"
    assert "SQL parameters hidden" in errors[0]["exception"]
    for secret in (token, "Secretname", "robin.secret", "secretmessage", path):
        assert secret not in log


@pytest.mark.app_config(PROPAGATE_EXCEPTIONS=False)
def test_asvs_7_4_1_a_value_the_database_refuses_is_a_friendly_400(app, client, json_log):
    """Any DataError left on some path (here raised by a route made for the test) answers a
    generic page, and the log says only where."""

    def refuse():
        if db.engine.dialect.name == "postgresql":  # the real thing: NUL in a text parameter
            db.session.execute(select(literal("secret\x00value")))
        raise DataError("SELECT :v", {"v": "secret"}, ValueError("refused"))

    app.add_url_rule("/test-data-error/<word>", "test_data_error", lambda word: refuse())
    response = client.get("/test-data-error/secretword")
    assert response.status_code == 400
    page = html_of(response)
    assert "Sorry, we could not understand that request" in page
    assert "secret" not in page
    log = json_log.getvalue()
    assert "/test-data-error/<word>" in log and "secret" not in log


@pytest.mark.app_config(PROPAGATE_EXCEPTIONS=False)
def test_asvs_7_1_1_flask_default_exception_line_is_replaced(app: Flask, client, json_log):
    def boom(token):
        raise RuntimeError("forced")

    app.add_url_rule("/test-boom/<token>", "test_boom", boom)
    assert client.get("/test-boom/tok-secret-123").status_code == 500
    entry = [e for e in log_entries(json_log) if e["level"] == "ERROR"][0]
    assert entry["message"] == "Exception on /test-boom/<token> [GET]"
    assert "tok-secret-123" not in json_log.getvalue()


# --- PostgreSQL: the original 500 ---------------------------------------------------------------


def test_asvs_5_1_4_the_reported_nul_500s_are_gone(client, event, status_path):
    """Issue 8 item 2 as reported: NUL in the name on the form and in a status-page message
    were 500s on PostgreSQL. Both are now a clear answer on every database."""
    form = client.post(f"/events/{event.id}/request",
                       data=form_data(event, contact_name="Robin\x00"))
    message = client.post(f"{status_path}/message", data={"body": "\x00"})
    assert form.status_code == 200 and message.status_code == 200
    assert request_count() == 1
