"""The rate limit and the spam defences never lose what a person typed (issue 10, item 11).

A refused post (rate limit) comes back with every value and how long to wait; a honeypot hit
or a post quicker than PUBLIC_FORM_MIN_SECONDS comes back with every value and is accepted when
sent again. tests/helpers.base_config turns the minimum time off (0) for the rest of the
suite, which posts the form at once through the test client; here it is on.
"""

from __future__ import annotations

import re
import time
from html import unescape

import pytest
from sqlalchemy import func, select

from accessreq.config import DEFAULT_FORM_MIN_SECONDS
from accessreq.extensions import db
from accessreq.requests.models import AccessRequest
from accessreq.requests.spam import (CHECK_AND_SEND_AGAIN, TOO_QUICK, seconds_since_started,
                                     started_token)

MIN_TIME_ON = pytest.mark.app_config(PUBLIC_FORM_MIN_SECONDS=DEFAULT_FORM_MIN_SECONDS)


def html_of(response) -> str:
    return unescape(response.get_data(as_text=True))


@pytest.fixture
def event(make_event, make_type):
    kinds = [make_type("Sign language interpretation", 14, details_label="Which sign language?"),
             make_type("Hearing loop", 3)]
    return make_event("Public lecture", days_ahead=30, types=kinds)


def everything_typed(event, **changes) -> dict:
    """A request using every field of the form, each with a value that can be found again."""
    sign, loop = event.offered_types
    data = {
        "contact_name": "Robin Example-Typed",
        "contact_email": "robin.typed@example.net",
        "contact_channel": "phone",
        "contact_phone": "07700 900 982",
        "for_whom": "someone_else",
        "attendee_name": "Alex Client-Typed",
        "accommodations": [str(sign.id), str(loop.id)],
        f"details_{sign.id}": "BSL, two interpreters please",
        "anything_else": "A seat near the front, typed carefully.",
        "consent": "y",
        "website": "",
    }
    data.update(changes)
    return data


def assert_every_value_kept(html: str, event) -> None:
    sign, loop = event.offered_types
    for value in ("Robin Example-Typed", "robin.typed@example.net", "07700 900 982",
                  "Alex Client-Typed"):
        assert f'value="{value}"' in html, value
    assert "BSL, two interpreters please</textarea>" in html
    assert "A seat near the front, typed carefully.</textarea>" in html
    for checked in ('value="phone"', 'value="someone_else"', f'value="{sign.id}"',
                    f'value="{loop.id}"', 'name="consent"'):
        tag = re.search(rf'<input[^>]*{re.escape(checked)}[^>]*>', html)
        assert tag and "checked" in tag.group(0), checked


def request_count() -> int:
    return db.session.scalar(select(func.count()).select_from(AccessRequest))


def post(client, event, data):
    return client.post(f"/events/{event.id}/request", data=data)


def token_from(html: str) -> str:
    return re.search(r'name="form_started" type="hidden" value="([^"]+)"', html).group(1)


# --- the rate limit -------------------------------------------------------------------------

@pytest.mark.app_config(RATELIMIT_ENABLED=True, PUBLIC_FORM_RATE_LIMIT="1 per hour")
def test_a_refused_submission_keeps_every_value_and_says_how_long_to_wait(client, event):
    assert post(client, event, everything_typed(event)).status_code == 303
    refused = post(client, event, everything_typed(event))

    assert refused.status_code == 429
    html = html_of(refused)
    assert html.count("<form") >= 1 and "Request access for Public lecture" in html
    assert_every_value_kept(html, event)
    # The hour's window started with the first post, just now.
    wait = re.search(r"You can send it again in about (an hour|(\d+) minutes)\.", html)
    assert wait and (wait.group(2) is None or int(wait.group(2)) >= 58), wait
    assert int(refused.headers["Retry-After"]) > 3000
    assert "Error: " in html.split("</title>")[0]  # told plainly, as any form problem is
    assert request_count() == 1


def test_the_default_limit_suits_a_shared_network(app):
    from accessreq.config import from_environment

    assert from_environment()["PUBLIC_FORM_RATE_LIMIT"] == "60 per hour"


@pytest.mark.app_config(RATELIMIT_ENABLED=True, PUBLIC_FORM_RATE_LIMIT="1 per minute")
def test_the_wait_is_said_in_words_from_the_window(client, event):
    post(client, event, everything_typed(event))
    html = html_of(post(client, event, everything_typed(event)))
    assert "You can send it again in about a minute." in html


# --- the honeypot ---------------------------------------------------------------------------

def test_the_honeypot_is_hidden_from_everyone(client, event):
    html = client.get(f"/events/{event.id}/request").get_data(as_text=True)
    trap = re.search(r'<div class="form-trap" aria-hidden="true">(.*?)</div>', html, re.S)
    assert trap, "the honeypot is not inside a hidden container"
    box = re.search(r"<input[^>]*>", trap.group(1)).group(0)
    assert 'tabindex="-1"' in box and 'autocomplete="off"' in box and 'value=""' in box
    assert "Leave this field empty" in trap.group(1)
    css = (client.get("/static/site.css").get_data(as_text=True))
    assert ".form-trap { display: none; }" in css


def test_a_honeypot_hit_is_shown_again_with_every_value_and_then_accepted(client, event):
    held = post(client, event, everything_typed(event, website="http://spam.example"))
    assert held.status_code == 200 and request_count() == 0
    html = html_of(held)
    assert CHECK_AND_SEND_AGAIN in html
    assert_every_value_kept(html, event)
    assert "http://spam.example" not in html  # the box is drawn empty again

    # The person sends it again as shown: it goes through.
    assert post(client, event, everything_typed(event)).status_code == 303
    assert request_count() == 1


# --- the minimum fill time ------------------------------------------------------------------

@MIN_TIME_ON
def test_a_post_without_the_signed_start_is_held_back_and_then_accepted(client, event):
    held = post(client, event, everything_typed(event))  # a script posting blind
    assert held.status_code == 200 and request_count() == 0
    html = html_of(held)
    assert TOO_QUICK in html
    assert_every_value_kept(html, event)
    token = token_from(held.get_data(as_text=True))
    assert 0 <= seconds_since_started(token, event.id) < 2  # timed from the page shown again

    # Sent again once a person's time has passed: accepted.
    later = seconds_since_started(token, event.id, now=time.time() + DEFAULT_FORM_MIN_SECONDS)
    assert later >= DEFAULT_FORM_MIN_SECONDS
    resent = post(client, event, everything_typed(
        event, form_started=started_token(event.id, at=time.time() - DEFAULT_FORM_MIN_SECONDS)))
    assert resent.status_code == 303 and request_count() == 1


@MIN_TIME_ON
def test_a_post_sooner_than_the_minimum_is_held_back_keeping_its_start(client, event):
    page = client.get(f"/events/{event.id}/request").get_data(as_text=True)
    token = token_from(page)
    held = post(client, event, everything_typed(event, form_started=token))
    assert held.status_code == 200 and request_count() == 0
    assert TOO_QUICK in html_of(held)
    assert token_from(held.get_data(as_text=True)) == token  # the clock is not restarted


@MIN_TIME_ON
def test_a_post_after_the_minimum_goes_through(client, event):
    started = started_token(event.id, at=time.time() - DEFAULT_FORM_MIN_SECONDS - 1)
    assert post(client, event, everything_typed(event, form_started=started)).status_code == 303


@MIN_TIME_ON
@pytest.mark.parametrize("forge", ["tampered", "other_event", "garbage"])
def test_a_forged_start_does_not_pass(client, event, make_event, forge):
    old = time.time() - 3600
    token = {"tampered": started_token(event.id, at=old)[:-2] + "xx",
             "other_event": started_token(event.id + 999, at=old),
             "garbage": "not-a-token"}[forge]
    held = post(client, event, everything_typed(event, form_started=token))
    assert held.status_code == 200 and TOO_QUICK in html_of(held)
    assert request_count() == 0


@MIN_TIME_ON
def test_mistakes_are_shown_first_and_the_minimum_does_not_hide_them(client, event):
    held = post(client, event, everything_typed(event, contact_email="not-an-address"))
    html = html_of(held)
    assert "Enter an email address in the correct format" in html
    assert TOO_QUICK not in html


def test_the_key_signs_the_start(app):
    token = started_token(1, at=1000.0)
    app.config["SECRET_KEY"] = "another-secret-key-of-at-least-32-bytes-abcdef"
    assert seconds_since_started(token, 1) is None
    app.config["SECRET_KEY_FALLBACKS"] = ["test-secret-key-of-at-least-32-bytes-0123456789"]
    assert seconds_since_started(token, 1, now=1010.0) == 10.0


@pytest.mark.app_config(RATELIMIT_ENABLED=True, PUBLIC_FORM_RATE_LIMIT="1 per hour")
def test_a_refused_message_is_kept_and_other_posts_say_how_long_to_wait(client, make_request):
    _, status_url = make_request()
    path = status_url.split("accessreq.test", 1)[-1]
    assert client.post(f"{path}/message", data={"body": "First"}).status_code == 303
    refused = client.post(f"{path}/message", data={"body": "Second, typed with care"})
    assert refused.status_code == 429
    html = html_of(refused)
    assert "Second, typed with care</textarea>" in html
    assert re.search(r"you can send it again in about (an hour|\d+ minutes)", html)

    assert client.post(f"{path}/cancel", data={}).status_code == 303  # its own count
    refused = client.post(f"{path}/cancel", data={})
    assert refused.status_code == 429
    assert re.search(r"you can try again in about (an hour|\d+ minutes)", html_of(refused))
