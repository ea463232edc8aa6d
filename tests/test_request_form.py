"""The public request form: a valid request, each way it can be wrong, and values kept on error."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select

from accessreq.extensions import db
from accessreq.notifications.models import OutgoingEmail
from accessreq.requests.models import AccessRequest, ContactChannel
from accessreq.timeutil import utcnow


def html_of(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def event(make_event, make_type):
    kinds = [make_type("Sign language interpretation", 14, details_label="Which sign language?",
                       details_hint="For example BSL or ASL."),
             make_type("Reserved seating", 3, details_label="Where would you like to sit?"),
             make_type("Hearing loop", 3)]
    return make_event("Public lecture", days_ahead=30, types=kinds)


def valid_data(event, **changes) -> dict:
    sign, seating, loop = event.offered_types
    data = {
        "contact_name": "Robin Example",
        "contact_email": "robin@example.net",
        "contact_channel": "email",
        "contact_phone": "",
        "for_whom": "me",
        "attendee_name": "",
        "accommodations": [str(sign.id), str(loop.id)],
        f"details_{sign.id}": "BSL please",
        f"details_{seating.id}": "",
        "anything_else": "",
        "consent": "y",
    }
    data.update(changes)
    return data


def post(client, event, data):
    return client.post(f"/events/{event.id}/request", data=data)


def request_count() -> int:
    return db.session.scalar(select(func.count()).select_from(AccessRequest))


def error_summary_targets(html: str) -> list[str]:
    summary = re.search(r'<div class="error-summary".*?</div>', html, re.S)
    assert summary, "no error summary on the page"
    return re.findall(r'href="#([^"]+)"', summary.group(0))


def assert_error(html: str, message: str, anchor: str) -> None:
    """The message is in the summary, linked to an element that exists, and beside the field."""
    assert "<title>Error: " in html
    assert anchor in error_summary_targets(html)
    assert f'id="{anchor}"' in html
    text = unescape(html)
    assert f'<a href="#{anchor}">{message}</a>' in text
    assert text.count(message) >= 2  # in the summary and beside the field


# --- the happy path -----------------------------------------------------------------------


def test_the_form_page(client, event):
    response = client.get(f"/events/{event.id}/request")
    html = html_of(response)
    assert response.status_code == 200
    assert "<title>Request access — Public lecture — " in html
    assert html.count("<h1") == 1
    assert 'autocomplete="name"' in html and 'autocomplete="email"' in html
    assert 'autocomplete="tel"' in html
    # Email is the default channel and "for me" the default person.
    assert re.search(r'<input checked[^>]*id="contact_channel-0"[^>]*value="email"', html)
    assert re.search(r'<input checked[^>]*id="for_whom-0"', html)
    # One checkbox per offered type, the details box of a type inside its choice.
    assert html.count('name="accommodations"') == 3
    sign = event.offered_types[0]
    assert re.search(r'id="accommodations-0"[^>]*value="%d".*?class="choice__conditional".*?'
                     r'id="details_%d"' % (sign.id, sign.id), html, re.S)
    assert "For example BSL or ASL." in html
    assert "Which sign language?" in html
    assert "90 days after the event" in html
    assert "Phone number <span class=\"optional\">(optional)</span>" in html


def test_valid_submission_records_queues_and_confirms(client, event):
    sign, seating, loop = event.offered_types
    response = post(client, event, valid_data(
        event, **{f"details_{seating.id}": "typed but then unticked"}))

    assert response.status_code == 303
    assert re.fullmatch(r"/r/[A-Za-z0-9_-]{43}/submitted", response.headers["Location"])
    saved = db.session.scalars(select(AccessRequest)).one()
    assert saved.contact_name == "Robin Example"
    assert saved.contact_email == "robin@example.net"
    assert saved.contact_channel == ContactChannel.EMAIL
    assert saved.attendee_name is None
    assert {i.accommodation_type_id: i.details for i in saved.items} == {
        sign.id: "BSL please", loop.id: ""}
    assert saved.consented_at is not None
    outbox = db.session.scalars(select(OutgoingEmail)).all()
    assert sorted(row.template for row in outbox) == ["request_received", "staff_new_request"]

    confirmation = client.get(response.headers["Location"])
    html = html_of(confirmation)
    assert confirmation.status_code == 200
    assert saved.reference in html
    status_link = re.search(r'href="(http://accessreq.test/r/[^"]+)"', html).group(1)
    assert html.count(status_link) >= 2  # a link, and the same text to copy
    assert "robin@example.net" in html
    assert confirmation.headers["Cache-Control"] == "no-store"
    # The link opens this request's status page.
    status = client.get(urlsplit(status_link).path)
    assert status.status_code == 200 and saved.reference in html_of(status)


def test_someone_else_phone_channel_and_unicode_are_kept(client, event):
    sign = event.offered_types[0]
    data = valid_data(event, contact_name="Zoë Ñúñez 李小龙", contact_channel="video_relay",
                      contact_phone="+44 7700 900 982", for_whom="someone_else",
                      attendee_name="Ōtsuka Ümit", anything_else="Near the front 🙂\nThanks",
                      **{f"details_{sign.id}": "BSL — 手話"})
    response = post(client, event, data)

    assert response.status_code == 303
    saved = db.session.scalars(select(AccessRequest)).one()
    assert saved.contact_name == "Zoë Ñúñez 李小龙"
    assert saved.attendee_name == "Ōtsuka Ümit"
    assert saved.contact_channel == ContactChannel.VIDEO_RELAY
    assert saved.contact_phone == "+44 7700 900 982"
    assert saved.anything_else == "Near the front 🙂\nThanks"
    assert saved.items[0].details == "BSL — 手話"


@pytest.mark.parametrize("phone, ticked, stored", [
    ("+44 7700 900 982", "y", True), ("+44 7700 900 982", None, False), ("", "y", False)])
def test_phoning_on_the_day_is_kept_only_when_ticked_with_a_number(client, event, phone,
                                                                   ticked, stored):
    data = valid_data(event, contact_phone=phone)
    if ticked:
        data["phone_on_the_day"] = ticked
    assert post(client, event, data).status_code == 303
    assert db.session.scalars(select(AccessRequest)).one().phone_on_the_day is stored


def test_leading_and_trailing_spaces_are_trimmed(client, event):
    post(client, event, valid_data(event, contact_name="  Robin  ",
                                   contact_email=" robin@example.net "))
    saved = db.session.scalars(select(AccessRequest)).one()
    assert saved.contact_name == "Robin" and saved.contact_email == "robin@example.net"


def test_confirmation_without_a_submission_goes_home(client):
    response = client.get("/request/submitted")
    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == "/"
    assert "There is no request to show here" in html_of(client.get("/"))


def test_the_old_confirmation_address_shows_nothing_after_a_submission(client, event):
    """Old bookmarks of /request/submitted: a friendly redirect, never the request."""
    post(client, event, valid_data(event))
    saved = db.session.scalars(select(AccessRequest)).one()
    response = client.get("/request/submitted")
    assert response.status_code == 302 and urlsplit(response.headers["Location"]).path == "/"
    assert saved.reference not in html_of(client.get("/"))


# --- each invalid case on its own ---------------------------------------------------------


INVALID_CASES = {
    "missing name": ({"contact_name": ""}, "Enter your full name", "contact_name"),
    "blank name": ({"contact_name": "   "}, "Enter your full name", "contact_name"),
    "missing email": ({"contact_email": ""}, "Enter your email address", "contact_email"),
    "bad email": ({"contact_email": "robin.example.net"},
                  "Enter an email address in the correct format, like name@example.com",
                  "contact_email"),
    "email with two at signs": ({"contact_email": "robin@@example.net"},
                                "Enter an email address in the correct format, like "
                                "name@example.com", "contact_email"),
    "missing consent": ({"consent": ""},
                        "Tick the box to agree that we can store this information",
                        "consent"),
    "no accommodation": ({"accommodations": []}, "Choose at least one thing that would help",
                         "accommodations-0"),
    "someone else without a name": ({"for_whom": "someone_else"},
                                    "Enter the name of the person you are asking for",
                                    "attendee_name"),
    "phone channel without phone": ({"contact_channel": "phone"},
                                    "Enter a phone number, or choose email as the way to "
                                    "contact you", "contact_phone"),
    "video relay without phone": ({"contact_channel": "video_relay"},
                                  "Enter a phone number, or choose email as the way to "
                                  "contact you", "contact_phone"),
    # Optional, so the error says it may be left empty; unless the channel chosen needs it.
    "phone that is not a number": ({"contact_phone": "call me maybe"},
                                   "Enter a phone number, like 01632 960 001 or +44 808 157 0192, "
                                   "or leave it empty", "contact_phone"),
    "phone needed but not a number": ({"contact_channel": "phone", "contact_phone": "1234"},
                                      "Enter a phone number, like 01632 960 001 or "
                                      "+44 808 157 0192", "contact_phone"),
    "unknown channel": ({"contact_channel": "pigeon"},
                        "Choose how you would like us to contact you", "contact_channel-0"),
    "unknown person choice": ({"for_whom": "nobody"}, "Choose who this request is for",
                              "for_whom-0"),
    "accommodation that is not a number": ({"accommodations": ["abc"]},
                                           "Choose from the accommodations listed for this event",
                                           "accommodations-0"),
    "too long name": ({"contact_name": "N" * 201}, "Your name must be 200 characters or fewer",
                      "contact_name"),
    "too long email": ({"contact_email": "a" * 250 + "@example.net"},
                       "Your email address must be 254 characters or fewer", "contact_email"),
    "too long phone": ({"contact_phone": "0" * 41},
                       "The phone number must be 40 characters or fewer", "contact_phone"),
    "too long attendee name": ({"for_whom": "someone_else", "attendee_name": "A" * 201},
                               "Their name must be 200 characters or fewer", "attendee_name"),
    "too long anything else": ({"anything_else": "x" * 5001},
                               "This must be 5000 characters or fewer", "anything_else"),
}


def test_the_phone_label_and_its_errors_agree(client, event):
    """The label says "(optional)"; a wrong number's error says it may be left empty, except
    when the chosen channel needs it, and then it does not."""
    page = html_of(client.get(f"/events/{event.id}/request"))
    assert re.search(r'<label[^>]*for="contact_phone">Phone number <span class="optional">'
                     r'\(optional\)</span></label>', page)
    wrong = html_of(post(client, event, valid_data(event, contact_phone="12")))
    assert "or leave it empty" in wrong
    needed = html_of(post(client, event, valid_data(event, contact_phone="12",
                                                    contact_channel="video_relay")))
    assert "Enter a phone number, like 01632 960 001" in needed
    assert "or leave it empty" not in needed
    assert post(client, event, valid_data(event, contact_phone="")).status_code == 303


@pytest.mark.parametrize("changes, message, anchor", INVALID_CASES.values(),
                         ids=INVALID_CASES.keys())
def test_each_invalid_case(client, event, changes, message, anchor):
    response = post(client, event, valid_data(event, **changes))
    html = html_of(response)

    assert response.status_code == 200
    assert_error(html, message, anchor)
    assert request_count() == 0
    assert db.session.scalar(select(func.count()).select_from(OutgoingEmail)) == 0


def test_too_long_details_for_a_chosen_accommodation(client, event):
    sign = event.offered_types[0]
    html = html_of(post(client, event, valid_data(event, **{f"details_{sign.id}": "d" * 2001})))
    assert_error(html, "Details for Sign language interpretation must be 2000 characters or fewer",
                 f"details_{sign.id}")
    assert request_count() == 0


def test_an_accommodation_not_offered_by_this_event(client, event, make_type):
    other = make_type("Braille materials", 84)
    sign, _, retired = event.offered_types
    data = valid_data(event)
    retired.active = False
    db.session.commit()
    for chosen in ([str(other.id)], [str(sign.id), str(other.id)], [str(retired.id)]):
        html = html_of(post(client, event, {**data, "accommodations": chosen}))
        assert_error(html, "Choose from the accommodations listed for this event",
                     "accommodations-0")
    assert request_count() == 0


def test_every_value_is_kept_on_error(client, event):
    sign, seating, loop = event.offered_types
    data = valid_data(event, contact_name="Zoë Ñúñez", contact_email="zoe@example.net",
                      contact_channel="phone", contact_phone="07700 900 982",
                      for_whom="someone_else", attendee_name="Kim Ōno",
                      accommodations=[str(sign.id), str(seating.id)],
                      anything_else="Near an exit — 谢谢", consent="",
                      **{f"details_{sign.id}": "ASL", f"details_{seating.id}": "Aisle seat"})
    html = html_of(post(client, event, data))

    assert "<title>Error: " in html
    for value in ("Zoë Ñúñez", "zoe@example.net", "07700 900 982", "Kim Ōno", "ASL",
                  "Aisle seat", "Near an exit — 谢谢"):
        assert value in html, value
    assert re.search(r'<input checked[^>]*id="contact_channel-1"', html)
    assert re.search(r'<input checked[^>]*id="for_whom-1"', html)
    assert re.search(r'<input[^>]*checked[^>]*id="accommodations-0"[^>]*value="%d"' % sign.id,
                     html)
    assert re.search(r'<input[^>]*checked[^>]*id="accommodations-1"[^>]*value="%d"' % seating.id,
                     html)
    assert not re.search(r'<input[^>]*checked[^>]*id="accommodations-2"', html)
    assert not re.search(r'<input[^>]*checked[^>]*id="consent"', html)


def test_several_errors_link_to_fields_that_exist(client, event):
    data = valid_data(event, contact_name="", contact_email="nope", accommodations=[],
                      consent="", for_whom="someone_else")
    html = html_of(post(client, event, data))
    targets = error_summary_targets(html)
    assert targets == ["contact_name", "contact_email", "attendee_name", "accommodations-0",
                       "consent"]
    for target in targets:
        assert f'id="{target}"' in html
    # Each invalid control points at its error message.
    assert re.search(r'aria-describedby="contact_name-error"[^>]*aria-invalid="true"', html)
    assert 'aria-describedby="accommodations-hint accommodations-error"' in html


def test_no_field_asks_for_a_diagnosis(client, event):
    html = html_of(client.get(f"/events/{event.id}/request"))
    form = html[html.index("<form"):html.index("</form>")]
    texts = re.findall(r"<(?:label|legend)[^>]*>(.*?)</(?:label|legend)>", form, re.S)
    hints = re.findall(r'<div id="[^"]+-hint" class="hint">(.*?)</div>', form, re.S)
    assert len(texts) >= 10
    for text in texts + hints:
        lowered = text.lower()
        for word in ("diagnos", "condition", "disability", "medical", "impairment"):
            assert word not in lowered, text


# --- closed, past and unknown events ------------------------------------------------------


@pytest.mark.parametrize("closing", ["requests_open", "deadline", "past"])
def test_closed_event_shows_a_clear_page_not_the_form(client, app, make_event, closing):
    kwargs = {"requests_open": {"requests_open": False},
              "deadline": {"requests_close_at": utcnow() - timedelta(minutes=5)},
              "past": {"starts_at": utcnow() - timedelta(days=1)}}[closing]
    event = make_event("Closed lecture", **kwargs)
    response = client.get(f"/events/{event.id}/request")
    html = html_of(response)
    assert response.status_code == 200
    assert 'name="contact_name"' not in html
    assert "not taking access requests" in html
    assert app.config["STAFF_INBOX"] in html


def test_event_closed_while_typing_keeps_the_input(client, app, event):
    data = valid_data(event, anything_else="Words I typed with care")
    event.requests_open = False
    db.session.commit()

    html = html_of(post(client, event, data))

    assert "<title>Error: " in html
    assert "stopped taking requests" in html and app.config["STAFF_INBOX"] in html
    assert "Words I typed with care" in html and "Robin Example" in html
    assert request_count() == 0


def test_unknown_event_is_404(client, event):
    assert client.get(f"/events/{event.id + 999}/request").status_code == 404
    assert client.post(f"/events/{event.id + 999}/request", data={}).status_code == 404
    assert client.get(f"/events/{10**30}/request").status_code == 404


def test_a_huge_post_is_refused_not_crashed(client, event):
    response = post(client, event, valid_data(event, anything_else="x" * (2 * 1024 * 1024)))
    assert response.status_code == 413
    assert request_count() == 0


@pytest.mark.app_config(WTF_CSRF_ENABLED=True)
def test_post_without_csrf_token_is_a_400_page(client, event):
    response = post(client, event, valid_data(event))
    assert response.status_code == 400
    assert "reload the page" in html_of(response)
    assert request_count() == 0


@pytest.mark.app_config(WTF_CSRF_ENABLED=True)
def test_post_with_csrf_token_works(client, event):
    html = html_of(client.get(f"/events/{event.id}/request"))
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    response = post(client, event, valid_data(event, csrf_token=token))
    assert response.status_code == 303
    assert request_count() == 1


@pytest.mark.app_config(RATELIMIT_ENABLED=True, PUBLIC_FORM_RATE_LIMIT="2 per hour")
def test_sent_requests_are_rate_limited_but_mistakes_are_not(client, event):
    for _ in range(3):  # mistakes do not count towards the limit
        assert post(client, event, valid_data(event, consent="")).status_code == 200
    assert post(client, event, valid_data(event)).status_code == 303
    assert post(client, event, valid_data(event)).status_code == 303

    refused = post(client, event, valid_data(event))

    assert refused.status_code == 429
    html = html_of(refused)
    assert "could not accept this one yet" in html and "Nothing you typed is lost" in html
    assert 'value="Robin Example"' in html  # tests/test_spam_defences.py checks every field
    assert request_count() == 2
    assert client.get(f"/events/{event.id}/request").status_code == 200  # reading is never limited
