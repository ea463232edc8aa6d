"""The public request form, built per event, and the small forms on the status page.

Every question asks what would help, never why: no field asks about a condition.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import (BooleanField, EmailField, HiddenField, RadioField, SelectChoice, StringField,
                     TelField, TextAreaField)
from wtforms.validators import (DataRequired, Email, InputRequired, Length, Optional,
                                StopValidation, ValidationError)

from ..events.models import Event
from ..forms import LONG_TEXT_MAX, AppForm, MultiCheckboxField, options, strip
from ..i18n.selection import current_language
from .models import ContactChannel
from .outcomes import NeedsMet
from .services import Submission
from .spam import HONEYPOT_FIELD, STARTED_FIELD, started_token

NAME_MAX = 200  # AccessRequest.contact_name / attendee_name
EMAIL_MAX = 254  # AccessRequest.contact_email
PHONE_MAX = 40  # AccessRequest.contact_phone
DETAILS_MAX = 2000

FOR_ME = "me"
FOR_SOMEONE_ELSE = "someone_else"
CHANNELS_NEEDING_PHONE = {ContactChannel.PHONE.value, ContactChannel.VIDEO_RELAY.value}
_PHONE = re.compile(r"^[0-9+()#*.\-\s/]+$")
_PHONE_MIN_DIGITS = 5
# Ofcom's numbers for drama and examples: they belong to nobody.
PHONE_EXAMPLE = _l("Enter a phone number, like 01632 960 001 or +44 808 157 0192")


def details_field_name(type_id: int) -> str:
    return f"details_{type_id}"


class MaxLength(Length):
    """A length limit the server explains, without the HTML ``maxlength`` attribute, which
    silently cuts off pasted text. ``message`` is a whole sentence; WTForms fills its
    ``%(max)d`` with the limit."""

    def __init__(self, limit: int, message: str) -> None:
        super().__init__(max=limit, message=message)
        self.field_flags = {}


class OnlyIfChosen:
    """Skip a details field (and forget its text) unless its accommodation was ticked."""

    field_flags = {"optional": True}

    def __init__(self, type_id: int) -> None:
        self.type_id = type_id

    def __call__(self, form, field) -> None:
        if self.type_id not in (form.accommodations.data or []):
            field.errors[:] = []
            field.data = ""
            raise StopValidation()


class RequestFormBase(AppForm):
    """Cross-field rules; the fields themselves are added by ``request_form_for``."""

    def validate_contact_phone(self, field) -> None:
        """Optional, but when given it must look like a phone number; the error says both,
        unless the chosen way of contact needs the number."""
        if field.data:
            digits = sum(c.isdigit() for c in field.data)
            if not _PHONE.match(field.data) or digits < _PHONE_MIN_DIGITS:
                needed = self.contact_channel.data in CHANNELS_NEEDING_PHONE
                raise ValidationError(
                    str(PHONE_EXAMPLE) if needed
                    else _("Enter a phone number, like 01632 960 001 or +44 808 157 0192, or "
                           "leave it empty"))

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if self.contact_channel.data in CHANNELS_NEEDING_PHONE and not self.contact_phone.data \
                and not self.contact_phone.errors:
            self.contact_phone.errors.append(
                _("Enter a phone number, or choose email as the way to contact you"))
            valid = False
        if self.for_whom.data == FOR_SOMEONE_ELSE and not self.attendee_name.data \
                and not self.attendee_name.errors:
            self.attendee_name.errors.append(_("Enter the name of the person you are asking for"))
            valid = False
        return valid

    def submission(self, email_updates: bool = True) -> Submission:
        """What the validated form collected, for ``services.submit_request``."""
        return Submission(
            contact_name=self.contact_name.data,
            contact_email=self.contact_email.data or "",
            contact_channel=ContactChannel(self.contact_channel.data),
            contact_phone=self.contact_phone.data or "",
            phone_on_the_day=bool(self.phone_on_the_day.data) and bool(self.contact_phone.data),
            attendee_name=(self.attendee_name.data if self.for_whom.data == FOR_SOMEONE_ELSE
                           else None),
            accommodations=self.chosen_details(),
            anything_else=self.anything_else.data or "",
            consented=bool(self.consent.data),
            email_updates=email_updates,
            language=current_language().code,
        )

    def chosen_details(self) -> dict[int, str]:
        """Accommodation type id -> the optional details typed for it."""
        result = {}
        for type_id in self.accommodations.data or []:
            details = self._fields.get(details_field_name(type_id))
            result[type_id] = (details.data or "") if details is not None else ""
        return result

    def details_for(self, type_id: int):
        return self._fields.get(details_field_name(type_id))

    # The spam defences (requests/spam.py): never shown, never in the error summary.
    def honeypot_value(self) -> str:
        return self._fields[HONEYPOT_FIELD].data or ""

    def started_value(self) -> str:
        return self._fields[STARTED_FIELD].data or ""

    def restart_clock(self, token: str) -> None:
        self._fields[STARTED_FIELD].data = token


def too_long(limit: int, message: str) -> MaxLength:
    """The limit with its whole sentence, in which WTForms fills ``%(max)d``: "Your name must
    be %(max)d characters or fewer"."""
    return MaxLength(limit, message)


@dataclass(frozen=True)
class FormWords:
    """The words of the request form that depend on who fills it: the attendee ("your") or
    staff recording a request for them ("their"). Everything else is shared.

    The ``*_too_long`` sentences take the limit as ``%(max)d`` (filled by WTForms), and
    ``consent_hint`` the days details are kept as ``%(days)s``."""

    name_label: str = _l("Your full name")
    name_required: str = _l("Enter your full name")
    name_too_long: str = _l("Your name must be %(max)d characters or fewer")
    email_label: str = _l("Your email address")
    email_hint: str = _l("We will send your reference and a private link to follow your request.")
    # None: the email is optional
    email_required: str | None = _l("Enter your email address")
    email_too_long: str = _l("Your email address must be %(max)d characters or fewer")
    channel_label: str = _l("How would you like us to contact you?")
    channel_required: str = _l("Choose how you would like us to contact you")
    consent_label: str = _l(
        "I agree that you can store this information to arrange access for me")
    consent_hint: str = _l(
        "We keep what you tell us on this form so the access team can arrange access for this "
        "event. Only the access team can see it, and we use it for nothing else. We delete "
        "your contact and access details %(days)s days after the event.")
    consent_required: str = _l("Tick the box to agree that we can store this information")

    def as_text(self) -> FormWords:
        """These words as plain strings in the current language (lazy ones translated)."""
        return FormWords(**{name: None if value is None else str(value)
                            for name, value in vars(self).items()})


PUBLIC_WORDS = FormWords()


def request_form_for(event: Event, retention_days: int, *, words: FormWords = PUBLIC_WORDS,
                     base: type[RequestFormBase] = RequestFormBase,
                     extra_fields: dict[str, tuple[str | None, object]] | None = None,
                     spam_guard: bool = True, **kwargs) -> RequestFormBase:
    """A form with one checkbox per accommodation the event offers, and a details box for
    each that asks for details. Fields are created in page order so the error summary
    lists problems in the order a person meets them.

    The staff "Record a request" form is this form with other ``words``, a ``base`` adding
    its own rules, and ``extra_fields``: name -> (the field it follows, or None for first;
    the unbound field)."""
    # Text in the page's language now, as plain strings: a lazy one would reach the page as
    # markup (LazyString has __html__), unescaped.
    words = words.as_text()
    offered = event.offered_types
    fields: dict = {}
    fields["contact_name"] = StringField(
        words.name_label, filters=[strip],
        validators=[DataRequired(words.name_required), too_long(NAME_MAX, words.name_too_long)])
    # zoë@exämple.org is accepted: the outbox sends it (SMTPUTF8, or the domain as IDNA).
    email_check = [Email(_("Enter an email address in the correct format, like "
                           "name@example.com"), allow_smtputf8=True)]
    fields["contact_email"] = EmailField(
        words.email_label, filters=[strip], description=words.email_hint,
        validators=([DataRequired(words.email_required)] if words.email_required else [Optional()])
        + [too_long(EMAIL_MAX, words.email_too_long)] + email_check)
    fields["contact_channel"] = RadioField(
        words.channel_label, default=ContactChannel.EMAIL.value,
        choices=[SelectChoice(c.value, c.label) for c in ContactChannel],
        invalid_choice_message=words.channel_required,
        validators=[DataRequired(words.channel_required)])
    fields["contact_phone"] = TelField(
        _("Phone number"), filters=[strip],
        description=_("We need this if you choose phone, text message or video relay."),
        validators=[Optional(), too_long(PHONE_MAX, _(
            "The phone number must be %(max)d characters or fewer"))])
    fields["phone_on_the_day"] = BooleanField(
        _("The people running the event may phone me on the day if they need to"),
        description=_("For example if they cannot find you at the entrance. Only if you tick "
                      "this do they get your name and phone number; the access team still has "
                      "them either way."))
    fields["for_whom"] = RadioField(
        _("Who is this request for?"), default=FOR_ME,
        choices=[SelectChoice(FOR_ME, _("Me")),
                 SelectChoice(FOR_SOMEONE_ELSE,
                              _("Someone else, for example a person I assist"))],
        invalid_choice_message=_("Choose who this request is for"),
        validators=[DataRequired(_("Choose who this request is for"))])
    fields["attendee_name"] = StringField(
        _("Name of the person who will attend"), filters=[strip],
        description=_("We need this only if you are asking for someone else."),
        validators=[Optional(), too_long(NAME_MAX, _(
            "Their name must be %(max)d characters or fewer"))])
    fields["accommodations"] = MultiCheckboxField(
        _("What would help you take part?"), coerce=int,
        description=_("Choose all that apply."),
        choices=[SelectChoice(t.id, t.name) for t in offered],
        invalid_value_message=_("Choose from the accommodations listed for this event"),
        invalid_choice_message=_("Choose from the accommodations listed for this event"),
        validators=[DataRequired(_("Choose at least one thing that would help"))])
    for kind in offered:
        if kind.details_label:
            fields[details_field_name(kind.id)] = TextAreaField(
                kind.details_label, filters=[strip], description=kind.details_hint or None,
                validators=[OnlyIfChosen(kind.id), Optional(),
                            too_long(DETAILS_MAX, _(
                                "Details for %(name)s must be %(max)d characters or fewer",
                                name=kind.name, max=DETAILS_MAX))])
    fields["anything_else"] = TextAreaField(
        _("Anything else that would help"), filters=[strip],
        description=_("Tell us what would help you, for example where you would like to sit "
                      "or how you like to communicate. You do not need to tell us why."),
        validators=[Optional(), too_long(LONG_TEXT_MAX, _(
            "This must be %(max)d characters or fewer"))])
    fields["consent"] = BooleanField(
        words.consent_label, description=words.consent_hint % {"days": retention_days},
        validators=[DataRequired(words.consent_required)])
    for name, (after, field) in (extra_fields or {}).items():
        fields = _insert_after(fields, after, name, field)
    if spam_guard:
        # Spam defences (requests/spam.py): when the form was drawn (signed), and a box people
        # never see or reach, which the template draws empty, hidden from assistive technology.
        fields[STARTED_FIELD] = HiddenField(default=lambda: started_token(event.id))
        fields[HONEYPOT_FIELD] = StringField(_("Leave this field empty"), filters=[strip])
    form_class = type(f"{base.__name__}{event.id}", (base,), fields)
    return form_class(**kwargs)


def _insert_after(fields: dict, after: str | None, name: str, field) -> dict:
    result = {name: field} if after is None else {}
    for key, value in fields.items():
        result[key] = value
        if key == after:
            result[name] = field
    return result


class MessageForm(AppForm):
    """The attendee adds a message or more details on their status page."""

    body = TextAreaField(
        _l("Your message"), filters=[strip],
        description=_l("For example, an answer to the team's question, or something you forgot "
                       "to say."),
        validators=[DataRequired(_l("Write your message")),
                    too_long(LONG_TEXT_MAX, _l(
                        "Your message must be %(max)d characters or fewer"))])


class NeedsMetForm(AppForm):
    """After the event, on the status page: the one question whose answer staff see."""

    # Its choices are set per form, in the page's language (``NeedsMet.label`` is plain text).
    answer = RadioField(
        _l("Did what we arranged meet your needs?"),
        validators=[InputRequired(_l("Choose yes, partly or no"))])
    comment = TextAreaField(
        _l("Anything you want to tell us"), filters=[strip],
        description=_l("What worked, what did not, what would help next time. You do not have "
                       "to say."),
        validators=[Optional(), too_long(LONG_TEXT_MAX, _l(
            "What you wrote must be %(max)d characters or fewer"))])

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.answer.choices = options([(a.value, a.label) for a in NeedsMet])


class CancelForm(AppForm):
    reason = TextAreaField(
        _l("Why are you cancelling?"), filters=[strip],
        description=_l("This helps the team plan. You do not have to say."),
        validators=[Optional(), too_long(LONG_TEXT_MAX, _l(
            "The reason must be %(max)d characters or fewer"))])
