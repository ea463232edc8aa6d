"""Changing providers: one function saves a new or edited provider."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from ..extensions import db
from .models import Provider, ProviderKind


class ProviderError(Exception):
    """A provider cannot be saved as given; the message is for the person, beside the name."""


@dataclass(frozen=True)
class ProviderDetails:
    name: str
    kind: ProviderKind
    email: str = ""
    phone: str = ""
    cancellation_terms: str = ""
    free_cancellation_hours: int | None = None
    notes: str = ""
    active: bool = True


def save_provider(provider: Provider | None, details: ProviderDetails) -> Provider:
    """Create (``provider`` None) or update a provider; commits. Two providers of one kind may
    not share a name (case aside): a list with two "Signs Ltd" interpreters invites the wrong
    booking."""
    same = [func.lower(Provider.name) == details.name.lower(), Provider.kind == details.kind]
    if provider is not None:
        same.append(Provider.id != provider.id)
    taken = db.session.scalar(select(Provider.id).where(*same).limit(1))
    if taken is not None:
        raise ProviderError(f"There is already a {details.kind.label.lower()} provider called "
                            f"{details.name}: edit that one, or tell them apart in the name")
    if provider is None:
        provider = Provider()
        db.session.add(provider)
    for key, value in vars(details).items():
        setattr(provider, key, value)
    db.session.commit()
    return provider
