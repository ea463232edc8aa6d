"""Email wording admins may change: defaults in code, placeholders from a fixed list per email,
a plain substitution of known names only, unknown placeholders and lone braces refused beside
the field with everything kept, and a way back to the default."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from accessreq.auth.models import Role
from accessreq.extensions import db
from accessreq.notifications.models import EmailWording, WordingKey
from accessreq.notifications.wording import (DEFAULTS, PLACEHOLDER_HELP, PLACEHOLDERS,
                                             WordingError, fill, placeholder_problem,
                                             render_wording, restore_default_wording,
                                             save_wording)
from helpers import sign_in

FOLLOWUP_VALUES = {"attendee_name": "Sam Attendee", "event": "Cities that listen",
                   "event_date": "Thursday 21 January 2027", "reference": "AR-7KQ3-M2",
                   "team": "Communications access"}
# Words that name a condition or a reason: no default wording may use them.
DIAGNOSIS_WORDS = ("deaf", "blind", "disab", "diagnos", "condition", "impair", "hearing",
                   "medical", "health", "illness", "wheelchair", "autis", "dyslex", "sight")


def _provider_values(**changes) -> dict:
    values = {name: f"<{name}>" for name in PLACEHOLDERS[WordingKey.PROVIDER_ASK]}
    values.update(changes)
    return values


# --- defaults ----------------------------------------------------------------------------------


@pytest.mark.parametrize("key", list(WordingKey))
def test_every_default_uses_only_its_own_placeholders_and_is_plain(key):
    default = DEFAULTS[key]
    assert placeholder_problem(key, default.subject) is None
    assert placeholder_problem(key, default.body) is None
    text = f"{default.subject}\n{default.body}".lower()
    assert not [w for w in DIAGNOSIS_WORDS if w in text]
    assert "kind regards" in text and ("hello" in text)
    assert set(PLACEHOLDERS[key]) <= set(PLACEHOLDER_HELP)


@pytest.mark.parametrize("key", [WordingKey.PROVIDER_ASK, WordingKey.PROVIDER_CONFIRM,
                                 WordingKey.PROVIDER_CANCEL])
def test_provider_emails_cannot_name_an_attendee(key):
    assert not {"attendee_name", "reference"} & set(PLACEHOLDERS[key])


# --- rendering ---------------------------------------------------------------------------------


def test_render_wording_fills_known_names_once_and_nothing_else(app):
    rendered = render_wording(WordingKey.FOLLOWUP_RECORDING, {
        **FOLLOWUP_VALUES, "event": "{team} and {0.__class__}", "attendee_name": "{{ 7*7 }}"})
    assert rendered.subject == "A recording with captions of {team} and {0.__class__}"
    assert rendered.body.startswith("Hello {{ 7*7 }},\n\nWe are sorry that at {team} and "
                                    "{0.__class__} on Thursday 21 January 2027")
    assert "AR-7KQ3-M2" in rendered.body and rendered.body.endswith("Communications access")


def test_fill_is_no_format_and_no_template(app):
    assert fill("{event.__class__} {event} {{event}} {0}", {"event": "X"}) == (
        "{event.__class__} X {X} {0}")


def test_render_wording_wants_exactly_the_keys_placeholders(app):
    with pytest.raises(ValueError, match="missing"):
        render_wording(WordingKey.FOLLOWUP_APOLOGY, {"event": "X"})
    with pytest.raises(ValueError, match="extra"):
        render_wording(WordingKey.PROVIDER_ASK, _provider_values(attendee_name="Sam"))


def test_an_admins_wording_replaces_the_default_and_restoring_brings_it_back(app, make_staff):
    admin = make_staff(Role.ADMIN, name="Ada Admin")
    save_wording(WordingKey.FOLLOWUP_APOLOGY, admin, "  Sorry about  {event} ",
                 "Dear {attendee_name},\r\nWe are sorry.\n")
    rendered = render_wording(WordingKey.FOLLOWUP_APOLOGY, FOLLOWUP_VALUES)
    assert rendered.subject == "Sorry about Cities that listen"
    assert rendered.body == "Dear Sam Attendee,\nWe are sorry."
    row = db.session.scalars(select(EmailWording)).one()
    assert row.updated_by_id == admin.id and row.updated_at is not None
    restore_default_wording(WordingKey.FOLLOWUP_APOLOGY)
    assert db.session.scalar(select(func.count(EmailWording.id))) == 0
    assert render_wording(WordingKey.FOLLOWUP_APOLOGY, FOLLOWUP_VALUES).subject == (
        "About your access request for Cities that listen")


@pytest.mark.parametrize("subject, body, field, message", [
    ("About {venue}", "Hello", "subject", "“{venue}” is not a placeholder this email can use"),
    ("Hi", "Hello {attendee_name.__class__}", "body", "“{attendee_name.__class__}” is not"),
    ("Hi", "Hello {attendee_name", "body", "There is a “{” without its partner"),
    ("Hi }", "Hello", "subject", "There is a “}” without its partner"),
    ("Hi", "Hello {}", "body", "“{}” is not a placeholder"),
    ("", "Hello", "subject", "Enter the subject"),
])
def test_wording_that_cannot_be_filled_is_refused(app, subject, body, field, message):
    with pytest.raises(WordingError, match=re.escape(message)) as caught:
        save_wording(WordingKey.FOLLOWUP_APOLOGY, None, subject, body)
    assert caught.value.field == field
    assert db.session.scalar(select(func.count(EmailWording.id))) == 0


# --- the admin pages ---------------------------------------------------------------------------


def test_the_list_names_every_email_and_whether_it_was_changed(admin_client, admin):
    save_wording(WordingKey.PROVIDER_CONFIRM, admin, "Confirmed: {event}", "Hello {provider}")
    page = admin_client.get("/admin/email-wording/").get_data(as_text=True)
    for key in WordingKey:
        assert f'href="/admin/email-wording/{key.value}"' in page
        assert key.label in page
    assert page.count("Default wording") == len(WordingKey) - 1
    assert "Changed by Ada Admin on" in page


def test_the_edit_page_lists_the_placeholders_and_saves(admin_client):
    url = "/admin/email-wording/provider_ask"
    page = admin_client.get(url).get_data(as_text=True)
    for name in PLACEHOLDERS[WordingKey.PROVIDER_ASK]:
        assert f"<code>{{{name}}}</code>" in page
    assert "{attendee_name}" not in page
    assert "Booking request: {event}, {event_date}" in page  # the default, prefilled
    assert "Restore the default wording" not in page  # nothing to restore yet
    response = admin_client.post(url, data={"subject": "Can you do {event}?",
                                            "body": "Hello {provider}, {needs}."})
    assert response.status_code == 303 and response.location.endswith("/admin/email-wording/")
    assert "Saved the wording of “Asking a provider to book”." in admin_client.get(
        "/admin/email-wording/").get_data(as_text=True)
    page = admin_client.get(url).get_data(as_text=True)
    assert "Can you do {event}?" in page and "Restore the default wording" in page


def test_an_unknown_placeholder_is_refused_beside_the_field_with_the_input_kept(admin_client):
    url = "/admin/email-wording/followup_transcript"
    response = admin_client.post(url, data={"subject": "Transcript of {event}",
                                            "body": "Hello {name}, here it is."})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "<title>Error: " in page
    assert 'id="body-error"' in page and "“{name}” is not a placeholder" in page
    assert "Use only: {attendee_name}, {event}, {event_date}, {reference}, {team}" in page
    assert "Hello {name}, here it is." in page and "Transcript of {event}" in page
    assert db.session.scalar(select(func.count(EmailWording.id))) == 0


def test_restore_the_default_wording(admin_client, admin):
    save_wording(WordingKey.PROVIDER_CANCEL, admin, "Cancel {event}", "Hello {provider}")
    response = admin_client.post("/admin/email-wording/provider_cancel/restore")
    assert response.status_code == 303
    assert response.location.endswith("/admin/email-wording/provider_cancel")
    page = admin_client.get(response.location).get_data(as_text=True)
    assert "uses the default wording again" in page
    assert "Cancelling our booking: {event}, {event_date}" in page
    assert db.session.scalar(select(func.count(EmailWording.id))) == 0


def test_unknown_key_is_404_and_coordinators_are_refused(client, admin_client, make_staff):
    assert admin_client.get("/admin/email-wording/nothing").status_code == 404
    assert admin_client.post("/admin/email-wording/nothing/restore").status_code == 404
    sign_in(client, make_staff(Role.COORDINATOR))
    assert client.get("/admin/email-wording/").status_code == 403
    assert client.post("/admin/email-wording/provider_ask",
                       data={"subject": "x", "body": "y"}).status_code == 403
    assert db.session.scalar(select(func.count(EmailWording.id))) == 0


@pytest.mark.app_config(WTF_CSRF_ENABLED=True)
def test_saving_needs_the_csrf_token(admin_client):
    response = admin_client.post("/admin/email-wording/provider_ask",
                                 data={"subject": "x {event}", "body": "y"})
    assert response.status_code == 400
    assert db.session.scalar(select(func.count(EmailWording.id))) == 0
