"""The public report form and the staff resolve form."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import EmailField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, Optional

from ..forms import LONG_TEXT_MAX, AppForm, strip


class ReportForm(AppForm):
    """The public form. Each length message is a whole sentence in which WTForms fills
    ``%(max)d`` with the limit."""

    description = TextAreaField(
        _l("What went wrong?"), filters=[strip],
        description=_l("For example, a button you could not reach with the keyboard, or "
                       "something your screen reader did not read. You do not have to tell us "
                       "about a disability."),
        validators=[DataRequired(_l("Tell us what went wrong")),
                    Length(max=LONG_TEXT_MAX,
                           message=_l("What went wrong must be %(max)d characters or fewer"))])
    where = StringField(
        _l("Which page, or what were you trying to do?"), filters=[strip],
        validators=[Optional(), Length(max=500, message=_l(
            "This must be %(max)d characters or fewer"))])
    name = StringField(
        _l("Your name"), filters=[strip],
        validators=[Optional(), Length(max=200, message=_l(
            "Your name must be %(max)d characters or fewer"))])
    email = EmailField(
        _l("Your email address"), filters=[strip],
        description=_l("If you would like a reply. We use it for nothing else."),
        validators=[Optional(), Length(max=254, message=_l(
            "Your email address must be %(max)d characters or fewer")),
                    Email(_l("Enter an email address in the correct format, like "
                             "name@example.com"),
                          allow_smtputf8=True)])  # zoë@exämple.org: the outbox sends it


class ResolveForm(AppForm):
    resolution = TextAreaField(
        "What was done", filters=[strip],
        description="For the team's record; it is not sent to the person who reported.",
        validators=[DataRequired("Say what was done about this report"),
                    Length(max=LONG_TEXT_MAX,
                           message=f"This must be {LONG_TEXT_MAX} characters or fewer")])
