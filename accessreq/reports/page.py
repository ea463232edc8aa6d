"""A report in the words and charts the page shows: key figures, each chart with its title,
its text summary and its table, and the tables that need no chart."""

from __future__ import annotations

from collections.abc import Callable, Sequence
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
class ReportTable:
    """One table of the report, defined once: its title and header, and its rows read from
    the report as raw values. The page shows the values formatted (and may add columns worked
    out from them); the CSV download keeps them raw, so numbers stay numbers in the file."""

    id: str  # its download's name, and its anchor on the page
    title: str
    header: tuple[str, ...]
    rows: Callable[[Report], Sequence[tuple]]
    empty: str = ""  # said instead of the table when it has no rows
    note: str = ""
    money: bool = False  # the last column is an amount in the CURRENCY setting
    # Columns only the page shows, worked out from a raw row: (header, value).
    worked_out: tuple[tuple[str, Callable[[tuple], str]], ...] = ()

    def csv_header(self, currency: str) -> tuple[str, ...]:
        if not self.money:
            return self.header
        return (*self.header[:-1], f"{self.header[-1]} ({currency})")


@dataclass(frozen=True)
class Table:
    """A table as the page shows it."""

    id: str
    title: str
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    empty: str
    note: str = ""


def _shown(value, currency: str) -> str:
    if isinstance(value, Decimal):
        return f"{value:,.2f} {currency}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _on_page(table: ReportTable, report: Report, currency: str) -> Table:
    return Table(table.id, table.title,
                 table.header + tuple(header for header, _ in table.worked_out),
                 tuple(tuple(_shown(value, currency) for value in row)
                       + tuple(value(row) for _, value in table.worked_out)
                       for row in table.rows(report)),
                 table.empty, table.note)


_NO_ACCOMMODATIONS = "No accommodations were asked for in this period."
_NO_COSTS = "No booking for these requests has a cost recorded."

# Every table of the report, by the name its download has. The first three are the numbers of
# the charts "Requests received", "How the requests stand" and "What happened on the day".
TABLES: dict[str, ReportTable] = {table.id: table for table in (
    ReportTable("received", "Requests received", ("Period starting", "Period", "Requests"),
                lambda r: [(b.first, b.label, n) for b, n in r.received_over_time]),
    ReportTable("endings", "How the requests stand", ("Where it stands", "Requests"),
                lambda r: r.how_they_ended),
    ReportTable("outcomes", "What happened on the day", ("Outcome", "Accommodations"),
                lambda r: r.outcomes),
    ReportTable("accommodations", "Requests and arranged, per accommodation",
                ("Accommodation", "Requests", "Arranged"), lambda r: r.by_accommodation,
                _NO_ACCOMMODATIONS,
                worked_out=(("Share arranged", lambda row: share(row[2], row[1])),)),
    ReportTable("shortfall", "Why requests were partly arranged or not arranged",
                ("Main reason", "Requests"), lambda r: r.shortfall_reasons,
                "No request in this period ended partly arranged or unable to arrange."),
    ReportTable("outcome-reasons", "Why something was not fully delivered on the day",
                ("Reason", "Accommodations"), lambda r: r.outcome_reasons,
                "No accommodation was recorded as partly or not delivered."),
    ReportTable("needs-met", "Did what we arranged meet the attendee's needs?",
                ("Answer", "Attendees"), lambda r: r.needs_met, "No attendee has answered yet.",
                note="Attendees are asked on their status page after the event."),
    ReportTable("cost-by-event", "Cost per event", ("Event", "Cost"),
                lambda r: r.cost_by_event, _NO_COSTS, money=True),
    ReportTable("cost-by-accommodation", "Cost per accommodation", ("Accommodation", "Cost"),
                lambda r: r.cost_by_accommodation, _NO_COSTS, money=True,
                note="A booking that covers several accommodations is shared equally "
                     "between them."),
)}
_PAGE_TABLES = ("accommodations", "shortfall", "outcome-reasons", "needs-met")
_COST_TABLES = ("cost-by-event", "cost-by-accommodation")


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


def report_page(report: Report) -> ReportPage:
    currency = current_app.config["CURRENCY"]
    period = report.filters.period
    s = report.summary
    received = [(bucket.label, count) for bucket, count in report.received_over_time]
    accommodation = [(name, asked) for name, asked, _ in report.by_accommodation]
    in_time = dict(report.how_they_ended)
    charts = [
        Chart("received", TABLES["received"].title, received_summary(report.received_over_time,
                                                                period.words),
              "Period", "Requests", bars(received)),
        Chart("accommodations", "What people asked for",
              ranking_summary(accommodation, "request",
                              "No accommodations were asked for in this period."),
              "Accommodation", "Requests", bars(accommodation)),
        Chart("endings", TABLES["endings"].title,
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
            "outcomes", TABLES["outcomes"].title,
            f"Outcomes were recorded for {plural(recorded, 'accommodation')}: "
            + ", ".join(f"{label.lower()} {n:,}" for label, n in report.outcomes) + ".",
            "Outcome", "Accommodations", bars(report.outcomes)))
    tables = tuple(_on_page(TABLES[name], report, currency) for name in _PAGE_TABLES)
    costs = tuple(_on_page(TABLES[name], report, currency) for name in _COST_TABLES)
    return ReportPage(report, period.words, _figures(report, currency), tuple(charts),
                      tables, costs, currency)
