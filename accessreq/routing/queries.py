"""Read-only queries for the routing admin pages."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..auth.models import StaffUser
from ..events.models import AccommodationType, Event
from ..extensions import db
from .models import Organisation, Team


def organisations() -> list[Organisation]:
    return list(db.session.scalars(select(Organisation).options(selectinload(Organisation.teams))
                                   .order_by(Organisation.name, Organisation.id)))


def teams() -> list[Team]:
    return list(db.session.scalars(
        select(Team).options(selectinload(Team.members), selectinload(Team.organisation))
        .order_by(Team.name, Team.id)))


def staff() -> list[StaffUser]:
    return list(db.session.scalars(select(StaffUser).where(StaffUser.active.is_(True))
                                   .order_by(StaffUser.name, StaffUser.id)))


def types() -> list[AccommodationType]:
    return list(db.session.scalars(select(AccommodationType)
                                   .order_by(AccommodationType.position, AccommodationType.id)))


def events() -> list[Event]:
    return list(db.session.scalars(select(Event).order_by(Event.starts_at.desc(), Event.id)))
