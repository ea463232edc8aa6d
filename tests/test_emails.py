"""Every email template pair: a snapshot of the plain text, and checks of the HTML a screen
reader user meets (language, title, one h1, headings in order, links that make sense alone,
user input escaped). A template without a case here fails ``test_every_template_has_cases``.

Update snapshots after a deliberate wording change with ``UPDATE_SNAPSHOTS=1 pytest``.
"""

from __future__ import annotations

import os
import re
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm.attributes import set_committed_value

from accessreq import create_app
from accessreq.arranging.provider_mail import AttendeeLines, _paragraphs
from accessreq.auth.models import Role, StaffUser
from accessreq.events.models import AccommodationType, Event
from accessreq.extensions import db
from accessreq.feedback.models import AccessibilityReport
from accessreq.inbound.models import InboundMessage
from accessreq.notifications.models import OutgoingEmail
from accessreq.notifications.services import render_email
from accessreq.requests.calendar import CalendarFile
from accessreq.requests.models import AccessRequest, HistoryEntry, HistoryKind
from accessreq.requests.services import add_attendee_message, cancel_by_attendee
from accessreq.requests.states import RequestStatus
from accessreq.routing.models import Team
from accessreq.triage.services import change_status, reply

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "templates" / "emails"
SNAPSHOTS = Path(__file__).resolve().parent / "snapshots" / "emails"
HOSTILE = "<script>x</script>"
VAGUE_LINK_TEXTS = {"here", "click here", "link", "this link", "more", "read more", "click"}

STARTS = datetime(2031, 3, 14, 18, 30, tzinfo=UTC)
STATUS_URL = "https://events.example.org/r/s3cr3t-t0ken"
STAFF_URL = "https://events.example.org/staff/requests/42"
INVITE_URL = "https://events.example.org/staff/invite/1nv1te-t0ken"


# --- fixed, deterministic inputs (transient objects: nothing is saved) --------------------


def _people(name: str) -> dict:
    coordinator = StaffUser(id=3, name=f"Cory {name}", email="cory@example.org",
                            role=Role.COORDINATOR)
    return {"coordinator": coordinator,
            "invited": StaffUser(id=4, name=f"Nia {name}", email="nia@example.org",
                                 role=Role.COORDINATOR),
            "admin": StaffUser(id=1, name=f"Ada {name}", email="ada@example.org", role=Role.ADMIN)}


def _request(name: str, title: str, status=RequestStatus.SUBMITTED, late=False,
             on_behalf=None) -> AccessRequest:
    event = Event(id=7, title=title, starts_at=STARTS, ends_at=STARTS + timedelta(hours=2),
                  timezone="Europe/London", venue="Main Hall")
    due = STARTS - timedelta(days=14)
    request = AccessRequest(
        id=42, reference="AR-7KQ3-M2", event=event, contact_name=name,
        contact_email="sam@example.net", attendee_name=on_behalf,
        created_at=due + timedelta(days=3) if late else due - timedelta(days=20), due_at=due,
        items=[])
    # A stand-in in any status, for rendering only (the app changes one via transition_to).
    set_committed_value(request, "status", status)
    return request


def _entry(kind, actor=None, body="", to_status=None, from_status=None) -> HistoryEntry:
    return HistoryEntry(kind=kind, actor=actor, body=body, to_status=to_status,
                        from_status=from_status)


def _calendar(method: str) -> CalendarFile:
    return CalendarFile(filename="AR-7KQ3-M2.ics", method=method, data=b"")


def _case(template: str, variant: str, hostile: bool = False) -> dict:
    """The context a template gets, as the services build it, with fixed values."""
    name = HOSTILE if hostile else "Sam Attendee"
    title = f"Public lecture: Cities {HOSTILE} listen" if hostile else "Public lecture: Cities that listen"
    message = (f"We booked a BSL interpreter. {HOSTILE}" if hostile else
               "We have booked a BSL interpreter for you.\nThey will stand to the left of the stage.")
    people = _people(HOSTILE if hostile else "Example")
    base = {"site_name": "accessreq", "institution": "Example Institute"}
    s = RequestStatus
    if template == "request_received":
        access_request = _request(name, title,
                                  on_behalf=(HOSTILE if hostile else "Jamie Attendee")
                                  if variant == "on_behalf" else None)
        return {**base, "access_request": access_request, "event": access_request.event,
                "status_url": STATUS_URL, "calendar_file": _calendar("PUBLISH")}
    if template == "attendee_update":
        status, entry = {
            "status_in_review": (s.IN_REVIEW, _entry(HistoryKind.STATUS_CHANGED,
                                                     people["coordinator"], "", s.IN_REVIEW)),
            "status_needs_info": (s.NEEDS_INFO, _entry(HistoryKind.STATUS_CHANGED,
                                                       people["coordinator"], message, s.NEEDS_INFO)),
            "status_arranged": (s.ARRANGED, _entry(HistoryKind.STATUS_CHANGED,
                                                   people["coordinator"], message, s.ARRANGED)),
            "status_closed": (s.CLOSED, _entry(HistoryKind.STATUS_CHANGED,
                                               people["coordinator"], "", s.CLOSED)),
            "reply": (s.IN_REVIEW, _entry(HistoryKind.STAFF_REPLY, people["coordinator"],
                                          message)),
            # The attendee's own reason is not repeated back as if the team wrote it.
            "cancelled_by_attendee": (s.CANCELLED, _entry(
                HistoryKind.STATUS_CHANGED, None, "Plans changed", s.CANCELLED)),
        }[variant]
        access_request = _request(name, title, status=status)
        # As the services do: the calendar file goes with "Arranged" and a cancellation.
        calendar = {"status_arranged": {"calendar_file": _calendar("PUBLISH")},
                    "cancelled_by_attendee": {"calendar_file": _calendar("CANCEL")}}
        return {**base, "access_request": access_request, "event": access_request.event,
                "entry": entry, "status_url": STATUS_URL, **calendar.get(variant, {})}
    if template in ("staff_new_request", "staff_attendee_message", "staff_attendee_cancelled"):
        access_request = _request(name, title, late=variant == "late")
        return {**base, "access_request": access_request, "event": access_request.event,
                "staff_url": STAFF_URL}
    if template == "staff_request_moved":
        access_request = _request(name, title)
        access_request.team = Team(name=f"Publications {HOSTILE}" if hostile else "Publications",
                                   notification_email="pubs@example.org")
        return {**base, "access_request": access_request, "event": access_request.event,
                "staff_url": STAFF_URL,
                "from_team": f"Front of house {HOSTILE}" if hostile else "Front of house"}
    if template == "staff_invite":
        return {**base, "staff": people["invited"], "inviter": people["admin"],
                "invite_url": INVITE_URL, "valid_days": 7}
    if template in ("staff_accessibility_report", "accessibility_report_received"):
        report = AccessibilityReport(id=7, name="" if variant == "anonymous" else name,
                                     description=f"The menu is not reachable. {HOSTILE}")
        return {**base, "report": report, "staff_url": f"{STAFF_URL.rsplit('/', 2)[0]}/reports/7",
                "statement_url": "https://events.example.org/accessibility"}
    if template == "inbound_unmatched_ack":
        message = InboundMessage(id=9, from_name="" if variant == "anonymous" else name,
                                 from_address="robin@example.com")
        return {**base, "message": message, "events_url": "https://events.example.org/"}
    if template == "attendee_follow_up":
        access_request = _request(name, title, status=s.ARRANGED)
        entry = _entry(HistoryKind.FOLLOW_UP, people["coordinator"],
                       f"Hello {name},\n\nWe are sorry the interpreters did not come. A "
                       "transcript will reach you by Friday.\n\nCommunications access")
        return {**base, "access_request": access_request, "event": access_request.event,
                "entry": entry, "status_url": STATUS_URL,
                "subject_line": f"A transcript of {title}"}
    if template == "provider_message":
        event = _request(name, title).event
        body = ("Hello Hands Up Interpreting,\n\nWe would like to book you for "
                f"{title}.\nWhat we need: Sign language interpretation, for 2 attendees.\n\n"
                "Kind regards,\nCommunications access")
        attendees = []
        if variant == "with_attendees":
            attendees = [AttendeeLines(name, (("Email", "sam@example.net"),
                                              ("Prefers", "Email"),
                                              ("Sign language interpretation", f"BSL {HOSTILE}"
                                               if hostile else "BSL, please"))),
                         AttendeeLines("Noor Haddad", (("Email", "noor@example.net"),
                                                       ("Prefers", "Email")))]
        return {**base, "subject_line": f"Booking request: {title}", "message_body": body,
                "paragraphs": _paragraphs(body), "attendees": attendees,
                "shares_contacts": bool(attendees), "event": event,
                "event_url": "https://events.example.org/events/7"}
    if template == "staff_digest":
        return {**base, **_digest_case(variant, title, people["coordinator"])}
    raise KeyError(template)


def _digest_case(variant: str, title: str, coordinator: StaffUser) -> dict:
    """A coordinator's digest: requests in each section and a booking, or nothing to list."""
    from datetime import date

    from accessreq.triage.digest import Digest, DigestBooking, DigestRequest, DigestSection

    def row(reference: str, due: str) -> DigestRequest:
        return DigestRequest(request_id=42, reference=reference, event=title, event_day="Fri 14 Mar 2031",
                             kinds="Sign language interpretation, Large print materials",
                             due=due, url=f"{STAFF_URL.rsplit('/', 1)[0]}/{reference[-2:]}")

    sections, bookings = [], []
    if variant == "default":
        sections = [
            DigestSection("Overdue or starting within 48 hours",
                          [row("AR-7KQ3-M2", "Overdue by 2 days")]),
            DigestSection("Late requests: asked for with less notice than needed",
                          [row("AR-9PX2-K4", "Late request: answer by Thu 13 Mar 2031")]),
            DigestSection("Due within 7 days", [row("AR-3HJ7-Q8", "Due in 6 days"),
                                                row("AR-5TT1-W9", "Due tomorrow")])]
        bookings = [DigestBooking(
            provider=f"Hands Up {HOSTILE}" if HOSTILE in title else "Hands Up Interpreting",
            kind="Sign language interpreting", status="Confirmed", event=title,
            event_day="Fri 14 Mar 2031", kinds="Sign language interpretation",
            deadline="Free cancellation ends Wed 12 Mar, 18:30 GMT",
            url="https://events.example.org/staff/bookings/5")]
    digest = Digest(staff=coordinator, day=date(2031, 3, 11),
                    scope_words="Communications access, and requests no team holds",
                    sections=sections, bookings=bookings)
    return {"digest": digest, "due_soon_days": 7, "warning_hours": 48,
            "queue_url": "https://events.example.org/staff/",
            "settings_url": "https://events.example.org/staff/account"}


VARIANTS = {
    "request_received": ["for_self", "on_behalf"],
    "attendee_update": ["status_in_review", "status_needs_info", "status_arranged", "status_closed", "reply",
                        "cancelled_by_attendee"],
    "staff_new_request": ["on_time", "late"],
    "staff_attendee_message": ["default"],
    "staff_attendee_cancelled": ["default"],
    "staff_request_moved": ["default"],
    "staff_invite": ["default"],
    "staff_accessibility_report": ["default"],
    "accessibility_report_received": ["named", "anonymous"],
    "inbound_unmatched_ack": ["named", "anonymous"],
    "provider_message": ["plain", "with_attendees"],
    "attendee_follow_up": ["default"],
    "staff_digest": ["default", "nothing"],
}
CASES = [(t, v) for t, variants in VARIANTS.items() for v in variants]


# --- reading the HTML as a screen reader would meet it ------------------------------------


class _Outline(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.lang = None
        self.title = ""
        self.headings: list[tuple[int, str]] = []
        self.links: list[tuple[str, str]] = []
        self.text: list[str] = []
        self._in: list[str] = []
        self._href: str | None = None
        self._buffer: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "html":
            self.lang = attrs.get("lang")
        if tag in ("title", "a") or re.fullmatch(r"h[1-6]", tag):
            self._in.append(tag)
            self._buffer = []
            self._href = attrs.get("href") if tag == "a" else self._href

    def handle_endtag(self, tag):
        if self._in and self._in[-1] == tag:
            self._in.pop()
            content = " ".join("".join(self._buffer).split())
            if tag == "title":
                self.title = content
            elif tag == "a":
                self.links.append((self._href or "", content))
            else:
                self.headings.append((int(tag[1]), content))

    def handle_data(self, data):
        self._buffer.append(data)
        if "title" not in self._in:
            self.text.append(data)


def _outline(html: str) -> _Outline:
    parser = _Outline()
    parser.feed(html)
    return parser


def _words(text: str) -> set[str]:
    return set(re.findall(r"[\w'’-]+", text.lower()))


def _snapshot(subject: str, text: str) -> str:
    return f"Subject: {subject}\n\n{text}"


# --- the tests ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def render_app(tmp_path_factory):
    """Rendering needs an app context but no database: one app for all the template cases."""
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://",
                      "MAIL_CATCHER_DIR": str(tmp_path_factory.mktemp("mail"))})
    with app.app_context():
        yield app


def test_every_template_has_cases():
    on_disk = {p.stem for p in TEMPLATES.glob("*.txt") if not p.name.startswith("_")}
    html = {p.stem for p in TEMPLATES.glob("*.html") if not p.name.startswith("_")}
    assert on_disk == html, "every message needs both a .txt and an .html template"
    assert on_disk == set(VARIANTS), "add a case to VARIANTS for each new email template"


@pytest.mark.parametrize(("template", "variant"), CASES)
def test_plain_text_matches_snapshot(render_app, template, variant):
    subject, text, _ = render_email(template, **_case(template, variant))
    actual = _snapshot(subject, text)
    path = SNAPSHOTS / f"{template}--{variant}.txt"
    if os.environ.get("UPDATE_SNAPSHOTS") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual, encoding="utf-8")
    assert path.is_file(), f"no snapshot yet: run UPDATE_SNAPSHOTS=1 pytest {__file__}"
    assert actual == path.read_text(encoding="utf-8")


@pytest.mark.parametrize(("template", "variant"), CASES)
def test_subject_is_one_short_line(render_app, template, variant):
    subject, _, _ = render_email(template, **_case(template, variant))
    assert subject and "\n" not in subject and "\r" not in subject
    assert len(subject) <= 120


@pytest.mark.parametrize(("template", "variant"), CASES)
def test_html_part_is_structured_for_assistive_technology(render_app, template, variant):
    subject, text, html = render_email(template, **_case(template, variant))
    page = _outline(html)
    assert page.lang == "en"
    assert page.title == subject
    levels = [level for level, _ in page.headings]
    assert levels.count(1) == 1 and levels[0] == 1, page.headings
    assert all(b - a <= 1 for a, b in zip(levels, levels[1:])), f"skipped level: {page.headings}"
    assert page.links, "every message links somewhere"
    for href, label in page.links:
        assert href.startswith("https://"), href
        assert label.lower().strip(".") not in VAGUE_LINK_TEXTS and "click" not in label.lower()
        assert len(label.split()) >= 2, f"link text {label!r} does not say where it goes"


@pytest.mark.parametrize(("template", "variant"), CASES)
def test_plain_text_carries_all_the_content_and_links(render_app, template, variant):
    _, text, html = render_email(template, **_case(template, variant))
    page = _outline(html)
    for href, _ in page.links:
        assert href in text
    missing = _words(" ".join(page.text)) - _words(text)
    assert not missing, f"words in the HTML part but not in the text part: {sorted(missing)}"
    assert "<" not in text  # no stray markup in plain text


# Messages that by design carry nothing a person typed (the staff notice of a problem report
# links to the dashboard; an anonymous reporter gave no name).
WITHOUT_USER_INPUT = {("staff_accessibility_report", "default"),
                      ("accessibility_report_received", "anonymous"),
                      ("inbound_unmatched_ack", "anonymous"),
                      ("staff_digest", "nothing")}


@pytest.mark.parametrize(("template", "variant"),
                         [c for c in CASES if c not in WITHOUT_USER_INPUT])
def test_user_input_is_escaped_in_html(render_app, template, variant):
    _, text, html = render_email(template, **_case(template, variant, hostile=True))
    assert "<script" not in html.lower()
    assert "&lt;script&gt;x&lt;/script&gt;" in html
    assert HOSTILE in text  # plain text shows exactly what was typed


@pytest.mark.parametrize(("template", "variant"), sorted(WITHOUT_USER_INPUT))
def test_messages_without_user_input_carry_none(render_app, template, variant):
    _, text, html = render_email(template, **_case(template, variant, hostile=True))
    for part in (text, html):
        assert "script" not in part.lower() and "menu is not reachable" not in part


# --- through the real services: the same checks on what the outbox actually holds ---------


def _queued(template: str) -> list[OutgoingEmail]:
    return list(db.session.scalars(
        select(OutgoingEmail).where(OutgoingEmail.template == template).order_by(OutgoingEmail.id)))


def test_messages_queued_by_the_services_escape_names_and_stay_discreet(
        app, make_event, make_request, make_staff):
    event = make_event(title="Talk & discussion")
    kinds: list[AccommodationType] = event.offered_types
    request, _ = make_request(event=event, types=kinds, contact_name=HOSTILE,
                              details={kinds[0].id: "Private detail 41"},
                              anything_else="Private detail 42")
    staff = make_staff(name=HOSTILE)
    change_status(request, staff, RequestStatus.NEEDS_INFO, message=f"Which variant? {HOSTILE}")
    add_attendee_message(request, "Private detail 43")
    reply(request, staff, "Thanks, noted.")
    cancel_by_attendee(request, "Private detail 44")

    rows = list(db.session.scalars(select(OutgoingEmail).order_by(OutgoingEmail.id)))
    assert {r.template for r in rows} == {"request_received", "staff_new_request",
                                         "attendee_update", "staff_attendee_message",
                                         "staff_attendee_cancelled"}
    for row in rows:
        assert "<script" not in row.body_html.lower(), row.template
        assert "Talk &amp; discussion" in row.body_html, row.template
        page = _outline(row.body_html)
        assert page.lang == "en" and page.title == row.subject
        for href, _ in page.links:
            assert href.startswith("http://accessreq.test/") and href in row.body_text
        for private in ("Private detail", *(k.name for k in kinds)):
            assert private not in row.body_text + row.body_html, (row.template, private)
    assert any("&lt;script&gt;" in r.body_html for r in _queued("request_received"))
