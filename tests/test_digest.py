"""The daily digest (issue 13): who gets it, what it lists for whom, that it never says more
than a mailbox may hold, once a day whatever runs it, end to end through a real SMTP server,
the command, and the settings page where each person asks for it."""

from __future__ import annotations

import re
import threading
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from accessreq.arranging.models import ProviderKind
from accessreq.arranging.services import (BookingDetails, ProviderDetails, create_booking,
                                          save_provider)
from accessreq.auth.models import Role, StaffUser
from accessreq.extensions import db
from accessreq.notifications.models import EmailStatus, OutgoingEmail
from accessreq.notifications.rebuild import send_again
from accessreq.notifications.sender import send_due_emails
from accessreq.requests.states import RequestStatus
from accessreq.timeutil import utcnow
from accessreq.triage import digest as digests
from accessreq.triage.models import DigestSent
from accessreq.triage.services import change_status
from helpers import count_statements, sign_in, text_body

LONDON = ZoneInfo("Europe/London")
SECRET_NAME = "Sam Secretname"
SECRET_DETAIL = "Private detail: BSL, the interpreter Alex knows me"
SECRET_NOTE = "Private note about my condition"


def _digests(to: str | None = None) -> list[OutgoingEmail]:
    query = select(OutgoingEmail).where(OutgoingEmail.template == "staff_digest")
    if to is not None:
        query = query.where(OutgoingEmail.to_address == to)
    return list(db.session.scalars(query.order_by(OutgoingEmail.id)))


def _one(to: str) -> OutgoingEmail:
    [row] = _digests(to)
    return row


@pytest.fixture
def world(make_teams, make_request, make_event, make_staff):
    """Two teams (seating goes to Front of house, the rest to Communications access), a member
    of each, an admin, and requests and bookings in every state the digest tells apart."""
    t = make_teams(route_seating=True, members=True)
    now = utcnow()
    soon = make_event("Talk in ten days", days_ahead=10, types=[t["sign"], t["seat"]],
                      organisation=t["centre"])
    later = make_event("Seminar in eighteen days", days_ahead=18, types=[t["sign"]],
                       organisation=t["centre"])
    far = make_event("Festival in forty days", days_ahead=40, types=[t["sign"]],
                     organisation=t["centre"])

    def ask(event, kind, **kwargs):
        request, _ = make_request(event=event, types=[kind], contact_name=SECRET_NAME,
                                  details={kind.id: SECRET_DETAIL}, anything_else=SECRET_NOTE,
                                  **kwargs)
        return request

    late = ask(soon, t["sign"])  # 14 days' notice needed, asked with 10: at risk
    overdue = ask(soon, t["sign"])
    overdue.created_at = now - timedelta(days=30)  # asked in time, and not worked since
    due_soon = ask(later, t["sign"])  # due in 4 days
    on_track = ask(far, t["sign"])  # due in 26 days
    arranged = ask(soon, t["sign"])
    arranged.created_at = now - timedelta(days=30)
    front_overdue = ask(soon, t["seat"])
    front_overdue.created_at = now - timedelta(days=30)
    front_overdue.due_at = now - timedelta(days=2)
    db.session.commit()
    assert {r.team for r in (late, overdue, due_soon, on_track)} == {t["comms"]}
    assert front_overdue.team == t["front"]
    arranged.items[0].met_by = "In place (test)"
    db.session.commit()
    admin = make_staff(Role.ADMIN, name="Ada Admin", email="ada@example.org")
    change_status(arranged, admin, RequestStatus.ARRANGED, "All booked.")

    provider = save_provider(None, ProviderDetails(
        name="Hands Up Interpreting", kind=ProviderKind.SIGN_LANGUAGE,
        email="book@handsup.example", free_cancellation_hours=72))
    seats = save_provider(None, ProviderDetails(name="Seat Hire Ltd",
                                                kind=ProviderKind.EQUIPMENT))
    near = create_booking(soon, admin, BookingDetails(
        provider=provider, items=[late.items[0]],
        cancellation_deadline_at=now + timedelta(hours=20)))
    not_yet = create_booking(later, admin, BookingDetails(
        provider=provider, items=[due_soon.items[0]],
        cancellation_deadline_at=now + timedelta(days=5)))
    front_near = create_booking(soon, admin, BookingDetails(
        provider=seats, items=[front_overdue.items[0]],
        cancellation_deadline_at=now + timedelta(hours=30)))

    cam, fran = t["comms_member"], t["front_member"]
    for person in (cam, admin):
        person.daily_digest = True
    asleep = make_staff(name="Dee Deactivated", email="dee@example.org", active=False)
    asleep.daily_digest = True
    t["comms"].members.append(asleep)
    db.session.commit()
    return dict(t, now=now, late=late, overdue=overdue, due_soon=due_soon, on_track=on_track,
                arranged=arranged, front_overdue=front_overdue, near=near, not_yet=not_yet,
                front_near=front_near, cam=cam, fran=fran, admin=admin, asleep=asleep)


def _link(path: str) -> str:
    return f"http://accessreq.test{path}"


# --- who gets it ------------------------------------------------------------------------------


def test_only_active_staff_who_asked_get_a_digest(world):
    run = digests.send_digests(at_once=True)
    assert (run.sent, run.already_sent) == (2, 0)
    assert {row.to_address for row in _digests()} == {world["cam"].email, "ada@example.org"}
    assert _digests(world["fran"].email) == []  # did not ask
    assert _digests("dee@example.org") == []  # asked, but the account is deactivated


def test_a_coordinator_reads_their_teams_requests_and_bookings_with_links(world):
    digests.send_digests(at_once=True)
    text = _one(world["cam"].email).body_text
    sections = re.split(r"\n(?=Overdue or starting|Late requests|Due within|Bookings:)", text)
    by_title = {part.split("\n", 1)[0]: part for part in sections[1:]}
    assert set(by_title) == {"Overdue or starting within 48 hours (1)",
                             "Late requests: asked for with less notice than needed (1)",
                             "Due within 7 days (1)",
                             "Bookings: free cancellation ends soon (1)"}
    overdue, late, due_soon = world["overdue"], world["late"], world["due_soon"]
    assert overdue.reference in by_title["Overdue or starting within 48 hours (1)"]
    assert f"Overdue by {-overdue.days_left(world['now'])} days" in text
    assert late.reference in by_title["Late requests: asked for with less notice than needed (1)"]
    assert "Late request: answer by" in text
    assert due_soon.reference in by_title["Due within 7 days (1)"]
    assert f"{due_soon.reference}: Due in 4 days" in text
    for request in (overdue, late, due_soon):
        assert _link(f"/staff/requests/{request.id}") in text
    assert "Asked for: Sign language." in text  # accommodation names only
    bookings = by_title["Bookings: free cancellation ends soon (1)"]
    assert "Hands Up Interpreting (Sign language interpreting, asked) for Talk in ten days" in bookings
    assert "Free cancellation ends" in bookings
    assert _link(f"/staff/bookings/{world['near'].id}") in bookings
    # Not listed: on track, arranged, another team's, a deadline days away.
    for absent in (world["on_track"].reference, world["arranged"].reference,
                   world["front_overdue"].reference, "Seat Hire Ltd",
                   f"/staff/bookings/{world['not_yet'].id}"):
        assert absent not in text
    assert _link("/staff/") in text and _link("/staff/account") in text
    assert "Communications access, and requests no team holds" in text


def test_what_a_digest_listed_is_in_the_access_log(world):
    from accessreq.requests.models import AccessLogEntry

    digests.send_digests(at_once=True)
    logged = {(entry.staff_id, entry.request_id) for entry in db.session.scalars(
        select(AccessLogEntry).where(AccessLogEntry.action == "digest"))}
    cam = world["cam"].id
    assert {r for s, r in logged if s == cam} == {
        world[name].id for name in ("overdue", "late", "due_soon")}
    assert len({r for s, r in logged if s == world["admin"].id}) == 4


def test_an_admin_reads_every_team(world):
    digests.send_digests(at_once=True)
    row = _one("ada@example.org")
    for request in ("overdue", "late", "due_soon", "front_overdue"):
        assert world[request].reference in row.body_text, request
    for absent in ("on_track", "arranged"):
        assert world[absent].reference not in row.body_text
    assert "Seat Hire Ltd" in row.body_text and "Hands Up Interpreting" in row.body_text
    assert f"/staff/bookings/{world['not_yet'].id}" not in row.body_text
    assert "For every team:" in row.body_text
    assert row.subject.endswith(": 4 requests, 2 bookings")


def test_the_html_part_has_the_same_links_as_the_text(world):
    digests.send_digests(at_once=True)
    row = _one(world["cam"].email)
    hrefs = re.findall(r'href="([^"]+)"', row.body_html)
    assert hrefs and all(href in row.body_text for href in hrefs)
    assert f'>Open request {world["late"].reference}</a>' in row.body_html


def test_no_names_or_words_of_attendees_ever(world):
    digests.send_digests(at_once=True)
    rows = _digests()
    assert rows
    for row in rows:
        for part in (row.subject, row.body_text, row.body_html):
            for private in (SECRET_NAME, "Secretname", SECRET_DETAIL, SECRET_NOTE,
                            "sam@example.net", "interpreter Alex"):
                assert private not in part, (row.to_address, private)


def test_with_nothing_to_list_it_still_says_so(world, make_staff):
    quiet = make_staff(name="Quinn Quiet")  # in no team: only requests no team holds
    quiet.daily_digest = True
    db.session.commit()
    digests.send_digests(at_once=True)
    row = _one(quiet.email)
    assert row.subject.endswith(": nothing overdue or due soon")
    assert "Nothing needs attention today" in row.body_text
    assert db.session.scalar(select(func.count(DigestSent.id))
                             .where(DigestSent.staff_id == quiet.id)) == 1


# --- once a day -------------------------------------------------------------------------------


def test_a_second_run_the_same_day_sends_nothing_and_the_next_day_sends_again(world):
    now = world["now"]
    first = digests.send_digests(now, at_once=True)
    again = digests.send_digests(now + timedelta(minutes=5), at_once=True)
    assert (first.sent, again.sent, again.already_sent) == (2, 0, 2)
    assert len(_digests()) == 2
    marks = list(db.session.scalars(select(DigestSent)))
    assert {m.day for m in marks} == {now.astimezone(LONDON).date()}
    assert {m.email_id for m in marks} == {row.id for row in _digests()}
    tomorrow = digests.send_digests(now + timedelta(days=1), at_once=True)
    assert tomorrow.sent == 2 and len(_digests()) == 4


def test_a_day_taken_by_a_racing_process_is_skipped_and_the_rest_go_on(world):
    """Another process records Cam's day after this run read who had theirs: the unique
    constraint refuses this run's row, nothing is queued for Cam, and the admin still gets
    theirs."""
    day = digests.digest_day(world["now"])
    cam_id = world["cam"].id

    def racing(people):
        with db.engine.begin() as other:  # another process's own connection and commit
            other.execute(DigestSent.__table__.insert().values(
                staff_id=cam_id, day=day, sent_at=utcnow()))
        yield from people

    run = digests.send_digests(world["now"], at_once=True, progress=racing)
    assert (run.sent, run.already_sent) == (1, 1)
    assert [row.to_address for row in _digests()] == ["ada@example.org"]


def test_two_runs_at_once_send_each_digest_once(app, world):
    barrier = threading.Barrier(2)
    results, errors = [], []

    def run():
        try:
            with app.app_context():
                barrier.wait(timeout=10)
                results.append(digests.send_digests(world["now"], at_once=True))
                db.session.remove()
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    assert sum(r.sent for r in results) == 2
    assert sum(r.already_sent for r in results) == 2
    db.session.expire_all()
    assert sorted(row.to_address for row in _digests()) == sorted(
        ["ada@example.org", world["cam"].email])


# --- the hour -----------------------------------------------------------------------------------


def _london(hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 12, 1, hour, minute, tzinfo=LONDON).astimezone(UTC)


@pytest.mark.app_config(DIGEST_HOUR=9)
def test_nothing_goes_before_the_hour_unless_asked(app, make_staff):
    person = make_staff()
    person.daily_digest = True
    db.session.commit()
    early = digests.send_digests(_london(8, 59))
    assert early.too_early and early.sent == 0 and _digests() == []
    assert digests.send_digests(_london(8, 59), at_once=True).sent == 1
    assert digests.send_digests(_london(9, 0)).already_sent == 1
    assert len(_digests()) == 1


def test_the_day_is_the_installations_local_day(app, make_staff):
    person = make_staff()
    person.daily_digest = True
    db.session.commit()
    # 23:30 London on 1 December and 00:30 on 2 December are two days.
    digests.send_digests(_london(23, 30))
    digests.send_digests(_london(23, 30) + timedelta(hours=1), at_once=True)
    assert [m.day.isoformat() for m in db.session.scalars(
        select(DigestSent).order_by(DigestSent.day))] == ["2026-12-01", "2026-12-02"]


@pytest.mark.app_config(DIGEST_HOUR="seven")
def test_a_wrong_hour_is_said_plainly_and_the_settings_page_still_opens(app, runner, client,
                                                                        make_staff):
    result = runner.invoke(args=["digest", "send"])
    assert result.exit_code == 1
    assert "DIGEST_HOUR is 'seven': set it to a whole hour from 0 to 23." in result.output
    sign_in(client, make_staff())
    assert "once an admin has set the hour" in client.get("/staff/account").get_data(as_text=True)


@pytest.mark.parametrize(("written", "hour"), [("7", 7), ("07", 7), ("07:00", 7), ("18", 18),
                                                (None, 7), ("7:30", "7:30")])
def test_the_hour_setting_reads_whole_hours(monkeypatch, written, hour):
    from accessreq import config

    if written is None:
        monkeypatch.delenv("DIGEST_HOUR", raising=False)
    else:
        monkeypatch.setenv("DIGEST_HOUR", written)
    assert config.from_environment()["DIGEST_HOUR"] == hour


# --- delivered ---------------------------------------------------------------------------------


def test_the_digest_reaches_a_real_smtp_server(app, smtp_server, world):
    send_due_emails()  # the requests' own emails first
    smtp_server.messages.clear()
    digests.send_digests(at_once=True)
    assert send_due_emails().sent == 2
    [message] = smtp_server.to(world["cam"].email)
    assert message["Subject"].startswith("Daily digest for ")
    assert message["Auto-Submitted"] == "auto-generated"
    body = text_body(message)
    assert world["late"].reference in body
    assert _link(f"/staff/requests/{world['late'].id}") in body
    assert SECRET_NAME not in message.as_string()
    assert _one(world["cam"].email).status == EmailStatus.SENT


def test_send_again_builds_todays_digest_afresh(app, smtp_server, world):
    digests.send_digests(at_once=True)
    send_due_emails()
    row = _one(world["cam"].email)
    new_row = send_again(row, world["admin"])
    assert new_row.id != row.id and world["late"].reference in new_row.body_text
    assert db.session.scalar(select(func.count(DigestSent.id))) == 2  # no new day taken


def test_composing_costs_the_same_statements_however_many_requests(world, make_request):
    db.session.expire_all()
    cam = db.session.get(StaffUser, world["cam"].id)
    with count_statements() as few:
        digests.compose(cam, world["now"])
    for _ in range(6):
        make_request(event=world["overdue"].event, types=[world["sign"]])
    db.session.expire_all()
    cam = db.session.get(StaffUser, cam.id)
    with count_statements() as many:
        composed = digests.compose(cam, world["now"])
    assert composed.request_count == 3 + 6
    assert len(many) == len(few)


# --- the command -------------------------------------------------------------------------------


def test_the_command_sends_once_and_says_so(runner, world):
    dry = runner.invoke(args=["digest", "send", "--now", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert f"Would send to Cam Comms <{world['cam'].email}>" in dry.output
    assert "3 requests, 1 booking" in dry.output
    assert "2 would be sent, 0 already sent today" in dry.output
    assert _digests() == []
    first = runner.invoke(args=["digest", "send", "--now"])
    assert first.exit_code == 0, first.output
    assert "2 queued, 0 already sent today" in first.output
    again = runner.invoke(args=["digest", "send", "--now"])
    assert "0 queued, 2 already sent today" in again.output
    assert len(_digests()) == 2


def test_the_command_waits_for_the_hour(runner, world, monkeypatch):
    monkeypatch.setattr("accessreq.timeutil.utcnow", lambda: _london(6, 5))
    result = runner.invoke(args=["digest", "send"])
    assert result.exit_code == 0, result.output
    assert ("Digest: not sent yet; digests go at 07:00 (Europe/London), and it is 06:05 "
            "there. Use --now to send them at once.") in result.output
    assert _digests() == []


# --- the settings page -------------------------------------------------------------------------


def test_the_settings_page_needs_sign_in(client):
    response = client.get("/staff/account")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/staff/login?next=")
    assert client.post("/staff/account", data={"daily_digest": "y"}).status_code == 302


def test_a_person_turns_the_digest_on_and_off(client, make_staff):
    person = make_staff(name="Cory Coordinator")
    sign_in(client, person)
    page = client.get("/staff/account").get_data(as_text=True)
    assert "<h1>Your settings</h1>" in page
    assert re.search(r'<input[^>]*name="daily_digest"(?![^>]*checked)', page)
    assert "each morning at 07:00 (Europe/London)" in page
    assert "to your address above" in page and "your teams’ open requests" in page
    assert 'href="/staff/account" aria-current="page">Your settings</a>' in page

    response = client.post("/staff/account", data={"daily_digest": "y"})
    assert response.status_code == 303 and response.headers["Location"] == "/staff/account"
    db.session.refresh(person)
    assert person.daily_digest is True
    page = client.get("/staff/account").get_data(as_text=True)
    assert "Saved. Your daily digest comes each morning at 07:00 (Europe/London)." in page
    assert re.search(r'<input[^>]*checked[^>]*name="daily_digest"|'
                     r'<input[^>]*name="daily_digest"[^>]*checked', page)

    client.post("/staff/account", data={})
    db.session.refresh(person)
    assert person.daily_digest is False


def test_the_hint_says_whose_requests(client, make_staff):
    admin = make_staff(Role.ADMIN)
    sign_in(client, admin)
    assert "every team’s open requests" in client.get("/staff/account").get_data(as_text=True)


@pytest.mark.app_config(WTF_CSRF_ENABLED=True)
def test_saving_needs_the_csrf_token(client, make_staff):
    person = make_staff()
    sign_in(client, person)
    response = client.post("/staff/account", data={"daily_digest": "y"})
    assert response.status_code == 400
    db.session.refresh(person)
    assert person.daily_digest is False


def test_an_admin_sees_the_choice_on_the_staff_page(admin_client, make_staff):
    person = make_staff(name="Oona Optedin")
    person.daily_digest = True
    db.session.commit()
    page = admin_client.get(f"/admin/staff/{person.id}").get_data(as_text=True)
    assert "<dt>Daily digest</dt><dd>Asked for" in page
    # Read-only there: the edit form has no such field, and saving leaves it as it was.
    assert 'name="daily_digest"' not in page
    admin_client.post(f"/admin/staff/{person.id}",
                      data={"name": "Oona Optedin", "role": "coordinator", "active": "y"})
    db.session.refresh(person)
    assert person.daily_digest is True
