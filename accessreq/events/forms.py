"""Admin forms for events and the accommodation catalogue."""

from __future__ import annotations

from urllib.parse import urlsplit

from wtforms import (BooleanField, DateField, IntegerField, SelectField, StringField, TextAreaField,
                     TimeField)
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import TextInput

from ..forms import LONG_TEXT_MAX, AppForm, MultiCheckboxField, in_choices, options
from .services import (NonexistentLocalTime, find_timezone, local_to_utc,
                       timezone_label, timezone_names)


DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y"]
# The 24-hour clock the hint asks for, and the 12-hour forms people type anyway ("6:30pm").
TIME_FORMATS = ["%H:%M", "%H:%M:%S", "%H.%M", "%H%M", "%I:%M%p", "%I:%M %p", "%I.%M%p",
                "%I%p", "%I %p"]
DATE_HINT = "The date in the event's own time zone; use your browser's date picker or type it."
# A plain text box, not <input type="time">: a browser's time picker shows 12 or 24 hours
# after the computer's settings, so no hint could match it everywhere. This one always does.
TIME_HINT = "Use the 24-hour clock, for example 18:30."
TIMEZONE_HINT = ("Type a city or region and choose from the suggestions, for example "
                 "Europe/London. The date and times above are local times in this time zone.")


def _date(label: str, required: str | None, **kwargs) -> DateField:
    validators = [InputRequired(required)] if required else [Optional()]
    return DateField(label, validators=validators, format=DATE_FORMATS,
                     invalid_value_message="Enter a real date, like 2026-03-27",
                     description=kwargs.pop("description", DATE_HINT), **kwargs)


def _time(label: str, required: str | None, invalid: str) -> TimeField:
    validators = [InputRequired(required)] if required else [Optional()]
    return TimeField(label, validators=validators, format=TIME_FORMATS, widget=TextInput(),
                     invalid_value_message=invalid, description=TIME_HINT)


class EventForm(AppForm):
    title = StringField("Event title", validators=[
        InputRequired("Enter the event title"),
        Length(max=200, message="Event title must be 200 characters or fewer")])
    description = TextAreaField(
        "Description", description="A sentence or two shown on the event page.",
        validators=[Optional(), Length(max=LONG_TEXT_MAX, message=f"Description must be "
                                                                  f"{LONG_TEXT_MAX:,} characters or fewer")])
    day = _date("Date", "Enter the date of the event")
    start_time = _time("Start time", "Enter the start time",
                       "Enter the start time using the 24-hour clock, like 18:30")
    end_time = _time("End time", "Enter the end time",
                     "Enter the end time using the 24-hour clock, like 20:00")
    # A text box with suggestions (<datalist>): the institution's common zones first, then
    # every zone by region; typing filters them, without JavaScript. Checked to be a real zone.
    timezone = StringField(
        "Time zone", description=TIMEZONE_HINT,
        render_kw={"list": "timezone-suggestions", "autocomplete": "off", "spellcheck": "false"},
        validators=[InputRequired("Enter the time zone, for example Europe/London")])
    venue = StringField(
        "Venue", description="Building and room. Leave empty for an online-only event.",
        validators=[Optional(), Length(max=300, message="Venue must be 300 characters or fewer")])
    is_online = BooleanField("Online: streamed or held in a video call")
    online_url = StringField(
        "Online joining link",
        description="For an online or hybrid event: the https link attendees join by. It is "
                    "not shown on the public event page, only in attendees’ calendar files "
                    "and on their request’s page.",
        render_kw={"inputmode": "url", "spellcheck": "false", "autocomplete": "off"},
        validators=[Optional(), Length(max=500, message="The joining link must be 500 "
                                                        "characters or fewer")])
    access_provided = TextAreaField(
        "Anything else about access at this event",
        description="Shown on the event page under what everyone gets without asking (listed "
                    "on the page “Provided to everyone”), for example “The lift is at the back "
                    "of the building.”",
        validators=[Optional(), Length(max=2000, message="This must be 2,000 characters or fewer")])
    close_day = _date("Date requests close", None,
                      description="Leave both empty to take requests until the event starts. "
                                  + DATE_HINT)
    close_time = _time("Time requests close", None,
                       "Enter the time requests close using the 24-hour clock, like 17:00")
    requests_open = BooleanField(
        "Taking access requests",
        description="Untick to stop taking requests now, whatever the closing date.")
    accommodation_types = MultiCheckboxField(
        "Accommodations offered", coerce=int, validators=[Optional()],
        description="People can ask for these on this event’s request form.")
    organisation = SelectField(
        "Host organisation", validate_choice=False, validators=[Optional()],
        description="Its teams and routing rules decide who handles the requests.")
    cosponsors = MultiCheckboxField(
        "Co-sponsors", coerce=int, validators=[Optional()],
        description="Shown on the event page. Requests still go to the host’s teams.")

    def __init__(self, *args, type_choices: list[tuple[int, str]] = (),
                 organisation_choices: list[tuple[int, str]] = (),
                 common_timezones: list[str] = (), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # (name, label) suggestions: the common ones, then all (a common one appears twice).
        self.timezone_common = [(n, f"Common here: {timezone_label(n)}") for n in common_timezones]
        self.timezone_all = [(n, timezone_label(n)) for n in timezone_names()]
        self.accommodation_types.choices = options(type_choices)
        self.organisation.choices = options(
            [("", "None (the first organisation)")]
            + [(str(value), label) for value, label in organisation_choices])
        self.cosponsors.choices = options(organisation_choices)
        self.starts_at = self.ends_at = self.requests_close_at = None

    def validate_organisation(self, field) -> None:
        in_choices(field, "Choose the host organisation from the list")

    def validate_online_url(self, field) -> None:
        link = (field.data or "").strip()
        try:
            parts = urlsplit(link)
            host = parts.hostname
        except ValueError:  # e.g. an unclosed "[" in the host
            parts, host = None, None
        if parts is None or parts.scheme.lower() != "https" or not host or any(
                c.isspace() for c in link):
            raise ValidationError("Enter the joining link as a full https address, like "
                                  "https://meet.example.org/lecture")
        field.data = link

    def validate_timezone(self, field) -> None:
        zone = find_timezone(field.data or "")
        if zone is None:
            raise ValidationError("Enter a time zone from the suggestions, for example "
                                  "Europe/London or America/New_York")
        field.data = zone

    def _utc(self, day_field, time_field):
        try:
            return local_to_utc(day_field.data, time_field.data, self.timezone.data)
        except NonexistentLocalTime as error:
            time_field.errors.append(f"{error}. Choose another time")
            return None

    def validate(self, extra_validators=None) -> bool:
        """Field checks, then every rule between fields: all errors show at once, as the
        GOV.UK error summary asks. Sets the UTC times when all is well."""
        valid = super().validate(extra_validators)
        if not (self.venue.data or "").strip() and not self.is_online.data:
            self.venue.errors.append("Enter the venue, or tick ‘Online’ for an online-only event")
            valid = False
        if (self.online_url.data or "").strip() and not self.is_online.data \
                and not self.online_url.errors:
            self.online_url.errors.append("Tick ‘Online’ for an event people can join online, "
                                          "or leave the joining link empty")
            valid = False
        zone_known = not self.timezone.errors
        if self.day.data and self.start_time.data and self.end_time.data and zone_known:
            self.starts_at = self._utc(self.day, self.start_time)
            if self.end_time.data <= self.start_time.data:
                self.end_time.errors.append("The end time must be after the start time")
            else:
                self.ends_at = self._utc(self.day, self.end_time)
            valid = valid and self.starts_at is not None and self.ends_at is not None
        if bool(self.close_day.data) != bool(self.close_time.data):
            if not (self.close_day.errors or self.close_time.errors):
                missing = self.close_time if self.close_day.data else self.close_day
                missing.errors.append("Enter both the date and the time requests close, or neither")
            valid = False
        elif self.close_day.data and self.close_time.data and zone_known:
            self.requests_close_at = self._utc(self.close_day, self.close_time)
            if self.requests_close_at is None:
                valid = False
            elif self.starts_at and self.requests_close_at > self.starts_at:
                self.close_day.errors.append("Requests must close before the event starts")
                valid = False
        return valid


class AccommodationTypeForm(AppForm):
    name = StringField("Name", validators=[
        InputRequired("Enter a name"),
        Length(max=120, message="Name must be 120 characters or fewer")])
    description = TextAreaField(
        "Description", description="Shown to attendees under the name. Say what it is, plainly.",
        validators=[Optional(), Length(max=2000, message="Description must be 2,000 characters or fewer")])
    lead_time_days = IntegerField(
        "Lead time in days", widget=TextInput(), render_kw={"inputmode": "numeric"},
        description="How many days’ notice the team usually needs to arrange it, from 0 to 365.",
        invalid_value_message="Enter the lead time as a whole number of days, like 14",
        validators=[InputRequired("Enter the lead time in days"),
                    NumberRange(0, 365, "Lead time must be between 0 and 365 days")])
    details_label = StringField(
        "Question for details",
        description="If set, people who choose this are asked this question, for example "
                    "“Which sign language?”. Ask what they need, never why.",
        validators=[Optional(), Length(max=200, message="Question must be 200 characters or fewer")])
    details_hint = StringField(
        "Hint for the question", description="For example “BSL, ASL or International Sign”.",
        validators=[Optional(), Length(max=300, message="Hint must be 300 characters or fewer")])
    position = IntegerField(
        "Position in the list", widget=TextInput(), render_kw={"inputmode": "numeric"},
        description="Lower numbers come first on request forms. Leave empty to add it at the end.",
        invalid_value_message="Enter the position as a whole number, like 3",
        validators=[Optional(), NumberRange(0, 10000, "Position must be between 0 and 10,000")])
    active = BooleanField(
        "Offered for events",
        description="Untick to stop offering it. Entries are never deleted, because earlier "
                    "requests refer to them.")


class ToggleRequestsForm(AppForm):
    """Open (``1``) or close (``0``) an event for requests; explicit so a double submit is harmless."""

    open = SelectField(choices=options([("1", "Open"), ("0", "Closed")]),
                       validators=[InputRequired()])
    # Which page to go back to: the list of events or the event's own page.
    return_to = SelectField(choices=options([("list", "List"), ("edit", "Edit")]), default="list",
                            validators=[Optional()])


class ProvisionForm(AppForm):
    """One more thing an event provides to everyone: a catalogue accommodation or a name."""

    accommodation_type = SelectField(
        "From the catalogue", validate_choice=False, validators=[Optional()],
        description="Choose it here when everyone gets an accommodation people could ask for, "
                    "for example human captioning on the screen: anyone who asks for it is "
                    "told at once. One of this or a name below is needed.")
    name = StringField(
        "Name, if it is not in the catalogue",
        description="Needed when it is not in the catalogue, for example “Hearing loop”, "
                    "“Step-free route” or “Livestream with captions”.",
        validators=[Optional(), Length(max=120, message="Name must be 120 characters or fewer")])
    how = StringField(
        "Where or how",
        description="For example “Captions on the screen left of the stage”. Attendees read it.",
        validators=[Optional(), Length(max=300, message="Where or how must be 300 characters "
                                                         "or fewer")])

    def __init__(self, *args, type_choices: list[tuple[int, str]] = (), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.accommodation_type.choices = options(
            [("", "Not in the catalogue: type its name below")]
            + [(str(value), label) for value, label in type_choices])

    def validate_accommodation_type(self, field) -> None:
        in_choices(field, "Choose an accommodation from the list")

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        chosen, named = bool(self.accommodation_type.data), bool((self.name.data or "").strip())
        if valid and not chosen and not named:
            self.accommodation_type.errors.append(
                "Choose an accommodation from the catalogue, or type the name of what is "
                "provided")
            return False
        if valid and chosen and named:
            self.name.errors.append("Leave the name empty when you choose from the catalogue: "
                                    "it takes the catalogue’s name")
            return False
        return valid


class RemoveProvisionForm(AppForm):
    """The Remove button beside each provision: the CSRF token only."""
