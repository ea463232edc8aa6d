"""Issue 9 item 6: one home for the form helpers (``accessreq/forms.py``), and the event form
shows every error at once, as the GOV.UK error summary pattern asks."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import select
from wtforms import Form, SelectField

from accessreq.auth.models import Role
from accessreq.events.models import Event
from accessreq.extensions import db
from accessreq.forms import LONG_TEXT_MAX, controls_to_spaces, in_choices, options, strip
from accessreq.triage.queries import QueueFilters

PACKAGE = Path(__file__).resolve().parent.parent / "accessreq"


def _sources() -> dict[str, str]:
    return {path.relative_to(PACKAGE).as_posix(): path.read_text()
            for path in PACKAGE.rglob("*.py")}


# --- in_choices: one behaviour ------------------------------------------------------------------


class _Picker(Form):
    pick = SelectField(validate_choice=False)

    def validate_pick(self, field) -> None:
        in_choices(field, "Choose from the list")


def _picked(value, choices) -> list[str]:
    form = _Picker(data={"pick": value})
    form.pick.choices = options(choices)
    form.validate()
    return form.pick.errors


@pytest.mark.parametrize(("value", "choices", "accepted"), [
    ("2", [("1", "One"), ("2", "Two")], True),
    ("3", [("1", "One"), ("2", "Two")], False),  # not offered (a stale or forged page)
    ("", [("", "Any"), ("1", "One")], True),  # empty is a real choice here: "Any"
    (None, [("", "Any"), ("1", "One")], True),
    ("", [("1", "One")], False),  # and refused where it is not offered
    (None, [("1", "One")], False),
    ("", [], False),
])
def test_in_choices_accepts_exactly_the_offered_values(value, choices, accepted):
    assert (_picked(value, choices) == []) is accepted


def test_a_prompt_choice_is_refused_by_input_required_first(app, client, make_staff, login):
    """Routing's rule form offers "Choose a team" with the value ""; InputRequired refuses it
    before in_choices, so the person reads "Choose the team", not "from the list"."""
    login(make_staff(Role.ADMIN))
    page = client.post("/admin/routing/new", data={"team": ""}).get_data(as_text=True)
    assert "Choose the team the rule sends requests to" in page
    assert "Choose the team from the list" not in page


def test_strip_filter_trims_text_only():
    assert strip("  Ann Lee \n") == "Ann Lee"
    assert strip(None) is None and strip(3) == 3


def test_form_helpers_are_defined_once():
    sources = _sources()
    for helper in ("strip", "in_choices"):
        defining = [name for name, text in sources.items()
                    if re.search(rf"^def _?{helper}\(", text, re.MULTILINE)]
        assert defining == ["forms.py"], helper


def test_the_long_text_limit_has_one_home():
    sources = _sources()
    assert [name for name, text in sources.items() if re.search(r"\b5_?000\b", text)
            and "PORT" not in text and "busy_timeout" not in text] == ["forms.py"]
    assert LONG_TEXT_MAX == 5000


def test_control_characters_are_recognised_in_one_place():
    sources = _sources()
    assert [name for name, text in sources.items() if re.search(r"\\x00|\\x1f|\\x7f", text)] == []
    # The queue's search box uses the same definition as the text guard: C0, C1, DEL.
    for control in ("\x00", "\x1f", "\x7f", "\x85", "\x9f", "\t", "\n"):
        assert QueueFilters.from_args({"q": f"Ann{control}Lee"}).q == "Ann Lee"
    assert controls_to_spaces("Ann\u200dLee\u202e") == "Ann\u200dLee\u202e"  # format chars stay


# --- the event form: every error at once ------------------------------------------------------


def _event(**overrides) -> dict:
    data = {"title": "Public lecture", "day": "2031-07-15", "start_time": "18:30",
            "end_time": "20:00", "timezone": "Europe/London", "venue": "Main Hall",
            "requests_open": "y"}
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def _summary(page: str) -> list[str]:
    box = re.search(r'<div class="error-summary".*?</ul>', page, re.DOTALL)
    assert box, "no error summary"
    return re.findall(r'<li><a href="#[^"]+">([^<]+)</a></li>', box.group(0))


@pytest.mark.parametrize(("overrides", "expected"), [
    ({"title": "", "venue": "", "end_time": "17:00", "close_day": "2031-07-10"},
     ["Enter the event title", "The end time must be after the start time",
      "Enter the venue, or tick ‘Online’ for an online-only event",
      "Enter both the date and the time requests close, or neither"]),
    ({"end_time": "17:00", "close_day": "2031-07-16", "close_time": "09:00"},
     ["The end time must be after the start time",
      "Requests must close before the event starts"]),
    ({"close_time": "09:00", "description": "x" * (LONG_TEXT_MAX + 1), "venue": ""},
     ["Description must be 5,000 characters or fewer",
      "Enter the venue, or tick ‘Online’ for an online-only event",
      "Enter both the date and the time requests close, or neither"]),
])
def test_event_form_shows_every_error_at_once(app, client, make_staff, login, overrides,
                                              expected):
    login(make_staff(Role.ADMIN))
    response = client.post("/admin/events/new", data=_event(**overrides))
    assert response.status_code == 200
    assert _summary(response.get_data(as_text=True)) == expected
    assert db.session.scalars(select(Event)).first() is None
