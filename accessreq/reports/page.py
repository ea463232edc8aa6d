"""A report in the words and charts the page shows: key figures, each chart with its title,
its text summary and its table, and the tables that need no chart."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from flask import current_app

from .charts import Chart, bars, plural, ranking_summary, received_summary, share
from .queries import Report


@dataclass(frozen=True)
class Figure:
    label: str
    value: str
    detail: str = ""


@dataclass(frozen=True)
class Table:
    id: str
    title: str
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    empty: str  # said instead of the table when it has no rows
    note: str = ""
    csv_id: str = ""  # its download (csv_tables); "" for the table's own id

    @property
    def download(self) -> str:
        return self.csv_id or self.id


@dataclass(frozen=True)
class ReportPage:
    report: Report
    period_words: str
    figures: tuple[Figure, ...]
    charts: tuple[Chart, ...]
    tables: tuple[Table, ...]
    costs: tuple[Table, ...]
    currency: str


def _days(value: float | None) -> str:
    if value is None:
        return "–"
    if value < 1:
        return "Under a day"
    rounded = round(value, 1)
    return "1 day" if rounded == 1 else f"{rounded:g} days"


def _figures(report: Report, currency: str) -> tuple[Figure, ...]:
    s = report.summary
    return (
        Figure("Requests received", f"{s.received:,}",
               f"{s.cancelled:,} cancelled, {s.still_open:,} still open"),
        Figure("Arranged by the due date", share(s.arranged_by_due, s.going_ahead),
               f"{s.arranged_by_due:,} of the {plural(s.going_ahead, 'request')} not cancelled"),
        Figure("Median time from received to arranged", _days(s.median_days_to_arranged),
               f"over {plural(s.arranged, 'request')} arranged"),
        Figure("Late requests", f"{s.late:,}",
               f"received after their due date; {s.late_arranged:,} of them still arranged"),
        Figure("Cost of bookings", f"{report.total_cost:,.2f} {currency}",
               "what was paid, or else the estimate"),
    )


def _money_rows(rows: list[tuple[str, Decimal]], currency: str) -> tuple[tuple[str, ...], ...]:
    return tuple((name, f"{amount:,.2f} {currency}") for name, amount in rows)


def report_page(report: Report) -> ReportPage:
    currency = current_app.config["CURRENCY"]
    period = report.filters.period
    s = report.summary
    received = [(bucket.label, count) for bucket, count in report.received_over_time]
    accommodation = [(name, asked) for name, asked, _ in report.by_accommodation]
    in_time = dict(report.how_they_ended)
    charts = [
        Chart("received", "Requests received", received_summary(report.received_over_time,
                                                                period.words),
              "Period", "Requests", bars(received)),
        Chart("accommodations", "What people asked for",
              ranking_summary(accommodation, "request",
                              "No accommodations were asked for in this period."),
              "Accommodation", "Requests", bars(accommodation)),
        Chart("endings", "How the requests stand",
              (f"{share(s.arranged_by_due, s.going_ahead)} of the requests not cancelled were "
               f"arranged by their due date ({s.arranged_by_due:,} of {s.going_ahead:,}); "
               f"{in_time['Partially arranged']:,} partially arranged, "
               f"{in_time['Unable to arrange']:,} could not be arranged and "
               f"{in_time['Still being worked on']:,} are still being worked on.")
              if s.received else "No requests were received in this period.",
              "Where it stands", "Requests", bars(report.how_they_ended)),
    ]
    if report.outcomes:
        recorded = sum(n for _, n in report.outcomes)
        charts.append(Chart(
            "outcomes", "What happened on the day",
            f"Outcomes were recorded for {plural(recorded, 'accommodation')}: "
            + ", ".join(f"{label.lower()} {n:,}" for label, n in report.outcomes) + ".",
            "Outcome", "Accommodations", bars(report.outcomes)))
    tables = (
        Table("by-accommodation", "Requests and arranged, per accommodation",
              ("Accommodation", "Requests", "Arranged", "Share arranged"),
              tuple((name, f"{asked:,}", f"{arranged:,}", share(arranged, asked))
                    for name, asked, arranged in report.by_accommodation),
              "No accommodations were asked for in this period.", csv_id="accommodations"),
        Table("shortfall", "Why requests were partly arranged or not arranged",
              ("Main reason", "Requests"),
              tuple((label, f"{n:,}") for label, n in report.shortfall_reasons),
              "No request in this period ended partly arranged or unable to arrange."),
        Table("outcome-reasons", "Why something was not fully delivered on the day",
              ("Reason", "Accommodations"),
              tuple((label, f"{n:,}") for label, n in report.outcome_reasons),
              "No accommodation was recorded as partly or not delivered."),
        Table("needs-met", "Did what we arranged meet the attendee's needs?",
              ("Answer", "Attendees"),
              tuple((label, f"{n:,}") for label, n in report.needs_met),
              "No attendee has answered yet.",
              note="Attendees are asked on their status page after the event."),
    )
    costs = (
        Table("cost-by-event", "Cost per event", ("Event", "Cost"),
              _money_rows(report.cost_by_event, currency),
              "No booking for these requests has a cost recorded."),
        Table("cost-by-accommodation", "Cost per accommodation", ("Accommodation", "Cost"),
              _money_rows(report.cost_by_accommodation, currency),
              "No booking for these requests has a cost recorded.",
              note="A booking that covers several accommodations is shared equally "
                   "between them."),
    )
    return ReportPage(report, period.words, _figures(report, currency), tuple(charts),
                      tables, costs, currency)


@dataclass(frozen=True)
class CsvTable:
    title: str
    header: tuple[str, ...]
    rows: tuple[tuple, ...]  # raw values: numbers stay numbers in the file


def csv_tables(report: Report) -> dict[str, CsvTable]:
    """Every table of the report as it is downloaded, by the id the page links with."""
    currency = current_app.config["CURRENCY"]
    counts = lambda rows: tuple((label, n) for label, n in rows)  # noqa: E731
    return {
        "received": CsvTable("Requests received", ("Period starting", "Period", "Requests"),
                             tuple((b.first, b.label, n) for b, n in report.received_over_time)),
        "accommodations": CsvTable(
            "Requests and arranged, per accommodation",
            ("Accommodation", "Requests", "Arranged"), tuple(report.by_accommodation)),
        "endings": CsvTable("How the requests stand", ("Where it stands", "Requests"),
                            counts(report.how_they_ended)),
        "outcomes": CsvTable("What happened on the day", ("Outcome", "Accommodations"),
                             counts(report.outcomes)),
        "shortfall": CsvTable("Why requests were partly arranged or not arranged",
                              ("Main reason", "Requests"), counts(report.shortfall_reasons)),
        "outcome-reasons": CsvTable("Why something was not fully delivered on the day",
                                    ("Reason", "Accommodations"),
                                    counts(report.outcome_reasons)),
        "needs-met": CsvTable("Did what we arranged meet the attendee's needs?",
                              ("Answer", "Attendees"), counts(report.needs_met)),
        "cost-by-event": CsvTable("Cost per event", ("Event", f"Cost ({currency})"),
                                  counts(report.cost_by_event)),
        "cost-by-accommodation": CsvTable("Cost per accommodation",
                                          ("Accommodation", f"Cost ({currency})"),
                                          counts(report.cost_by_accommodation)),
    }


CSV_TABLE_IDS = ("received", "accommodations", "endings", "outcomes", "shortfall",
                 "outcome-reasons", "needs-met", "cost-by-event", "cost-by-accommodation")
