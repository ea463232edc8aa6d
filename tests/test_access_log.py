"""Every staff page that shows a request's personal data writes the access log (issue 8, item 8):
the request page, the queue's rows, and the request page shown again after a refused action."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from accessreq.extensions import db
from accessreq.requests.models import AccessLogEntry
from accessreq.timeutil import utcnow
from accessreq.triage import services
from helpers import sign_in


@pytest.fixture
def three(make_request, make_event):
    event = make_event()
    return [make_request(event=event, contact_name=f"Person {i}",
                         contact_email=f"p{i}@example.net")[0] for i in range(3)]


def log_rows() -> list[tuple[int, int, str]]:
    db.session.expire_all()
    return sorted((e.staff_id, e.request_id, e.action)
                  for e in db.session.scalars(select(AccessLogEntry)))


@pytest.mark.app_config(QUEUE_PAGE_SIZE=2)
def test_asvs_8_3_5_the_queue_logs_who_saw_each_row_it_showed(signed_in, staff, three):
    ids = sorted(r.id for r in three)  # same event, so due order is id order
    assert signed_in.get("/staff/?status=all").status_code == 200
    assert log_rows() == [(staff.id, ids[0], "queue"), (staff.id, ids[1], "queue")]
    assert signed_in.get("/staff/?status=all&page=2").status_code == 200
    assert [r for r in log_rows() if r[1] == ids[2]] == [(staff.id, ids[2], "queue")]


def test_asvs_8_3_5_an_empty_queue_logs_nothing(signed_in, three):
    assert signed_in.get("/staff/?q=nobody-matches-this").status_code == 200
    assert log_rows() == []


@pytest.mark.parametrize("action,data,code", [
    ("compose", {"compose-mode": "note", "compose-body": ""}, 422),  # the form refused it
    ("assign", {"assign-assignee": "unassigned"}, 422),  # the service refused it
    ("compose", {"compose-mode": "reply", "compose-action": "reply", "compose-body": "Hello",
                 "compose-version": "0"}, 409),  # stale
])
def test_asvs_8_3_5_a_refused_action_that_shows_the_page_again_is_logged(
        signed_in, staff, three, action, data, code):
    request = three[0]
    data.setdefault(f"{action}-version", str(request.version))
    response = signed_in.post(f"/staff/requests/{request.id}/{action}", data=data)
    assert response.status_code == code
    assert "Person 0" in response.get_data(as_text=True)
    assert log_rows() == [(staff.id, request.id, "view")]


def test_asvs_8_3_5_queue_sightings_do_not_crowd_the_request_pages_viewer_list(
        signed_in, staff, make_staff, three):
    request = three[0]
    other = make_staff(name="Quinn Queue-Reader")
    services.record_queue_view([request.id], other.id)
    html = signed_in.get(f"/staff/requests/{request.id}").get_data(as_text=True)
    viewers = html.split("Who has viewed this request", 1)[1].split("</ul>", 1)[0]
    assert "Casey Coordinator" in viewers and "Quinn Queue-Reader" not in viewers
    assert "One view so far." in viewers


# --- one view per person per request per ten minutes (issue 10, item 7) -------------------------

def _age_log(minutes: int) -> None:
    """Move every logged sighting ``minutes`` into the past, as if that time had gone by."""
    for entry in db.session.scalars(select(AccessLogEntry)):
        entry.at -= timedelta(minutes=minutes)
    db.session.commit()


def test_reloading_a_request_within_ten_minutes_is_one_view(signed_in, staff, three):
    request = three[0]
    for _ in range(6):  # a reload after each action
        assert signed_in.get(f"/staff/requests/{request.id}").status_code == 200
    assert log_rows() == [(staff.id, request.id, "view")]


def test_a_view_after_ten_minutes_is_logged_again(signed_in, staff, three):
    request = three[0]
    signed_in.get(f"/staff/requests/{request.id}")
    _age_log(9)
    signed_in.get(f"/staff/requests/{request.id}")
    assert len(log_rows()) == 1
    _age_log(2)  # the first view is now eleven minutes old
    signed_in.get(f"/staff/requests/{request.id}")
    assert log_rows() == [(staff.id, request.id, "view")] * 2


def test_different_staff_and_different_requests_are_logged_separately(
        client, staff, make_staff, three):
    other = make_staff(name="Robin Reader")
    for person in (staff, other):
        sign_in(client, person)
        for request in three[:2]:
            client.get(f"/staff/requests/{request.id}")
            client.get(f"/staff/requests/{request.id}")
    assert log_rows() == sorted((p.id, r.id, "view") for p in (staff, other) for r in three[:2])


def test_an_opened_request_is_logged_even_just_after_a_queue_sighting(signed_in, staff, three):
    request = three[0]
    services.record_queue_view([request.id], staff.id)
    signed_in.get(f"/staff/requests/{request.id}")
    assert log_rows() == [(staff.id, request.id, "queue"), (staff.id, request.id, "view")]


@pytest.mark.app_config(QUEUE_PAGE_SIZE=2)
def test_queue_rows_are_logged_once_per_ten_minutes_and_per_person(
        client, staff, make_staff, three):
    ids = sorted(r.id for r in three)
    sign_in(client, staff)
    for _ in range(3):
        client.get("/staff/?status=all")
    client.get("/staff/?status=all&page=2")
    assert log_rows() == [(staff.id, i, "queue") for i in ids]
    other = make_staff(name="Robin Reader")
    sign_in(client, other)
    client.get("/staff/?status=all")
    assert len(log_rows()) == 5
    _age_log(11)
    sign_in(client, staff)
    client.get("/staff/?status=all")
    assert [r for r in log_rows() if r[0] == staff.id].count((staff.id, ids[0], "queue")) == 2


def test_a_refused_action_within_ten_minutes_of_a_view_adds_no_second_row(
        signed_in, staff, three):
    request = three[0]
    signed_in.get(f"/staff/requests/{request.id}")
    response = signed_in.post(f"/staff/requests/{request.id}/assign",
                              data={"assign-assignee": "unassigned",
                                    "assign-version": str(request.version)})
    assert response.status_code == 422
    assert log_rows() == [(staff.id, request.id, "view")]


# --- the full log for admins --------------------------------------------------------------------

def _plant_log(staff_id: int, request_id: int, count: int, action: str = "view") -> None:
    start = utcnow() - timedelta(days=1)
    db.session.add_all(AccessLogEntry(staff_id=staff_id, request_id=request_id, action=action,
                                      at=start + timedelta(minutes=11 * n)) for n in range(count))
    db.session.commit()


def test_coordinators_cannot_read_the_access_log(signed_in):
    assert signed_in.get("/admin/access-log").status_code == 403


def test_the_access_log_needs_sign_in(client):
    response = client.get("/admin/access-log")
    assert response.status_code in (302, 303) and "/staff/login" in response.headers["Location"]


def test_admins_read_the_log_newest_first_with_names_references_and_how(
        admin_client, admin, staff, three):
    first, second = three[0], three[1]
    _plant_log(staff.id, first.id, 1)
    services.record_queue_view([second.id], staff.id)
    response = admin_client.get("/admin/access-log")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    html = response.get_data(as_text=True)
    rows = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    assert rows.index(second.reference) < rows.index(first.reference)
    assert "Casey Coordinator" in rows and "Saw it as a row of the queue" in rows
    assert "Opened the request" in rows
    assert 'aria-current="page">Access log</a>' in html


def test_the_log_filters_by_staff_member_and_by_reference(admin_client, staff, make_staff,
                                                          three):
    other = make_staff(name="Robin Reader")
    _plant_log(staff.id, three[0].id, 2)
    _plant_log(other.id, three[0].id, 1)
    _plant_log(other.id, three[1].id, 3)

    def rows(query: str) -> str:
        html = admin_client.get(f"/admin/access-log?{query}").get_data(as_text=True)
        return html.split("<caption", 1)[1].split("</caption>", 1)[0]

    assert "6 views, newest first" in rows("")
    assert "2 views matching the filters" in rows(f"staff={staff.id}")
    assert "3 views matching the filters" in rows(f"reference={three[0].reference.lower()}")
    assert "1 view matching the filters" in rows(
        f"staff={other.id}&reference={three[0].reference}")
    html = admin_client.get(f"/admin/access-log?staff={staff.id}&reference=AR-NOPE-00")
    assert "No views match these filters." in html.get_data(as_text=True)
    # Nonsense filters mean "everyone", never an error.
    assert "6 views, newest first" in rows("staff=abc&page=x")


def test_the_log_is_split_into_pages_that_keep_the_filters(admin_client, staff, three):
    from accessreq.triage.access_log import PER_PAGE
    _plant_log(staff.id, three[0].id, PER_PAGE + 1)
    first = admin_client.get(f"/admin/access-log?staff={staff.id}").get_data(as_text=True)
    assert first.count("<tr>") == PER_PAGE + 1  # the header row and a full page
    assert f"/admin/access-log?page=2&amp;staff={staff.id}" in first or (
        f"/admin/access-log?staff={staff.id}&amp;page=2" in first)
    second = admin_client.get(f"/admin/access-log?staff={staff.id}&page=2")
    assert second.get_data(as_text=True).count("<tr>") == 2
    beyond = admin_client.get(f"/admin/access-log?staff={staff.id}&page=9")
    assert beyond.status_code == 302 and "page=2" in beyond.headers["Location"]


# --- stored emails opened (the email's own log, read into the same list) ------------------------


def _unmatched(n: int = 0):
    from accessreq.inbound.models import InboundMessage
    from accessreq.inbound.services import store_message

    raw = (f"From: Robin Stranger <robin{n}@example.com>\r\nTo: access@example.org\r\n"
           f"Subject: Private question {n}\r\nMessage-ID: <unmatched-{n}@example.com>\r\n"
           "Content-Type: text/plain; charset=utf-8\r\n\r\nMy diagnosis is confidential.\r\n")
    return db.session.get(InboundMessage, store_message(raw.encode(), source="pipe").message_id)


def _table(html: str) -> str:
    return html.split("<caption", 1)[1].split("</table>", 1)[0]


def test_admins_see_who_opened_which_email_without_its_content(client, staff, admin, three):
    message = _unmatched()
    message_id = message.id
    _plant_log(staff.id, three[0].id, 1)  # a day ago
    sign_in(client, staff)
    assert client.get(f"/staff/inbox/{message_id}").status_code == 200
    assert client.get(f"/staff/inbox/{message_id}/original.eml").status_code == 200
    sign_in(client, admin)
    table = _table(client.get("/admin/access-log").get_data(as_text=True))
    assert "3 views, newest first" in table
    rows = table.split("<tbody>", 1)[1].split("</tr>")
    assert "Downloaded the email&#39;s original" in rows[0]  # newest first, across both logs
    assert "Opened the email" in rows[1] and "Casey Coordinator" in rows[1]
    assert f'href="/staff/inbox/{message_id}">Email {message_id}</a>' in rows[1]
    assert three[0].reference in rows[2] and "Opened the request" in rows[2]
    for content in ("Private question", "robin0@example.com", "Robin Stranger", "diagnosis"):
        assert content not in table
    # The email's own log keeps both, for its page.
    page = client.get(f"/staff/inbox/{message_id}").get_data(as_text=True)
    assert "Downloaded the original" in page


def test_email_reads_follow_the_staff_and_reference_filters(client, staff, admin, make_staff,
                                                            three):
    from accessreq.inbound import inbox

    other = make_staff(name="Robin Reader")
    unmatched, attached = _unmatched(1), _unmatched(2)
    inbox.attach(attached, three[1], db.session.merge(staff))  # now on a request
    inbox.record_view(db.session.merge(unmatched), db.session.merge(staff))
    inbox.record_view(db.session.merge(attached), db.session.merge(other))
    _plant_log(other.id, three[1].id, 1)
    sign_in(client, admin)

    def caption(query: str) -> str:
        html = client.get(f"/admin/access-log?{query}").get_data(as_text=True)
        return html.split("<caption", 1)[1].split("</caption>", 1)[0]

    assert "3 views, newest first" in caption("")  # attaching is an action, not a read
    assert "1 view matching" in caption(f"staff={staff.id}")
    assert "2 views matching" in caption(f"staff={other.id}")
    # An email on a request is found by its reference; one on no request has none.
    table = _table(client.get(f"/admin/access-log?reference={three[1].reference}")
                   .get_data(as_text=True))
    assert "2 views matching" in table
    assert f"Email {attached.id}</a> on <a" in table and f"Email {unmatched.id}<" not in table


def test_pages_run_across_both_logs(client, staff, admin, three):
    from accessreq.inbound import inbox
    from accessreq.triage.access_log import PER_PAGE

    _plant_log(staff.id, three[0].id, PER_PAGE)  # all older than the email's opening
    inbox.record_view(_unmatched(3), db.session.merge(staff))
    sign_in(client, admin)
    first = client.get(f"/admin/access-log?staff={staff.id}").get_data(as_text=True)
    assert first.count("<tr>") == PER_PAGE + 1 and "Opened the email" in first
    second = client.get(f"/admin/access-log?staff={staff.id}&page=2").get_data(as_text=True)
    assert second.count("<tr>") == 2 and "Opened the request" in second
    assert "Opened the email" not in second
