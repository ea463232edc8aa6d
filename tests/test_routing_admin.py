"""The routing admin pages: organisations, teams with members, ordered rules, and the preview."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from accessreq.auth.models import Role
from accessreq.extensions import db
from accessreq.routing.models import Organisation, RoutingRule, Team
from helpers import sign_in

PAGES = ["/admin/organisations", "/admin/teams", "/admin/teams/new", "/admin/routing",
         "/admin/routing/new", "/admin/routing/preview"]


@pytest.fixture
def admin(client, make_staff):
    user = make_staff(Role.ADMIN, name="Ada Admin")
    sign_in(client, user)
    return user


@pytest.fixture
def setup(make_teams):
    return make_teams()


@pytest.mark.parametrize("path", PAGES)
def test_pages_are_for_admins_only(client, make_staff, path):
    assert client.get(path).status_code == 302  # to sign-in
    coordinator = make_staff()
    sign_in(client, coordinator)
    assert client.get(path).status_code == 403


@pytest.mark.parametrize("path", PAGES)
def test_pages_open_for_admins(client, admin, setup, path):
    assert client.get(path).status_code == 200


def test_add_and_rename_an_organisation(client, admin):
    response = client.post("/admin/organisations", data={"name": "Partner Society"})
    assert response.status_code == 302
    organisation = db.session.scalars(select(Organisation)).one()
    response = client.post(f"/admin/organisations/{organisation.id}", data={"name": "Partners"})
    assert response.status_code == 302
    db.session.expire_all()
    assert organisation.name == "Partners"
    response = client.post("/admin/organisations", data={"name": "Partners"})
    assert "There is already an organisation with this name" in response.get_data(as_text=True)


def test_add_a_team_with_members_and_make_it_the_default(client, admin, setup, make_staff):
    cory = make_staff(name="Cory Coordinator")
    response = client.post("/admin/teams/new", data={
        "organisation": str(setup["centre"].id), "name": "Publications",
        "notification_email": "pubs@example.org", "is_default": "y",
        "members": [str(cory.id), str(admin.id)]})
    assert response.status_code == 302
    db.session.expire_all()
    team = db.session.scalars(select(Team).where(Team.name == "Publications")).one()
    assert {m.name for m in team.members} == {"Cory Coordinator", "Ada Admin"}
    assert team.is_default and not setup["comms"].is_default  # one default per organisation
    assert setup["centre"].default_team == team


def test_team_form_errors_keep_the_values(client, admin, setup):
    response = client.post("/admin/teams/new", data={
        "organisation": "999", "name": "", "notification_email": "not an address"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<title>Error: " in html
    for message in ("Choose the team’s organisation from the list", "Enter the team’s name",
                    "Enter an email address in the correct format"):
        assert message in html
    assert 'value="not an address"' in html


def test_rules_are_created_at_the_end_moved_and_deleted(client, admin, setup):
    for team in ("front", "comms"):
        response = client.post("/admin/routing/new", data={
            "team": str(setup[team].id), "organisation": "",
            "accommodation_type": str(setup["seat"].id), "event": ""})
        assert response.status_code == 302
    rules = list(db.session.scalars(select(RoutingRule).order_by(RoutingRule.position)))
    assert [r.team.name for r in rules] == ["Front of house", "Communications access"]
    client.post(f"/admin/routing/{rules[1].id}/move", data={"direction": "up"})
    db.session.expire_all()
    ordered = list(db.session.scalars(select(RoutingRule).order_by(RoutingRule.position)))
    assert [r.team.name for r in ordered] == ["Communications access", "Front of house"]
    html = client.get("/admin/routing").get_data(as_text=True)
    assert html.index("Communications access") < html.index("Front of house")
    assert client.post(f"/admin/routing/{rules[0].id}/move",
                       data={"direction": "sideways"}).status_code == 400
    client.post(f"/admin/routing/{rules[0].id}/delete", data={"confirm": "yes"})
    assert db.session.scalar(select(func.count()).select_from(RoutingRule)) == 1


def test_deleting_a_rule_asks_first(client, admin, setup):
    client.post("/admin/routing/new", data={
        "team": str(setup["front"].id), "accommodation_type": str(setup["seat"].id)})
    rule = db.session.scalars(select(RoutingRule)).one()
    url = f"/admin/routing/{rule.id}/delete"
    # The list offers a link to the confirmation page, not a button that deletes at once.
    rules_page = client.get("/admin/routing").get_data(as_text=True)
    assert f'href="{url}"' in rules_page and f'action="{url}"' not in rules_page
    page = client.get(url).get_data(as_text=True)
    assert "<h1>Delete rule 1?</h1>" in page
    assert "<dd>Seating</dd>" in page and "<dd>Front of house</dd>" in page
    assert 'name="confirm" value="yes">Delete rule</button>' in page
    assert f'href="/admin/routing#rule-{rule.id}">Keep it</a>' in page
    # A post without the confirmation deletes nothing and goes to ask.
    response = client.post(url)
    assert response.status_code == 303 and response.headers["Location"].endswith(url)
    assert db.session.scalar(select(func.count()).select_from(RoutingRule)) == 1
    response = client.post(url, data={"confirm": "yes"})
    assert response.status_code == 303 and response.headers["Location"].endswith("/admin/routing")
    assert db.session.scalar(select(func.count()).select_from(RoutingRule)) == 0
    assert "Deleted the rule that sent requests to Front of house" in client.get(
        "/admin/routing").get_data(as_text=True)
    assert client.get(url).status_code == 404


def test_editing_a_rule_sets_every_field(client, admin, setup):
    client.post("/admin/routing/new", data={"team": str(setup["front"].id)})
    rule = db.session.scalars(select(RoutingRule)).one()
    response = client.post(f"/admin/routing/{rule.id}", data={
        "team": str(setup["comms"].id), "organisation": str(setup["centre"].id),
        "accommodation_type": str(setup["sign"].id), "event": str(setup["event"].id)})
    assert response.status_code == 302
    db.session.expire_all()
    assert (rule.team, rule.organisation, rule.accommodation_type, rule.event) == (
        setup["comms"], setup["centre"], setup["sign"], setup["event"])


def test_a_rule_needs_a_known_team(client, admin, setup):
    response = client.post("/admin/routing/new", data={"team": "", "event": "12345"})
    html = response.get_data(as_text=True)
    assert "Choose the team the rule sends requests to" in html
    assert "Choose an event from the list" in html
    assert db.session.scalar(select(func.count()).select_from(RoutingRule)) == 0


def test_preview_says_where_a_request_would_go_and_saves_nothing(client, admin, setup):
    client.post("/admin/routing/new", data={"team": str(setup["front"].id),
                                            "accommodation_type": str(setup["seat"].id)})
    before = db.session.scalar(select(func.count()).select_from(RoutingRule))
    html = client.get(f"/admin/routing/preview?event={setup['event'].id}"
                      f"&types={setup['seat'].id}").get_data(as_text=True)
    assert "It would go to Front of house" in html
    assert "Rule 1 matched, on its most demanding accommodation: Seating" in html
    html = client.get(f"/admin/routing/preview?event={setup['event'].id}&types={setup['seat'].id}"
                      f"&types={setup['sign'].id}").get_data(as_text=True)
    assert "It would go to Communications access" in html
    assert "default team" in html
    assert db.session.scalar(select(func.count()).select_from(RoutingRule)) == before


@pytest.mark.parametrize("query", ["?event=", "?event=abc&types=x", "?event=999999&types=1",
                                   "?types=1", "?event=1&types=99999999999999999999"])
def test_preview_with_bad_input_shows_errors_not_500(client, admin, setup, query):
    response = client.get(f"/admin/routing/preview{query}")
    assert response.status_code == 200
    assert "<title>Error: " in response.get_data(as_text=True)
