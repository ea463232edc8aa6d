"""The staff "Record a request" form: the public request form (requests/forms.py) with words
for staff, the channel the request came by and whether the attendee wants email updates.

The email address is optional here: someone who phoned, wrote or came by may have none, and the
team then contacts them the way they came to us.
"""

from __future__ import annotations

from wtforms import RadioField, SelectChoice
from wtforms.validators import DataRequired

from ..events.models import Event
from ..i18n.languages import DEFAULT as DEFAULT_LANGUAGE, LANGUAGES
from ..requests.forms import (FOR_ME, FOR_SOMEONE_ELSE, FormWords, RequestFormBase,
                              request_form_for)
from ..requests.models import STAFF_CHANNELS, ReceivedVia

UPDATES_YES = "yes"
UPDATES_NO = "no"
# Channels where the team's way back is a call: a phone number is needed without email.
CALL_BACK = {ReceivedVia.PHONE.value, ReceivedVia.VIDEO_RELAY.value}

STAFF_WORDS = FormWords(
    name_label="Full name of the person asking",
    name_required="Enter the name of the person asking",
    name_too_long="The name must be %(max)d characters or fewer",
    email_label="Their email address",
    email_hint="Leave it empty if they have none: the team then contacts them the way they "
               "came to us, and they get no emails.",
    email_required=None,
    email_too_long="The email address must be %(max)d characters or fewer",
    channel_label="How would they like us to contact them?",
    channel_required="Choose how they would like us to contact them",
    consent_label="They agreed that we can store this information to arrange access for them",
    consent_hint=(
        "Before you tick, tell them: we keep what they tell us so the access team can arrange "
        "access for this event; only the access team can see it, and we use it for nothing "
        "else; we delete their contact and access details %(days)s days after the event."),
    consent_required="Tick the box to confirm they agreed that we can store this information",
)


class StaffRequestFormBase(RequestFormBase):
    """The public form's rules, plus: email updates need an address, and a call back needs a
    number. The shared fields get words for staff where the public form says "you"."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.contact_phone.description = ("Needed if they prefer phone, text message or video "
                                          "relay, or called us and have no email address.")
        self.for_whom.label.text = "Who is this request for?"
        self.for_whom.choices = [
            SelectChoice(FOR_ME, "The person asking"),
            SelectChoice(FOR_SOMEONE_ELSE, "Someone else, for example a person they assist")]
        self.attendee_name.description = "Needed only if they are asking for someone else."
        self.accommodations.label.text = "What would help them take part?"
        self.anything_else.description = ("Anything else they told you that would help, in "
                                          "their words. Do not ask why they need it.")

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if self.email_updates.data == UPDATES_YES and not self.contact_email.data \
                and not self.contact_email.errors:
            self.contact_email.errors.append(
                "Enter their email address, or choose no email updates")
            valid = False
        wants_no_email = self.email_updates.data == UPDATES_NO or not self.contact_email.data
        if wants_no_email and self.received_via.data in CALL_BACK \
                and not self.contact_phone.data and not self.contact_phone.errors:
            self.contact_phone.errors.append(
                "Enter their phone number, so the team can contact them without email")
            valid = False
        return valid


def staff_request_form_for(event: Event, retention_days: int, **kwargs) -> StaffRequestFormBase:
    """The record form for ``event``: how it came first, email updates after the address."""
    extra = {
        "received_via": (None, RadioField(
            "How did the request come in?",
            choices=[SelectChoice(c.value, c.label) for c in STAFF_CHANNELS],
            invalid_choice_message="Choose how the request came in",
            validators=[DataRequired("Choose how the request came in")])),
        "email_updates": ("contact_email", RadioField(
            "Do they want email updates?",
            description="Their reference, private status link and every change by email.",
            choices=[SelectChoice(UPDATES_YES, "Yes, email them"),
                     SelectChoice(UPDATES_NO, "No, contact them another way")],
            invalid_choice_message="Choose whether they want email updates",
            validators=[DataRequired("Choose whether they want email updates")])),
        "language": ("email_updates", RadioField(
            "Which language should their emails be in?",
            description="The language they asked in, if we have it. What you write to them is "
                        "sent as you wrote it.",
            choices=[SelectChoice(language.code, language.english)
                     for language in LANGUAGES.values()],
            default=DEFAULT_LANGUAGE,
            invalid_choice_message="Choose the language of their emails",
            validators=[DataRequired("Choose the language of their emails")])),
    }
    return request_form_for(event, retention_days, words=STAFF_WORDS, base=StaffRequestFormBase,
                            extra_fields=extra, spam_guard=False, **kwargs)

