"""Forms for signing in, setting a password from an invitation and managing staff accounts."""

from __future__ import annotations

from wtforms import BooleanField, EmailField, PasswordField, RadioField, StringField
from wtforms.validators import Email, EqualTo, InputRequired, Length, ValidationError

from ..forms import AppForm, MultiCheckboxField, options
from .models import Role
from .services import (MIN_PASSWORD_LENGTH, PasswordPolicyError, StaffAccountError,
                       check_password_policy, checked_teams, team_choices)


ROLE_CHOICES = options([
    (Role.COORDINATOR.value, "Coordinator – works on the queue of requests"),
    (Role.ADMIN.value, "Admin – also manages events, the catalogue, staff accounts and email"),
])


class LoginForm(AppForm):
    # Not validated as an address here: a sign-in form only says "correct" or "not correct".
    email = EmailField("Email address", render_kw={"spellcheck": "false"}, validators=[
        InputRequired("Enter your email address"),
        Length(max=254, message="Enter a correct email address and password")])
    password = PasswordField("Password", validators=[
        InputRequired("Enter your password"),
        Length(max=256, message="Enter a correct email address and password")])


class SetPasswordForm(AppForm):
    password = PasswordField(
        "Create a password",
        description=f"Use at least {MIN_PASSWORD_LENGTH} characters. A few unrelated words "
                    "make a strong password that is easy to remember. Passwords known from "
                    "data breaches on other sites are refused.",
        validators=[InputRequired("Enter a password")],
    )
    confirm = PasswordField("Type the password again", validators=[
        InputRequired("Type the password again"),
        EqualTo("password", "The passwords do not match. Type the same password in both fields"),
    ])

    def validate_password(self, field):
        try:
            check_password_policy(field.data or "")
        except PasswordPolicyError as error:
            raise ValidationError(str(error)) from None


def _name_field():
    return StringField("Full name", validators=[
        InputRequired("Enter the person’s name"),
        Length(max=200, message="Name must be 200 characters or fewer")])


def _role_field():
    return RadioField("Role", choices=ROLE_CHOICES, default=Role.COORDINATOR.value,
                      validators=[InputRequired("Choose a role")])


def _teams_field():
    return MultiCheckboxField(
        "Teams", coerce=int,
        description="They see and work the requests of these teams. A coordinator needs at "
                    "least one; an admin sees every team's requests and needs none.")


class _TeamsMixin:
    """The teams a person works in: choices from the database, checked by the same rule the
    service applies (a coordinator needs a team), so every error shows at once."""

    def _fill_team_choices(self) -> None:
        self.teams.choices = team_choices()
        if not self.teams.choices:
            del self.teams  # no teams yet: nothing to choose, and none is required

    def validate_teams(self, field) -> None:
        if self.role.data not in {r.value for r in Role}:
            return
        try:
            checked_teams(Role(self.role.data), field.data or [])
        except StaffAccountError as error:
            raise ValidationError(str(error)) from None


class NewStaffForm(_TeamsMixin, AppForm):
    name = _name_field()
    email = EmailField(
        "Email address",
        description="We will send an invitation to this address so they can set a password.",
        validators=[InputRequired("Enter the person’s email address"),
                    Length(max=254, message="Email address must be 254 characters or fewer"),
                    Email("Enter an email address in the correct format, like name@example.org")],
    )
    role = _role_field()
    teams = _teams_field()

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._fill_team_choices()


class EditStaffForm(_TeamsMixin, AppForm):
    name = _name_field()
    role = _role_field()
    teams = _teams_field()
    active = BooleanField(
        "Account is active",
        description="Untick to deactivate: the person can no longer sign in, "
                    "but their name stays on the history they wrote.",
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._fill_team_choices()
