"""CSV exports (issue 13): the queue's current filter as a streamed, formula-safe CSV file,
personal columns only when ticked, the export log (and the access log) around it, the admin
export log page, and the writer on its own."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from accessreq.auth.models import Role
from accessreq.exports.columns import ColumnChoice
from accessreq.exports.csvfile import csv_chunks
from accessreq.exports.models import ExportLog
from accessreq.exports.services import start_export
from accessreq.extensions import db
from accessreq.requests.models import AccessLogEntry
from accessreq.requests.states import RequestStatus
from accessreq.timeutil import utcnow
from accessreq.triage.services import change_status
from helpers import count_statements, sign_in

FORMULA = '=HYPERLINK("http://x")'


def download(client, query: str = "", **ticks):
    """POST the export form for the queue's ``query``; the response (not read yet)."""
    data = {"query": query, **{name: "y" for name, on in ticks.items() if on}}
    return client.post("/staff/export", data=data)


def parse(response) -> tuple[list[str], list[dict[str, str]]]:
    raw = response.get_data()
    text = raw.decode("utf-8").removeprefix("\ufeff")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    return rows[0], [dict(zip(rows[0], row)) for row in rows[1:]]


def logs() -> list[ExportLog]:
    db.session.expire_all()
    return list(db.session.scalars(select(ExportLog).order_by(ExportLog.id)))


@pytest.fixture
def teams(make_teams):
    return make_teams(route_seating=True, members=True)


@pytest.fixture
def comms_request(teams, make_request):
    request, _ = make_request(event=teams["event"], types=[teams["sign"]],
                              contact_name=FORMULA, contact_email="eve@example.net",
                              contact_phone="+44 20 7946 0000",
                              details={teams["sign"].id: "-BSL please"},
                              anything_else="@me I use a wheelchair too")
    return request


@pytest.fixture
def front_request(teams, make_request):
    request, _ = make_request(event=teams["event"], types=[teams["seat"]],
                              contact_name="Fran Attendee")
    assert request.team == teams["front"]
    return request


# --- the file -----------------------------------------------------------------------------------


def test_a_formula_in_a_name_is_exported_as_text(client, teams, comms_request):
    sign_in(client, teams["comms_member"])
    response = download(client, personal=True, free_text=True)
    assert response.status_code == 200
    body = response.get_data().decode("utf-8")
    _header, (row,) = parse(response)
    assert row["Contact name"] == "'" + FORMULA
    assert row["Accommodation details"] == "Sign language: -BSL please"  # not at the start
    assert row["Anything else"] == "'@me I use a wheelchair too"
    # No cell of the file starts with a formula character.
    for cell in (c for r in csv.reader(io.StringIO(body, newline="")) for c in r):
        assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell


def test_personal_and_free_text_columns_only_when_ticked(client, teams, comms_request):
    sign_in(client, teams["comms_member"])
    header, (row,) = parse(download(client))
    assert "Contact name" not in header and "Contact email" not in header
    assert "Anything else" not in header and "Accommodation details" not in header
    body = download(client).get_data(as_text=True)
    assert "eve@example.net" not in body and "HYPERLINK" not in body and "BSL" not in body
    assert row["Reference"] == comms_request.reference
    assert row["Accommodations"] == "Sign language"
    assert row["Team"] == "Communications access"

    header, (row,) = parse(download(client, personal=True))
    assert row["Contact email"] == "eve@example.net"
    assert row["Contact phone"] == "'+44 20 7946 0000"
    assert "Anything else" not in header

    header, (row,) = parse(download(client, free_text=True))
    assert "Contact name" not in header
    assert row["Anything else"] == "'@me I use a wheelchair too"


def test_bom_only_when_asked_crlf_and_iso_dates(client, teams, comms_request):
    sign_in(client, teams["comms_member"])
    plain = download(client)
    assert plain.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert plain.headers["Content-Disposition"].startswith('attachment; filename="requests-')
    raw = plain.get_data()
    assert not raw.startswith(b"\xef\xbb\xbf")
    assert raw.count(b"\r\n") == 2 and b"\n" not in raw.replace(b"\r\n", b"")
    assert download(client, bom=True).get_data().startswith(b"\xef\xbb\xbfReference,")
    _header, (row,) = parse(plain)
    received = datetime.fromisoformat(row["Received (UTC)"])
    assert received.utcoffset().total_seconds() == 0
    assert abs((received - comms_request.created_at).total_seconds()) < 1
    assert row["Due (UTC)"].endswith("+00:00")
    assert date.fromisoformat(row["Event date"]) == comms_request.event.starts_at.astimezone(
        __import__("zoneinfo").ZoneInfo("Europe/London")).date()
    assert row["Late request"] == "No" and row["Status"] == "Submitted"


def test_the_response_is_streamed(client, teams, comms_request):
    sign_in(client, teams["comms_member"])
    response = download(client)
    assert response.is_streamed
    assert response.get_data().startswith(b"Reference,Status,Event")


def test_a_purged_request_shows_what_remains(client, teams, comms_request):
    comms_request.contact_name, comms_request.purged_at = "Deleted", utcnow()
    db.session.commit()
    sign_in(client, teams["comms_member"])
    _header, (row,) = parse(download(client, personal=True, free_text=True))
    assert row["Contact name"] == "" and row["Contact email"] == ""
    assert row["Reference"] == comms_request.reference and row["Details deleted (UTC)"]


# --- the filter, the sort and the team scope --------------------------------------------------


def test_the_export_follows_the_queue_filter_and_sort(client, teams, make_request):
    member = teams["comms_member"]
    first, _ = make_request(event=teams["event"], types=[teams["sign"]], contact_name="Ann")
    second, _ = make_request(event=teams["event"], types=[teams["sign"]], contact_name="Bob")
    closed, _ = make_request(event=teams["event"], types=[teams["sign"]], contact_name="Cy")
    change_status(closed, member, RequestStatus.CANCELLED)
    sign_in(client, member)
    _h, rows = parse(download(client))  # open requests, by due date
    assert [r["Reference"] for r in rows] == [first.reference, second.reference]
    _h, rows = parse(download(client, "status=all&sort=newest"))
    assert [r["Reference"] for r in rows] == [closed.reference, second.reference,
                                              first.reference]
    _h, rows = parse(download(client, "q=bob"))
    assert [r["Reference"] for r in rows] == [second.reference]


def test_a_coordinator_exports_only_their_teams_requests(client, teams, comms_request,
                                                        front_request):
    sign_in(client, teams["front_member"])
    for query in ("", "team=all", f"team={teams['comms'].id}", "status=all"):
        _h, rows = parse(download(client, query))
        assert [r["Reference"] for r in rows] == [front_request.reference], query


def test_an_admin_exports_the_team_they_chose(client, admin, teams, comms_request,
                                              front_request):
    sign_in(client, admin)
    _h, rows = parse(download(client, "team=all"))
    assert {r["Reference"] for r in rows} == {comms_request.reference, front_request.reference}
    teams["front"].members.append(admin)
    db.session.commit()
    _h, rows = parse(download(client, f"team={teams['front'].id}"))
    assert [r["Reference"] for r in rows] == [front_request.reference]


# --- the logs -------------------------------------------------------------------------------


def test_each_export_is_logged_with_its_rows_and_columns(client, teams, comms_request,
                                                        make_request):
    make_request(event=teams["event"], types=[teams["sign"]])
    member = teams["comms_member"]
    sign_in(client, member)
    download(client, "q=example").get_data()
    download(client, personal=True).get_data()
    first, second = logs()
    assert (first.kind, first.staff_id, first.row_count, first.personal, first.free_text,
            first.complete) == ("queue", member.id, 2, False, False, True)
    assert first.query == "q=example" and "search: “example”" in first.description
    assert first.finished_at is not None
    assert (second.personal, second.row_count) == (True, 2)
    actions = set(db.session.execute(select(AccessLogEntry.request_id, AccessLogEntry.action)
                                     .where(AccessLogEntry.staff_id == member.id)))
    assert (comms_request.id, "export") in actions
    assert (comms_request.id, "export_personal") in actions


def test_an_export_cut_short_is_still_logged(client, teams, comms_request):
    sign_in(client, teams["comms_member"])
    response = download(client)
    (entry,) = logs()  # written before the first byte
    assert entry.finished_at is None and entry.row_count == 0
    response.close()  # the download is cancelled after the header, before any row
    (entry,) = logs()
    assert (entry.row_count, entry.complete) == (0, False) and entry.finished_at is not None


def test_a_failing_row_still_records_how_far_the_file_got(app, teams):
    def rows():
        yield ["one"]
        raise RuntimeError("the database went away")

    log_id = start_export("report", description="A report's table")
    from accessreq.exports.services import finisher

    chunks = csv_chunks(["Name"], rows(), on_finish=finisher(log_id), rows_per_chunk=1)
    with pytest.raises(RuntimeError):
        list(chunks)
    (entry,) = logs()
    assert (entry.row_count, entry.complete, entry.kind) == (1, False, "report")
    assert entry.finished_at is not None


def test_the_export_shows_in_the_admin_access_log(client, admin, teams, comms_request):
    sign_in(client, teams["comms_member"])
    download(client, personal=True).get_data()
    html = sign_in(client, admin).get("/admin/access-log").get_data(as_text=True)
    assert "Exported it in a CSV file with personal details" in html


# --- the pages ------------------------------------------------------------------------------


def test_the_export_page_says_what_will_be_exported(client, teams, comms_request):
    sign_in(client, teams["comms_member"])
    queue = client.get("/staff/?status=all&q=example").get_data(as_text=True)
    assert 'href="/staff/export?status=all&amp;q=example"' in queue
    assert "Export these requests as CSV" in queue
    html = client.get("/staff/export?status=all&q=example").get_data(as_text=True)
    assert "1 request, every page of the queue" in html
    assert "Requests with any status; my teams and requests no team holds; search: “example”" in html
    assert 'href="/staff/?status=all&amp;q=example"' in html
    assert "For Excel (adds a byte-order mark)" in html and "Include personal details" in html
    assert 'name="query" type="hidden" value="status=all&amp;q=example"' in html
    assert logs() == []  # showing the form exports nothing
    html = client.get("/staff/export?q=nobody").get_data(as_text=True)
    assert "No requests match this filter now" in html


def test_the_admin_export_log(client, admin, teams, comms_request, make_staff):
    sign_in(client, admin)
    assert "No exports yet." in client.get("/admin/exports").get_data(as_text=True)
    sign_in(client, teams["comms_member"])
    download(client, personal=True).get_data()
    start_export("cli", run_by="ops", description="Requests received from 2026-11-01")
    html = sign_in(client, admin).get("/admin/exports").get_data(as_text=True)
    assert html.index("ops (shell)") < html.index("Cam Comms")  # newest first
    assert "Personal details" in html and "1 row" in html
    assert "Not finished" in html  # the shell's row was never finished here
    sign_in(client, make_staff(Role.COORDINATOR))
    assert client.get("/admin/exports").status_code == 403


def test_signed_out_people_are_sent_to_sign_in(client, comms_request):
    for method in ("GET", "POST"):
        response = client.open("/staff/export", method=method)
        assert response.status_code == 302 and "/staff/login" in response.headers["Location"]
    assert logs() == []


@pytest.mark.app_config(WTF_CSRF_ENABLED=True)
def test_a_download_without_its_csrf_token_is_refused(client, teams, comms_request):
    sign_in(client, teams["comms_member"])
    response = download(client, personal=True)
    assert response.status_code == 400
    assert b"HYPERLINK" not in response.get_data()
    assert logs() == []


# --- the writer on its own ------------------------------------------------------------------


def test_the_writer_formats_every_kind_of_value():
    when = datetime(2027, 1, 21, 18, 30, tzinfo=UTC)
    chunks = list(csv_chunks(["A", "B", "C", "D", "E", "F"],
                             [[when, date(2027, 1, 21), True, None, -3, "+1"]], bom=True))
    assert "".join(chunks) == ("\ufeffA,B,C,D,E,F\r\n"
                               "2027-01-21T18:30:00+00:00,2027-01-21,Yes,,-3,'+1\r\n")


def test_the_columns_follow_the_choice():
    assert "Contact name" not in ColumnChoice().header
    assert "Contact name" in ColumnChoice(personal=True).header
    assert "Anything else" in ColumnChoice(free_text=True).header


def test_rows_are_read_from_the_database_in_batches(client, teams, make_request, monkeypatch):
    """Five requests read two at a time (``yield_per``): three batches, each loading its
    requests' accommodations with one statement."""
    import accessreq.exports.services as export_services

    monkeypatch.setattr(export_services, "READ_BATCH", 2)
    made = [make_request(event=teams["event"], types=[teams["sign"]])[0] for _ in range(5)]
    sign_in(client, teams["comms_member"])
    with count_statements() as statements:
        response = download(client)
        _h, rows = parse(response)
    assert [r["Reference"] for r in rows] == [r.reference for r in made]
    item_reads = [s for s in statements if "FROM requested_accommodation" in s]
    assert len(item_reads) == 3
