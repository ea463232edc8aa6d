"""Which language a page is in: the browser's Accept-Language, the switcher's choice kept for
the visit, English for staff; the switcher on a form page keeps what was typed and sends
nothing; a request records its language."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from accessreq.extensions import db
from accessreq.requests.models import AccessRequest

SPANISH = {"Accept-Language": "es-ES,es;q=0.9,en;q=0.5"}
HEBREW = {"Accept-Language": "he"}


def html_tag(response) -> str:
    return re.search(r"<html[^>]*>", response.get_data(as_text=True)).group(0)


@pytest.fixture
def event(make_event, make_type):
    return make_event("Public lecture", days_ahead=30,
                      types=[make_type("Hearing loop", 3), make_type("Large print", 3)])


def form_data(event, **changes) -> dict:
    loop = event.offered_types[0]
    data = {"contact_name": "Robin Example", "contact_email": "robin@example.net",
            "contact_channel": "email", "contact_phone": "", "for_whom": "me",
            "attendee_name": "", "accommodations": [str(loop.id)],
            "anything_else": "Near the front, please.", "consent": "y"}
    data.update(changes)
    return data


def request_count() -> int:
    return db.session.scalar(select(func.count()).select_from(AccessRequest))


@pytest.mark.parametrize(("headers", "lang", "direction"), [
    ({}, "en", "ltr"),
    (SPANISH, "es", "ltr"),
    (HEBREW, "he", "rtl"),
    ({"Accept-Language": "fr-FR, he;q=0.4"}, "he", "rtl"),
    ({"Accept-Language": "de, fr"}, "en", "ltr"),
])
def test_first_visit_follows_the_browsers_languages(client, event, headers, lang, direction):
    for path in ("/", f"/events/{event.id}", f"/events/{event.id}/request", "/accessibility",
                 "/accessibility/report", "/no-such-page"):
        tag = html_tag(client.get(path, headers=headers))
        assert f'lang="{lang}"' in tag and f'dir="{direction}"' in tag, (path, tag)


def test_the_switcher_choice_is_kept_for_the_visit(client, event):
    assert 'lang="he"' in html_tag(client.get(f"/events/{event.id}?lang=he", headers=SPANISH))
    # The next pages stay in Hebrew, whatever the browser prefers.
    assert 'lang="he"' in html_tag(client.get("/", headers=SPANISH))
    assert 'lang="es"' in html_tag(client.get("/?lang=es", headers=HEBREW))
    assert 'lang="es"' in html_tag(client.get("/accessibility", headers=HEBREW))
    # An unknown choice changes nothing.
    assert 'lang="es"' in html_tag(client.get("/?lang=xx", headers=HEBREW))


def test_staff_pages_stay_english(client, signed_in, event):
    client.get("/?lang=he")
    for path in ("/staff/", "/staff/login"):
        response = client.get(path, headers=HEBREW, follow_redirects=True)
        assert 'lang="en" dir="ltr"' in html_tag(response), path
        assert "language-switcher" not in response.get_data(as_text=True)


def test_every_attendee_page_offers_each_language_named_in_itself(client, event):
    page = client.get(f"/events/{event.id}", headers=HEBREW).get_data(as_text=True)
    switcher = re.search(r'<nav class="language-switcher".*?</nav>', page, re.S).group(0)
    assert re.search(r'<a href="\?lang=es"[^>]*lang="es" dir="ltr">Español</a>', switcher)
    assert re.search(r'<a href="\?lang=en"[^>]*lang="en" dir="ltr">English</a>', switcher)
    # The page's own language is marked as the current one.
    assert re.search(r'aria-current="true" lang="he" dir="rtl">עברית</a>', switcher)
    # A page's query string is kept by the switcher's links; an error page's is not.
    page = client.get("/?page=1").get_data(as_text=True)
    assert 'href="?page=1&amp;lang=es"' in page
    page = client.get("/no-such-page?q=secret").get_data(as_text=True)
    assert 'href="?lang=es"' in page and "secret" not in page


def test_the_switcher_on_the_form_keeps_everything_typed_and_sends_nothing(client, event):
    data = form_data(event, switch_language="es")
    before = request_count()
    response = client.post(f"/events/{event.id}/request?lang=es", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert request_count() == before
    assert 'lang="es"' in html_tag(response)
    assert 'value="Robin Example"' in html and 'value="robin@example.net"' in html
    assert "Near the front, please." in html
    assert 'class="error-summary"' not in html  # nothing was checked
    # The form's own button sends it, in the language chosen.
    response = client.post(f"/events/{event.id}/request", data=form_data(event))
    assert response.status_code == 303
    assert db.session.scalars(select(AccessRequest)).one().language == "es"


def test_the_switcher_buttons_belong_to_the_form_they_keep(client, event):
    html = client.get(f"/events/{event.id}/request").get_data(as_text=True)
    form_id = re.search(r'<form[^>]*id="([^"]+)"[^>]*method="post"|<form[^>]*method="post"[^>]*id="([^"]+)"',
                        html)
    assert form_id, "the request form has an id for the switcher's buttons"
    form_id = form_id.group(1) or form_id.group(2)
    buttons = re.findall(r'<button[^>]*name="switch_language"[^>]*>', html)
    assert len(buttons) == 2  # the two other languages
    for button in buttons:
        assert f'form="{form_id}"' in button and "formnovalidate" in button
        assert f'formaction="/events/{event.id}/request?lang=' in button


def test_a_request_made_in_english_is_in_english(client, event):
    assert client.post(f"/events/{event.id}/request", data=form_data(event)).status_code == 303
    assert db.session.scalars(select(AccessRequest)).one().language == "en"


def test_the_staff_request_page_says_the_attendees_language(client, signed_in, make_request):
    access_request, _ = make_request(language="he")
    html = client.get(f"/staff/requests/{access_request.id}").get_data(as_text=True)
    assert re.search(r'<dt>Language</dt><dd>Hebrew \(<span lang="he" dir="rtl">עברית</span>\)',
                     html)


def test_an_api_client_gives_the_attendees_language(client, event, app):
    from accessreq.api.services import create_client
    from helpers import bearer

    _, token = create_client("Ticketing", ["requests:create", "requests:read"], None, None)
    body = {"event_id": event.id, "contact_name": "Pat Platform",
            "contact_email": "pat@example.net", "consent": True,
            "accommodations": [{"id": event.offered_types[0].id}]}
    created = client.post("/api/v1/requests", json={**body, "language": "he"},
                          headers=bearer(token))
    assert created.status_code == 201, created.get_json()
    assert db.session.scalars(select(AccessRequest)).one().language == "he"
    refused = client.post("/api/v1/requests", json={**body, "language": "xx"},
                          headers=bearer(token))
    assert refused.status_code == 422 and "language" in str(refused.get_json())
    # Without one, English; an API call never takes the language of a page.
    created = client.post("/api/v1/requests", json=body,
                          headers={**bearer(token), "Accept-Language": "es"})
    assert created.status_code == 201
    reference = created.get_json()["reference"]
    assert db.session.scalars(select(AccessRequest).where(
        AccessRequest.reference == reference)).one().language == "en"


@pytest.mark.parametrize("form", ["message", "cancel"])
def test_the_switcher_keeps_a_message_being_written(client, make_request, form):
    access_request, status_url = make_request()
    token = status_url.rsplit("/", 1)[-1]
    path, field = {"message": (f"/r/{token}/message", "body"),
                   "cancel": (f"/r/{token}/cancel", "reason")}[form]
    before = len(access_request.history)
    response = client.post(f"{path}?lang=he", data={field: "Half-written words",
                                                    "switch_language": "he"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'lang="he" dir="rtl"' in html_tag(response) and "Half-written words" in html
    db.session.expire_all()
    assert len(db.session.get(AccessRequest, access_request.id).history) == before
    assert db.session.get(AccessRequest, access_request.id).status.value == "submitted"


def test_the_switcher_keeps_a_problem_report_being_written(client):
    from accessreq.feedback.models import AccessibilityReport

    response = client.post("/accessibility/report?lang=es",
                           data={"description": "The map is an image", "switch_language": "es"})
    assert response.status_code == 200 and 'lang="es"' in html_tag(response)
    assert "The map is an image" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(AccessibilityReport)) == 0
