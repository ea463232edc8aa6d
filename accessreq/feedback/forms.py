"""The public report form and the staff resolve form."""

from __future__ import annotations

from wtforms import EmailField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, Optional

from ..forms import AppForm


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class ReportForm(AppForm):
    description = TextAreaField(
        "What went wrong?", filters=[_strip],
        description="For example, a button you could not reach with the keyboard, or something "
                    "your screen reader did not read. You do not have to tell us about a disability.",
        validators=[DataRequired("Tell us what went wrong"),
                    Length(max=5000, message="What went wrong must be 5000 characters or fewer")])
    where = StringField(
        "Which page, or what were you trying to do?", filters=[_strip],
        validators=[Optional(), Length(max=500, message="This must be 500 characters or fewer")])
    name = StringField(
        "Your name", filters=[_strip],
        validators=[Optional(), Length(max=200, message="Your name must be 200 characters or fewer")])
    email = EmailField(
        "Your email address", filters=[_strip],
        description="If you would like a reply. We use it for nothing else.",
        validators=[Optional(), Length(max=254, message="Your email address must be 254 characters "
                                                        "or fewer"),
                    Email("Enter an email address in the correct format, like name@example.com",
                          allow_smtputf8=False)])


class ResolveForm(AppForm):
    resolution = TextAreaField(
        "What was done", filters=[_strip],
        description="For the team's record; it is not sent to the person who reported.",
        validators=[DataRequired("Say what was done about this report"),
                    Length(max=5000, message="This must be 5000 characters or fewer")])
