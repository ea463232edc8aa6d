"""Providers: the agencies and freelancers an access team books."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Integer, String, Text, true
from sqlalchemy.orm import Mapped, mapped_column

from ..columns import LabelledEnum, UTCDateTime, str_enum
from ..extensions import db
from ..timeutil import utcnow


class ProviderKind(LabelledEnum):
    SIGN_LANGUAGE = "sign_language", "Sign language interpreting"
    CAPTIONING = "captioning", "CART / live captioning"
    AUDIO_DESCRIPTION = "audio_description", "Audio description"
    PRINT_BRAILLE = "print_braille", "Print and braille"
    EQUIPMENT = "equipment", "Equipment hire"
    OTHER = "other", "Other"


class Provider(db.Model):
    __tablename__ = "provider"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[ProviderKind] = mapped_column(str_enum(ProviderKind, 32), index=True)
    email: Mapped[str] = mapped_column(String(254), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    # The usual cancellation terms in the provider's words ("free until 48 h before; half the
    # fee after"), and the hours before an event's start until which cancelling is free (None:
    # not known), from which a booking's cancellation deadline is computed.
    cancellation_terms: Mapped[str] = mapped_column(String(300), default="")
    free_cancellation_hours: Mapped[int | None] = mapped_column(Integer)
    notes: Mapped[str] = mapped_column(Text, default="")
    # An inactive provider stays on the bookings it had but is not offered for new ones.
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true(), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    def __repr__(self) -> str:
        return f"<Provider {self.id} {self.name!r}>"
