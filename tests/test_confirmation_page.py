"""The "Request sent" page: under the private link, shown only just after sending, and the
status token never in the session cookie (issue 8, item 8)."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from accessreq.extensions import db
from accessreq.requests.models import CONFIRMATION_SHOWN_FOR, AccessRequest
from accessreq.requests.states import RequestStatus
from accessreq.triage.services import change_status



def html_of(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def sent(client, make_event):
    """Submit the public form; returns (request, confirmation path, token)."""
    event = make_event()
    response = client.post(f"/events/{event.id}/request", data={
        "contact_name": "Robin Example", "contact_email": "robin@example.net",
        "contact_channel": "email", "for_whom": "me",
        "accommodations": [str(event.offered_types[0].id)], "consent": "y"})
    assert response.status_code == 303
    path = response.headers["Location"]
    token = path.split("/")[2]
    return db.session.scalars(select(AccessRequest)).one(), path, token


def _session_cookie(app, client) -> dict:
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    if cookie is None:
        return {}
    return app.session_interface.get_signing_serializer(app).loads(cookie.value)


def test_asvs_8_2_2_the_status_token_is_never_in_the_session_cookie(app, client, sent):
    """ASVS 8.2.2 / 3.1.1: the session cookie is signed, not encrypted: anyone with the browser
    can read it. It holds neither the token nor the request's details."""
    access_request, path, token = sent
    client.get(path)
    client.get(path)
    stored = repr(_session_cookie(app, client))
    for secret in (token, access_request.reference, access_request.contact_email):
        assert secret not in stored
    for cookie in client._cookies.values():
        assert token not in cookie.value


def test_the_confirmation_shows_reference_and_link_and_can_be_reloaded(client, sent):
    access_request, path, token = sent
    assert path == f"/r/{token}/submitted"
    for _ in range(2):  # a reload right after sending shows it again
        page = client.get(path)
        html = html_of(page)
        assert page.status_code == 200
        assert access_request.reference in html and "What happens next" in html
        link = re.search(r'href="(http://accessreq.test/r/[^"]+)"', html).group(1)
        assert urlsplit(link).path == f"/r/{token}"
        assert page.headers["Cache-Control"] == "no-store"
        assert page.headers["Referrer-Policy"] == "same-origin"


def test_an_hour_later_the_confirmation_becomes_the_status_page(client, sent):
    access_request, path, token = sent
    access_request.created_at -= CONFIRMATION_SHOWN_FOR + timedelta(seconds=1)
    db.session.commit()
    response = client.get(path)
    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == f"/r/{token}"


def test_once_the_team_acts_the_confirmation_becomes_the_status_page(client, sent, make_staff):
    access_request, path, token = sent
    change_status(access_request, make_staff(), RequestStatus.IN_REVIEW)
    db.session.commit()
    response = client.get(path)
    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == f"/r/{token}"


def test_the_confirmation_needs_the_right_token(client, sent):
    access_request, _path, _token = sent
    response = client.get("/r/" + "A" * 43 + "/submitted")
    assert response.status_code == 404
    assert access_request.reference not in html_of(response)


def test_an_old_cookie_loses_the_link_it_held(app, client):
    """Cookies from before this change held the status link; the old address drops it."""
    with client.session_transaction() as session:
        session["last_submission"] = {"reference": "AR-OLD1-23", "status_url": "http://x/r/t"}
    response = client.get("/request/submitted")
    assert response.status_code == 302
    assert "last_submission" not in _session_cookie(app, client)
    assert "AR-OLD1-23" not in html_of(client.get("/"))
