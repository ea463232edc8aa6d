"""Forms of the staff dashboard: the queue filters and the four actions on a request.

Choices depend on the data (events, staff, allowed next statuses), so views fill them in. Every
action form carries the request's ``version`` so a change based on an old page is refused.
"""

from __future__ import annotations

from wtforms import BooleanField, HiddenField, SearchField, SelectField, TextAreaField
from wtforms.validators import (DataRequired, InputRequired, Length, Optional,
                                ValidationError)

from ..forms import LONG_TEXT_MAX, AppForm, QueryForm, in_choices, options
from ..requests.states import MESSAGE_REQUIRED, RequestStatus
from .queries import SEARCH_MAX_LENGTH

class QueueFilterForm(QueryForm):
    """The queue's GET filters. Only displays what ``QueueFilters`` parsed; never refuses input."""

    team = SelectField("Team", validate_choice=False,
                       description="Whose queue to show, with how many requests are open in each.")
    status = SelectField("Status", validate_choice=False)
    event = SelectField("Event", validate_choice=False,
                        description="Upcoming events and those of the last 90 days.")
    type = SelectField("Accommodation", validate_choice=False)
    assignee = SelectField("Assigned to", validate_choice=False)
    q = SearchField("Search", validators=[Optional(), Length(max=SEARCH_MAX_LENGTH)],
                    description="Part of a reference, a name or an email address.")
    sort = SelectField("Sort by", validate_choice=False,
                       choices=options([("due", "Due date, soonest first"),
                                        ("newest", "Newest first")]))
    waiting = BooleanField("Only requests waiting for us",
                           description="The attendee wrote last, and nobody in the team has "
                           "opened the request since.")


class _ActionForm(AppForm):
    # The request version the page showed; compared by the service (optimistic locking).
    version = HiddenField()


class AssignForm(_ActionForm):
    assignee = SelectField("Assign to", validate_choice=False)

    def validate_assignee(self, field) -> None:
        in_choices(field, "Choose who to assign the request to from the list.")


class StatusForm(_ActionForm):
    status = SelectField("New status", validate_choice=False,
                         validators=[InputRequired(message="Choose the new status.")])
    message = TextAreaField(
        "Message to the attendee about this change",
        validators=[Length(max=LONG_TEXT_MAX,
                           message=f"Keep the message under {LONG_TEXT_MAX} characters.")],
        description="Emailed to the attendee with the new status and shown on their status page. "
        "Needed when you ask for information, or when something is only partly arranged or "
        "cannot be arranged: say what is needed, or what you can offer instead.",
        render_kw={"rows": 5},
    )

    def validate_status(self, field) -> None:
        # Whether the move is allowed is the service's rule; it explains a refusal itself.
        if field.data not in set(RequestStatus):
            raise ValidationError("Choose one of the statuses in the list.")

    def validate_message(self, field) -> None:
        try:
            target = RequestStatus(self.status.data)
        except ValueError:
            return
        if target in MESSAGE_REQUIRED and not (field.data or "").strip():
            raise ValidationError(f"Write a message to the attendee: moving a request to "
                                  f"“{target.label}” needs one.")


class ReplyForm(_ActionForm):
    body = TextAreaField(
        "Message to the attendee",
        validators=[DataRequired(message="Write the message to send to the attendee."),
                    Length(max=LONG_TEXT_MAX,
                           message=f"Keep the message under {LONG_TEXT_MAX} characters.")],
        description="Emailed to the attendee and shown on their status page.",
        render_kw={"rows": 5},
    )


class MoveForm(_ActionForm):
    team = SelectField("Move to team", validate_choice=False,
                       validators=[InputRequired("Choose the team to move the request to.")])
    reason = TextAreaField(
        "Why it is moving",
        validators=[DataRequired(message="Say why the request is moving to another team."),
                    Length(max=1000, message="Keep the reason under 1000 characters.")],
        description="Kept in the history for both teams; the attendee does not see it.",
        render_kw={"rows": 3},
    )

    def validate_team(self, field) -> None:
        in_choices(field, "Choose the team to move the request to from the list.")


class NoteForm(_ActionForm):
    body = TextAreaField(
        "Internal note",
        validators=[DataRequired(message="Write the note."),
                    Length(max=LONG_TEXT_MAX,
                           message=f"Keep the note under {LONG_TEXT_MAX} characters.")],
        description="Only staff see notes; they are never shown or emailed to the attendee.",
        render_kw={"rows": 4},
    )


def parse_version(value: str | None) -> int:
    """The version from the hidden field; anything unreadable counts as out of date."""
    value = (value or "").strip()
    if value.isascii() and value.isdigit() and len(value) <= 9:
        return int(value)
    return -1
