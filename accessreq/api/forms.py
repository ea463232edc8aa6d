"""The admin form that creates an API client, and the one that revokes it."""

from __future__ import annotations

from wtforms import SelectField, StringField
from wtforms.validators import InputRequired, Length, Optional

from ..forms import AppForm, MultiCheckboxField, in_choices, options, strip
from .models import SCOPES


class ClientForm(AppForm):
    name = StringField(
        "Name", filters=[strip],
        description="Which system uses it, e.g. “Ticketing platform”. Shown in the access log.",
        validators=[InputRequired("Enter the API client’s name"),
                    Length(max=100, message="The name must be 100 characters or fewer")])
    scopes = MultiCheckboxField(
        "Scopes", choices=options((key, f"{key}: {words}") for key, words in SCOPES.items()),
        description="What the client may do. Give only what it needs.",
        validators=[InputRequired("Choose at least one scope")])
    team = SelectField("Team", validate_choice=False, validators=[Optional()],
                       description="With a team, the client sees and changes only that team’s "
                                   "requests (and those no team holds), as a team member would.")

    def validate_team(self, field) -> None:
        in_choices(field, "Choose a team from the list")


class RevokeForm(AppForm):
    """Only the CSRF token."""
