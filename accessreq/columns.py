"""Building blocks every feature's models share: the UTC datetime column type, enums stored by
value in a plain string column, and the base for enums whose members carry a label.

Kept outside the feature packages so that any of them can use these without importing another
(see tests/test_architecture.py).
"""

from __future__ import annotations

import enum
from datetime import UTC

from sqlalchemy import DateTime, Enum
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator):
    """A timezone-aware UTC datetime on every database (SQLite keeps no offset)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where an aware UTC one is required")
        return value.astimezone(UTC)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def str_enum(enum_cls: type[enum.Enum], length: int = 32) -> Enum:
    """Store an enum by value in a plain string column (no database enum type to migrate)."""
    return Enum(
        enum_cls,
        native_enum=False,
        length=length,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )


class LabelledEnum(enum.StrEnum):
    """A string enum whose members also carry the words people see, as ``.label``.

    Declare each member as ``NAME = "stored value", "Label"``; the value alone is what is stored
    and what ``Enum("stored value")`` looks up. A label attendees read may be a lazy string
    (``lazy_gettext``): ``.label`` is then the plain text in the current language.
    """

    def __new__(cls, value: str, label: str):
        member = str.__new__(cls, value)
        member._value_ = value
        member._label = label
        return member

    @property
    def label(self) -> str:
        return str(self._label)
