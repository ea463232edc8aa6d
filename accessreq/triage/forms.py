"""Forms of the staff dashboard: the queue filters, the actions on a request (assign, status,
the reply-or-note composer, move) and the admin access log's filters.

Choices depend on the data (events, staff, allowed next statuses), so views fill them in. Every
action form carries the request's ``version`` so a change based on an old page is refused.
"""

from __future__ import annotations

from wtforms import (BooleanField, EmailField, HiddenField, RadioField, SearchField,
                     SelectField, StringField, TextAreaField)
from wtforms.validators import (DataRequired, Email, InputRequired, Length, Optional,
                                ValidationError)

from ..forms import LONG_TEXT_MAX, AppForm, QueryForm, in_choices, options, strip
from ..requests.forms import EMAIL_MAX, too_long
from ..requests.outcomes import ShortfallReason
from ..requests.states import SHORTFALL_STATUSES, RequestStatus
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
    outcome = BooleanField("Only requests needing an outcome",
                           description="Events that have ended, with an accommodation whose "
                                       "outcome is not recorded yet.")
    waiting = BooleanField("Only requests waiting for us",
                           description="The attendee wrote last, and nobody in the team has "
                           "opened the request since.")


class SaveViewForm(AppForm):
    """Save the queue's current filters under a name (the filters travel as ``query``)."""

    name = StringField("Save this view as", filters=[strip],
                       validators=[DataRequired("Give the view a name"),
                                   Length(max=80, message="The name must be 80 characters or "
                                                          "fewer")],
                       description="It appears under “Your views” beside the queue.")
    query = HiddenField()
    shared = BooleanField("Share with every staff member")


class DeleteViewForm(AppForm):
    """A Delete button: the CSRF token is all it carries."""


class AccountSettingsForm(AppForm):
    """A staff member's own settings (``/staff/account``). The digest's hint says what it holds
    and when it goes; the view fills it in from the installation's settings."""

    daily_digest = BooleanField("Email me the daily digest")


class _ActionForm(AppForm):
    # The request version the page showed; compared by the service (optimistic locking).
    version = HiddenField()


class AssignForm(_ActionForm):
    assignee = SelectField("Assign to", validate_choice=False)

    def validate_assignee(self, field) -> None:
        in_choices(field, "Choose who to assign the request to from the list.")


class StatusForm(_ActionForm):
    """A status change with nothing to say: the attendee is emailed the new status alone.
    Changes that need a message (states.MESSAGE_REQUIRED) are made from the composer, so the
    message and the status go out in one email."""

    status = SelectField("New status", validate_choice=False,
                         validators=[InputRequired(message="Choose the new status.")])

    def validate_status(self, field) -> None:
        # Whether the move is allowed is the service's rule; it explains a refusal itself.
        if field.data not in set(RequestStatus):
            raise ValidationError("Choose one of the statuses in the list.")


# The composer's two kinds of writing; the radios and the buttons carry the same values.
REPLY = "reply"
NOTE = "note"
MODE_LABELS = {REPLY: "Reply to the attendee (emailed)", NOTE: "Internal note (staff only)"}
BUTTON_LABELS = {REPLY: "Send to attendee", NOTE: "Save note"}


class ComposeForm(_ActionForm):
    """One box for writing on a request: a reply to the attendee, or an internal note.

    Why radios *and* two buttons, without JavaScript: the person says who it is for (the
    radios, nothing chosen in advance, so a note never goes out as a reply by default), and the
    button they press says it again in other words ("Send to attendee" or "Save note"). Where
    the browser supports CSS ``:has()`` only the button matching the chosen radio is shown, so
    the button's words follow the choice; elsewhere both are shown. Either way the server acts
    only when the two agree: "Send to attendee" pressed with "Internal note" chosen, or the
    reverse, sends and saves nothing and says why. A single button whose words cannot follow
    the radios would leave the choice to be read from the radios alone; two buttons and no
    radios would make one slip of the Tab key the whole decision.
    """

    mode = RadioField(
        "Who is this for?", validate_choice=False, choices=options(MODE_LABELS.items()),
        validators=[InputRequired(message="Choose whether this is a reply to the attendee or "
                                          "an internal note.")])
    body = TextAreaField(
        "Your reply or note",
        validators=[DataRequired(message="Write the reply or the note."),
                    Length(max=LONG_TEXT_MAX,
                           message=f"Keep it under {LONG_TEXT_MAX} characters.")],
        render_kw={"rows": 6},
    )
    status = SelectField(
        "Also change the status to", validate_choice=False,
        description="Only with a reply: the attendee gets one email with the new status and "
        "your reply. To ask for information, or to say something is only partly arranged or "
        "cannot be arranged, choose that status here; your reply is the message it needs.")
    shortfall = SelectField(
        "If it cannot be fully arranged: the main reason", validate_choice=False,
        choices=options([("", "Choose the main reason")]
                        + [(r.value, r.label) for r in ShortfallReason]),
        description="Needed with “Partially arranged” or “Unable to arrange”. Kept for the "
        "team's reports; the attendee reads your reply, not this.")
    # The button pressed ("reply" or "note"); the template renders the two buttons by hand.
    action = HiddenField()

    def validate_mode(self, field) -> None:
        in_choices(field, "Choose whether this is a reply to the attendee or an internal note.")
        pressed = self.action.data
        if pressed in BUTTON_LABELS and pressed != field.data:
            raise ValidationError(
                f"You chose “{MODE_LABELS[field.data]}” but pressed “{BUTTON_LABELS[pressed]}”, "
                "so nothing was sent or saved. Check who it is for, then press "
                f"“{BUTTON_LABELS[field.data]}”.")

    def validate_status(self, field) -> None:
        in_choices(field, "Choose a status from the list, or “No change”.")
        if field.data and self.mode.data == NOTE:
            raise ValidationError("An internal note cannot change the status: the attendee "
                                  "would not be told. Choose “No change”, or send a reply.")

    def validate_shortfall(self, field) -> None:
        in_choices(field, "Choose the main reason from the list.")
        if not field.data and self.status.data in SHORTFALL_STATUSES:
            raise ValidationError(f"Choose the main reason it is "
                                  f"“{RequestStatus(self.status.data).label}”.")

    @property
    def new_status(self) -> RequestStatus | None:
        return RequestStatus(self.status.data) if self.status.data else None

    @property
    def shortfall_reason(self) -> ShortfallReason | None:
        return ShortfallReason(self.shortfall.data) if self.shortfall.data else None


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


class CorrectEmailForm(_ActionForm):
    """After a bounce: the attendee's right address, checked as the public form checks it."""
    email = EmailField(
        "Correct email address",
        filters=[strip],
        validators=[DataRequired("Enter the attendee's correct email address"),
                    too_long(EMAIL_MAX, "The email address must be %(max)d characters or fewer"),
                    Email("Enter an email address in the correct format, like name@example.com",
                          allow_smtputf8=True)],
        description="Checked with the attendee by phone, text message or in person. The email "
                    "that bounced is sent again to it, with a new status link.",
        render_kw={"spellcheck": "false"},
    )


def parse_version(value: str | None) -> int:
    """The version from the hidden field; anything unreadable counts as out of date."""
    value = (value or "").strip()
    if value.isascii() and value.isdigit() and len(value) <= 9:
        return int(value)
    return -1


class AccessLogFilterForm(QueryForm):
    """The admin access log's GET filters; only displays what ``LogFilters`` parsed."""

    staff = SelectField("Staff member", validate_choice=False)
    reference = SearchField("Request reference", validators=[Optional(), Length(max=40)],
                            description="The whole reference, for example AR-7KQ3-M2.")


class CancelEventForm(AppForm):
    """The reason an admin gives for cancelling an event; attendees read it."""

    reason = TextAreaField(
        "Why is the event cancelled?",
        description="Attendees read this on the event page and in the email telling them their "
                    "request is cancelled, for example “The speaker is ill. We hope to hold the "
                    "talk in the spring.”",
        filters=[strip],
        validators=[InputRequired("Say why the event is cancelled"),
                    Length(max=2000, message="The reason must be 2,000 characters or fewer")])
