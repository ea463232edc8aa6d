"""Flask-Login's user loader."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ..extensions import db, login_manager
from .models import StaffUser


@login_manager.user_loader
def load_user(user_id: str) -> StaffUser | None:
    if not user_id.isdigit():
        return None
    # The teams come in the same statement: every staff page scopes what it shows by them.
    user = db.session.scalars(select(StaffUser).where(StaffUser.id == int(user_id))
                              .options(joinedload(StaffUser.teams))).unique().first()
    return user if user is not None and user.active else None
