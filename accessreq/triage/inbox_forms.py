"""Forms of the staff inbox: its search, dismissing an email, and attaching it to a request."""

from __future__ import annotations

from wtforms import HiddenField, SearchField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from ..forms import AppForm, QueryForm, strip
from ..inbound.inbox import SEARCH_MAX_LENGTH

REASON_MAX = 280


class InboxSearchForm(QueryForm):
    q = SearchField("Search the inbox", validators=[Optional(), Length(max=SEARCH_MAX_LENGTH)],
                    description="Part of the sender's name or address, or of the subject.")


class RequestSearchForm(QueryForm):
    q = SearchField("Find the request", validators=[Optional(), Length(max=SEARCH_MAX_LENGTH)],
                    description="Its reference (for example AR-7K3M-Q9), or part of the "
                                "contact's name.")


class DismissForm(AppForm):
    reason = TextAreaField(
        "Why is it not a request?", filters=[strip],
        description="For the team's record; optional. The email is kept until the retention "
                    "purge deletes it.",
        validators=[Optional(), Length(max=REASON_MAX,
                                       message=f"This must be {REASON_MAX} characters or fewer")])


class AttachForm(AppForm):
    request_id = HiddenField(validators=[DataRequired("Choose a request")])
