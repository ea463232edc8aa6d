"""Form markup a screen reader depends on, checked in the HTML the server sends.

The browser checks (tests/browser/checks.js) find duplicate ids and same-named form landmarks on
every page state; these tests pin the two causes fixed in issue 9 and show CSRF still works.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from accessreq.auth.models import Role
from accessreq.extensions import db
from accessreq.routing.models import Organisation, RoutingRule, Team
from helpers import TEST_PASSWORD, sign_in

CSRF_ON = pytest.mark.app_config(WTF_CSRF_ENABLED=True)
TOKEN = re.compile(r'<input[^>]*name="csrf_token"[^>]*>')


def token_in(html: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def button_names(html: str) -> list[str]:
    """What a screen reader announces for each submit button: its text, hidden text included."""
    buttons = re.findall(r"<button[^>]*>(.*?)</button>", html, flags=re.S)
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", b)).strip() for b in buttons]


@pytest.fixture
def three_rules(app, make_type, make_event):
    centre = Organisation(name="Museum Centre")
    comms = Team(organisation=centre, name="Communications access",
                 notification_email="comms@example.org", is_default=True)
    front = Team(organisation=centre, name="Front of house", notification_email="foh@example.org")
    sign = make_type("Sign language", 14)
    lecture = make_event("Lecture", types=[sign], organisation=centre)
    db.session.add_all([centre, comms, front,
                        RoutingRule(position=1, team=comms, accommodation_type=sign),
                        RoutingRule(position=2, team=front, organisation=centre, event=lecture),
                        RoutingRule(position=3, team=front)])
    db.session.commit()
    return list(db.session.scalars(select(RoutingRule).order_by(RoutingRule.position)))


@CSRF_ON
def test_csrf_token_has_no_id_and_still_signs_in(client, make_staff):
    user = make_staff(Role.ADMIN)
    page = client.get("/staff/login").get_data(as_text=True)
    assert TOKEN.search(page) and 'id="csrf_token"' not in page
    response = client.post("/staff/login", data={
        "csrf_token": token_in(page), "email": user.email, "password": TEST_PASSWORD})
    assert response.status_code == 302
    without = client.post("/staff/logout")
    assert without.status_code == 400


@CSRF_ON
def test_rules_page_has_unique_ids_and_buttons_that_name_their_rule(client, make_staff,
                                                                   three_rules):
    user = make_staff(Role.ADMIN)
    sign_in(client, user)
    html = client.get("/admin/routing").get_data(as_text=True)
    # Sign out plus four moves: five tokens, none with an id. (Delete is a link to a page
    # that asks first.)
    assert len(TOKEN.findall(html)) == 5
    ids = re.findall(r'\sid="([^"]+)"', html)
    assert sorted(i for i in set(ids) if ids.count(i) > 1) == []
    names = [n for n in button_names(html) if n.startswith("Move")]
    assert len(names) == len(set(names)) == 4, names
    assert names[:2] == [
        "Move down: rule 1: Sign language, sent to Communications access",
        "Move up: rule 2: Museum Centre, Lecture, sent to Front of house"]
    links = re.findall(r'<a class="button button--secondary" href="[^"]+/delete">(.*?)</a>', html)
    deletes = [re.sub(r"<[^>]+>", "", link) for link in links]
    assert len(deletes) == len(set(deletes)) == 3
    assert deletes[0] == "Delete: rule 1: Sign language, sent to Communications access"
    assert deletes[-1] == "Delete: rule 3: any request, sent to Front of house"

    moved = client.post(f"/admin/routing/{three_rules[2].id}/move",
                        data={"csrf_token": token_in(html), "direction": "up"})
    assert moved.status_code == 302
    db.session.expire_all()
    assert db.session.get(RoutingRule, three_rules[2].id).position == 2


def test_events_with_one_title_get_buttons_that_say_which_date(client, make_staff, make_type,
                                                              make_event):
    """A weekly "Lecture" is several rows with one title: the button names the date too."""
    user = make_staff(Role.ADMIN)
    sign_in(client, user)
    kind = make_type("Seating", 3)
    for days in (30, 37):
        make_event("Weekly lecture", days_ahead=days, types=[kind])
    html = client.get("/admin/events").get_data(as_text=True)
    names = [n for n in button_names(html) if n.startswith("Close for requests")]
    assert len(names) == len(set(names)) == 2, names
    assert all(n.startswith("Close for requests: Weekly lecture, ") for n in names)
