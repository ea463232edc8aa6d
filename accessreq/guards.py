"""Route guards: sign-in for every staff page, the admin role for admin pages; and the signed-in
staff member. (Every staff page is no-store by the app-wide rule in headers.py.)"""

from __future__ import annotations

from functools import wraps

from flask import abort
from flask_login import current_user, login_required


def staff_required(view):
    """Any active staff account."""
    return login_required(view)


def admin_required(view):
    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not current_user.is_admin:
            abort(403)
        return view(*args, **kwargs)

    return wrapped


def current_staff():
    """The signed-in staff member (the real object, not Flask-Login's proxy)."""
    return current_user._get_current_object()
