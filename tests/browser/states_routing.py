"""Pages of routing in their states: the admin pages for organisations, teams and rules, the
preview, a co-sponsored event page, and the queue and request page once teams exist."""

from __future__ import annotations

from accessreq.extensions import db
from accessreq.routing.models import Organisation, Team
from accessreq.routing.services import save_rule

from .helpers import State, World
from .states_public import EVENT_TITLE, catalogue, open_event
from .states_staff import _edit, _goto, _submit_empty, open_filters

ADMIN = {"login_as": "admin"}
STAFF = {"login_as": "coordinator"}


def routed(w: World) -> dict:
    """Two organisations, three teams (the coordinator in one, the admin in all), two rules,
    a co-sponsored event and requests routed to two teams."""
    if "routed" in w._data:
        return w._data["routed"]
    centre, partner = Organisation(name="Museum Centre"), Organisation(name="Partner Society")
    comms = Team(organisation=centre, name="Communications access",
                 notification_email="comms@example.org", is_default=True)
    front = Team(organisation=centre, name="Front of house", notification_email="foh@example.org")
    pubs = Team(organisation=partner, name="Publications", notification_email="pubs@example.org",
                is_default=True)
    db.session.add_all([centre, partner, comms, front, pubs])
    comms.members = [w.staff("coordinator"), w.staff("admin")]
    front.members = [w.staff("admin")]
    pubs.members = [w.staff("admin")]
    db.session.commit()
    kinds = catalogue(w)
    event = open_event(w)
    event.organisation = centre
    event.cosponsors = [partner]
    db.session.commit()
    save_rule(None, team=front, organisation=None, accommodation_type=kinds[2], event=None)
    save_rule(None, team=comms, organisation=centre, accommodation_type=None, event=event)
    requests = [w.make_request(event=event, types=kinds[:n])[0] for n in (1, 2, 3)]
    w._data["routed"] = dict(centre=centre, partner=partner, comms=comms, front=front,
                             pubs=pubs, event=event, requests=requests)
    return w._data["routed"]


def _first(key: str):
    return lambda w: routed(w)[key]


def _preview(w: World, page, data) -> None:
    w.goto(page, w.path("routing_admin.preview"))
    page.select_option("main form select[name=event]", str(data["event"].id))
    page.locator("main form input[name=types]").first.check()
    w.submit(page, form="main form[method=get]")


def _detail(w: World, page, data) -> None:
    w.goto(page, w.path("triage.detail", request_id=data["requests"][0].id))


def _move_error(w: World, page, data) -> None:
    _detail(w, page, data)
    w.submit(page, form=f"main form[action='{w.path('triage.move', request_id=data['requests'][0].id)}']")


def _queue_team(w: World, page, data) -> None:
    w.goto(page, w.path("triage.queue"))
    open_filters(page)
    page.select_option("main form[method=get] select[name=team]", str(data["comms"].id))
    w.submit(page, form="main form[method=get]")


ROUTING_STATES = [
    State("event-cosponsored", ("events.detail",), event_title=EVENT_TITLE, build=routed,
          open=lambda w, page, data: w.goto(page, w.path_for("events.detail", data["event"].id))),
    State("admin-event-edit-host", ("events_admin.edit_event",), **ADMIN,
          build=_first("event"), open=_edit("events_admin.edit_event")),
    State("queue-teams", ("triage.queue",), **STAFF, build=routed, open=_goto("triage.queue")),
    State("queue-teams-admin", ("triage.queue",), **ADMIN, build=routed, open=_queue_team),
    State("request-detail-teams", ("triage.detail",), **ADMIN, event_title=EVENT_TITLE,
          build=routed, open=_detail),
    State("request-detail-move-error", ("triage.detail", "triage.move"), **ADMIN,
          event_title=EVENT_TITLE, form_error=True, build=routed, open=_move_error),
    State("admin-organisations-empty", ("routing_admin.organisations",), **ADMIN,
          open=_goto("routing_admin.organisations")),
    State("admin-organisations", ("routing_admin.organisations",), **ADMIN, build=routed,
          open=_goto("routing_admin.organisations")),
    State("admin-organisations-errors", ("routing_admin.organisations",), **ADMIN,
          form_error=True, open=_submit_empty("routing_admin.organisations")),
    State("admin-organisation-edit", ("routing_admin.edit_organisation",), **ADMIN,
          build=_first("centre"), open=_edit("routing_admin.edit_organisation")),
    State("admin-organisation-edit-errors", ("routing_admin.edit_organisation",), **ADMIN,
          form_error=True, build=_first("centre"),
          open=_edit("routing_admin.edit_organisation", True)),
    State("admin-teams-empty", ("routing_admin.teams",), **ADMIN,
          open=_goto("routing_admin.teams")),
    State("admin-teams", ("routing_admin.teams",), **ADMIN, build=routed,
          open=_goto("routing_admin.teams")),
    State("admin-team-new", ("routing_admin.new_team",), **ADMIN, build=routed,
          open=_goto("routing_admin.new_team")),
    State("admin-team-new-errors", ("routing_admin.new_team",), **ADMIN, form_error=True,
          build=routed, open=_submit_empty("routing_admin.new_team")),
    State("admin-team-edit", ("routing_admin.edit_team",), **ADMIN, build=_first("comms"),
          open=_edit("routing_admin.edit_team")),
    State("admin-team-edit-errors", ("routing_admin.edit_team",), **ADMIN, form_error=True,
          build=_first("comms"), open=_edit("routing_admin.edit_team", True)),
    State("admin-rules-empty", ("routing_admin.rules",), **ADMIN,
          open=_goto("routing_admin.rules")),
    State("admin-rules", ("routing_admin.rules",), **ADMIN, build=routed,
          open=_goto("routing_admin.rules")),
    State("admin-rule-new", ("routing_admin.new_rule",), **ADMIN, build=routed,
          open=_goto("routing_admin.new_rule")),
    State("admin-rule-new-errors", ("routing_admin.new_rule",), **ADMIN, form_error=True,
          build=routed, open=_submit_empty("routing_admin.new_rule")),
    State("admin-rule-edit", ("routing_admin.edit_rule",), **ADMIN,
          build=lambda w: routed(w) and _rule(w), open=_edit("routing_admin.edit_rule")),
    State("admin-rule-delete", ("routing_admin.confirm_delete_rule",), **ADMIN,
          build=lambda w: routed(w) and _rule(w), open=_edit("routing_admin.confirm_delete_rule")),
    State("admin-staff-new-teams", ("staff_admin.new_staff",), **ADMIN, build=routed,
          open=_goto("staff_admin.new_staff")),
    State("admin-staff-new-teams-errors", ("staff_admin.new_staff",), **ADMIN, form_error=True,
          build=routed, open=_submit_empty("staff_admin.new_staff")),
    State("admin-staff-edit-teams", ("staff_admin.edit_staff",), **ADMIN,
          build=lambda w: routed(w) and w.staff("coordinator"),
          open=_edit("staff_admin.edit_staff")),
    State("admin-preview", ("routing_admin.preview",), **ADMIN, build=routed,
          open=_goto("routing_admin.preview")),
    State("admin-preview-result", ("routing_admin.preview",), **ADMIN, build=routed,
          open=_preview),
    State("admin-preview-errors", ("routing_admin.preview",), **ADMIN, form_error=True,
          build=routed, open=_submit_empty("routing_admin.preview")),
]


def _rule(w: World):
    from sqlalchemy import select

    from accessreq.routing.models import RoutingRule
    return db.session.scalars(select(RoutingRule).order_by(RoutingRule.position)).first()
