"""Admin forms for organisations, teams, routing rules and the rule preview.

Choices come from the database, so views fill them in; an empty value means "any" on a rule.
"""

from __future__ import annotations

from wtforms import BooleanField, EmailField, SelectField, StringField
from wtforms.validators import Email, InputRequired, Length, Optional, ValidationError

from ..forms import AppForm, MultiCheckboxField, QueryForm, in_choices


def _name(label: str, what: str) -> StringField:
    return StringField(label, validators=[
        InputRequired(f"Enter the {what}’s name"),
        Length(max=200, message=f"The {what}’s name must be 200 characters or fewer")])


class OrganisationForm(AppForm):
    name = _name("Organisation name", "organisation")


class TeamForm(AppForm):
    organisation = SelectField("Organisation", validate_choice=False,
                               validators=[InputRequired("Choose the team’s organisation")])
    name = _name("Team name", "team")
    notification_email = EmailField(
        "Notification email address",
        description="New, moved, messaged and cancelled requests are announced here.",
        validators=[InputRequired("Enter the team’s notification email address"),
                    Length(max=254, message="Email address must be 254 characters or fewer"),
                    Email("Enter an email address in the correct format, like team@example.org")])
    is_default = BooleanField(
        "Default team of its organisation",
        description="Takes the organisation’s requests that no rule matches.")
    members = MultiCheckboxField("Members", coerce=int, validators=[Optional()],
                                 description="Members see and work this team’s requests.")

    def validate_organisation(self, field) -> None:
        in_choices(field, "Choose the team’s organisation from the list")


class RuleForm(AppForm):
    team = SelectField("Send to team", validate_choice=False,
                       validators=[InputRequired("Choose the team the rule sends requests to")])
    organisation = SelectField("Host organisation", validate_choice=False,
                               description="Leave at “Any” to match events of every host.")
    accommodation_type = SelectField(
        "Accommodation", validate_choice=False,
        description="Matched against the request’s most demanding accommodation "
                    "(the one with the longest lead time).")
    event = SelectField("Event", validate_choice=False,
                        description="Leave at “Any” to match every event.")

    def validate_team(self, field) -> None:
        in_choices(field, "Choose the team from the list")

    def validate_organisation(self, field) -> None:
        in_choices(field, "Choose a host organisation from the list")

    def validate_accommodation_type(self, field) -> None:
        in_choices(field, "Choose an accommodation from the list")

    def validate_event(self, field) -> None:
        in_choices(field, "Choose an event from the list")


class PreviewForm(QueryForm):
    """A GET form: asking where a request would go saves nothing, so it needs no CSRF token."""

    event = SelectField("Event", validate_choice=False,
                        validators=[InputRequired("Choose an event")])
    types = MultiCheckboxField("Accommodations asked for", coerce=int, validate_choice=False,
                               validators=[InputRequired("Choose at least one accommodation")],
                               description="Choose one or more, as an attendee would.")

    def validate_event(self, field) -> None:
        in_choices(field, "Choose an event from the list")

    def validate_types(self, field) -> None:
        valid = {c.value if hasattr(c, "value") else c[0] for c in field.choices or []}
        if not field.data or not set(field.data) <= valid:
            raise ValidationError("Choose at least one accommodation from the list")
