"""Team-scoped work: coordinators see and act only on their teams' requests (by URL too);
admins see every team; the queue's team switcher, counts per team, and its fixed cost."""

from __future__ import annotations

import pytest
from flask import g

from accessreq.auth.models import Role
from accessreq.extensions import db
from accessreq.requests.models import HistoryEntry
from accessreq.routing.models import Team
from accessreq.routing.services import save_rule
from helpers import count_statements, sign_in
from test_queue import table_references


@pytest.fixture
def teams(make_teams):
    return make_teams(route_seating=True)


@pytest.fixture
def requests_(teams, make_request):
    comms_request, _ = make_request(event=teams["event"], types=[teams["sign"]])
    front_request, _ = make_request(event=teams["event"], types=[teams["seat"]])
    assert (comms_request.team, front_request.team) == (teams["comms"], teams["front"])
    return comms_request, front_request



@pytest.fixture
def front_coordinator(teams, make_staff):
    user = make_staff(name="Fran Front")
    teams["front"].members.append(user)
    db.session.commit()
    return user


def test_a_coordinator_sees_only_their_teams_requests_in_the_queue(
        client, front_coordinator, requests_):
    comms_request, front_request = requests_
    html = sign_in(client, front_coordinator).get("/staff/").get_data(as_text=True)
    assert table_references(html) == [front_request.reference]
    assert "Showing: <strong>My teams</strong>" in html
    # Asking for another team's queue, or every team, falls back to their own.
    for query in (f"?team={comms_request.team_id}", "?team=all", "?team=99999", "?team=x"):
        html = client.get(f"/staff/{query}").get_data(as_text=True)
        assert table_references(html) == [front_request.reference], query


def test_a_coordinator_cannot_open_another_teams_request_by_url(client, front_coordinator,
                                                                requests_):
    comms_request, front_request = requests_
    sign_in(client, front_coordinator)
    assert client.get(f"/staff/requests/{comms_request.id}").status_code == 404
    assert client.get(f"/staff/requests/{front_request.id}").status_code == 200


ACTIONS = {
    "assign": {"assign-assignee": "me"},
    "status": {"status-status": "in_review"},
    "compose": {"compose-mode": "reply", "compose-action": "reply", "compose-body": "Hello"},
    "move": {"move-reason": "Seating question"},  # the team is filled in by the test
}


@pytest.mark.parametrize("action", sorted(ACTIONS))
def test_every_action_on_another_teams_request_is_not_found(client, front_coordinator,
                                                             requests_, action):
    comms_request, _ = requests_
    before = (comms_request.version, len(comms_request.history))
    data = {f"{action}-version": str(comms_request.version), **ACTIONS[action],
            "move-team": str(front_request_team(requests_))}
    response = sign_in(client, front_coordinator).post(
        f"/staff/requests/{comms_request.id}/{action}", data=data)
    assert response.status_code == 404
    db.session.expire_all()
    assert (comms_request.version, len(comms_request.history)) == before


def front_request_team(requests_) -> int:
    return requests_[1].team_id


def test_a_coordinator_can_act_on_their_own_teams_request(client, front_coordinator,
                                                          requests_):
    _, front_request = requests_
    response = sign_in(client, front_coordinator).post(
        f"/staff/requests/{front_request.id}/compose",
        data={"compose-version": str(front_request.version), "compose-mode": "note",
              "compose-action": "note", "compose-body": "Row A booked"})
    assert response.status_code == 303
    assert db.session.get(HistoryEntry, front_request.history[-1].id) is not None


def test_requests_no_team_holds_stay_visible_to_every_coordinator(client, make_staff,
                                                                  make_request):
    request, _ = make_request()  # no organisations: nothing is routed
    coordinator = make_staff()
    html = sign_in(client, coordinator).get("/staff/").get_data(as_text=True)
    assert table_references(html) == [request.reference]
    assert client.get(f"/staff/requests/{request.id}").status_code == 200


def test_admins_see_every_team_and_can_switch(client, make_staff, teams, requests_):
    comms_request, front_request = requests_
    admin = make_staff(Role.ADMIN)
    html = sign_in(client, admin).get("/staff/").get_data(as_text=True)
    assert sorted(table_references(html)) == sorted([comms_request.reference,
                                                     front_request.reference])
    assert "Showing: <strong>All teams</strong>" in html
    assert client.get(f"/staff/requests/{comms_request.id}").status_code == 200
    teams["front"].members.append(admin)
    db.session.commit()
    html = client.get("/staff/").get_data(as_text=True)
    assert table_references(html) == [front_request.reference]  # an admin in a team: my teams
    html = client.get("/staff/?team=all").get_data(as_text=True)
    assert len(table_references(html)) == 2


def test_the_switcher_lists_each_of_my_teams_with_its_open_count(
        client, front_coordinator, teams, requests_, make_request):
    teams["comms"].members.append(front_coordinator)
    db.session.commit()
    make_request(event=teams["event"], types=[teams["sign"]])
    html = sign_in(client, front_coordinator).get("/staff/").get_data(as_text=True)
    assert '<label class="label" for="team">Team</label>' in html
    assert "My teams (3 open)" in html
    assert "Communications access (2 open)" in html and "Front of house (1 open)" in html
    assert "All teams" not in html  # admins only
    html = client.get(f"/staff/?team={teams['comms'].id}").get_data(as_text=True)
    assert len(table_references(html)) == 2
    assert "Showing: <strong>Communications access</strong>" in html
    assert "Open (2)" in html


def test_filtered_counts_stay_within_the_teams(client, front_coordinator, teams, requests_):
    html = sign_in(client, front_coordinator).get(
        f"/staff/?type={teams['sign'].id}&status=all").get_data(as_text=True)
    assert table_references(html) == []
    assert "All (0)" in html


@pytest.mark.app_config(QUEUE_PAGE_SIZE=50)
def test_the_queue_costs_the_same_statements_with_more_teams(client, front_coordinator, teams,
                                                             make_request):
    def measure() -> int:
        db.session.remove()
        g.pop("_login_user", None)
        with count_statements() as statements:
            html = client.get("/staff/?status=all").get_data(as_text=True)
        assert table_references(html)
        return len(statements)

    ids = {name: thing.id for name, thing in teams.items()}
    coordinator_id = front_coordinator.id
    sign_in(client, front_coordinator)
    make_request(event=teams["event"], types=[teams["seat"]])
    one_team = measure()
    for n in range(6):
        team = Team(organisation_id=ids["centre"], name=f"Team {n}",
                    notification_email=f"team{n}@example.org")
        db.session.add(team)
        team.members.append(db.session.get(type(front_coordinator), coordinator_id))
        db.session.commit()
        event = db.session.get(type(teams["event"]), ids["event"])
        save_rule(None, team=team, organisation=None, accommodation_type=None, event=event)
        make_request(event=event, types=[db.session.get(type(teams["sign"]), ids["sign"])])
    # bench/README.md: seven with the access-log INSERT, plus one since issue 11 for the count
    # of waiting emails in the staff navigation (tests/test_inbox_nav.py), plus one since
    # issue 13 for the person's saved views (tests/test_saved_views.py).
    assert measure() == one_team <= 9


# --- moving a request to another team ------------------------------------------------------


def move(client, request, team, reason="Only seating is needed after all."):
    return client.post(f"/staff/requests/{request.id}/move", data={
        "move-version": str(request.version), "move-team": str(team.id), "move-reason": reason})


def test_moving_a_request_hands_it_whole_to_the_new_team(client, make_staff, teams, requests_,
                                                         smtp_server):
    from accessreq.notifications.sender import send_due_emails
    from accessreq.requests import counts
    from accessreq.requests.states import RequestStatus
    from helpers import text_body

    comms_request, _ = requests_
    comms_coordinator = make_staff(name="Cam Comms")
    teams["comms"].members.append(comms_coordinator)
    comms_request.assignee = comms_coordinator
    db.session.commit()
    send_due_emails()
    smtp_server.messages.clear()

    sign_in(client, comms_coordinator)
    response = move(client, comms_request, teams["front"])
    assert response.status_code == 303
    db.session.expire_all()
    assert comms_request.team == teams["front"] and comms_request.assignee is None
    entry = comms_request.history[-2]  # the notice's EMAIL_QUEUED entry comes after it
    assert entry.body.splitlines() == [
        "Moved from Communications access to Front of house",
        "Reason: Only seating is needed after all.",
        "Cam Comms is not in Front of house, so it is now unassigned."]
    assert entry.actor == comms_coordinator and not entry.is_public
    assert counts.by_team() == {(teams["front"].id, RequestStatus.SUBMITTED): 2}

    # It left the old team's queue and page; the new team is told, the attendee is not.
    assert table_references(client.get("/staff/").get_data(as_text=True)) == []
    assert client.get(f"/staff/requests/{comms_request.id}").status_code == 404
    send_due_emails()
    [notice] = smtp_server.messages
    assert notice["To"] == "foh@example.org"
    assert comms_request.reference in notice["Subject"]
    assert "moved from Communications access to Front of house" in text_body(notice)
    assert "Only seating" not in text_body(notice)  # the reason stays in the dashboard


def test_moving_needs_a_reason_and_another_team(client, make_staff, teams, requests_):
    comms_request, _ = requests_
    admin = make_staff(Role.ADMIN)
    sign_in(client, admin)
    response = move(client, comms_request, teams["front"], reason="  ")
    assert response.status_code == 422
    assert "Say why the request is moving" in response.get_data(as_text=True)
    response = move(client, comms_request, teams["comms"])
    assert response.status_code == 422
    assert "Choose the team to move the request to" in response.get_data(as_text=True)
    db.session.expire_all()
    assert comms_request.team == teams["comms"]


def test_the_request_page_offers_the_move(client, make_staff, teams, requests_):
    comms_request, _ = requests_
    html = sign_in(client, make_staff(Role.ADMIN)).get(
        f"/staff/requests/{comms_request.id}").get_data(as_text=True)
    assert "Move to another team" in html
    assert "Front of house (Museum Centre)" in html
    assert "Routed to Communications access (default team)" in html


def test_a_request_can_be_assigned_only_to_someone_who_can_see_it(client, make_staff, teams,
                                                                  requests_, front_coordinator):
    comms_request, _ = requests_
    admin = make_staff(Role.ADMIN, name="Ada Admin")
    sign_in(client, admin)
    page = client.get(f"/staff/requests/{comms_request.id}").get_data(as_text=True)
    assign_form = page.split('id="assign-title"', 1)[1].split("</section>", 1)[0]
    assert "Fran Front" not in assign_form  # not in Communications access
    response = client.post(f"/staff/requests/{comms_request.id}/assign", data={
        "assign-version": str(comms_request.version), "assign-assignee": str(front_coordinator.id)})
    assert response.status_code == 422
    db.session.expire_all()
    assert comms_request.assignee is None
    teams["comms"].members.append(front_coordinator)
    db.session.commit()
    response = client.post(f"/staff/requests/{comms_request.id}/assign", data={
        "assign-version": str(comms_request.version), "assign-assignee": str(front_coordinator.id)})
    assert response.status_code == 303


# --- where a move lands (issue 10, item 2) ------------------------------------------------------


def test_after_a_move_out_of_their_teams_the_person_lands_on_their_queue_with_the_banner(
        client, make_staff, teams, requests_):
    comms_request, _ = requests_
    comms_coordinator = make_staff(name="Cam Comms")
    teams["comms"].members.append(comms_coordinator)
    db.session.commit()
    sign_in(client, comms_coordinator)
    response = move(client, comms_request, teams["front"])
    assert response.status_code == 303
    assert response.headers["Location"] == "/staff/"
    page = client.get("/staff/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert (f"{comms_request.reference} moved to Front of house. The team will be emailed; "
            "the request has left your queue.") in html
    assert "Page not found" not in html
    assert comms_request.reference not in table_references(html)


def test_someone_who_can_still_see_the_moved_request_stays_on_it(client, make_staff, teams,
                                                                 requests_):
    comms_request, _ = requests_
    sign_in(client, make_staff(Role.ADMIN))
    response = move(client, comms_request, teams["front"])
    assert response.status_code == 303
    assert response.headers["Location"] == f"/staff/requests/{comms_request.id}#history"
    html = client.get(f"/staff/requests/{comms_request.id}").get_data(as_text=True)
    assert f"{comms_request.reference} moved to Front of house. The team will be emailed." in html


# --- a coordinator in no team (issue 10, item 6) ------------------------------------------------


def test_a_coordinator_in_no_team_is_told_so_and_whom_to_ask(client, make_staff, teams,
                                                             requests_):
    make_staff(Role.ADMIN, name="Ada Admin", email="ada@example.org")
    make_staff(Role.ADMIN, name="Gone Admin", email="gone@example.org", active=False)
    loner = make_staff(name="Nia New")
    html = sign_in(client, loner).get("/staff/").get_data(as_text=True)
    assert "You are not in any team yet" in html
    assert "You see only requests that no team holds" in html
    assert '<a href="mailto:ada@example.org">Ada Admin</a>' in html
    assert "Gone Admin" not in html  # deactivated: cannot help
    assert table_references(html) == []  # both requests are held by teams


@pytest.mark.parametrize("who", ["member", "admin"])
def test_people_in_a_team_and_admins_get_no_such_notice(client, make_staff, teams, requests_,
                                                        who):
    user = make_staff(Role.ADMIN if who == "admin" else Role.COORDINATOR)
    if who == "member":
        teams["front"].members.append(user)
        db.session.commit()
    html = sign_in(client, user).get("/staff/").get_data(as_text=True)
    assert "You are not in any team yet" not in html
