"""Routing: each request goes whole to one team, by the first matching rule or the default team."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from accessreq.extensions import db
from accessreq.notifications.sender import send_due_emails
from accessreq.requests import counts
from accessreq.requests.models import HistoryKind
from accessreq.requests.services import add_attendee_message, cancel_by_attendee
from accessreq.requests.states import RequestStatus
from accessreq.routing.models import Organisation, RoutingRule, Team
from accessreq.routing.services import route_request, save_rule
from helpers import text_body


@pytest.fixture
def world(app, make_type, make_event):
    """Two organisations; three teams of the first (communications is its default), one of the
    second; the catalogue of four types in catalogue order."""
    centre, partner = Organisation(name="Museum Centre"), Organisation(name="Partner Society")
    comms = Team(organisation=centre, name="Communications access",
                 notification_email="comms@example.org", is_default=True)
    front = Team(organisation=centre, name="Front of house", notification_email="foh@example.org")
    pubs = Team(organisation=centre, name="Publications", notification_email="pubs@example.org")
    guests = Team(organisation=partner, name="Partner access",
                  notification_email="partner@example.org", is_default=True)
    db.session.add_all([centre, partner, comms, front, pubs, guests])
    db.session.commit()
    types = {"sign": make_type("Sign language", 14), "seat": make_type("Seating", 3),
             "braille": make_type("Braille", 84), "loop": make_type("Hearing loop", 3)}
    event = make_event("Lecture", types=list(types.values()), organisation=centre)
    return dict(centre=centre, partner=partner, comms=comms, front=front, pubs=pubs,
                guests=guests, types=types, event=event, make_event=make_event)


def rule(team, organisation=None, kind=None, event=None) -> RoutingRule:
    return save_rule(None, team=team, organisation=organisation, accommodation_type=kind,
                     event=event)


def test_no_rule_matches_so_the_hosts_default_team_takes_it(world):
    route = route_request(world["event"], [world["types"]["seat"]])
    assert route.team == world["comms"] and route.rule is None
    assert route.description == "Routed to Communications access (default team)"


def test_without_organisations_nothing_is_routed(app, make_event):
    event = make_event()
    route = route_request(event, event.offered_types)
    assert route.team is None and route.reason == "no team"


def test_an_event_without_a_host_uses_the_first_organisation(world):
    old = world["make_event"]("Old event", types=list(world["types"].values()))
    assert old.organisation is None
    assert route_request(old, [world["types"]["seat"]]).team == world["comms"]


def test_the_first_matching_rule_wins(world):
    seat = world["types"]["seat"]
    rule(world["front"], kind=seat)
    rule(world["pubs"], kind=seat)
    route = route_request(world["event"], [seat])
    assert (route.team, route.rule_number) == (world["front"], 1)
    assert route.description == "Routed to Front of house (rule 1)"


def test_rule_order_is_the_position_not_the_creation_order(world):
    from accessreq.routing.services import move_rule
    seat = world["types"]["seat"]
    rule(world["front"], kind=seat)
    second = rule(world["pubs"], kind=seat)
    assert move_rule(second, -1)
    assert route_request(world["event"], [seat]).team == world["pubs"]
    assert not move_rule(second, -1)  # already first


def test_rule_on_accommodation_type(world):
    rule(world["pubs"], kind=world["types"]["braille"])
    assert route_request(world["event"], [world["types"]["braille"]]).team == world["pubs"]
    assert route_request(world["event"], [world["types"]["sign"]]).team == world["comms"]


def test_rule_on_host_organisation(world):
    rule(world["front"], organisation=world["partner"])
    partner_event = world["make_event"]("Partner talk", types=list(world["types"].values()),
                                        organisation=world["partner"])
    assert route_request(partner_event, [world["types"]["sign"]]).team == world["front"]
    assert route_request(world["event"], [world["types"]["sign"]]).team == world["comms"]


def test_without_rules_a_partner_event_goes_to_the_partners_default_team(world):
    partner_event = world["make_event"]("Partner talk", types=list(world["types"].values()),
                                        organisation=world["partner"], cosponsors=[world["centre"]])
    assert route_request(partner_event, [world["types"]["sign"]]).team == world["guests"]


def test_rule_on_event(world):
    other = world["make_event"]("Other", types=list(world["types"].values()),
                                organisation=world["centre"])
    rule(world["pubs"], event=other)
    assert route_request(other, [world["types"]["seat"]]).team == world["pubs"]
    assert route_request(world["event"], [world["types"]["seat"]]).team == world["comms"]


def test_every_field_of_a_rule_must_match(world):
    seat = world["types"]["seat"]
    rule(world["front"], organisation=world["centre"], kind=seat, event=world["event"])
    assert route_request(world["event"], [seat]).team == world["front"]
    other = world["make_event"]("Other", types=list(world["types"].values()),
                                organisation=world["centre"])
    assert route_request(other, [seat]).team == world["comms"]
    assert route_request(world["event"], [world["types"]["loop"]]).team == world["comms"]


def test_a_request_for_several_accommodations_goes_whole_by_its_most_demanding_one(
        world, make_request):
    t = world["types"]
    rule(world["front"], kind=t["seat"])
    rule(world["pubs"], kind=t["braille"])
    request, _ = make_request(event=world["event"], types=[t["seat"], t["braille"], t["sign"]])
    # Braille has the longest lead time (84 days): the whole request goes to publications.
    assert request.team == world["pubs"]
    assert len(request.items) == 3
    routed = [h for h in request.history if h.kind == HistoryKind.ROUTED]
    assert [h.body for h in routed] == ["Routed to Publications (rule 2)"]
    assert not routed[0].is_public


def test_a_lead_time_tie_goes_to_the_type_first_in_the_catalogue(world):
    t = world["types"]
    rule(world["front"], kind=t["loop"])
    rule(world["pubs"], kind=t["seat"])
    # Seating and hearing loop both need 3 days; seating comes first in the catalogue.
    route = route_request(world["event"], [t["loop"], t["seat"]])
    assert route.deciding_type == t["seat"] and route.team == world["pubs"]


def test_the_per_team_counts_follow_the_routing(world, make_request):
    rule(world["pubs"], kind=world["types"]["braille"])
    make_request(event=world["event"], types=[world["types"]["braille"]])
    make_request(event=world["event"], types=[world["types"]["seat"]])
    assert counts.by_team() == {(world["pubs"].id, RequestStatus.SUBMITTED): 1,
                                (world["comms"].id, RequestStatus.SUBMITTED): 1}
    assert counts.current([world["pubs"].id]) == {RequestStatus.SUBMITTED: 1}


def test_staff_notices_go_to_the_teams_address_through_smtp(world, make_request, smtp_server,
                                                            make_staff):
    rule(world["pubs"], kind=world["types"]["braille"])
    braille, _ = make_request(event=world["event"], types=[world["types"]["braille"]],
                              contact_email="b@example.net")
    seat, _ = make_request(event=world["event"], types=[world["types"]["seat"]],
                           contact_email="s@example.net")
    add_attendee_message(braille, "Grade 2, please.")
    seat.assignee = make_staff(email="cory@example.org")
    db.session.commit()
    cancel_by_attendee(seat)
    send_due_emails()
    pubs = smtp_server.to("pubs@example.org")
    assert all(braille.reference in m["Subject"] for m in pubs)
    assert len(pubs) == 2  # the new-request notice and the attendee's message
    assert "http://accessreq.test/staff/" in text_body(pubs[0])
    [comms] = smtp_server.to("comms@example.org")
    assert seat.reference in comms["Subject"]
    # The cancellation goes to the assignee, not the team.
    [cancelled] = smtp_server.to("cory@example.org")
    assert seat.reference in cancelled["Subject"]
    assert smtp_server.to("access-team@example.org") == []


def test_without_a_team_notices_still_go_to_staff_inbox(app, make_request, smtp_server):
    request, _ = make_request()
    assert request.team is None
    send_due_emails()
    [notice] = smtp_server.to("access-team@example.org")
    assert request.reference in notice["Subject"]


def test_routing_rules_and_teams_are_listed_in_order(world):
    rule(world["front"], kind=world["types"]["seat"])
    rule(world["pubs"])
    positions = list(db.session.scalars(select(RoutingRule.position).order_by(RoutingRule.id)))
    assert positions == [1, 2]


def test_the_demo_routes_requests_to_its_three_teams_and_stays_idempotent(app, make_request):
    from accessreq.auth.models import StaffUser
    from accessreq.demo import COSPONSORED, load_demo
    from accessreq.events.models import AccommodationType, Event

    load_demo()
    load_demo()
    assert db.session.scalar(select(db.func.count()).select_from(Organisation)) == 2
    teams = {t.name: t for t in db.session.scalars(select(Team))}
    assert sorted(teams) == ["Communications access", "Front of house", "Publications"]
    rules = db.session.scalar(select(db.func.count()).select_from(RoutingRule))
    assert rules == 9
    admin = db.session.scalar(select(StaffUser).where(StaffUser.email == "admin@example.org"))
    coordinator = db.session.scalar(select(StaffUser).where(
        StaffUser.email == "coordinator@example.org"))
    assert len(admin.teams) == 3 and [t.name for t in coordinator.teams] == [
        "Communications access"]
    event = db.session.scalar(select(Event).where(Event.title == COSPONSORED))
    assert [o.name for o in event.cosponsors] == ["City Archives Trust"]
    assert event.organisation.name == "Example Institute"
    kinds = {t.name: t for t in db.session.scalars(select(AccommodationType))}

    def team_for(*names):
        return make_request(event=event, types=[kinds[n] for n in names])[0].team.name

    assert team_for("Reserved seating") == "Front of house"
    assert team_for("Reserved seating", "Sign language interpretation") == "Communications access"
    assert team_for("Braille materials", "Sign language interpretation") == "Publications"
    assert team_for("Quiet room or low-sensory space") == "Front of house"  # the default team
