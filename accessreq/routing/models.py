"""Organisations that host events, their teams (each a queue), and the rules that route requests.

A request goes whole to one team: the first rule (by position) that matches its host
organisation, its most demanding accommodation and its event; else the organisation's default team.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import Column, ForeignKey, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db

if TYPE_CHECKING:
    from ..auth.models import StaffUser
    from ..events.models import AccommodationType, Event

team_members = Table(
    "team_member",
    db.metadata,
    Column("team_id", ForeignKey("team.id", ondelete="CASCADE"), primary_key=True),
    Column("staff_id", ForeignKey("staff_user.id", ondelete="CASCADE"), primary_key=True),
)

# Partner organisations that co-sponsor an event (shown on the event page; routing uses the host).
event_cosponsors = Table(
    "event_cosponsor",
    db.metadata,
    Column("event_id", ForeignKey("event.id", ondelete="CASCADE"), primary_key=True),
    Column("organisation_id", ForeignKey("organisation.id", ondelete="CASCADE"),
           primary_key=True),
)


class Organisation(db.Model):
    __tablename__ = "organisation"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)

    teams: Mapped[list[Team]] = relationship(back_populates="organisation",
                                             order_by="Team.name")

    def __repr__(self) -> str:
        return f"<Organisation {self.id} {self.name!r}>"

    @property
    def default_team(self) -> Team | None:
        return next((t for t in self.teams if t.is_default), None)


class Team(db.Model):
    """A queue of requests and the staff who work it."""

    __tablename__ = "team"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    # Where notices of new, moved, messaged and cancelled requests go (instead of STAFF_INBOX).
    notification_email: Mapped[str] = mapped_column(String(254))
    # Catches the organisation's requests that no rule matches; at most one per organisation.
    is_default: Mapped[bool] = mapped_column(default=False)

    organisation: Mapped[Organisation] = relationship(back_populates="teams")
    members: Mapped[list[StaffUser]] = relationship(secondary=team_members,
                                                    back_populates="teams",
                                                    order_by="StaffUser.name")

    def __repr__(self) -> str:
        return f"<Team {self.id} {self.name!r}>"


class RoutingRule(db.Model):
    """Send matching requests to ``team``. Empty fields match anything; the lowest position wins."""

    __tablename__ = "routing_rule"

    id: Mapped[int] = mapped_column(primary_key=True)
    position: Mapped[int] = mapped_column(default=0, index=True)
    # The event's host organisation.
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"))
    # The request's most demanding accommodation (longest lead time).
    accommodation_type_id: Mapped[int | None] = mapped_column(
        ForeignKey("accommodation_type.id", ondelete="CASCADE"))
    event_id: Mapped[int | None] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"))
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id", ondelete="CASCADE"))

    organisation: Mapped[Organisation | None] = relationship()
    accommodation_type: Mapped[AccommodationType | None] = relationship()
    event: Mapped[Event | None] = relationship()
    team: Mapped[Team] = relationship()

    def __repr__(self) -> str:
        return f"<RoutingRule {self.id} at {self.position} -> {self.team_id}>"

    def matches(self, organisation_id: int | None, type_id: int, event_id: int) -> bool:
        return ((self.organisation_id is None or self.organisation_id == organisation_id)
                and (self.accommodation_type_id is None or self.accommodation_type_id == type_id)
                and (self.event_id is None or self.event_id == event_id))
