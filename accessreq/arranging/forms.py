"""Forms for providers: the provider itself, and the list's search and filters."""

from __future__ import annotations

import re

from wtforms import (BooleanField, EmailField, IntegerField, SearchField, SelectField,
                     StringField, TelField, TextAreaField)
from wtforms.validators import (Email, InputRequired, Length, NumberRange, Optional,
                                ValidationError)

from ..forms import LONG_TEXT_MAX, AppForm, QueryForm, options, strip
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
