"""What an event provides to everyone without asking: adding and removing its provisions.

A provision is either a catalogue accommodation given to everyone (human captioning on the
screen: a request for it is told so at once, and staff count it as covered) or something the
catalogue does not list ("Hearing loop", "Step-free route").
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from ..extensions import db
from .models import AccommodationType, Event, EventProvision


class ProvisionError(ValueError):
    """The provision cannot be added as given; ``field`` names the form field to show it on."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class ProvisionDetails:
    """What the admin's form collected: a catalogue accommodation or a name, and how."""

    accommodation_type: AccommodationType | None = None
    name: str = ""
    how: str = ""


def add_provision(event: Event, details: ProvisionDetails) -> EventProvision:
    """List one more thing the event provides to everyone, at the end; commits. The same
    accommodation or name twice is refused."""
    kind = details.accommodation_type
    name = kind.name if kind is not None else " ".join(details.name.split())
    if kind is not None and event.provision_for(kind.id) is not None:
        raise ProvisionError(f"{kind.name} is already listed as provided to everyone",
                             "accommodation_type")
    if any(p.name.casefold() == name.casefold() for p in event.provisions):
        raise ProvisionError(f"{name} is already listed as provided to everyone",
                             "accommodation_type" if kind is not None else "name")
    last = db.session.scalar(select(func.max(EventProvision.position))
                             .where(EventProvision.event_id == event.id))
    provision = EventProvision(accommodation_type=kind, name=name,
                               how=" ".join(details.how.split()),
                               position=(last or 0) + 1)
    event.provisions.append(provision)
    db.session.commit()
    return provision


def remove_provision(event: Event, provision_id: int) -> EventProvision | None:
    """Take a provision off the event's list; commits. None when it is not (or no longer)
    one of the event's, so a second press of the button changes nothing."""
    provision = next((p for p in event.provisions if p.id == provision_id), None)
    if provision is None:
        return None
    event.provisions.remove(provision)
    db.session.commit()
    return provision
