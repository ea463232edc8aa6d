"""Where a request goes, and the admin changes to organisations, teams and rules.

A request is routed whole to one team (one conversation, one owner, one status for the
attendee): the first rule, by position, that matches the event's host organisation, the event,
and the request's most demanding accommodation; otherwise the host organisation's default team.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from ..auth.models import StaffUser
from ..events.models import AccommodationType, Event
from ..extensions import db
from .models import Organisation, RoutingRule, Team


class RoutingError(Exception):
    """A change the admin pages refuse; the message is shown beside the field."""


@dataclass(frozen=True)
class Route:
    """The team a request goes to, and why: ``rule_number`` (1-based) or the default team."""

    team: Team | None
    rule: RoutingRule | None = None
    rule_number: int | None = None
    deciding_type: AccommodationType | None = None

    @property
    def reason(self) -> str:
        if self.rule_number is not None:
            return f"rule {self.rule_number}"
        return "default team" if self.team is not None else "no team"

    @property
    def description(self) -> str:
        if self.team is None:
            return "Not routed: no rule matched and there is no default team"
        return f"Routed to {self.team.name} ({self.reason})"


def most_demanding(types: Sequence[AccommodationType]) -> AccommodationType | None:
    """The type with the longest lead time; ties go to the one listed first in the catalogue."""
    return min(types, key=lambda t: (-t.lead_time_days, t.position, t.id), default=None)


def ordered_rules() -> list[RoutingRule]:
    return list(db.session.scalars(
        select(RoutingRule).options(joinedload(RoutingRule.team),
                                    joinedload(RoutingRule.organisation),
                                    joinedload(RoutingRule.accommodation_type),
                                    joinedload(RoutingRule.event))
        .order_by(RoutingRule.position, RoutingRule.id)))


def default_organisation() -> Organisation | None:
    """The host of events made before organisations existed: the first one created."""
    return db.session.scalars(select(Organisation).order_by(Organisation.id).limit(1)).first()


def host_of(event: Event) -> Organisation | None:
    return event.organisation or default_organisation()


def route_request(event: Event, types: Sequence[AccommodationType]) -> Route:
    """The team a request for ``types`` at ``event`` goes to; reads only, never saves."""
    deciding = most_demanding(types)
    host = host_of(event)
    host_id = host.id if host is not None else None
    for number, rule in enumerate(ordered_rules(), start=1):
        if deciding is not None and rule.matches(host_id, deciding.id, event.id):
            return Route(rule.team, rule, number, deciding)
    return Route(host.default_team if host is not None else None, deciding_type=deciding)


# --- admin changes ----------------------------------------------------------------------------


def _commit_unique(message: str) -> None:
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise RoutingError(message) from None


def save_organisation(organisation: Organisation | None, name: str) -> Organisation:
    organisation = organisation or Organisation()
    organisation.name = name.strip()
    db.session.add(organisation)
    _commit_unique("There is already an organisation with this name")
    return organisation


def save_team(team: Team | None, *, organisation: Organisation, name: str,
              notification_email: str, is_default: bool,
              members: Sequence[StaffUser]) -> Team:
    """Create or change a team; making it the default unsets the organisation's previous one."""
    team = team or Team()
    team.organisation = organisation
    team.name = name.strip()
    team.notification_email = notification_email.strip()
    team.members = list(members)
    if is_default:
        for other in organisation.teams:
            if other is not team:
                other.is_default = False
    team.is_default = is_default
    db.session.add(team)
    _commit_unique("There is already a team with this name")
    return team


def save_rule(rule: RoutingRule | None, *, team: Team, organisation: Organisation | None,
              accommodation_type: AccommodationType | None, event: Event | None) -> RoutingRule:
    """Create (at the end of the list) or change a rule."""
    if rule is None:
        last = db.session.scalar(select(func.max(RoutingRule.position)))
        rule = RoutingRule(position=(last or 0) + 1)
        db.session.add(rule)
    rule.team, rule.organisation = team, organisation
    rule.accommodation_type, rule.event = accommodation_type, event
    db.session.commit()
    return rule


def delete_rule(rule: RoutingRule) -> None:
    db.session.delete(rule)
    db.session.commit()


def move_rule(rule: RoutingRule, direction: int) -> bool:
    """Swap the rule with its neighbour above (-1) or below (+1); False at either end."""
    rules = ordered_rules()
    index = next(i for i, r in enumerate(rules) if r.id == rule.id)
    other = index + direction
    if not 0 <= other < len(rules):
        return False
    rules[index], rules[other] = rules[other], rules[index]
    for position, each in enumerate(rules, start=1):
        each.position = position
    db.session.commit()
    return True
