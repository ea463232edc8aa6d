"""Staff accounts: invitations end to end, resending, self-protection of admins, and the
admin role on every admin route (coordinators get 403, anonymous people the sign-in page)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from accessreq.api.services import create_client
from accessreq.auth.models import Role, StaffUser
from accessreq.events.provisions import ProvisionDetails, add_provision
from accessreq.extensions import db
from accessreq.notifications.models import EmailStatus, OutgoingEmail
from accessreq.routing.models import Organisation, Team
from accessreq.routing.services import save_rule
from accessreq.timeutil import utcnow
from accessreq.triage.canned import CannedReplyDetails, save_canned_reply
from accessreq.webhooks.services import create_endpoint
from helpers import TEST_PASSWORD

NEW_PASSWORD = "purple elephant quietly reads"
LINK = re.compile(r"http://accessreq\.test(/staff/invite/[A-Za-z0-9_\-]+)")


def invite_links(to: str) -> list[str]:
    rows = db.session.scalars(select(OutgoingEmail).where(OutgoingEmail.to_address == to,
                                                          OutgoingEmail.template == "staff_invite")
                              .order_by(OutgoingEmail.id))
    return [LINK.search(row.body_text).group(1) for row in rows]


def invite(client, name="Nia Newcomer", email="nia@example.org", role="coordinator"):
    return client.post("/admin/staff/new", data={"name": name, "email": email, "role": role})


# --- invitations --------------------------------------------------------------------------


def test_invitation_end_to_end(admin_client):
    response = invite(admin_client, email="Nia@Example.org")
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/staff/"
    user = db.session.scalars(select(StaffUser).where(StaffUser.email == "nia@example.org")).one()
    assert user.password_hash is None and user.role == Role.COORDINATOR
    assert user.invite_expires_at - utcnow() > timedelta(days=6, hours=23)

    row = db.session.scalars(select(OutgoingEmail)).one()
    assert (row.template, row.to_address, row.status) == (
        "staff_invite", "nia@example.org", EmailStatus.PENDING)
    assert "Ada Admin" in row.body_text and "coordinator account" in row.body_text
    [link] = invite_links("nia@example.org")
    assert link in row.body_html
    page = admin_client.get("/admin/staff/").get_data(as_text=True)
    assert "Account created for Nia Newcomer" in page and "Pending" in page

    admin_client.post("/staff/logout")
    form = admin_client.get(link)
    # Password managers learn which account the new password belongs to.
    assert re.search(r'name="username" value="nia@example.org" autocomplete="username"',
                     form.get_data(as_text=True))
    assert form.status_code == 200
    assert 'autocomplete="new-password"' in form.get_data(as_text=True)
    response = admin_client.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302 and response.headers["Location"] == "/staff/"
    with admin_client.session_transaction() as session:
        assert session["_user_id"] == user.get_id()
    db.session.refresh(user)
    assert user.password_hash.startswith("scrypt:") and user.check_password(NEW_PASSWORD)
    assert user.invite_token_hash is None and user.last_login_at is not None

    # The link works once.
    admin_client.post("/staff/logout")
    reused = admin_client.get(link)
    assert reused.status_code == 404
    assert "ask an admin" in reused.get_data(as_text=True).lower()
    assert admin_client.post(link, data={"password": "another long password",
                                         "confirm": "another long password"}).status_code == 404
    # And the new password signs in.
    response = admin_client.post("/staff/login", data={"email": "nia@example.org",
                                                       "password": NEW_PASSWORD})
    assert response.status_code == 302


def test_expired_invitation_is_410(admin_client):
    invite(admin_client)
    [link] = invite_links("nia@example.org")
    user = db.session.scalars(select(StaffUser).where(StaffUser.email == "nia@example.org")).one()
    user.invite_expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    response = admin_client.get(link)
    page = response.get_data(as_text=True)
    assert response.status_code == 410
    assert "This invitation link has expired" in page and "Ask an admin" in page
    assert admin_client.post(link, data={"password": NEW_PASSWORD,
                                         "confirm": NEW_PASSWORD}).status_code == 410
    db.session.refresh(user)
    assert user.password_hash is None
    assert "Expired" in admin_client.get("/admin/staff/").get_data(as_text=True)


@pytest.mark.parametrize("token", ["not-a-real-token", "x" * 500, "%E2%9C%93"])
def test_unknown_invitation_token_is_404(client, token):
    response = client.get(f"/staff/invite/{token}")
    assert response.status_code == 404
    assert "This invitation link does not work" in response.get_data(as_text=True)


@pytest.mark.parametrize("password,confirm,message", [
    ("short pass", "short pass", "at least 12 characters"),
    (NEW_PASSWORD, NEW_PASSWORD + "!", "The passwords do not match"),
    ("", "", "Enter a password"),
    ("p" * 300, "p" * 300, "at most 256 characters"),
])
def test_set_password_rules(admin_client, password, confirm, message):
    invite(admin_client)
    [link] = invite_links("nia@example.org")
    admin_client.post("/staff/logout")
    response = admin_client.post(link, data={"password": password, "confirm": confirm})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert message in page and "<title>Error: Set your password" in page
    assert admin_client.get(link).status_code == 200  # still usable after a mistake


def test_resend_invitation_invalidates_old_link(admin_client):
    invite(admin_client)
    user = db.session.scalars(select(StaffUser).where(StaffUser.email == "nia@example.org")).one()
    response = admin_client.post(f"/admin/staff/{user.id}/invite")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/admin/staff/{user.id}"
    assert "Any earlier link no longer works" in admin_client.get(
        response.headers["Location"]).get_data(as_text=True)
    old, new = invite_links("nia@example.org")
    assert old != new
    assert admin_client.get(old).status_code == 404
    assert admin_client.get(new).status_code == 200


def test_no_invitation_for_a_deactivated_account(admin_client, make_staff):
    gone = make_staff(email="gone@example.org", active=False)
    admin_client.post(f"/admin/staff/{gone.id}/invite")
    page = admin_client.get(f"/admin/staff/{gone.id}").get_data(as_text=True)
    assert "Reactivate it before sending a new invitation" in page
    assert invite_links("gone@example.org") == []


@pytest.mark.parametrize("data,message", [
    ({"name": "", "email": "x@example.org", "role": "coordinator"}, "Enter the person’s name"),
    ({"name": "X", "email": "", "role": "coordinator"}, "Enter the person’s email address"),
    ({"name": "X", "email": "not an address", "role": "coordinator"},
     "Enter an email address in the correct format"),
    ({"name": "X", "email": "x@example.org\r\nBcc: y@example.org", "role": "coordinator"},
     "Enter an email address in the correct format"),
    ({"name": "X", "email": "x@example.org", "role": "owner"}, "Not a valid choice"),
    ({"name": "X", "email": "ADA@example.org", "role": "admin"},
     "There is already an account with this email address"),
])
def test_new_staff_validation(admin_client, data, message):
    response = admin_client.post("/admin/staff/new", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert message in page and "<title>Error: Add a staff member" in page
    assert db.session.scalars(select(OutgoingEmail)).first() is None
    assert len(db.session.scalars(select(StaffUser)).all()) == 1


# --- invitations choose the teams -----------------------------------------------------------


@pytest.fixture
def teams():
    museum = Organisation(name="Museum Centre")
    front = Team(organisation=museum, name="Front of house", notification_email="foh@example.org")
    comms = Team(organisation=museum, name="Communications access",
                 notification_email="comms@example.org")
    db.session.add_all([front, comms])
    db.session.commit()
    return front, comms


def test_invitation_offers_every_team(admin_client, teams):
    page = admin_client.get("/admin/staff/new").get_data(as_text=True)
    assert '<legend class="legend">Teams</legend>' in page
    assert "Front of house (Museum Centre)" in page
    assert "Communications access (Museum Centre)" in page


def test_a_coordinator_must_be_given_a_team(admin_client, teams):
    response = admin_client.post("/admin/staff/new", data={
        "name": "Nia Newcomer", "email": "nia@example.org", "role": "coordinator"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "<title>Error: Add a staff member" in page
    # Beside the field, linked from the summary, with what was typed kept.
    assert 'id="teams-error"' in page and 'href="#teams-0"' in page
    assert "Choose at least one team, or make them an admin" in page
    assert 'value="Nia Newcomer"' in page and 'value="nia@example.org"' in page
    assert db.session.scalar(select(StaffUser).where(StaffUser.email == "nia@example.org")) is None
    assert invite_links("nia@example.org") == []


def test_the_team_error_shows_with_the_other_errors(admin_client, teams):
    page = admin_client.post("/admin/staff/new", data={
        "name": "", "email": "nia@example.org", "role": "coordinator"}).get_data(as_text=True)
    assert "Enter the person’s name" in page
    assert "Choose at least one team, or make them an admin" in page


def test_an_invited_coordinator_is_in_the_chosen_teams(admin_client, teams):
    front, comms = teams
    response = admin_client.post("/admin/staff/new", data={
        "name": "Nia Newcomer", "email": "nia@example.org", "role": "coordinator",
        "teams": [str(comms.id)]})
    assert response.status_code == 302
    nia = db.session.scalar(select(StaffUser).where(StaffUser.email == "nia@example.org"))
    assert [t.name for t in nia.teams] == ["Communications access"]
    assert len(invite_links("nia@example.org")) == 1


def test_an_admin_needs_no_team(admin_client, teams):
    response = admin_client.post("/admin/staff/new", data={
        "name": "Ann Admin", "email": "ann@example.org", "role": "admin"})
    assert response.status_code == 302
    ann = db.session.scalar(select(StaffUser).where(StaffUser.email == "ann@example.org"))
    assert ann.role == Role.ADMIN and ann.teams == []


def test_an_unknown_team_is_refused(admin_client, teams):
    page = admin_client.post("/admin/staff/new", data={
        "name": "Nia Newcomer", "email": "nia@example.org", "role": "coordinator",
        "teams": ["999999"]}).get_data(as_text=True)
    assert 'id="teams-error"' in page
    assert db.session.scalar(select(StaffUser).where(StaffUser.email == "nia@example.org")) is None


def test_without_any_team_nothing_is_asked(admin_client):
    """No teams yet: nothing is routed and every coordinator sees the one shared queue."""
    assert 'name="teams"' not in admin_client.get("/admin/staff/new").get_data(as_text=True)
    assert invite(admin_client).status_code == 302


def test_editing_keeps_a_coordinator_in_a_team(admin_client, make_staff, teams):
    front, comms = teams
    other = make_staff(Role.ADMIN, email="other@example.org")
    url = f"/admin/staff/{other.id}"
    page = admin_client.post(url, data={"name": "Other Person", "role": "coordinator",
                                        "active": "y"}).get_data(as_text=True)
    assert "Choose at least one team, or make them an admin" in page
    assert 'value="Other Person"' in page
    db.session.refresh(other)
    assert other.role == Role.ADMIN
    response = admin_client.post(url, data={"name": "Other Person", "role": "coordinator",
                                            "active": "y", "teams": [str(front.id)]})
    assert response.status_code == 302
    db.session.refresh(other)
    assert other.role == Role.COORDINATOR and [t.name for t in other.teams] == ["Front of house"]
    # The edit form shows the teams they are in.
    page = admin_client.get(url).get_data(as_text=True)
    assert re.search(rf'<input checked [^>]*value="{front.id}"', page)
    assert not re.search(rf'<input checked [^>]*value="{comms.id}"', page)


# --- editing accounts -----------------------------------------------------------------------


def test_admin_cannot_demote_or_deactivate_self(admin_client, admin):
    url = f"/admin/staff/{admin.id}"
    response = admin_client.post(url, data={"name": "Ada Admin", "role": "coordinator",
                                            "active": "y"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "You cannot remove the admin role from your own account" in page
    assert 'href="#role-0"' in page  # the summary links to the field
    response = admin_client.post(url, data={"name": "Ada Admin", "role": "admin"})
    assert "You cannot deactivate your own account" in response.get_data(as_text=True)
    db.session.refresh(admin)
    assert admin.role == Role.ADMIN and admin.active
    # Renaming oneself is fine.
    assert admin_client.post(url, data={"name": "Ada A. Admin", "role": "admin",
                                        "active": "y"}).status_code == 302
    db.session.refresh(admin)
    assert admin.name == "Ada A. Admin"


def test_admin_can_change_another_account(admin_client, make_staff, client):
    other = make_staff(Role.ADMIN, email="other@example.org")
    page = admin_client.get(f"/admin/staff/{other.id}").get_data(as_text=True)
    assert re.search(r'<input checked [^>]*value="admin"', page)
    response = admin_client.post(f"/admin/staff/{other.id}",
                                 data={"name": "Other Person", "role": "coordinator"})
    assert response.status_code == 302
    db.session.refresh(other)
    assert (other.name, other.role, other.active) == ("Other Person", Role.COORDINATOR, False)
    assert "Deactivated" in admin_client.get("/admin/staff/").get_data(as_text=True)
    admin_client.post("/staff/logout")
    response = admin_client.post("/staff/login", data={"email": other.email,
                                                       "password": TEST_PASSWORD})
    assert response.status_code == 200


def test_deactivated_person_is_signed_out_at_once(app, make_staff, admin):
    coordinator = make_staff(email="cory@example.org")
    theirs, ours = app.test_client(), app.test_client()

    def send(client, method, url, **kwargs):
        # Each request in its own app context, as in production: the test's context would
        # otherwise keep Flask-Login's cached user in ``g`` from one request to the next.
        with app.app_context():
            return client.open(url, method=method, **kwargs)

    send(theirs, "POST", "/staff/login", data={"email": "cory@example.org", "password": TEST_PASSWORD})
    assert send(theirs, "GET", "/admin/staff/").status_code == 403
    send(ours, "POST", "/staff/login", data={"email": "ada@example.org", "password": TEST_PASSWORD})
    send(ours, "POST", f"/admin/staff/{coordinator.id}", data={"name": "Cory", "role": "coordinator"})
    assert send(theirs, "GET", "/admin/staff/").status_code == 302  # back to sign-in


def test_unknown_staff_id_is_404(admin_client):
    assert admin_client.get("/admin/staff/999999").status_code == 404
    assert admin_client.post("/admin/staff/999999/invite").status_code == 404


# --- the admin role on every admin route ------------------------------------------------------

GET_ROUTES = [
    "/admin/staff/", "/admin/staff/new", "/admin/staff/{staff_id}",
    "/admin/events", "/admin/events/new", "/admin/events/{event_id}",
    "/admin/events/{event_id}/provisions", "/admin/events/{event_id}/cancel",
    "/admin/catalogue", "/admin/catalogue/new", "/admin/catalogue/{type_id}",
    "/admin/email/", "/admin/email/caught", "/admin/email/caught/{message_id}",
    "/admin/email/caught/{message_id}/html",
    "/admin/organisations", "/admin/organisations/{organisation_id}",
    "/admin/teams", "/admin/teams/new", "/admin/teams/{team_id}",
    "/admin/routing", "/admin/routing/new", "/admin/routing/{rule_id}", "/admin/routing/preview",
    "/admin/routing/{rule_id}/delete", "/admin/access-log",
    "/admin/email-wording/", "/admin/email-wording/{key}",
    "/admin/replies", "/admin/replies/new", "/admin/replies/{reply_id}",
    "/admin/exports",
    "/admin/api-clients", "/admin/api-clients/new",
    "/admin/webhooks", "/admin/webhooks/new", "/admin/webhooks/{endpoint_id}",
]
POST_ROUTES = [
    "/admin/staff/new", "/admin/staff/{staff_id}", "/admin/staff/{staff_id}/invite",
    "/admin/events/new", "/admin/events/{event_id}", "/admin/events/{event_id}/requests",
    "/admin/events/{event_id}/provisions",
    "/admin/events/{event_id}/provisions/{provision_id}/remove",
    "/admin/events/{event_id}/cancel",
    "/admin/catalogue/new", "/admin/catalogue/{type_id}",
    "/admin/email/{email_id}/retry", "/admin/email/caught/{message_id}/reply",
    "/admin/organisations", "/admin/organisations/{organisation_id}",
    "/admin/teams/new", "/admin/teams/{team_id}",
    "/admin/routing/new", "/admin/routing/{rule_id}", "/admin/routing/{rule_id}/move",
    "/admin/routing/{rule_id}/delete",
    "/admin/email-wording/{key}", "/admin/email-wording/{key}/restore",
    "/admin/replies/new", "/admin/replies/{reply_id}", "/admin/replies/{reply_id}/delete",
    "/admin/api-clients/new", "/admin/api-clients/{client_id}/revoke",
    "/admin/webhooks/new", "/admin/webhooks/{endpoint_id}/active",
    "/admin/webhooks/{endpoint_id}/secret",
    "/admin/webhooks/{endpoint_id}/deliveries/{delivery_id}/retry",
]


@pytest.fixture
def ids(make_request, make_staff):
    request, _ = make_request()
    email = db.session.scalars(select(OutgoingEmail)).first()
    team = Team(organisation=Organisation(name="Museum Centre"), name="Front of house",
                notification_email="foh@example.org")
    db.session.add(team)
    db.session.commit()
    rule = save_rule(None, team=team, organisation=None, accommodation_type=None, event=None)
    return {"staff_id": make_staff(Role.COORDINATOR).id, "event_id": request.event_id,
            "type_id": request.items[0].accommodation_type_id, "email_id": email.id,
            "message_id": "1700000000000000000-abcdef12", "organisation_id": team.organisation_id,
            "team_id": team.id, "rule_id": rule.id, "key": "provider_ask",
            "provision_id": add_provision(request.event, ProvisionDetails(name="Hearing loop")).id,
            "reply_id": save_canned_reply(None, None, CannedReplyDetails("Booked", "Booked, {first_name}.")).id,
            "endpoint_id": create_endpoint("https://hooks.example.org/in", ["request.created"],
                                           False)[0].id,
            "client_id": create_client("Ticketing", ["events:read"], None, None)[0].id,
            "delivery_id": 1}


def test_route_lists_cover_every_admin_route(app):
    def pattern(rule):
        return re.sub(r"<(?:int:)?(\w+)>", r"{\1}", rule.rule)

    admin_rules = [r for r in app.url_map.iter_rules() if r.rule.startswith("/admin")]
    assert {pattern(r) for r in admin_rules if "GET" in r.methods} == set(GET_ROUTES)
    assert {pattern(r) for r in admin_rules if "POST" in r.methods} == set(POST_ROUTES)


@pytest.mark.parametrize("method,route", [("GET", r) for r in GET_ROUTES]
                         + [("POST", r) for r in POST_ROUTES])
def test_coordinator_gets_403(client, make_staff, login, ids, method, route):
    login(make_staff(Role.COORDINATOR))
    before = db.session.scalars(select(OutgoingEmail.id)).all()
    response = client.open(route.format(**ids), method=method,
                           data={"name": "X", "email": "x@example.org", "role": "admin",
                                 "open": "0"})
    assert response.status_code == 403
    assert "You do not have access to this page" in response.get_data(as_text=True)
    assert db.session.scalars(select(OutgoingEmail.id)).all() == before


@pytest.mark.parametrize("method,route", [("GET", r) for r in GET_ROUTES]
                         + [("POST", r) for r in POST_ROUTES])
def test_anonymous_is_sent_to_sign_in(client, ids, method, route):
    response = client.open(route.format(**ids), method=method, data={"open": "0"})
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/staff/login?next=")
