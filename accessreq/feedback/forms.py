"""The public report form and the staff resolve form."""

from __future__ import annotations

from wtforms import EmailField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, Optional

from ..forms import LONG_TEXT_MAX, AppForm, strip


class ReportForm(AppForm):
    description = TextAreaField(
        "What went wrong?", filters=[strip],
        description="For example, a button you could not reach with the keyboard, or something "
                    "your screen reader did not read. You do not have to tell us about a disability.",
        validators=[DataRequired("Tell us what went wrong"),
                    Length(max=LONG_TEXT_MAX,
                           message=f"What went wrong must be {LONG_TEXT_MAX} characters or fewer")])
    where = StringField(
        "Which page, or what were you trying to do?", filters=[strip],
        validators=[Optional(), Length(max=500, message="This must be 500 characters or fewer")])
    name = StringField(
        "Your name", filters=[strip],
        validators=[Optional(), Length(max=200, message="Your name must be 200 characters or fewer")])
    email = EmailField(
        "Your email address", filters=[strip],
        description="If you would like a reply. We use it for nothing else.",
        validators=[Optional(), Length(max=254, message="Your email address must be 254 characters "
                                                        "or fewer"),
                    Email("Enter an email address in the correct format, like name@example.com",
                          allow_smtputf8=True)])  # zoë@exämple.org: the outbox sends it


class ResolveForm(AppForm):
    resolution = TextAreaField(
        "What was done", filters=[strip],
        description="For the team's record; it is not sent to the person who reported.",
        validators=[DataRequired("Say what was done about this report"),
                    Length(max=LONG_TEXT_MAX,
                           message=f"This must be {LONG_TEXT_MAX} characters or fewer")])
