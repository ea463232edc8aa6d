"""Reports (issue 13): the numbers on a known set of requests, who sees what, the periods and
filters, costs from bookings, numbers that survive the retention purge, the main reason staff
give for "Partially arranged" and "Unable to arrange", and a statement count that does not grow
with 100,000 requests."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from accessreq.arranging.models import BookingStatus, Provider, ProviderKind
from accessreq.arranging.outcomes import OutcomeChoice, record_outcomes
from accessreq.arranging.services import BookingDetails, create_booking, update_booking
from accessreq.auth.models import Role
from accessreq.extensions import db
from accessreq.reports import queries
from accessreq.reports.periods import Period, local_today, resolve
from accessreq.requests.models import AccessRequest
from accessreq.requests.outcomes import ItemOutcome, NeedsMet, OutcomeReason, ShortfallReason
from accessreq.requests.services import answer_needs_met, cancel_by_attendee, purge_expired
from accessreq.requests.states import RequestStatus
from accessreq.timeutil import utcnow
from accessreq.triage.services import change_status, reply
from helpers import count_statements, cover_everything, sign_in


def this_year() -> queries.ReportFilters:
    return queries.ReportFilters(period=resolve("last_12_months", local_today()))


@pytest.fixture
def known(make_teams, make_request, make_event, make_staff):
    """Six requests for the centre's lecture (30 days ahead) and a talk in two days:
    arranged in time; unable (no provider); partly (venue); cancelled; still open; and a late
    one (the talk is inside sign language's 14 days) arranged after its due date."""
    t = make_teams(route_seating=True, members=True)
    actor = make_staff(Role.ADMIN, name="Ada Admin", email="ada@example.org")
    sign, seat = t["sign"], t["seat"]
    soon = make_event("Talk soon", days_ahead=2, types=[sign, seat], organisation=t["centre"])
    made = {}
    made["arranged"], _ = make_request(t["event"], types=[sign])
    made["unable"], _ = make_request(t["event"], types=[seat])
    made["partly"], _ = make_request(t["event"], types=[sign, seat])
    made["cancelled"], _ = make_request(t["event"], types=[seat])
    made["open"], _ = make_request(t["event"], types=[sign])
    made["late"], _ = make_request(soon, types=[sign])
    cover_everything(made["arranged"])
    change_status(made["arranged"], actor, RequestStatus.ARRANGED)
    reply(made["unable"], actor, "No one is free.", new_status=RequestStatus.UNABLE,
          shortfall=ShortfallReason.NO_PROVIDER)
    reply(made["partly"], actor, "Interpreter yes, seat no.",
          new_status=RequestStatus.PARTIALLY_ARRANGED, shortfall=ShortfallReason.VENUE)
    cancel_by_attendee(made["cancelled"])
    cover_everything(made["late"])
    change_status(made["late"], actor, RequestStatus.ARRANGED)
    return {**t, **made, "actor": actor, "soon": soon}


def test_the_numbers_of_a_known_set_of_requests(known):
    report = queries.build(known["actor"], this_year())
    s = report.summary
    assert (s.received, s.cancelled, s.still_open) == (6, 1, 1)
    assert (s.arranged, s.arranged_by_due, s.going_ahead) == (2, 1, 5)
    assert s.share_arranged_by_due == pytest.approx(0.2)
    assert (s.late, s.late_arranged) == (1, 1)
    assert s.median_days_to_arranged is not None and 0 <= s.median_days_to_arranged < 0.01
    assert dict((n, a) for n, a, _ in report.by_accommodation) == {"Sign language": 4,
                                                                   "Seating": 3}
    assert dict(report.how_they_ended) == {
        "Arranged by the due date": 1, "Arranged after the due date": 1,
        "Partially arranged": 1, "Unable to arrange": 1, "Still being worked on": 1,
        "Closed without being arranged": 0, "Cancelled": 1}
    assert report.shortfall_reasons == [("No provider was available", 1),
                                        ("The venue or its equipment could not allow it", 1)]
    assert sum(n for _, n in report.received_over_time) == 6


def test_the_page_shows_charts_with_summaries_and_tables(client, known):
    sign_in(client, known["actor"])
    html = client.get("/staff/reports/overview").get_data(as_text=True)
    assert html.count('<svg class="chart__drawing"') == 3  # no outcomes yet: three charts
    for chart in ("received", "accommodations", "endings"):
        assert f'id="chart-{chart}-summary"' in html
        assert f'id="chart-{chart}-caption"' in html
    assert "6 requests received from" in html
    assert "20% of the requests not cancelled were arranged by their due date (1 of 5)" in html
    assert "No provider was available" in html
    assert "Sam Attendee" not in html and "sam@example.net" not in html  # nothing personal


def test_a_coordinator_sees_their_teams_and_what_no_team_holds(client, known, make_request):
    unrouted, _ = make_request(known["event"], types=[known["sign"]])
    unrouted.team_id = None  # as when routing found no team: every coordinator sees it
    db.session.commit()
    cam, fran = known["comms_member"], known["front_member"]
    held = {team: db.session.scalar(select(db.func.count()).where(
        AccessRequest.team_id == known[team].id)) for team in ("comms", "front")}
    # Seating alone went to Front of house (2); the rest to Communications access (4).
    assert held == {"comms": 4, "front": 2}
    assert queries.build(cam, this_year()).summary.received == 4 + 1  # and the unrouted one
    assert queries.build(fran, this_year()).summary.received == 2 + 1
    assert queries.build(known["actor"], this_year()).summary.received == 7
    sign_in(client, fran)
    page = client.get(f"/staff/reports/overview?team={known['comms'].id}")
    assert page.status_code == 200  # another team's id is not offered, so it is ignored
    assert "Requests received from" in page.get_data(as_text=True)
    html = page.get_data(as_text=True)
    assert ">Communications access</option>" not in html
    assert ">Front of house</option>" in html
    assert "3 requests received from" in html
    assert queries.build(known["actor"], queries.ReportFilters(
        period=this_year().period, team_id=known["front"].id)).summary.received == 2


def test_filters_by_event_organisation_and_accommodation(known):
    period = this_year().period
    by = lambda **kw: queries.build(known["actor"], queries.ReportFilters(  # noqa: E731
        period=period, **kw)).summary.received
    assert by(event_id=known["soon"].id) == 1
    assert by(organisation_id=known["centre"].id) == 6
    assert by(type_id=known["seat"].id) == 3
    assert by(type_id=known["seat"].id, event_id=known["soon"].id) == 0


def test_periods_count_requests_where_they_were_received(known):
    old = known["open"]
    old.created_at = old.created_at.replace(year=old.created_at.year - 1)
    db.session.commit()
    today = local_today()
    assert queries.build(known["actor"], this_year()).summary.received == 5
    last_year = queries.ReportFilters(period=resolve("last_year", today))
    assert queries.build(known["actor"], last_year).summary.received == 1
    month = queries.ReportFilters(period=resolve("this_month", today))
    assert len(month.period.buckets()) in (1, 2, 3, 4, 5, 6)  # weeks for a short period
    assert all(b.label.startswith("Week of") for b in month.period.buckets())


def test_period_words_and_buckets():
    assert resolve("last_quarter", date(2026, 5, 10)) == Period(date(2026, 1, 1),
                                                                date(2026, 3, 31))
    assert resolve("last_month", date(2026, 1, 15)) == Period(date(2025, 12, 1),
                                                              date(2025, 12, 31))
    twelve = resolve("last_12_months", date(2026, 12, 1))
    assert twelve == Period(date(2026, 1, 1), date(2026, 12, 1))
    assert [b.label for b in twelve.buckets()][:2] == ["January 2026", "February 2026"]
    assert len(twelve.buckets()) == 12


def test_custom_dates_are_checked_beside_the_fields_and_kept(signed_in):
    response = signed_in.get(
        "/staff/reports/overview?period=custom&first=2026-05-01&last=2026-01-31")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "<title>Error: " in html
    assert "The last day must be on or after the first day." in html
    assert 'value="2026-05-01"' in html and 'value="2026-01-31"' in html
    missing = signed_in.get("/staff/reports/overview?period=custom&first=2026-05-01")
    assert missing.status_code == 422
    assert "Enter the last day of the period." in missing.get_data(as_text=True)
    nonsense = signed_in.get(
        "/staff/reports/overview?period=custom&first=tomorrow&last=2026-01-31")
    assert "Enter a real date, like 2026-03-27" in nonsense.get_data(as_text=True)
    assert signed_in.get("/staff/reports/overview?period=forever").status_code == 422
    fine = signed_in.get("/staff/reports/overview?period=custom&first=2026-01-01"
                         "&last=2026-01-31"
                         "&event=abc&type=99999&team=-1")
    assert fine.status_code == 200
    assert "1 Jan 2026 to 31 Jan 2026" in fine.get_data(as_text=True)


def test_reports_need_a_sign_in(client):
    response = client.get("/staff/reports/overview")
    assert response.status_code == 302 and "/staff/login" in response.headers["Location"]


def test_outcomes_needs_met_and_costs(known):
    actor, arranged = known["actor"], known["arranged"]
    provider = Provider(name="Hands Up", kind=ProviderKind.SIGN_LANGUAGE)
    db.session.add(provider)
    db.session.commit()
    partly = known["partly"]
    sign_item = next(i for i in partly.items if i.accommodation_type_id == known["sign"].id)
    seat_item = next(i for i in partly.items if i.accommodation_type_id == known["seat"].id)
    shared = create_booking(known["event"], actor, BookingDetails(
        provider=provider, items=[arranged.items[0], sign_item, seat_item],
        estimated_cost=Decimal("300.00")))
    paid = create_booking(known["soon"], actor, BookingDetails(
        provider=provider, items=[known["late"].items[0]], estimated_cost=Decimal("100.00")))
    update_booking(paid, actor, BookingDetails(provider=provider, items=paid.items,
                                               estimated_cost=Decimal("100.00"),
                                               actual_cost=Decimal("120.50")),
                   BookingStatus.CONFIRMED)
    declined = create_booking(known["soon"], actor, BookingDetails(
        provider=provider, items=[known["late"].items[0]], estimated_cost=Decimal("999.00")))
    update_booking(declined, actor, BookingDetails(provider=provider, items=declined.items,
                                                   estimated_cost=Decimal("999.00")),
                   BookingStatus.DECLINED)
    # The lecture takes place: outcomes for the arranged request, and the attendee's answer.
    event = known["event"]
    event.starts_at, event.ends_at = utcnow() - timedelta(hours=3), utcnow() - timedelta(hours=1)
    db.session.commit()
    record_outcomes(arranged, actor, {arranged.items[0].id: OutcomeChoice(
        ItemOutcome.PARTLY, OutcomeReason.EQUIPMENT, "The screen failed")})
    answer_needs_met(db.session.get(AccessRequest, arranged.id), NeedsMet.PARTLY)
    report = queries.build(actor, this_year())
    assert report.outcomes == [("Partly delivered", 1)]
    assert report.outcome_reasons == [("Equipment or a connection failed", 1)]
    assert report.needs_met == [("Partly", 1)]
    costs = dict(report.cost_by_event)
    assert sorted(costs.values()) == [Decimal("120.50"), Decimal("300.00")]
    assert report.total_cost == Decimal("420.50")
    # The shared booking covers two types: 150 each; the paid one is sign language only.
    assert dict(report.cost_by_accommodation) == {"Sign language": Decimal("270.50"),
                                                  "Seating": Decimal("150.00")}
    assert shared.status == BookingStatus.ASKED  # an asked booking counts its estimate


def test_the_report_is_the_same_after_the_retention_purge(app, known):
    before = queries.build(known["actor"], this_year())
    for event in (known["event"], known["soon"]):
        event.starts_at = utcnow() - timedelta(days=200, hours=2)
        event.ends_at = utcnow() - timedelta(days=200)
    db.session.commit()
    assert purge_expired() == 6
    after = queries.build(known["actor"], this_year())
    assert after.summary == before.summary
    assert after.by_accommodation == before.by_accommodation
    assert after.shortfall_reasons == before.shortfall_reasons
    assert after.how_they_ended == before.how_they_ended


def test_composer_asks_for_the_main_reason_for_unable_and_partly(client, known):
    request = known["open"]
    sign_in(client, known["actor"])
    url = f"/staff/requests/{request.id}/compose"
    data = {"compose-version": str(request.version), "compose-mode": "reply",
            "compose-action": "reply", "compose-body": "We could not find an interpreter.",
            "compose-status": "unable"}
    refused = client.post(url, data=data)
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert "Choose the main reason it is “Unable to arrange”." in html
    assert "We could not find an interpreter." in html  # the reply is kept
    assert db.session.get(AccessRequest, request.id).status == RequestStatus.SUBMITTED
    done = client.post(url, data={**data, "compose-shortfall": "no_provider"})
    assert done.status_code in (302, 303)
    db.session.expire_all()
    request = db.session.get(AccessRequest, request.id)
    assert (request.status, request.shortfall_reason) == (RequestStatus.UNABLE,
                                                          ShortfallReason.NO_PROVIDER)
    # Worked on again: the reason goes; arranged later: the first time is kept.
    change_status(request, known["actor"], RequestStatus.IN_REVIEW)
    assert request.shortfall_reason is None


def test_the_reason_is_not_asked_where_it_cannot_apply(client, known):
    sign_in(client, known["actor"])
    closed_off = known["cancelled"]
    html = client.get(f"/staff/requests/{closed_off.id}").get_data(as_text=True)
    assert "the main reason" not in html
    html = client.get(f"/staff/requests/{known['open'].id}").get_data(as_text=True)
    assert "If it cannot be fully arranged: the main reason" in html


def test_first_arranged_is_kept_when_a_request_is_reopened(known):
    request, actor = known["arranged"], known["actor"]
    first = request.first_arranged_at
    change_status(request, actor, RequestStatus.IN_REVIEW)
    change_status(request, actor, RequestStatus.ARRANGED)
    assert request.first_arranged_at == first


def test_received_late_is_fixed_when_the_request_arrives(known):
    assert known["late"].received_late is True
    assert known["open"].received_late is False


@pytest.mark.slow
def test_the_page_runs_a_fixed_number_of_statements_with_100000_requests(runner, client,
                                                                        make_staff):
    admin = make_staff(Role.ADMIN)
    sign_in(client, admin)

    def statements() -> int:
        client.get("/staff/reports/overview")  # warm caches
        with count_statements() as seen:
            response = client.get("/staff/reports/overview")
        assert response.status_code == 200
        return len(seen)

    result = runner.invoke(args=["bench", "load", "--requests", "1000", "--open", "50",
                                 "--events", "40"])
    assert result.exit_code == 0, result.output
    small = statements()
    result = runner.invoke(args=["bench", "load", "--requests", "99000", "--open", "50",
                                 "--events", "40", "--batch", "20000"])
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(db.func.count()).select_from(AccessRequest)) >= 100_000
    large = statements()
    assert large == small
    assert large <= 20, large
    html = client.get("/staff/reports/overview?period=last_year").get_data(as_text=True)
    assert re.search(r"[\d,]+ requests received from", html)


@pytest.mark.parametrize("target", [RequestStatus.UNABLE, RequestStatus.PARTIALLY_ARRANGED])
def test_a_move_to_unable_or_partly_without_its_reason_is_refused_and_changes_nothing(
        known, target):
    from accessreq.requests.services import RequestActionError

    request = known["open"]
    version = request.version
    with pytest.raises(RequestActionError, match="Choose the main reason"):
        change_status(request, known["actor"], target, "Sorry: we could not.")
    db.session.rollback()
    request = db.session.get(AccessRequest, request.id)
    assert (request.status, request.version) == (RequestStatus.SUBMITTED, version)


def test_a_report_table_downloads_as_a_safe_csv_and_is_logged(client, known, make_type,
                                                              make_request):
    from accessreq.exports.models import KIND_REPORT, ExportLog

    risky = make_type('=HYPERLINK("http://x")', 3)
    known["event"].accommodation_types.append(risky)
    db.session.commit()
    make_request(known["event"], types=[risky])
    sign_in(client, known["actor"])
    page = client.get("/staff/reports/overview?period=this_year").get_data(as_text=True)
    assert "/staff/reports/overview/accommodations.csv?period=this_year" in page
    response = client.get("/staff/reports/overview/accommodations.csv?period=this_year")
    assert response.status_code == 200 and response.is_streamed
    assert response.mimetype == "text/csv"
    body = response.get_data(as_text=True)
    assert not body.startswith("\ufeff")
    lines = body.splitlines()
    assert lines[0] == "Accommodation,Requests,Arranged"
    assert "Sign language,4,2" in lines
    assert "\"'=HYPERLINK(\"\"http://x\"\")\",1,0" in lines  # text, not a formula
    excel = client.get("/staff/reports/overview/received.csv?period=last_year&bom=1")
    assert excel.get_data(as_text=True).startswith("\ufeffPeriod starting,Period,Requests")
    assert f"{date.today().year - 1}-01-01,January {date.today().year - 1},0" in \
        excel.get_data(as_text=True)
    logged = db.session.scalars(select(ExportLog).order_by(ExportLog.id)).all()
    assert [(e.kind, e.staff_id, e.row_count, e.complete) for e in logged] == [
        (KIND_REPORT, known["actor"].id, 3, True), (KIND_REPORT, known["actor"].id, 12, True)]
    assert "Requests and arranged, per accommodation" in logged[0].description
    assert client.get("/staff/reports/overview/secrets.csv").status_code == 404
    refused = client.get("/staff/reports/overview/received.csv?period=custom&first=2026-02-01")
    assert refused.status_code == 422


def test_the_median_days_to_arranged(known, make_request):
    """Worked out by the database from days counted per tenth of a day: 1, 2, 4 and 6.5 days
    give 3; adding 10 days makes 4."""
    extra = [make_request(known["event"], types=[known["sign"]])[0] for _ in range(2)]
    requests = [known["arranged"], known["late"], *extra]
    for request, days in zip(requests, (1, 2, 4, 6.5)):
        request.first_arranged_at = request.created_at + timedelta(days=days)
    db.session.commit()
    conditions = queries.scope_conditions(known["actor"], this_year())
    assert queries.median_days_to_arranged(conditions) == pytest.approx(3.0)
    one_more, _ = make_request(known["event"], types=[known["sign"]])
    one_more.first_arranged_at = one_more.created_at + timedelta(days=10)
    db.session.commit()
    assert queries.median_days_to_arranged(conditions) == pytest.approx(4.0)


def test_a_table_download_reads_only_what_that_table_needs(client, known):
    """The page reads every part of the report; one table's CSV only its own statement (the
    report's parts are read when first asked for)."""
    sign_in(client, known["actor"])

    def report_reads(url: str) -> list[str]:
        client.get(url)  # warm caches
        with count_statements() as seen:
            assert client.get(url).status_code == 200
        return [s for s in seen if "access_request" in s and "GROUP BY" in s.upper()]

    page = report_reads("/staff/reports/overview?period=this_year")
    needs = report_reads("/staff/reports/overview/needs-met.csv?period=this_year")
    costs = report_reads("/staff/reports/overview/cost-by-event.csv?period=this_year")
    assert len(page) >= 6
    assert len(needs) == 1 and needs[0] in page  # the grouped scan of the requests
    assert len(costs) == 1 and costs[0] in page and costs != needs
