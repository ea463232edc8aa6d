"""Forms for providers (the provider, the list's search and filters) and bookings (the booking,
and the note of how an accommodation is met without one)."""

from __future__ import annotations

import re
from decimal import Decimal

from wtforms import (BooleanField, DateField, DecimalField, EmailField, HiddenField,
                     IntegerField, RadioField, SearchField, SelectField, StringField, TelField,
                     TextAreaField, TimeField)
from wtforms.validators import (DataRequired, Email, InputRequired, Length, NumberRange,
                                Optional, ValidationError)
from wtforms.widgets import TextInput

from ..events.forms import DATE_FORMATS, TIME_FORMATS
from ..forms import (LONG_TEXT_MAX, AppForm, MultiCheckboxField, QueryForm, in_choices, options,
                     strip)
from ..requests.outcomes import ItemOutcome, OutcomeReason
from .models import ProviderKind
from .queries import SEARCH_MAX_LENGTH

KIND_CHOICES = [(kind.value, kind.label) for kind in ProviderKind]
_PHONE = re.compile(r"^[0-9+()./\s-]+$")
MAX_NOTICE_HOURS = 24 * 60  # two months


class ProviderForm(AppForm):
    name = StringField("Name", filters=[strip], validators=[
        InputRequired("Enter the provider’s name"),
        Length(max=200, message="The name must be 200 characters or fewer")],
        description="The agency or the person, as the team knows them.")
    kind = SelectField("What they provide", choices=options(KIND_CHOICES),
                       validators=[InputRequired("Choose what the provider provides")])
    email = EmailField("Email address", filters=[strip], validators=[
        Optional(), Length(max=254, message="Email address must be 254 characters or fewer"),
        Email("Enter an email address in the correct format, like bookings@example.org, or "
              "leave it empty")],
        description="Where booking requests go.",
        render_kw={"spellcheck": "false", "autocomplete": "off"})
    phone = TelField("Phone number", filters=[strip], validators=[
        Optional(), Length(max=40, message="The phone number must be 40 characters or fewer")],
        render_kw={"autocomplete": "off"})
    cancellation_terms = StringField("Usual cancellation terms", filters=[strip], validators=[
        Optional(), Length(max=300, message="The terms must be 300 characters or fewer")],
        description="In their words, for example “free until 48 hours before, then the full "
                    "fee”.")
    free_cancellation_hours = IntegerField(
        "Free cancellation until how many hours before the start", validators=[
            Optional(), NumberRange(min=0, max=MAX_NOTICE_HOURS,
                                    message=f"Enter a whole number of hours from 0 to "
                                            f"{MAX_NOTICE_HOURS}, or leave it empty")],
        description="A whole number, for example 48. A booking’s cancellation deadline is "
                    "worked out from it. Leave empty if you do not know.",
        render_kw={"inputmode": "numeric"})
    notes = TextAreaField("Notes for staff", filters=[strip], validators=[
        Optional(), Length(max=LONG_TEXT_MAX,
                           message=f"Notes must be {LONG_TEXT_MAX} characters or fewer")],
        description="Who to ask for, what they need from us. Never shown outside the team.")
    active = BooleanField("Offer this provider for new bookings", default=True)

    def validate_phone(self, field) -> None:
        if field.data and (not _PHONE.match(field.data)
                           or sum(c.isdigit() for c in field.data) < 6):
            raise ValidationError("Enter a phone number, like 01632 960 001 or "
                                  "+44 808 157 0192, or leave it empty")


class ProviderSearchForm(QueryForm):
    q = SearchField("Search providers", validators=[
        Optional(), Length(max=SEARCH_MAX_LENGTH,
                           message=f"Search for {SEARCH_MAX_LENGTH} characters or fewer")],
        description="Part of the name, email address or phone number.")
    kind = SelectField("What they provide", choices=options([("", "Any")] + KIND_CHOICES),
                       validate_choice=False)
    inactive = BooleanField("Show providers no longer offered too")


# --- bookings ------------------------------------------------------------------------------------

COST_MAX = Decimal("1000000")


def _clock(label: str, description: str) -> TimeField:
    return TimeField(label, validators=[Optional()], format=TIME_FORMATS, widget=TextInput(),
                     invalid_value_message="Enter a time on the 24-hour clock, like 18:30",
                     description=description)


def _cost(label: str, description: str) -> DecimalField:
    return DecimalField(label, places=2, validators=[
        Optional(), NumberRange(min=0, max=COST_MAX,
                                message="Enter an amount from 0 to 1,000,000, like 240.00")],
        description=description, render_kw={"inputmode": "decimal"})


class BookingForm(AppForm):
    provider = SelectField("Provider", validate_choice=False,
                           validators=[InputRequired("Choose the provider")])
    items = MultiCheckboxField(
        "Accommodations it covers", coerce=int, validate_choice=False,
        description="One booking can cover several requests: one interpreter pair for every "
                    "Deaf attendee of the event.")
    status = SelectField("Status", validate_choice=False)
    provider_reference = StringField("The provider’s reference", filters=[strip], validators=[
        Optional(), Length(max=100, message="The reference must be 100 characters or fewer")])
    arrival_time = _clock("Arrival time", "On the day of the event, in its time zone. "
                                          "Use the 24-hour clock, for example 17:45.")
    start_time = _clock("Start time", "Use the 24-hour clock, for example 18:00.")
    end_time = _clock("End time", "Use the 24-hour clock, for example 20:30.")
    estimated_cost = _cost("Estimated cost", "In the currency below; for example 240.00.")
    actual_cost = _cost("Actual cost", "Once the invoice has come.")
    deadline_day = DateField("Free cancellation until: date", validators=[Optional()],
                             format=DATE_FORMATS,
                             invalid_value_message="Enter a real date, like 2026-03-27",
                             description="Leave the date and time empty to work it out from the "
                                         "provider’s terms.")
    deadline_time = _clock("Free cancellation until: time", "Use the 24-hour clock.")
    notes = TextAreaField("Notes for staff", filters=[strip], validators=[
        Optional(), Length(max=LONG_TEXT_MAX,
                           message=f"Notes must be {LONG_TEXT_MAX} characters or fewer")],
        description="Where the interpreters stand, who meets them. Not sent to the provider.")

    def validate_provider(self, field) -> None:
        in_choices(field, "Choose the provider from the list")

    def validate_items(self, field) -> None:
        offered = {choice[0] if isinstance(choice, tuple) else choice.value
                   for choice in field.choices or []}
        if not field.data:
            raise ValidationError("Choose at least one accommodation the booking covers")
        if not set(field.data) <= {int(value) for value in offered}:
            raise ValidationError("Choose accommodations from the list")

    def validate_status(self, field) -> None:
        if field.choices:
            in_choices(field, "Choose a status from the list")

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if (self.start_time.data and self.end_time.data and not self.end_time.errors
                and self.end_time.data <= self.start_time.data):
            self.end_time.errors.append("The end time must be after the start time")
            valid = False
        if bool(self.deadline_day.data) != bool(self.deadline_time.data) and not (
                self.deadline_day.errors or self.deadline_time.errors):
            missing = self.deadline_time if self.deadline_day.data else self.deadline_day
            missing.errors.append("Enter both the date and the time, or neither")
            valid = False
        return valid


class MetByForm(AppForm):
    met_by = StringField("How it is met without a booking", filters=[strip], validators=[
        Optional(), Length(max=300, message="This must be 300 characters or fewer")],
        description="For example “seat A12 kept with a companion seat” or “hall loop "
                    "tested”. Leave empty to take the note back.")


OUTCOME_CHOICES = [(o.value, o.label) for o in ItemOutcome]
REASON_CHOICES = [("", "Choose a reason")] + [(r.value, r.label) for r in OutcomeReason]


class OutcomesForm(AppForm):
    """After the event, one group per requested accommodation: what happened, why (when it
    was not fully delivered) and staff's words. The groups are added by ``outcomes_form``."""

    version = HiddenField()

    def groups(self, items):
        """(item, outcome field, reason field, note field) for each accommodation."""
        return [(item, self[f"outcome_{item.id}"], self[f"reason_{item.id}"],
                 self[f"note_{item.id}"]) for item in items]

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        for name in self._fields:
            if not name.startswith("outcome_") or not self[name].data:
                continue
            item_id = name.removeprefix("outcome_")
            reason, note = self[f"reason_{item_id}"], self[f"note_{item_id}"]
            if ItemOutcome(self[name].data).needs_reason and not reason.data:
                reason.errors.append("Choose why it was not fully delivered")
                valid = False
            elif reason.data == OutcomeReason.OTHER and not note.data and not note.errors:
                note.errors.append("Say what the other reason was")
                valid = False
        return valid


def outcomes_form(items, data: dict | None = None, formdata=None) -> OutcomesForm:
    """The outcomes form for these accommodations (each named in its labels)."""

    class Form(OutcomesForm):
        pass

    for item in items:
        name = item.accommodation_type.name
        setattr(Form, f"outcome_{item.id}", RadioField(
            f"What happened: {name}", choices=options(OUTCOME_CHOICES),
            validators=[Optional()], validate_choice=True))
        setattr(Form, f"reason_{item.id}", SelectField(
            f"Why it was not fully delivered: {name}", choices=options(REASON_CHOICES),
            validators=[Optional()],
            description="Only when it was partly or not delivered."))
        setattr(Form, f"note_{item.id}", StringField(
            f"What happened, in a few words: {name}", filters=[strip], validators=[
                Optional(), Length(max=500, message="This must be 500 characters or fewer")],
            description="For the team; the attendee does not see it."))
    if formdata is not None:
        return Form(formdata=formdata)
    return Form(data=data or {})


class WordedEmailForm(AppForm):
    """An email that starts from the team's wording: its subject and message as staff leave
    them (the emails to providers, the follow-ups to attendees)."""

    subject = StringField("Subject", filters=[strip], validators=[
        DataRequired("Enter the subject"),
        Length(max=200, message="The subject must be 200 characters or fewer")])
    body = TextAreaField("Message", filters=[strip], validators=[
        DataRequired("Enter the message"),
        Length(max=LONG_TEXT_MAX,
               message=f"The message must be {LONG_TEXT_MAX} characters or fewer")],
        render_kw={"rows": 16})


class ProviderEmailForm(WordedEmailForm):
    """An email to a booking's provider: the wording, filled in, and two ticks, both off until
    staff choose to share more."""

    contacts = BooleanField(
        "Include the attendees’ names and contact details",
        description="Adds, under your message, the name, email address, phone number and "
                    "preferred way of contact of each attendee this booking is for who is "
                    "still coming. Only when the provider must reach them themselves.")
    needs = BooleanField(
        "Include what the attendees wrote about their needs",
        description="Adds what each attendee wrote about the accommodations this booking "
                    "covers (for example “BSL, please”); never anything else they told us. "
                    "Without names unless the box above is ticked too.")


class FollowUpForm(WordedEmailForm):
    """After the event, a follow-up to the attendee: the wording filled in, as staff leave it."""

    version = HiddenField()

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.body.description = "The attendee reads it in their email and on their status page."
