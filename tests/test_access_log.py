"""Every staff page that shows a request's personal data writes the access log (issue 8, item 8):
the request page, the queue's rows, and the request page shown again after a refused action."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from accessreq.extensions import db
from accessreq.requests.models import AccessLogEntry
from accessreq.triage import services
from helpers import sign_in


@pytest.fixture
def staff(make_staff):
    return make_staff(name="Casey Coordinator")


@pytest.fixture
def signed_in(client, staff):
    return sign_in(client, staff)


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
    ("note", {"note-body": ""}, 422),  # the form refused it
    ("assign", {"assign-assignee": "unassigned"}, 422),  # the service refused it
    ("reply", {"reply-body": "Hello", "reply-version": "0"}, 409),  # stale
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
