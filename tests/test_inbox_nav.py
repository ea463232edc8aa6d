"""The count of waiting emails beside "Inbox" in the staff navigation: the unmatched mail the
signed-in person may see (the inbox page's own team scope), said in words, not shown when
there is none."""

from __future__ import annotations

import re
from html import unescape

import pytest

from accessreq.extensions import db
from accessreq.inbound import inbox
from accessreq.inbound.models import InboundMessage
from helpers import sign_in
from test_inbox import mail, store

pytestmark = pytest.mark.app_config(MAIL_DEFAULT_SENDER="Access team <access@example.org>")

@pytest.fixture
def teams(make_teams):
    return make_teams(members=True)


_INBOX_LINK = re.compile(r'<a href="/staff/inbox/"[^>]*>(.*?)</a>', re.S)


def inbox_link(client, url: str = "/staff/") -> tuple[str, str]:
    """The navigation's Inbox link on ``url``: its markup and the words it reads as."""
    html = client.get(url).get_data(as_text=True)
    [markup] = _INBOX_LINK.findall(html)
    return markup, " ".join(unescape(re.sub(r"<[^>]+>", "", markup)).split())


def test_the_count_is_the_mail_waiting_for_this_person_and_is_said_in_words(
        client, teams, admin, staff):
    for n in range(3):
        store(mail(subject=f"Question {n}"))  # the host's default team: Communications
    dealt_with = store(mail(subject="Dealt with"))
    inbox.dismiss(dealt_with, teams["comms_member"], "")  # out of the inbox: not counted
    everyone = store(mail(subject="For every coordinator"))
    everyone.team_id = None  # as mail stored before there was a default team
    db.session.commit()

    sign_in(client, teams["comms_member"])
    markup, words = inbox_link(client)
    assert words == "Inbox (4 waiting)"
    assert '<span class="visually-hidden"> waiting</span>' in markup  # heard, not only seen
    assert "aria-" not in markup.replace('aria-current="page"', "")
    assert inbox_link(client, "/staff/inbox/")[1] == "Inbox (4 waiting)"  # on every staff page

    # A coordinator of another team counts only the mail no team holds, as their inbox lists.
    sign_in(client, teams["front_member"])
    assert inbox_link(client)[1] == "Inbox (1 waiting)"
    sign_in(client, admin)
    assert inbox_link(client)[1] == "Inbox (4 waiting)"


def test_no_count_when_nothing_waits(client, teams, admin):
    store(mail(subject="Not for Front of house"))
    sign_in(client, teams["front_member"])
    markup, words = inbox_link(client)
    assert words == "Inbox" and "nav__count" not in markup
    db.session.query(InboundMessage).delete()
    db.session.commit()
    sign_in(client, admin)
    assert inbox_link(client)[1] == "Inbox"


def test_public_pages_count_nothing(client, teams):
    store(mail())
    html = client.get("/").get_data(as_text=True)
    assert "/staff/inbox/" not in html


def test_a_count_that_fails_leaves_the_page_and_inbox_alone(client, teams):
    """An error page drawn while the database is away also draws the navigation: a count that
    cannot be had is left out rather than turning the page into a second error."""
    from sqlalchemy import event as sa_event
    from sqlalchemy.exc import OperationalError

    store(mail())
    sign_in(client, teams["comms_member"])

    def refuse_the_count(_conn, _cursor, statement, *_args):
        if "count(inbound_message.id)" in statement:
            raise OperationalError(statement, None, Exception("the database went away"))

    sa_event.listen(db.engine, "before_cursor_execute", refuse_the_count)
    try:
        markup, words = inbox_link(client)
    finally:
        sa_event.remove(db.engine, "before_cursor_execute", refuse_the_count)
    assert words == "Inbox"
    assert inbox_link(client)[1] == "Inbox (1 waiting)"
