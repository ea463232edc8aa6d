"""Staff sign-in and sign-out, invitations, and the admin pages for staff accounts."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ..extensions import db, limiter
from ..timeutil import format_when
from ..guards import admin_required
from . import services as accounts
from .forms import EditStaffForm, LoginForm, NewStaffForm, SetPasswordForm
from .models import Role, StaffUser
from .services import (InvitationInvalid, PasswordPolicyError, SignInFailed, SignInLocked,
                       StaffAccountError, accept_invitation, authenticate, create_staff,
                       find_invitation, invitation_pending, list_staff, resend_invitation,
                       sign_out_everywhere, update_staff)

bp = Blueprint("auth", __name__, url_prefix="/staff")
admin_bp = Blueprint("staff_admin", __name__, url_prefix="/admin/staff")

GENERIC_FAILURE = "Enter a correct email address and password"


def safe_next(target: str | None) -> str | None:
    """``target`` if it is a path on this site, else None (no open redirects)."""
    if not target or len(target) > 2000 or not target.startswith("/"):
        return None
    if target.startswith("//") or "\\" in target or any(ord(c) < 32 for c in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


def _login_rate_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


@bp.route("/login", methods=["GET", "POST"])
# Per network address, on top of the per-account throttle: slows guessing across many accounts.
@limiter.limit(_login_rate_limit, methods=["POST"])
def login():
    next_url = safe_next(request.args.get("next"))
    if current_user.is_authenticated:
        return redirect(next_url or url_for("triage.queue"))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        try:
            user = authenticate(form.email.data, form.password.data)
        except SignInLocked as locked:
            form.email.errors.append(
                "You have tried to sign in too many times. For your security, signing in "
                f"with this email address is paused until {format_when(locked.until)} "
                f"(about {locked.minutes} minute{'s' if locked.minutes != 1 else ''}). "
                "If you have forgotten your password, ask an admin for a new invitation link.")
            status = 429
        except SignInFailed:
            form.email.errors.append(GENERIC_FAILURE)
        else:
            sessions.start_session(user)
            flash(f"You are signed in as {user.name}.", "success")
            return redirect(next_url or url_for("triage.queue"))
    return render_template("auth/login.html", form=form, next_url=next_url), status


@bp.post("/logout")
def logout():
    if current_user.is_authenticated:
        # Every copy of this session's cookie, and the person's other sessions, end here.
        sign_out_everywhere(current_user)
    sessions.end_session()
    flash("You have signed out.", "success")
    return redirect(url_for("auth.login"))


@bp.route("/invite/<token>", methods=["GET", "POST"])
def accept_invite(token: str):
    try:
        user = find_invitation(token)
    except InvitationInvalid as invalid:
        return render_template("auth/invite_invalid.html", expired=invalid.code == 410,
                               valid_days=accounts.INVITE_VALID_DAYS), invalid.code
    form = SetPasswordForm()
    if form.validate_on_submit():
        try:
            accept_invitation(user, form.password.data)
        except PasswordPolicyError as error:
            form.password.errors.append(str(error))
        else:
            sessions.start_session(user)
            flash("Your password is set and you are signed in.", "success")
            return redirect(url_for("triage.queue"))
    return render_template("auth/accept_invite.html", form=form, user=user)


# --- admin: staff accounts ------------------------------------------------------------------


@admin_bp.get("/", endpoint="list_staff")
@admin_required
def staff_list():
    return render_template("admin/staff_list.html", staff=list_staff(),
                           invitation_pending=invitation_pending)


def _chosen_teams(form) -> list[int]:
    return list(form.teams.data or []) if "teams" in form else []


@admin_bp.route("/new", methods=["GET", "POST"])
@admin_required
def new_staff():
    form = NewStaffForm()
    if form.validate_on_submit():
        try:
            user = create_staff(form.name.data, form.email.data, Role(form.role.data),
                                current_user, _chosen_teams(form))
        except StaffAccountError as error:
            form[error.field or "email"].errors.append(str(error))
        else:
            flash(f"Account created for {user.name}. We have emailed them an invitation "
                  "to set a password.", "success")
            return redirect(url_for("staff_admin.list_staff"))
    return render_template("admin/staff_new.html", form=form,
                           valid_days=accounts.INVITE_VALID_DAYS)


@admin_bp.route("/<int:staff_id>", methods=["GET", "POST"])
@admin_required
def edit_staff(staff_id: int):
    user = db.get_or_404(StaffUser, staff_id)
    form = EditStaffForm(obj=user)
    if "teams" in form and not form.is_submitted():
        form.teams.data = sorted(user.team_ids)
    if form.validate_on_submit():
        try:
            update_staff(user, current_user, name=form.name.data, role=Role(form.role.data),
                         active=form.active.data,
                         team_ids=_chosen_teams(form) if "teams" in form else None)
        except StaffAccountError as error:
            form[error.field or "name"].errors.append(str(error))
        else:
            flash(f"Saved the account of {user.name}.", "success")
            return redirect(url_for("staff_admin.list_staff"))
    return render_template("admin/staff_edit.html", form=form, user=user,
                           pending=invitation_pending(user))


@admin_bp.post("/<int:staff_id>/invite")
@admin_required
def resend_invite(staff_id: int):
    user = db.get_or_404(StaffUser, staff_id)
    try:
        resend_invitation(user, current_user)
    except StaffAccountError as error:
        flash(str(error), "error")
    else:
        flash(f"We have emailed a new invitation link to {user.name}. "
              "Any earlier link no longer works.", "success")
    return redirect(url_for("staff_admin.edit_staff", staff_id=user.id))


from . import sessions  # noqa: E402  (its routes and hooks join bp; it imports bp from here)
