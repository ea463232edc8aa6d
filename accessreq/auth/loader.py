"""Flask-Login's user loader."""

from __future__ import annotations

from ..extensions import db, login_manager
from .models import StaffUser


@login_manager.user_loader
def load_user(user_id: str) -> StaffUser | None:
    if not user_id.isdigit():
        return None
    user = db.session.get(StaffUser, int(user_id))
    return user if user is not None and user.active else None
