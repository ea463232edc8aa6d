"""Flask-Login's user loader."""

from __future__ import annotations

from flask import g, session
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ..extensions import db, login_manager
from .models import StaffUser
from .sessions import SIGNED_IN_AT


@login_manager.user_loader
def load_user(session_id: str) -> StaffUser | None:
    """The account for an id of the form "<user id>:<session version>" (see StaffUser.get_id).

    Refused: an old version (signed out, password changed, deactivated since), an inactive
    account, and a session that sign-in did not start (no sign-in time: e.g. a Flask-Login
    remember cookie, which this app never issues).
    """
    user_id, _, version = session_id.partition(":")
    if not (user_id.isdigit() and version.isdigit()) or SIGNED_IN_AT not in session:
        return None
    # The teams come in the same statement: every staff page scopes what it shows by them.
    user = db.session.scalars(select(StaffUser).where(StaffUser.id == int(user_id))
                              .options(joinedload(StaffUser.teams))).unique().first()
    if user is None or not user.active or user.session_version != int(version):
        g.session_ended = "revoked"
        return None
    return user
